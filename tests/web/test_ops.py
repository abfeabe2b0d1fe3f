"""Operations: health checks, request ids and JSON logs, /metrics, PostgreSQL session limits, migrations under an
advisory lock — all through the real app on the test database engine."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

import casework
from casework.extensions import db
from casework.ops import checks
from casework.timeutil import utcnow
from tests.conftest import PASSWORD, fresh_database

OUTSIDE = {"REMOTE_ADDR": "203.0.113.5"}


@pytest.fixture(scope="module")
def migrated_app(tmp_path_factory, instance_dir):
    """An app on a database of its own built by the migrations (first to 0001 only), logging as JSON."""
    from flask_migrate import upgrade

    gen = fresh_database(tmp_path_factory, "casework_ops")
    url = next(gen)
    folder = tmp_path_factory.mktemp("ops_instance")
    app = casework.create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url,
                               "WTF_CSRF_ENABLED": False, "LOG_FORMAT": "json",
                               "DOCUMENTS_DIR": str(folder / "documents"), "IMPORTS_DIR": str(folder / "imports")})
    with app.app_context():
        upgrade(revision="0001")
        db.engine.dispose()
    yield app
    logging.getLogger().removeHandler(app.extensions["casework_log_handler"])
    with app.app_context():
        db.engine.dispose()
    next(gen, None)


def upgrade_to_head(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()


def test_live_answers_ok_and_the_request_id_is_echoed(client):
    resp = client.get("/health/live")
    assert resp.status_code == 200 and resp.data == b"ok"
    assert len(resp.headers["X-Request-ID"]) == 32  # generated
    resp = client.get("/health/live", headers={"X-Request-ID": "lb-7f3a.42"})
    assert resp.headers["X-Request-ID"] == "lb-7f3a.42"
    # a refused request carries one too; an id unfit for a log line is replaced
    resp = client.get("/accounts/", headers={"X-Request-ID": "bad id {\"forged\": 1}"})
    assert resp.status_code == 302 and resp.headers["X-Request-ID"] not in ("", "bad id {\"forged\": 1}")


def test_ready_names_the_migrations_until_the_database_is_at_head(migrated_app):
    client = migrated_app.test_client()
    resp = client.get("/health/ready")
    assert resp.status_code == 503, resp.json
    assert resp.json["failed"] == ["migrations"]
    assert resp.json["database"] == "ok" and resp.json["storage"] == "ok"
    upgrade_to_head(migrated_app)
    resp = client.get("/health/ready")
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "ok" and resp.json["migrations"] == "at head"
    assert "failed" not in resp.json


def test_ready_names_the_storage_when_it_cannot_be_written(migrated_app, tmp_path, monkeypatch):
    upgrade_to_head(migrated_app)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setitem(migrated_app.config, "DOCUMENTS_DIR", str(blocker / "documents"))
    resp = migrated_app.test_client().get("/health/ready")
    assert resp.status_code == 503
    assert resp.json["failed"] == ["storage"] and resp.json["storage"] == "failed"
    assert str(blocker) not in resp.get_data(as_text=True)  # the public answer names the check, not the path


def test_queue_lag_is_the_age_of_the_oldest_queued_job(migrated_app, monkeypatch):
    upgrade_to_head(migrated_app)
    client = migrated_app.test_client()
    monkeypatch.setattr(checks, "JOBS_TABLE", "ops_test_jobs")
    assert client.get("/health/ready").json["queue"] == "not configured"
    with migrated_app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE ops_test_jobs (id INTEGER PRIMARY KEY, state VARCHAR(10), "
                              "created_at TIMESTAMP)"))
            conn.execute(text("INSERT INTO ops_test_jobs (id, state, created_at) VALUES (1, 'queued', :a), "
                              "(2, 'queued', :b), (3, 'running', :c)"),
                         {"a": utcnow() - timedelta(minutes=10), "b": utcnow() - timedelta(minutes=1),
                          "c": utcnow() - timedelta(hours=5)})
        try:
            resp = client.get("/health/ready")
            assert resp.status_code == 200
            assert 600 <= int(resp.json["queue"]) < 3600
            migrated_app.config["METRICS_ENABLED"] = True
            body = client.get("/metrics").get_data(as_text=True)
            assert 'casework_jobs{state="queued"} 2.0' in body and 'casework_jobs{state="running"} 1.0' in body
        finally:
            migrated_app.config["METRICS_ENABLED"] = False
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE ops_test_jobs"))
            db.engine.dispose()


def test_json_log_lines_carry_the_request_id_and_the_user(migrated_app):
    from casework.auth.services import create_user

    upgrade_to_head(migrated_app)
    with migrated_app.app_context():
        user = create_user("ops_logger", "Ops Logger", "manager", PASSWORD)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    stream = io.StringIO()
    handler = migrated_app.extensions["casework_log_handler"]
    old = handler.setStream(stream)
    try:
        client = migrated_app.test_client()
        assert client.post("/auth/login", data={"username": "ops_logger", "password": PASSWORD}).status_code == 302
        resp = client.get("/auth/profile", headers={"X-Request-ID": "req-0042"})
        assert resp.status_code == 200 and resp.headers["X-Request-ID"] == "req-0042"
    finally:
        handler.setStream(old)
        with migrated_app.app_context():
            db.engine.dispose()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is one JSON object
    mine = [e for e in lines if e.get("request_id") == "req-0042" and e["logger"] == "casework.request"]
    assert len(mine) == 1, lines
    entry = mine[0]
    assert entry["user_id"] == user_id and entry["path"] == "/auth/profile" and entry["method"] == "GET"
    assert entry["status"] == 200 and entry["duration_ms"] >= 0 and entry["level"] == "INFO" and entry["time"]


def test_metrics_are_refused_unless_enabled_and_asked_from_loopback_or_with_the_token(app, client, monkeypatch):
    from casework.imports.models import ImportBatch

    db.session.add(ImportBatch(kind="accounts", file_name="a.xlsx", file_sha256="0" * 64, status="failed"))
    db.session.commit()
    client.get("/health/live")
    assert client.get("/metrics").status_code == 404  # disabled by default
    monkeypatch.setitem(app.config, "METRICS_ENABLED", True)
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    resp = client.get("/metrics")  # the test client is 127.0.0.1
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert 'flask_http_request_total{method="GET",status="200"}' in body
    assert 'flask_http_request_duration_seconds_count{method="GET",status="200",url_rule="/health/live"}' in body
    assert 'casework_import_batches{status="failed"} 1.0' in body
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics").status_code == 403  # with a token set, loopback alone is not enough
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    resp = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert resp.status_code == 200 and "flask_http_request_total" in resp.get_data(as_text=True)


def test_postgres_sessions_carry_the_time_limits_and_a_slow_query_gets_a_page(database_url, is_postgres, tmp_path):
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                "DB_STATEMENT_TIMEOUT_MS": 300, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": 45000,
                "DOCUMENTS_DIR": str(tmp_path / "d"), "IMPORTS_DIR": str(tmp_path / "i")}
    app = casework.create_app(settings)
    if not is_postgres:  # SQLite has no such settings; nothing psycopg-specific reaches its driver
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"timeout": 30}
        return

    from casework.access import public

    @app.route("/ops-test-slow")
    @public
    def slow():
        db.session.execute(text("SELECT pg_sleep(2)"))
        return "finished"

    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "300ms"
            assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "45s"
            assert conn.connection.dbapi_connection.prepare_threshold is None  # safe behind pgbouncer
        resp = app.test_client().get("/ops-test-slow")
        db.engine.dispose()
    assert resp.status_code == 503
    assert "База данных слишком долго" in resp.get_data(as_text=True)
    cli_app = casework.create_app(settings, cli=True)  # console commands: DB_CLI_STATEMENT_TIMEOUT_MS (0 = none)
    with cli_app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"
        db.engine.dispose()


def test_two_hosts_upgrading_at_once_migrate_one_after_the_other(tmp_path_factory, tmp_path, is_postgres):
    gen = fresh_database(tmp_path_factory, "casework_lock")
    url = next(gen)
    try:
        env = {**os.environ, "DATABASE_URL": url, "CASEWORK_INSTANCE_PATH": str(tmp_path),
               "PYTHONPATH": str(Path(casework.__file__).resolve().parents[1])}
        cmd = [sys.executable, "-c", "from casework.cli import main; main()", "db", "upgrade"]
        hosts = 2 if is_postgres else 1  # the lock is PostgreSQL's; SQLite is one host's file
        procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for _ in range(hosts)]
        outputs = [p.communicate(timeout=300)[0].decode() for p in procs]
        assert [p.returncode for p in procs] == [0] * hosts, outputs
        app = casework.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            with db.engine.connect() as conn:
                assert checks.check_migrations(conn) == (True, "at head")
            db.engine.dispose()
    finally:
        next(gen, None)
