"""A statement cancelled by the database's statement_timeout answers a page in the user's words (503), not a 500."""
from __future__ import annotations

from flask import Flask, render_template
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..i18n import _

QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout (or a cancel request)


def init_app(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def statement_timeout(e):
        if getattr(e.orig, "sqlstate", None) != QUERY_CANCELED:
            raise e
        db.session.rollback()
        message = _("The database took too long to answer and the request was stopped. Try again later or narrow "
                    "the request (a shorter period, fewer records).")
        from ..problems import is_api_request, problem_response

        if is_api_request():
            return problem_response(503, message, slug="statement-timeout", headers={"Retry-After": "60"})
        return render_template("errors/error.html", code=503, message=message), 503
