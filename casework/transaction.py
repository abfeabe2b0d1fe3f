"""The one commit boundary (docs/DEVELOPING.md, «Transactions»).

Services change state and flush; they never commit. A request that may change state (POST, PUT, PATCH, DELETE)
commits once, when it has answered without an error (`_commit_at_end`, an `after_request` hook: any status below
400); a GET or HEAD changes nothing and is never committed (tests/web/test_csrf.py walks every GET). A refusal
(`DomainError`) rolls back what the request did and says why (`refused` in a view that chooses where to go, the
error handler for one it lets through). A job step or a console command works in `unit_of_work()`: committed when
the block ends, rolled back when it raises. Every other commit is named `commit_now()`: a job enqueued, committed,
then started (`jobs.services.start`); the `pii.view` audit row of a GET that showed personal data; an attempt kept
though the answer is an error (a refused login, a failed API import).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import Flask, Response, flash, redirect, request, session
from sqlalchemy.orm.exc import StaleDataError

from .domain.errors import DomainError
from .extensions import db
from .i18n import _l

#: the methods that change nothing: never committed at the end of the request
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: the optimistic lock (`Case.version_id`) met a concurrent change: nothing of the request is kept
CONFLICT = _l("The case has already been changed by another user; refresh the page.")



def back(fallback: str | None = None) -> str:
    """Where «back» leads: the page the request came from when it is one of ours (same host, http or https, or a
    path of this site), else `fallback`, else the home page — never another site."""
    ref = request.referrer
    if ref:
        parts = urlsplit(ref)
        if parts.scheme in ("http", "https") and parts.netloc == request.host:
            return ref
        if not parts.scheme and not parts.netloc and ref.startswith("/") and not ref.startswith(("//", "/\\")):
            return ref  # a path of this site
    return fallback or "/"


def rollback(message: str | None = None) -> None:
    """Undo everything the request has changed so far and flash `message` as an error; for a view that answers the
    refusal on its own page (the form shown again)."""
    db.session.rollback()
    if message:
        flash(message, "error")


def refused(exc: DomainError, to: str | None = None, *, message: str | None = None) -> Response:
    """A refusal: roll back, flash the user's words (`message`, else the exception's text) and redirect to `to`
    (else back to a page of ours, see `back`)."""
    rollback(message or str(exc))
    return redirect(to or back())


def commit_now() -> None:
    """The named explicit commit: write what has been done so far, now. For a view that must know its changes are
    stored before it goes on (a job enqueued in this transaction, committed, then started with
    `jobs.services.start`), a GET that keeps the `pii.view` audit row of what it showed, an attempt kept though the
    answer is an error, and a job's chunk with its checkpoint. What a state-changing request does afterwards is
    committed at its end as usual."""
    db.session.commit()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """A job step or a console command: commit when the block ends, roll back (and re-raise) when it raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def _drop_success_messages() -> None:
    """On a conflict at the commit nothing the request did stands, its success messages neither."""
    flashes = session.get("_flashes")
    if flashes:
        session["_flashes"] = [f for f in flashes if f[0] != "success"]


def _commit_at_end(response: Response) -> Response:
    """The request answered: a POST (PUT, PATCH, DELETE) commits once when it succeeded (status below 400; after a
    refusal's rollback only what the request did since is left to commit); a concurrent change found at the commit
    (optimistic lock) rolls everything back and says so instead of the request's own messages, going where the
    request went (its redirect) or back. Nothing else is kept: the session is rolled back when the request's context
    ends."""
    if request.method in SAFE_METHODS or response.status_code >= 400:
        return response
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        _drop_success_messages()
        flash(str(CONFLICT), "error")
        return redirect(response.location if response.status_code in (301, 302, 303, 307, 308) and response.location
                        else back())
    return response


def init_app(app: Flask) -> None:
    """Install the boundary: the commit at the end of each request and the handlers of refusals and conflicts."""
    app.after_request(_commit_at_end)

    @app.errorhandler(DomainError)
    def domain_error(e: DomainError):
        """A refusal no view caught: the message in the user's words, back to the page it came from."""
        return refused(e)

    @app.errorhandler(StaleDataError)
    def conflict(e: StaleDataError):
        """A concurrent change met while the request flushed: nothing of it is kept."""
        rollback(str(CONFLICT))
        return redirect(back())
