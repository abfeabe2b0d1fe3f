"""Error pages and the translation of domain refusals into user messages."""
from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError

from .domain.errors import DomainError
from .extensions import db
from .i18n import _


def init_app(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(e):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(e):
        return render_template("errors/404.html"), 404

    @app.errorhandler(413)
    def too_large(e):
        return render_template("errors/error.html", code=413,
                               message=_("The file is too large.")), 413

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_template("errors/error.html", code=400,
                               message=_("The form has expired or was sent from another page. "
                                         "Reload the page and try again.")), 400

    @app.errorhandler(DomainError)
    def domain_error(e):
        db.session.rollback()
        flash(str(e), "error")
        return redirect(request.referrer or "/")

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return render_template("errors/500.html"), 500
