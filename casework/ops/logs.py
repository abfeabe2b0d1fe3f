"""Request ids and logs: every request gets an id (the X-Request-ID header, else a new one) echoed in the response;
with LOG_FORMAT=json every log line is one JSON object carrying it, the user, the path and, for the request line,
the status and duration."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

REQUEST_LOGGER = "casework.request"
ENVIRON_KEY = "casework.request_id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # a client's id is taken only when harmless in a log line


def request_id() -> str | None:
    """The id of the current request (kept in its WSGI environ: `g` may outlive a request)."""
    return request.environ.get(ENVIRON_KEY) if has_request_context() else None


def _user_id():
    user = g.get("_login_user")  # Flask-Login's loaded user; never loads one for the log line
    if user is not None and getattr(user, "is_authenticated", False):
        return getattr(user, "id", None)  # the record id: get_id() is the session token, a secret
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, user_id, path, method, status, duration_ms."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry.update(request_id=request_id(), user_id=_user_id(), path=request.path, method=request.method)
        for key in ("status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class JsonHandler(logging.StreamHandler):
    """The handler LOG_FORMAT=json installs on the root logger (one, however many apps the process builds)."""


def configure_logging(app: Flask) -> None:
    if str(app.config.get("LOG_FORMAT") or "text").lower() != "json":
        return
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, JsonHandler)]:
        root.removeHandler(old)
    handler = JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)  # the app's errors go to the JSON handler only, not twice
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    root.setLevel(level)
    app.logger.setLevel(level)
    app.extensions["casework_log_handler"] = handler


def init_app(app: Flask) -> None:
    configure_logging(app)
    log = logging.getLogger(REQUEST_LOGGER)

    def _start_request():
        given = request.headers.get("X-Request-ID", "")
        request.environ[ENVIRON_KEY] = given if _VALID_ID.match(given) else uuid.uuid4().hex
        request.environ["casework.request_started"] = time.perf_counter()

    # first of all hooks, so that a request refused by another one (login, access) has its id too
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)

    @app.after_request
    def _finish_request(response):
        rid = request_id()
        if rid:
            response.headers["X-Request-ID"] = rid
            duration = round((time.perf_counter() - request.environ["casework.request_started"]) * 1000, 1)
            log.info("%s %s %s", request.method, request.path, response.status_code,
                     extra={"status": response.status_code, "duration_ms": duration})
        return response
