"""Default settings and the environment layer of the configuration."""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from flask import Flask

# production refuses to start with a shorter SECRET_KEY (it signs the session and remember-me cookies)
SECRET_KEY_MIN_BYTES = 32


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
    # time zone (IANA name) of an enterprise that has not chosen one on its page; the business date ("today"),
    # deadlines, the daily job and every displayed time follow the enterprise's zone (casework.timeutil)
    DEFAULT_TIMEZONE = "Europe/Moscow"
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
    # court claims: time-barred months ticked by default (False: only on the lawyer's explicit choice, ГК 199 п.2)
    CLAIM_TIME_BARRED_DEFAULT = False
    # imports: dates and periods after the current month + N months are refused (0: nothing after the current month),
    # and so are those before this month (the ruble's redenomination: older amounts are in pre-reform rubles)
    IMPORT_MAX_MONTHS_AHEAD = 0
    IMPORT_EARLIEST_MONTH = "1998-01"
    # cases: `casework daily` opens a case above this debt; an enforcement with no receipts for this many days
    # raises the bailiffs' inactivity alert; the reading of the ПП 354 20-day/10-day terms ("full_days" — from
    # day 21 / 11, ГК 191; "elapsed" — from day 20 / 10; docs/legal-engine.md)
    CASE_OPEN_THRESHOLD_KOP = 5_000_00
    # ГИС ЖКХ debt requests (docs/gis-zhkh.md): the answer term in working days (ПП 761 п. 8(2)); the enterprise's
    # identifiers in ГИС ЖКХ written into the importDSRResponses message (RequestHeader/orgPPAGUID and
    # responseData/executorGUID — export is refused while they are empty); the schema version the message states
    GIS_ANSWER_WORKING_DAYS = 5
    GIS_ORG_PPA_GUID = ""
    GIS_EXECUTOR_GUID = ""
    GIS_DRS_VERSION = "14.0.0.0"
    ENFORCEMENT_SILENCE_DAYS = 60
    RESTRICTION_TERM_READING = "full_days"
    # reference data: warn when the key rate was last checked more than N days ago, and N days before a moratorium
    # or cap window ends; `casework calc` reference data ("auto", "packaged" or "database", legal/app_cli.py)
    KEY_RATE_STALE_DAYS = 120
    CAP_WINDOW_NOTICE_DAYS = 60
    CALC_REFERENCE = "auto"
    # reports: overdue debt by "fifo" (oldest debts paid first, the form's identity) or "legal" (the legal engine's
    # allocation); the monthly target of court applications (seed 001 п.18: at least 10)
    REPORT_OVERDUE_METHOD = "fifo"
    REPORT_COURT_TARGET = 10
    # stored files (casework/storage.py): "local" = DOCUMENTS_DIR / IMPORTS_DIR / REPORTS_DIR on this host's disk (one host only);
    # "s3" = objects <S3_PREFIX><area>/<name> in S3_BUCKET on any S3 server, shared by every host
    STORAGE_BACKEND = "local"
    S3_ENDPOINT_URL = ""  # e.g. https://storage.yandexcloud.net or http://127.0.0.1:8333; empty = AWS
    S3_BUCKET = ""
    S3_ACCESS_KEY_ID = ""  # empty: boto3's own chain (AWS_ACCESS_KEY_ID, ~/.aws, instance role)
    S3_SECRET_ACCESS_KEY = ""
    S3_REGION = "us-east-1"
    S3_PREFIX = ""  # e.g. "casework/": several installations can share one bucket
    # PostgreSQL session limits set on every connection (connect options, so they hold behind pgbouncer too):
    # a statement running longer is cancelled (the page says so), a transaction left idle is ended. 0 = no limit.
    # Console commands (imports, reports, the daily job, migrations) use DB_CLI_STATEMENT_TIMEOUT_MS instead.
    DB_STATEMENT_TIMEOUT_MS = 30000
    DB_CLI_STATEMENT_TIMEOUT_MS = 0
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60000
    # logs: "text" (development) or "json" (one JSON object a line with request_id, user_id, path, status …)
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # Prometheus metrics at /metrics (casework/ops/metrics.py): off unless enabled; then served to a bearer token
    # METRICS_TOKEN when one is set, else only to the loopback address
    METRICS_ENABLED = False
    METRICS_TOKEN = ""
    # the JSON API (/api/v1, docs/api.md): largest request body, and requests a minute per token in each worker
    # process (0 = no limit); one push holds at most casework.api.schema.MAX_ROWS rows
    API_MAX_BODY_BYTES = 5 * 1024 * 1024
    API_RATE_LIMIT_PER_MINUTE = 600
    # messages (casework/messages, docs/messages.md). E-mail goes through this SMTP server; SMTP_HOST empty = e-mail
    # is not sent (messages wait in the queue). SMTP_STARTTLS: upgrade the connection with STARTTLS (port 587);
    # SMTP_USER empty = no login. SMTP_FROM is the sender address (required to send).
    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = True
    SMTP_FROM = ""
    SMTP_TIMEOUT_SECONDS = 30
    # SMS go through SMS.ru's HTTP API (https://sms.ru/api): SMSRU_URL is the API's base address (/sms/send,
    # /sms/status are appended; a test points it at a local server), SMSRU_API_ID the key from the account's
    # settings (empty = SMS are not sent), SMSRU_FROM an approved sender name (empty = the account's default),
    # SMSRU_TEST = true sends with test=1 (SMS.ru answers but sends nothing and charges nothing)
    SMSRU_URL = "https://sms.ru"
    SMSRU_API_ID = ""
    SMSRU_FROM = ""
    SMSRU_TEST = False
    SMSRU_TIMEOUT_SECONDS = 30
    # delivery callbacks POST /messages/callback/<provider> are accepted only when signed with this secret
    # (HMAC-SHA256; empty = every callback is refused); a message is retried this many times before it is failed
    MESSAGES_CALLBACK_SECRET = ""
    MESSAGES_MAX_ATTEMPTS = 3
    # long jobs (casework/jobs): "procrastinate" = queued in PostgreSQL, run by `casework worker` processes;
    # "inline" = run in a thread of the web process (the embedded SQLite default). Empty: chosen by the database.
    JOBS_BACKEND = ""
    JOBS_INLINE_THREAD = True  # inline: False runs the job at once in the caller (tests)
    JOBS_STALE_SECONDS = 120  # inline: a running job without a heartbeat this long is resumed
    JOBS_WORKER_STALLED_SECONDS = 30  # procrastinate: a worker silent this long is dead; its jobs are resumed
    JOBS_WORKER_CONCURRENCY = 2
    JOBS_MAX_QUEUE_LAG_SECONDS = 0  # /health/ready fails when a job waits longer to start (0: never)
    JOBS_DAILY_CRON = "30 4 * * *"  # the daily job's schedule on the worker (UTC, cron syntax)
    # report jobs (casework/jobs/exports.py): a list export of more rows than this is written by a job (the user
    # downloads it from the job's page) instead of inside the web request; the job reports progress every
    # EXPORT_JOB_PROGRESS_ROWS rows; a stored export file (storage area "reports", REPORTS_DIR on local disk) is
    # deleted this many days after it was made (the daily job, `casework jobs purge-exports`)
    EXPORT_SYNC_MAX_ROWS = 2000
    EXPORT_JOB_PROGRESS_ROWS = 2000
    EXPORT_KEEP_DAYS = 7


