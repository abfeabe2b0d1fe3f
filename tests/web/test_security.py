"""Security headers, a Content-Security-Policy the pages satisfy, cookies, the login lockout and password rules."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.access import rule_for, user_may
from casework.auth import services as auth_services
from casework.auth.models import User
from casework.extensions import db
from casework.security import CSP
from casework.timeutil import utcnow

from ..conftest import PASSWORD
from .test_access_matrix import ROLES, _routes, _url
from .test_csrf import Browser, _real_url, _seed_records

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _inline_code(html: str) -> list[str]:
    found = []
    for rx in (INLINE_SCRIPT, INLINE_HANDLER, JS_URL):
        found += [m.group(0)[:80] for m in rx.finditer(html)]
    return found


def test_detector_finds_inline_code():
    """The scanner below must be able to fail."""
    assert _inline_code('<p><a href="javascript:history.back()">x</a></p>')
    assert _inline_code('<select name="u" onchange="this.form.submit()">')
    assert _inline_code("<script>alert(1)</script>")
    assert not _inline_code('<script src="/static/casework.js" defer></script><a href="/x" data-back>y</a>')


def test_templates_carry_no_inline_script_handlers_or_javascript_urls():
    bad = {}
    for path in TEMPLATES.rglob("*.html"):
        found = _inline_code(path.read_text(encoding="utf-8"))
        if found:
            bad[str(path.relative_to(TEMPLATES))] = found
    assert bad == {}


def test_csp_is_strict_for_scripts():
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (x.strip() for x in CSP.split(";")))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in CSP
    assert directives["frame-ancestors"] == "'none'"


def _assert_security_headers(resp):
    h = resp.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["Content-Security-Policy"] == CSP


def test_headers_on_the_login_page_and_static_files(client):
    resp = client.get("/auth/login")
    _assert_security_headers(resp)
    assert "no-store" not in resp.headers.get("Cache-Control", "")  # nothing personal on it
    resp = client.get("/static/casework.js")
    assert resp.status_code == 200
    _assert_security_headers(resp)
    assert "no-store" not in resp.headers.get("Cache-Control", "")  # static files may be cached
    resp.close()


def test_every_page_satisfies_the_csp_and_personal_pages_are_not_stored(app, make_user):
    """GET every route as every role (real account and case ids): each HTML page has no inline script, handler
    or javascript: URL, carries the security headers, and — being shown to a logged-in user — `no-store`."""
    users = {role: make_user(role) for role in ROLES}
    ids = _seed_records(users["collector"])
    pages = 0
    for role in ROLES:
        c = Browser(app)
        assert c.post("/auth/login", data={"username": users[role].username, "password": PASSWORD}).status_code == 302
        for rule in _routes(app):
            if "GET" not in rule.methods or not user_may(role, rule_for(app, rule.endpoint)):
                continue
            resp = c.get(_real_url(rule, ids))
            _assert_security_headers(resp)
            if resp.status_code == 200:
                assert resp.headers["Cache-Control"] == "no-store", (role, rule.rule)
                if resp.mimetype == "text/html":
                    assert _inline_code(resp.get_data(as_text=True)) == [], (role, rule.rule)
                    pages += 1
    assert pages > 50


def test_downloads_are_not_stored(client, login):
    login("manager")
    resp = client.get("/imports/?export=xlsx")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_error_page_back_link_works_without_inline_script(client, login):
    login("collector")
    resp = client.get("/cases/999999")
    assert resp.status_code == 404
    _assert_security_headers(resp)


# ----------------------------------------------------------------------------------------------- cookies
def test_session_cookie_flags_in_development(client):
    resp = client.get("/auth/login")
    cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on a developer's machine


def test_production_config_makes_cookies_secure_and_requires_a_secret(monkeypatch, database_url, tmp_path):
    from casework import create_app

    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CASEWORK_PRODUCTION", "1")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    monkeypatch.setenv("SECRET_KEY", "a-real-production-secret")
    prod = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert prod.config["PRODUCTION"] and prod.config["WTF_CSRF_ENABLED"] is True
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["REMEMBER_COOKIE_SECURE"]
    with prod.app_context():
        resp = prod.test_client().get("/auth/login", base_url="https://casework.example")
        cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
        db.session.remove()


# ----------------------------------------------------------------------------------------------- lockout
def _try(client, username, password):
    return client.post("/auth/login", data={"username": username, "password": password})


def test_lockout_boundary_message_and_unlock_after_the_period(app, client, make_user):
    user = make_user("collector")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(1, limit):
        resp = _try(client, user.username, "wrong-pass-1")
        assert resp.status_code == 401
        assert f"Осталось попыток до блокировки: {limit - attempt}." in resp.get_data(as_text=True)
    resp = _try(client, user.username, "wrong-pass-1")  # the limit-th failure locks
    assert resp.status_code == 401
    minutes = app.config["LOGIN_LOCKOUT_MINUTES"]
    assert f"Учётная запись заблокирована на {minutes} мин." in resp.get_data(as_text=True)
    resp = _try(client, user.username, PASSWORD)  # even the right password, while locked
    assert resp.status_code == 401 and "повторите через" in resp.get_data(as_text=True)
    db.session.expire_all()
    locked_until = db.session.get(User, user.id).locked_until
    assert timedelta(minutes=minutes - 1) < locked_until - utcnow() <= timedelta(minutes=minutes)
    # the period passes: the account opens again by itself
    db.session.get(User, user.id).locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = _try(client, user.username, PASSWORD)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 0


def test_lockout_ends_exactly_at_the_period(app, make_user):
    user = make_user("lawyer")
    t0 = utcnow()
    kw = dict(max_failures=3, lockout_minutes=15)
    for i in range(3):
        with pytest.raises(auth_services.LoginRefused):
            auth_services.authenticate(user.username, "bad-pass-99", now=t0 + timedelta(seconds=i), **kw)
    locked_at = t0 + timedelta(seconds=2)
    with pytest.raises(auth_services.LoginRefused, match="try again in 1 min|повторите через 1 мин"):
        auth_services.authenticate(user.username, PASSWORD, now=locked_at + timedelta(minutes=15, seconds=-1), **kw)
    ok = auth_services.authenticate(user.username, PASSWORD, now=locked_at + timedelta(minutes=15), **kw)
    assert ok.id == user.id and ok.locked_until is None
    db.session.rollback()


def test_unknown_user_gets_the_plain_message(client):
    resp = _try(client, "nobody-here", "whatever-123")
    assert resp.status_code == 401
    assert "Неверное имя пользователя или пароль." in resp.get_data(as_text=True)


# ----------------------------------------------------------------------------------------------- passwords
@pytest.mark.parametrize("password, problem", [
    ("Short-1", "не короче 10"),
    ("only-letters-here", "буквы и цифры"),
    ("1234567890123", "буквы и цифры"),
    ("xivanovx-2026-pass", "не должен содержать имя пользователя"),
])
def test_password_rules_on_the_profile_page(client, login, password, problem):
    user = login("collector", username="ivanov")
    resp = client.post("/auth/profile", data={"pw-current": PASSWORD, "pw-password": password,
                                              "pw-confirm": password, "pw-submit": "1"})
    assert problem in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)  # unchanged


def test_a_good_password_is_accepted_and_the_old_one_stops_working(app, client, login):
    user = login("collector")
    resp = client.post("/auth/profile", data={"pw-current": PASSWORD, "pw-password": "New-strong-pass-77",
                                              "pw-confirm": "New-strong-pass-77", "pw-submit": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(select(User).where(User.id == user.id))
    assert stored.check_password("New-strong-pass-77") and not stored.check_password(PASSWORD)
    assert "New-strong-pass-77" not in (stored.password_hash or "")
