"""Browser journeys: a small deterministic demo database of their own, the real application behind a real WSGI
server on a free 127.0.0.1 port, and Debian's chromium driven by Playwright for Python.

The database is separate from the one the other tests wipe between tests (tests/conftest.py): a SQLite file in a
temp folder, or — when DATABASE_URL points at PostgreSQL — a fresh database created and dropped by this run.
On a failure the page's screenshot and HTML are kept under tests/e2e/artifacts/ (gitignored). Set
E2E_SCREENSHOTS=1 to keep a screenshot of every step as well (for looking at what users see)."""
from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import contextmanager

import pytest

from ..conftest import fresh_database
from .helpers import ARTIFACTS, _safe

E2E_ACCOUNTS = 200
CHROMIUM_ARGS = ["--lang=ru-RU", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TIMEOUT_MS = 20_000


def chromium_path() -> str:
    """Debian's chromium by path; a missing browser is a failure (never a skip): .ci/run installs it."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail("Debian's chromium is not installed (looked for `chromium` on PATH and /usr/bin/chromium). "
                    "Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this); "
                    "`playwright install` is not used here.", pytrace=False)
    return path


# ------------------------------------------------------------------------------------------- hooks


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so the page fixture knows whether the test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def save_artifacts(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / _safe(name)
    try:
        page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
    except Exception as exc:  # a crashed page still leaves its HTML or at least the reason
        stem.with_suffix(".txt").write_text(f"screenshot failed: {exc!r}\nurl: {page.url}\n", encoding="utf-8")
    try:
        stem.with_suffix(".html").write_text(page.content(), encoding="utf-8")
    except Exception:
        pass


# ------------------------------------------------------------------------------------------- database and server


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory):
    """A database of the journeys' own for this run (PostgreSQL: created and dropped here)."""
    yield from fresh_database(tmp_path_factory, "casework_e2e")


class ServerErrors(list):
    """Exceptions raised inside requests served to the browser (each would be a 500 page)."""


@pytest.fixture(scope="session")
def e2e_app(e2e_database_url, tmp_path_factory):
    """The real application on the demo enterprise (E2E_ACCOUNTS accounts, deterministic), CSRF on."""
    from flask import got_request_exception

    from casework import create_app
    from casework.demo.generator import build_demo
    from casework.extensions import db
    from casework.maintenance.setup import seed_reference

    inst = tmp_path_factory.mktemp("e2e-instance")
    saved = os.environ.get("CASEWORK_INSTANCE_PATH")
    os.environ["CASEWORK_INSTANCE_PATH"] = str(inst)  # no instance/config.py of the checkout leaks in
    try:
        app = create_app({
            "SECRET_KEY": "e2e-" + uuid.uuid4().hex,
            "SQLALCHEMY_DATABASE_URI": e2e_database_url,
            "DOCUMENTS_DIR": str(inst / "documents"),
            "IMPORTS_DIR": str(inst / "imports"),
            # no worker runs beside the journeys' server: long work (imports, bulk documents) runs in-process on
            # both engines (on PostgreSQL the default would queue it for a procrastinate worker that never comes)
            "JOBS_BACKEND": "inline",
        })
    finally:
        if saved is None:
            os.environ.pop("CASEWORK_INSTANCE_PATH", None)
        else:
            os.environ["CASEWORK_INSTANCE_PATH"] = saved
    errors = ServerErrors()
    app.extensions["e2e_errors"] = errors

    def _record(sender, exception, **extra):
        errors.append(repr(exception))

    got_request_exception.connect(_record, app, weak=False)
    with app.app_context():
        db.create_all()
        seed_reference()
        db.session.commit()
        build_demo(accounts=E2E_ACCOUNTS)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def server_url(e2e_app):
    """The application behind werkzeug's threaded WSGI server on a free port of 127.0.0.1."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-wsgi", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture()
def db_read(e2e_app):
    """`with db_read() as db:` — the test's own look at the database; the transaction ends on exit (SQLite
    would otherwise hold a shared lock the server's writes wait for)."""
    from casework.extensions import db

    @contextmanager
    def _ctx():
        with e2e_app.app_context():
            try:
                yield db
            finally:
                db.session.rollback()
                db.session.remove()

    return _ctx


# ------------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(request, browser, server_url, e2e_app):
    """A fresh browser context (Russian locale, downloads accepted) per journey; artifacts kept on failure;
    the journey fails when the server raised inside any request it made."""
    errors = e2e_app.extensions["e2e_errors"]
    before = len(errors)
    context = browser.new_context(base_url=server_url, locale="ru-RU", timezone_id="Asia/Yakutsk",
                                  accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.e2e_step = 0
    yield pg
    failed = any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))
    if failed:
        save_artifacts(pg, request.node.name)
    context.close()
    new = errors[before:]
    assert not new, f"the server raised inside requests of this journey: {new}"
