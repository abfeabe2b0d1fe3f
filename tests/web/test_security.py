"""Security headers, a Content-Security-Policy the pages satisfy, cookies, the login lockout and password rules."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from casework.access import rule_for, user_may
from casework.auth import services as auth_services
from casework.auth.models import LoginAttempt, User
from casework.extensions import db
from casework.security import CSP
from casework.timeutil import utcnow

from ..conftest import PASSWORD
from .test_access_matrix import ROLES, _routes
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
    monkeypatch.setenv("SECRET_KEY", "a-real-production-secret")  # 24 bytes: too short
    with pytest.raises(RuntimeError, match="SECRET_KEY is 24 bytes long"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    monkeypatch.setenv("SECRET_KEY", "a-real-production-secret-of-48-random-bytes-long")
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
def _try(client, username, password, ip="127.0.0.1"):
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _flashes(resp) -> list[str]:
    return re.findall(r'<ul class="flashes"[^>]*>(.*?)</ul>', resp.get_data(as_text=True), re.S)


def _age_attempts(delta: timedelta, **where) -> None:
    """Move recorded login attempts back in time (instead of sleeping through a period)."""
    table = LoginAttempt.__table__
    query = select(table.c.id, table.c.attempted_at)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    rows = db.session.execute(query).all()
    for row_id, at in rows:  # in Python: SQLite has no datetime arithmetic on its text timestamps
        db.session.execute(update(table).where(table.c.id == row_id).values(attempted_at=at - delta))
    db.session.commit()
    assert rows, "nothing to move"


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
    assert resp.status_code == 429 and f"повторите через {minutes} мин." in resp.get_data(as_text=True)
    assert 0 < int(resp.headers["Retry-After"]) <= minutes * 60
    # the period passes (all but half a minute of it: still locked, "1 мин"), then all of it: the name opens again
    _age_attempts(timedelta(minutes=minutes, seconds=-30), username=user.username.lower())
    resp = _try(client, user.username, PASSWORD)
    assert resp.status_code == 429 and "повторите через 1 мин." in resp.get_data(as_text=True)
    _age_attempts(timedelta(seconds=30), username=user.username.lower())
    resp = _try(client, user.username, PASSWORD)
    assert resp.status_code == 302
    client.post("/auth/logout")
    # and the count starts again from the full allowance
    resp = _try(client, user.username, "wrong-pass-1")
    assert resp.status_code == 401 and f"Осталось попыток до блокировки: {limit - 1}." in resp.get_data(as_text=True)


def test_lockout_ends_exactly_at_the_period(app, make_user):
    user = make_user("lawyer")
    t0 = utcnow()
    kw = dict(max_failures=3, lockout_minutes=15)
    for i in range(3):
        with pytest.raises(auth_services.LoginRefused):
            auth_services.authenticate(user.username, "bad-pass-99", now=t0 + timedelta(seconds=i), **kw)
    locked_at = t0 + timedelta(seconds=2)
    with pytest.raises(auth_services.LoginRefused, match="try again in 1 min|повторите через 1 мин") as refused:
        auth_services.authenticate(user.username, PASSWORD, now=locked_at + timedelta(minutes=15, seconds=-1), **kw)
    assert refused.value.status == 429
    ok = auth_services.authenticate(user.username, PASSWORD, now=locked_at + timedelta(minutes=15), **kw)
    assert ok.id == user.id
    with pytest.raises(auth_services.LoginRefused, match="Attempts left before lockout: 2|блокировки: 2"):
        auth_services.authenticate(user.username, "bad-pass-99", now=locked_at + timedelta(minutes=16), **kw)
    db.session.rollback()


def test_unknown_user_gets_the_plain_message(client):
    resp = _try(client, "nobody-here", "whatever-123")
    assert resp.status_code == 401
    assert "Неверное имя пользователя или пароль." in resp.get_data(as_text=True)


def test_unknown_and_existing_user_names_get_identical_answers(app, make_user):
    """Over a whole sequence up to, through and past the lockout, a real user name and an unknown one of the
    same length get byte-identical pages (once the typed name is masked), statuses and Retry-After."""
    real = make_user("collector", username="petrov_a1")
    ghost = "sidorov_z"  # no such user; same length as the real name
    assert len(ghost) == len(real.username)
    limit, minutes = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_LOCKOUT_MINUTES"]

    def answers(name, ip, good_password):
        client = app.test_client()
        seq = ["wrong-pass-1"] * limit + [good_password, "wrong-pass-1"]
        out = []
        for password in seq:
            resp = _try(client, name, password, ip=ip)
            out.append((resp.status_code, resp.headers.get("Retry-After"), _flashes(resp),
                        resp.get_data(as_text=True).replace(name, "NAME")))
        _age_attempts(timedelta(minutes=minutes), username=name)  # the lock passes
        for password in ("wrong-pass-1", "wrong-pass-2"):
            resp = _try(client, name, password, ip=ip)
            out.append((resp.status_code, resp.headers.get("Retry-After"), _flashes(resp),
                        resp.get_data(as_text=True).replace(name, "NAME")))
        return out

    seen_real = answers(real.username, "10.1.0.1", PASSWORD)
    seen_ghost = answers(ghost, "10.1.0.2", PASSWORD)
    assert [a[:3] for a in seen_real] == [a[:3] for a in seen_ghost]
    assert [a[3] for a in seen_real] == [a[3] for a in seen_ghost]
    statuses = [a[0] for a in seen_real]
    assert statuses == [401] * limit + [429, 429] + [401, 401]
    texts = [" ".join(a[2]) for a in seen_real]
    assert f"Осталось попыток до блокировки: {limit - 1}." in texts[0]
    assert f"заблокирована на {minutes} мин." in texts[limit - 1]
    assert "повторите через" in texts[limit] and "повторите через" in texts[limit + 1]
    assert f"Осталось попыток до блокировки: {limit - 2}." in texts[-1]
    assert seen_real[limit][1] is not None  # Retry-After on the 429s
    # the throttle counted both names the same way
    rows = db.session.execute(select(LoginAttempt.username, LoginAttempt.outcome)
                              .order_by(LoginAttempt.id)).all()
    assert [o for u, o in rows if u == real.username] == [o for u, o in rows if u == ghost]


def test_the_password_hash_is_checked_for_unknown_names_too(app, client, make_user, monkeypatch):
    """No timing shortcut: one hash check per attempt whether or not the name exists (a spy, not a stub)."""
    user = make_user("collector")
    calls = []
    real_check = auth_services.check_password_hash

    def spy(pwhash, password):
        calls.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(auth_services, "check_password_hash", spy)
    _try(client, "nobody-here", "whatever-123")
    _try(client, user.username, "whatever-123")
    assert len(calls) == 2
    # the dummy hash costs what a real one does: same method and parameters
    assert calls[0].split("$")[0] == calls[1].split("$")[0]


def test_a_success_clears_the_per_name_count(app, client, make_user):
    user = make_user("collector")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert _try(client, user.username, "wrong-pass-1").status_code == 401
    assert _try(client, user.username, PASSWORD).status_code == 302
    client.post("/auth/logout")
    for attempt in range(1, limit):
        resp = _try(client, user.username, "wrong-pass-1")
        assert f"Осталось попыток до блокировки: {limit - attempt}." in resp.get_data(as_text=True)
    assert "заблокирована на" in _try(client, user.username, "wrong-pass-1").get_data(as_text=True)


def test_the_name_counts_however_it_is_typed(app, client, make_user):
    """'Ivanov', 'ivanov ' and 'IVANOV' are one name for the throttle, as they are for the login itself."""
    user = make_user("collector", username="ivanov_k")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for i in range(limit):
        _try(client, ["Ivanov_K", " ivanov_k ", "IVANOV_K"][i % 3], "wrong-pass-1")
    assert _try(client, user.username, PASSWORD).status_code == 429


def test_an_administrators_new_password_unlocks(app, client, login, make_user):
    user = make_user("collector")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        _try(client, user.username, "wrong-pass-1", ip="10.2.0.1")
    assert _try(client, user.username, PASSWORD, ip="10.2.0.1").status_code == 429
    login("admin")
    resp = client.post(f"/auth/users/{user.id}", data={
        "full_name": user.full_name, "role": user.role, "locale": "ru", "is_active": "y",
        "password": "Brand-new-pass-7"})
    assert resp.status_code == 302
    client.post("/auth/logout")
    assert _try(client, user.username, "Brand-new-pass-7", ip="10.2.0.1").status_code == 302


def test_per_ip_throttle_across_user_names_spares_other_addresses(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_MAX_FAILURES", 4)
    monkeypatch.setitem(app.config, "LOGIN_IP_WINDOW_MINUTES", 15)
    user = make_user("collector")
    for i in range(4):  # one failure per name: no name gets near its own lock
        resp = _try(client, f"guess_{i}", "wrong-pass-1", ip="10.3.0.1")
        assert resp.status_code == 401
    message = "Слишком много неудачных попыток входа с этого компьютера. Повторите через 15 мин."
    resp = _try(client, user.username, PASSWORD, ip="10.3.0.1")  # even the right credentials
    assert resp.status_code == 429 and message in " ".join(_flashes(resp))
    assert 14 * 60 < int(resp.headers["Retry-After"]) <= 15 * 60
    for _ in range(3):  # refused attempts do not prolong the window
        assert _try(client, "guess_x", "wrong-pass-1", ip="10.3.0.1").status_code == 429
    # another address is not affected
    assert _try(client, user.username, PASSWORD, ip="10.3.0.2").status_code == 302
    client.post("/auth/logout")
    # the user name itself is not locked either (one of its attempts was refused by the IP throttle only)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)
                             .where(LoginAttempt.ip == "10.3.0.1",
                                    LoginAttempt.outcome == "throttled")) == 4
    # the window passes: the address may sign in again
    _age_attempts(timedelta(minutes=15), ip="10.3.0.1")
    assert _try(client, user.username, PASSWORD, ip="10.3.0.1").status_code == 302


def test_per_ip_throttle_sees_the_client_behind_a_trusted_proxy(app, client, make_user, monkeypatch, database_url):
    """With TRUSTED_PROXIES=1 the address is the one nginx put in X-Forwarded-For: two clients behind the same proxy
    are throttled apart; without the setting the header is ignored (a client cannot choose its address)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from casework import create_app

    user = make_user("collector")
    proxied = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                          "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1, "LOGIN_IP_MAX_FAILURES": 2})
    assert isinstance(proxied.wsgi_app, ProxyFix) and not isinstance(app.wsgi_app, ProxyFix)

    def login_via(test_client, name, password, client_ip):
        return test_client.post("/auth/login", data={"username": name, "password": password},
                                environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": client_ip})

    try:
        behind = proxied.test_client()
        for i in range(2):
            assert login_via(behind, f"guess_{i}", "wrong-pass-1", "203.0.113.7").status_code == 401
        assert login_via(behind, user.username, PASSWORD, "203.0.113.7").status_code == 429
        assert login_via(proxied.test_client(), user.username, PASSWORD, "203.0.113.8").status_code == 302
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()
    assert set(db.session.scalars(select(LoginAttempt.ip))) == {"203.0.113.7", "203.0.113.8"}
    assert login_via(client, user.username, PASSWORD, "203.0.113.9").status_code == 302  # header ignored
    assert "203.0.113.9" not in set(db.session.scalars(select(LoginAttempt.ip)))


def test_per_ip_throttle_defaults(app):
    from casework.config import DefaultConfig

    assert DefaultConfig.LOGIN_IP_MAX_FAILURES == 30 and DefaultConfig.LOGIN_IP_WINDOW_MINUTES == 15
    assert app.config["LOGIN_IP_MAX_FAILURES"] == 30


def test_attempts_older_than_a_day_are_pruned_at_the_next_login(app, client, make_user):
    user = make_user("collector")
    _try(client, "old-guess", "wrong-pass-1")
    _try(client, user.username, "wrong-pass-1")
    _age_attempts(timedelta(days=1, seconds=1))
    _try(client, user.username, "wrong-pass-2")
    rows = db.session.execute(select(LoginAttempt.username, LoginAttempt.outcome)).all()
    assert rows == [(user.username.lower(), "wrong")]
    resp = _try(client, user.username, "wrong-pass-3")  # the pruned failure no longer counts
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert f"Осталось попыток до блокировки: {limit - 2}." in resp.get_data(as_text=True)


# ----------------------------------------------------------------------------------------------- passwords
@pytest.mark.parametrize("password, problem", [
    ("Short-1", "не короче 10"),
    ("only-letters-here", "буквы и цифры"),
    ("1234567890123", "буквы и цифры"),
    ("xivanovx-2026-pass", "не должен содержать имя пользователя"),
    ("1234567890a", "Пароль слишком легко подобрать. Это очень распространённый пароль."),
    ("Qwerty123456", "Пароль слишком легко подобрать. Это очень распространённый пароль."),
    ("Password2024", "Пароль слишком легко подобрать. Это похоже на распространённый пароль."),
    ("aaaaaaaaaa1", "Повторяющиеся символы (например, «aaa») легко подобрать."),
    ("abcdefgh12", "Последовательности (например, «abc» или «6543») легко подобрать."),
    ("01.02.1985aa", "Даты легко подобрать."),
])
def test_password_rules_on_the_profile_page(client, login, password, problem):
    user = login("collector", username="ivanov")
    resp = client.post("/auth/profile", data={"pw-current": PASSWORD, "pw-password": password,
                                              "pw-confirm": password, "pw-submit": "1"})
    assert problem in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)  # unchanged


