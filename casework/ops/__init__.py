"""Operations: health checks (/health/live, /health/ready), request ids and JSON logs, Prometheus metrics."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)


def init_app(app: Flask) -> None:
    """Request id and logs, /metrics, and the page shown when a statement hits the database's time limit."""
    from . import errors, logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
    errors.init_app(app)


from . import views  # noqa: E402,F401
