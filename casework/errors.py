"""Error pages (refusals and conflicts are answered by casework/transaction.py, the commit boundary)."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError

from .extensions import db
from .i18n import _
from .pagination import BadQueryParameter, out_of_range_args


def _api_problem(code: int):
    """Under /api/ an error is answered as problem details (JSON), also when no API route matched."""
    from .problems import is_api_request, problem_response

    if request and is_api_request():
        db.session.rollback()
        return problem_response(code)
    return None


def init_app(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(e):
        return _api_problem(403) or (render_template("errors/403.html"), 403)

    @app.errorhandler(404)
    def not_found(e):
        return _api_problem(404) or (render_template("errors/404.html"), 404)

    @app.errorhandler(405)
    def method_not_allowed(e):
        return _api_problem(405) or e

    @app.errorhandler(413)
    def too_large(e):
        return _api_problem(413) or (render_template("errors/error.html", code=413,
                                                     message=_("The file is too large.")), 413)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_template("errors/error.html", code=400,
                               message=_("The form has expired or was sent from another page. "
                                         "Reload the page and try again.")), 400

    @app.errorhandler(BadQueryParameter)
    def bad_query_parameter(e):
        db.session.rollback()
        return render_template("errors/error.html", code=400, message=e.description), 400

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def number_out_of_range(e):
        """The net under `pagination.int_arg`: a view that passed an oversized number of the request to the
        database (SQLite: OverflowError; PostgreSQL: «integer out of range», SQLSTATE 22003) answers 400 naming the
        parameter instead of 500. Any other error of these kinds stays a 500."""
        if isinstance(e, DataError) and getattr(e.orig, "sqlstate", None) != "22003":
            raise e
        names = out_of_range_args()
        if not names:
            raise e
        db.session.rollback()
        return render_template("errors/error.html", code=400, message=_(
            "The number in the field %(f)s is out of range.", f=", ".join(f"«{n}»" for n in names))), 400

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return _api_problem(500) or (render_template("errors/500.html"), 500)