@pytest.mark.parametrize("username, password", [
    ("savvinova_n", "Savvinova-2026"), ("savvinova_n", "Petrovna-2026"), ("savvinova_n", "Nadezhda-2026"),
    ("kuznetsov_d", "Kuznetsov-2026"),
])
def test_a_password_made_of_the_users_own_name_is_refused(app, client, login, username, password):
    """zxcvbn gets the user's name (as typed and transliterated) and login as known words; the same password is
    fine for somebody else."""
    user = login("collector", username=username, full_name="Саввинова Надежда Петровна")
    resp = client.post("/auth/profile", data={"pw-current": PASSWORD, "pw-password": password,
                                              "pw-confirm": password, "pw-submit": "1"})
    assert ("Пароль слишком легко подобрать. Он составлен из имени или логина самого пользователя."
            in resp.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)  # unchanged
    assert auth_services.password_problems(password, "other_user", 10, user_inputs=("Иванов Иван",)) == []


def test_an_administrator_cannot_give_a_common_password(client, login):
    login("admin")
    resp = client.post("/auth/users/new", data={"username": "petrova", "full_name": "Петрова А. С.",
                                                 "role": "lawyer", "locale": "ru", "password": "1234567890a",
                                                 "is_active": "y"})
    assert resp.status_code == 200
    assert "Пароль слишком легко подобрать. Это очень распространённый пароль." in resp.get_data(as_text=True)
    assert db.session.scalar(select(User).filter_by(username="petrova")) is None


def test_the_documented_and_test_passwords_pass_the_rules(app):
    """The demo users' passwords printed in the README, and the tests' own, satisfy the password rules."""
    from casework.demo.generator import DEMO_USERS

    for _role, (username, full_name, _position, password) in DEMO_USERS.items():
        assert auth_services.password_problems(password, username, app.config["PASSWORD_MIN_LENGTH"],
                                               user_inputs=(full_name, f"{username}@tes-lensk.ru")) == [], username
    for password in (PASSWORD, "Longer-pass-42", "Brand-new-pass-7", "New-strong-pass-77"):
        assert auth_services.password_problems(password, "collector_abc123", 10,
                                               user_inputs=("Test collector",)) == [], password


def test_a_good_password_is_accepted_and_the_old_one_stops_working(app, client, login):
    user = login("collector")
    resp = client.post("/auth/profile", data={"pw-current": PASSWORD, "pw-password": "New-strong-pass-77",
                                              "pw-confirm": "New-strong-pass-77", "pw-submit": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(select(User).where(User.id == user.id))
    assert stored.check_password("New-strong-pass-77") and not stored.check_password(PASSWORD)
    assert "New-strong-pass-77" not in (stored.password_hash or "")