def _parse(value: str):
    """Read CASEWORK_* values: JSON where it parses (numbers, true/false, lists), else the string."""
    try:
        return json.loads(value)
    except ValueError:
        return value


# settings read from the environment as they are, never as JSON (a secret of digits stays a string)
TEXT_SETTINGS = ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
                 "S3_REGION", "S3_PREFIX", "LOG_FORMAT", "LOG_LEVEL", "METRICS_TOKEN", "SMTP_HOST", "SMTP_USER",
                 "SMTP_PASSWORD", "SMTP_FROM", "SMSRU_URL", "SMSRU_API_ID", "SMSRU_FROM", "MESSAGES_CALLBACK_SECRET",
                 "GIS_ORG_PPA_GUID", "GIS_EXECUTOR_GUID", "GIS_DRS_VERSION")


def apply_environment(cfg: dict, environ: os._Environ | dict) -> None:
    """Environment layer: DATABASE_URL, SECRET_KEY and every CASEWORK_<KEY>=value."""
    if environ.get("DATABASE_URL"):
        cfg["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = environ["SECRET_KEY"]
    for key, value in environ.items():
        if key.startswith("CASEWORK_") and key not in ("CASEWORK_INSTANCE_PATH",):
            name = key[len("CASEWORK_"):]
            cfg[name] = value if name in TEXT_SETTINGS else _parse(value)


def normalize_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def check_production(app: Flask) -> None:
    """Refuse to run in production with a guessable secret key or with the debugger on."""
    cfg = app.config
    key = cfg.get("SECRET_KEY") or ""
    if key == DefaultConfig.SECRET_KEY or not key:
        raise RuntimeError("Set SECRET_KEY (or instance/config.py) before running in production: "
                           "python3 -c 'import secrets; print(secrets.token_hex(32))'")
    size = len(key.encode("utf-8")) if isinstance(key, str) else len(key)
    if size < SECRET_KEY_MIN_BYTES:
        raise RuntimeError(f"SECRET_KEY is {size} bytes long; production needs at least {SECRET_KEY_MIN_BYTES} "
                           "random bytes: "
                           "python3 -c 'import secrets; print(secrets.token_hex(32))'")
    if cfg.get("DEBUG") or app.debug:
        raise RuntimeError("Debug mode is on (FLASK_DEBUG, --debug or CASEWORK_DEBUG) while CASEWORK_PRODUCTION is "
                           "set: the debugger runs any code typed into an error page. Turn debug off in production")


def finalize(app: Flask, *, cli: bool = False) -> None:
    """Fill derived settings: default SQLite file, production cookie flags, engine options.

    `cli`: the application of a console command (longer statement timeout, DB_CLI_STATEMENT_TIMEOUT_MS)."""
    cfg = app.config
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "casework.sqlite3")
    if cfg.get("PRODUCTION"):
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
        check_production(app)
    from .timeutil import zone_info

    try:
        zone_info(str(cfg.get("DEFAULT_TIMEZONE") or ""))
    except ValueError:
        raise RuntimeError(f"DEFAULT_TIMEZONE={cfg.get('DEFAULT_TIMEZONE')!r} is not a time zone name; "
                           "use an IANA name such as Europe/Moscow or Asia/Yakutsk") from None
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    opts = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        opts.setdefault("connect_args", {}).setdefault("timeout", 30)
    else:
        opts.setdefault("pool_pre_ping", True)
        opts["connect_args"] = {**postgres_connect_args(cfg, cli=cli), **opts.get("connect_args", {})}
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    from .domain.policy import validate_policy_settings

    validate_policy_settings(cfg)  # PENALTY_POLICY / LIMITATION_POLICY / DUTY_POLICY: a wrong switch stops the start
    if not isinstance(cfg.get("CLAIM_TIME_BARRED_DEFAULT", False), bool):
        from .domain.policy import InvalidPolicySetting

        raise InvalidPolicySetting("CLAIM_TIME_BARRED_DEFAULT must be true or false, not "
                                   f"{cfg.get('CLAIM_TIME_BARRED_DEFAULT')!r}")
    if not cfg.get("JOBS_BACKEND"):
        cfg["JOBS_BACKEND"] = "inline" if uri.startswith("sqlite") else "procrastinate"
    if cfg["JOBS_BACKEND"] not in ("inline", "procrastinate"):
        raise RuntimeError(f"JOBS_BACKEND={cfg['JOBS_BACKEND']!r}: use inline or procrastinate")
    if cfg["JOBS_BACKEND"] == "procrastinate" and uri.startswith("sqlite"):
        raise RuntimeError("JOBS_BACKEND=procrastinate needs PostgreSQL; with SQLite use inline")
    cfg.setdefault("DOCUMENTS_DIR", str(Path(app.instance_path) / "documents"))
    cfg.setdefault("IMPORTS_DIR", str(Path(app.instance_path) / "imports"))
    cfg.setdefault("REPORTS_DIR", str(Path(app.instance_path) / "reports"))
    check_storage(cfg)


