"""Default settings and the environment layer of the configuration."""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from flask import Flask


class DefaultConfig:
    SECRET_KEY = "dev-insecure-change-me"
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in finalize(): instance/casework.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # bound to the session instead
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # True in production (CASEWORK_PRODUCTION=1)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    PRODUCTION = False
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024  # uploads
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Europe/Moscow"
    LANGUAGES = ("ru", "en")
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    LOGIN_IP_MAX_FAILURES = 30  # failed logins from one IP address within the window below refuse that address
    LOGIN_IP_WINDOW_MINUTES = 15
    # reverse proxies in front of the application whose X-Forwarded-For/-Proto/-Host it trusts (werkzeug ProxyFix);
    # 0 = none: the client address is the connection's. Set 1 behind one nginx, never more than there are proxies.
    TRUSTED_PROXIES = 0
    PASSWORD_MIN_LENGTH = 10
    PAGE_SIZE = 50
    # legal-engine readings (documented in docs/legal-engine.md); defaults are the reference's main readings
    PENALTY_POLICY: dict = {}
    LIMITATION_POLICY: dict = {}
    DUTY_POLICY: dict = {}


def _parse(value: str):
    """Read CASEWORK_* values: JSON where it parses (numbers, true/false, lists), else the string."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def apply_environment(cfg: dict, environ: os._Environ | dict) -> None:
    """Environment layer: DATABASE_URL, SECRET_KEY and every CASEWORK_<KEY>=value."""
    if environ.get("DATABASE_URL"):
        cfg["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = environ["SECRET_KEY"]
    for key, value in environ.items():
        if key.startswith("CASEWORK_") and key not in ("CASEWORK_INSTANCE_PATH",):
            cfg[key[len("CASEWORK_"):]] = _parse(value)


def normalize_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def finalize(app: Flask) -> None:
    """Fill derived settings: default SQLite file, production cookie flags, engine options."""
    cfg = app.config
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "casework.sqlite3")
    if cfg.get("PRODUCTION"):
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
        if cfg["SECRET_KEY"] == DefaultConfig.SECRET_KEY:
            raise RuntimeError("Set SECRET_KEY (or instance/config.py) before running in production")
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    opts = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        opts.setdefault("connect_args", {}).setdefault("timeout", 30)
    else:
        opts.setdefault("pool_pre_ping", True)
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    from .domain.policy import validate_policy_settings

    validate_policy_settings(cfg)  # PENALTY_POLICY / LIMITATION_POLICY / DUTY_POLICY: a wrong switch stops the start
    cfg.setdefault("DOCUMENTS_DIR", str(Path(app.instance_path) / "documents"))
    cfg.setdefault("IMPORTS_DIR", str(Path(app.instance_path) / "imports"))
