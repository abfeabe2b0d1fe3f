"""Errors of the API as problem details (RFC 9457): `application/problem+json` with a `detail` in the user's
language (Russian), and for refused rows the list of row problems (index, field, reason)."""
from __future__ import annotations

from flask import Response, json, request

from .i18n import _

PROBLEM = "application/problem+json"


class ApiProblem(Exception):
    """Raised anywhere in an API request: answered as a problem response."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None, errors: list | None = None,
                 headers: dict | None = None, **extra):
        super().__init__(detail)
        self.status, self.detail, self.slug, self.errors = status, detail, slug, errors
        self.headers, self.extra = headers or {}, extra


def _titles() -> dict[int, str]:
    return {400: _("Bad request"), 401: _("Not authenticated"), 403: _("Forbidden"), 404: _("Not found"),
            405: _("Method not allowed"), 409: _("Conflict"), 413: _("Request too large"),
            415: _("Unsupported media type"), 422: _("Unprocessable content"), 429: _("Too many requests"),
            500: _("Internal error"), 503: _("Service unavailable")}


def _details() -> dict[int, str]:
    return {400: _("The request cannot be read."),
            401: _("An API token is required: send the header «Authorization: Bearer <token>»."),
            403: _("This token may not do this."), 404: _("There is no such resource."),
            405: _("This method is not allowed here."), 413: _("The request body is too large."),
            415: _("The request body must be JSON (Content-Type: application/json)."),
            429: _("Too many requests; try again later."),
            500: _("An internal error occurred; the request was not carried out.")}


def problem_response(status: int, detail: str | None = None, *, slug: str | None = None, errors: list | None = None,
                     headers: dict | None = None, **extra) -> Response:
    """A problem details response; `type` is a stable URN naming the kind of problem (about:blank for plain HTTP)."""
    body = {"type": f"urn:casework:problem:{slug}" if slug else "about:blank",
            "title": _titles().get(status, str(status)), "status": status,
            "detail": detail or _details().get(status, _titles().get(status, str(status))),
            "instance": request.path}
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    resp.headers["Cache-Control"] = "no-store"
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="casework"'
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def from_exception(exc: ApiProblem) -> Response:
    return problem_response(exc.status, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers,
                            **exc.extra)


def is_api_request() -> bool:
    """Requests under /api/ are answered with problem details, also when no route matched."""
    return request.path.startswith("/api/")