def _milliseconds(cfg, key: str) -> int:
    value = cfg.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuntimeError(f"{key}={value!r}: give a whole number of milliseconds (0 = no limit)")
    return value


def postgres_connect_args(cfg, *, cli: bool = False) -> dict:
    """psycopg connect arguments: no server-side prepared statements (pgbouncer in transaction mode hands each
    transaction to any server connection, where a statement prepared on another one does not exist) and the session
    limits as startup options (sent with every new connection, so pgbouncer's pooled connections carry them too)."""
    statement = _milliseconds(cfg, "DB_CLI_STATEMENT_TIMEOUT_MS" if cli else "DB_STATEMENT_TIMEOUT_MS")
    idle = _milliseconds(cfg, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS")
    return {"prepare_threshold": None,
            "options": f"-c statement_timeout={statement} -c idle_in_transaction_session_timeout={idle}"}


def check_storage(cfg) -> None:
    """Refuse to start with a storage backend that cannot work: an unknown one, S3 without a bucket, a bad prefix."""
    from .storage import BACKENDS, StorageError, normalise_prefix

    kind = cfg.get("STORAGE_BACKEND") or "local"
    if kind not in BACKENDS:
        raise RuntimeError(f"STORAGE_BACKEND is {kind!r}; use one of: {', '.join(BACKENDS)}")
    if kind == "s3":
        if not cfg.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND is s3: set S3_BUCKET (and S3_ENDPOINT_URL for a server other than AWS)")
        try:
            normalise_prefix(cfg.get("S3_PREFIX"))
        except StorageError:
            raise RuntimeError(f"S3_PREFIX {cfg.get('S3_PREFIX')!r} is not a plain relative path") from None
