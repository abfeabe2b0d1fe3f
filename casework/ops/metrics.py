"""Prometheus metrics at /metrics: the Flask request metrics of prometheus-flask-exporter (by URL rule, so record
ids do not multiply the series) and gauges of jobs by state and import batches by status, read at scrape time.

Served only when METRICS_ENABLED; then, when METRICS_TOKEN is set, only with `Authorization: Bearer <token>`,
else only to a client on the loopback address (a scraper on the same host). Refusals answer 404 (disabled) or 403."""
from __future__ import annotations

import hmac

from flask import Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_flask_exporter import PrometheusMetrics
from sqlalchemy import inspect, text

from ..access import public
from . import checks

LOOPBACK = ("127.0.0.1", "::1")


class StateCollector:
    """casework_jobs{state} and casework_import_batches{status}, counted in the database when scraped."""

    def __init__(self, app: Flask):
        self.app = app

    def describe(self):
        return []  # collected only at scrape time (no database access when registered)

    def collect(self):
        from ..extensions import db

        jobs = GaugeMetricFamily("casework_jobs", "Jobs in the queue table by state", labels=["state"])
        batches = GaugeMetricFamily("casework_import_batches", "Import batches by status", labels=["status"])
        with self.app.app_context(), db.engine.connect() as conn:
            if inspect(conn).has_table(checks.JOBS_TABLE):
                for state, n in conn.execute(text(f"SELECT state, COUNT(*) FROM {checks.JOBS_TABLE} GROUP BY state")):
                    jobs.add_metric([state], n)
            if inspect(conn).has_table("import_batches"):
                for status, n in conn.execute(text("SELECT status, COUNT(*) FROM import_batches GROUP BY status")):
                    batches.add_metric([status], n)
        yield jobs
        yield batches


def _allowed() -> bool:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.remote_addr in LOOPBACK


@public
def metrics_view():
    if not current_app.config.get("METRICS_ENABLED"):
        abort(404)
    if not _allowed():
        abort(403)
    registry = current_app.extensions["casework_metrics"].registry
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    registry = CollectorRegistry()  # one per application: several apps in a process (tests) do not collide
    exporter = PrometheusMetrics(app, path=None, registry=registry, group_by="url_rule",
                                 excluded_paths=["^/metrics$", "^/static/"])
    registry.register(StateCollector(app))
    app.extensions["casework_metrics"] = exporter
    app.add_url_rule("/metrics", "metrics", metrics_view)
