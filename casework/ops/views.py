"""/health/live and /health/ready: for the load balancer and the orchestrator; public, no session, no login."""
from __future__ import annotations

from flask import jsonify

from ..access import public
from . import bp
from .checks import readiness


@bp.route("/live")
@public
def live():
    """The process answers."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/ready")
@public
def ready():
    """Database reachable, migrations at head, storage writable, queue lag: 200, else 503 naming what failed."""
    ok, checks, failed = readiness()
    body = {"status": "ok" if ok else "unavailable", **checks}
    if failed:
        body["failed"] = failed
    resp = jsonify(body)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp
