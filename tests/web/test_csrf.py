"""CSRF on every state-changing request, and no GET route that changes state.

The session app runs with WTF_CSRF_ENABLED=False for the other tests; here it is switched on for the duration
of a test (Flask-WTF reads the setting per request), exactly as in production.
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casework.access import PUBLIC, TokenRule, rule_for, user_may
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.timeutil import today

from ..conftest import PASSWORD
from .test_access_matrix import ROLES, _routes, _url

CSRF_MESSAGE = "Форма устарела или отправлена с другой страницы"
# POST routes without a session that other servers call: exempt from CSRF, signed instead (HMAC), so an unsigned
# request is refused with 403 (docs/messages.md). Nothing else may be exempt.
CSRF_EXEMPT = {"messages.callback"}
TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Browser:
    """A test client whose every request runs in a fresh app context: the `app` fixture's context is shared by
    all clients of a test, and with it `g` (Flask-Login's current user, Flask-WTF's token) would leak between
    two browsers."""

    def __init__(self, app):
        self.app, self.client = app, app.test_client()

    def _do(self, method, *a, **kw):
        with self.app.app_context():
            resp = getattr(self.client, method)(*a, **kw)
            resp.get_data()
            return resp

    def get(self, *a, **kw):
        return self._do("get", *a, **kw)

    def post(self, *a, **kw):
        return self._do("post", *a, **kw)


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


def _token(client, path="/auth/login") -> str:
    html = client.get(path).get_data(as_text=True)
    m = TOKEN_RE.search(html) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert m, f"no csrf_token on {path}"
    return m.group(1)


def _login_with_csrf(client, user):
    token = _token(client, "/auth/login")
    resp = client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]


def test_login_without_token_is_refused_and_with_token_works(csrf_on, app, make_user):
    user = make_user("collector")
    client = Browser(app)
    resp = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert resp.status_code == 400
    assert CSRF_MESSAGE in resp.get_data(as_text=True)
    _login_with_csrf(client, user)
    assert client.get("/auth/profile").status_code == 200


def test_token_of_another_session_is_refused(csrf_on, app, make_user):
    user = make_user("admin")
    alice, mallory = Browser(app), Browser(app)
    _login_with_csrf(alice, user)
    foreign = _token(mallory, "/auth/login")  # a valid token, but bound to mallory's session
    resp = alice.post("/auth/users/new", data={"username": "evil", "full_name": "x", "role": "admin",
                                               "locale": "ru", "password": "Longer-pass-42", "csrf_token": foreign})
    assert resp.status_code == 400
    from casework.auth.models import User

    assert db.session.scalar(select(User).where(User.username == "evil")) is None


def _post_rules(app):
    return [r for r in _routes(app) if "POST" in r.methods]


def test_every_post_route_refuses_a_request_without_token(csrf_on, app, client, make_user):
    """Every POST route, for a user who may use it, answers 400 without the token — before the view runs."""
    rules = _post_rules(app)
    assert len(rules) > 20  # the walk really covers the application
    browsers = {}
    for role in ROLES:
        browsers[role] = Browser(app)
        _login_with_csrf(browsers[role], make_user(role))
    db.session.expire_all()
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    checked = set()
    for role in ROLES:
        c = browsers[role]
        for rule in rules:
            if rule.endpoint in checked or not user_may(role, rule_for(app, rule.endpoint)):
                continue
            resp = c.post(_url(rule), data={})
            if rule.endpoint in CSRF_EXEMPT:
                assert resp.status_code == 403, (role, rule.rule, resp.status_code)  # unsigned
                checked.add(rule.endpoint)
                continue
            assert resp.status_code == 400, (role, rule.rule, resp.status_code)
            assert CSRF_MESSAGE in resp.get_data(as_text=True), rule.rule
            checked.add(rule.endpoint)
    anon = Browser(app)
    for rule in rules:
        if rule_for(app, rule.endpoint) == PUBLIC:
            resp = anon.post(_url(rule), data={})
            assert resp.status_code == (403 if rule.endpoint in CSRF_EXEMPT else 400), rule.rule
            checked.add(rule.endpoint)
    # API routes take no cookies, so no CSRF token: they are checked below (test_api_routes_are_csrf_exempt)
    assert checked == {r.endpoint for r in rules if not isinstance(rule_for(app, r.endpoint), TokenRule)}
    db.session.expire_all()
    # nothing happened: not one audit row (every change of a record writes one)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_api_routes_are_csrf_exempt_and_only_they(csrf_on, app):
    """The API's POST routes answer to a bearer token without any CSRF token (the API blueprint alone is exempt);
    the administrators' token pages keep CSRF like every other page."""
    from casework.api import services

    _row, token = services.create_token("csrf", "write", None)
    db.session.commit()
    api_rules = [r for r in _post_rules(app) if isinstance(rule_for(app, r.endpoint), TokenRule)]
    assert api_rules
    c = Browser(app)
    for rule in api_rules:
        resp = c.post(_url(rule), json={"rows": []}, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 422 and resp.mimetype == "application/problem+json", (rule.rule, resp.status_code)
    exempt = {bp.name for bp in app.extensions["csrf"]._exempt_blueprints}
    assert exempt == {"api"}, exempt


def test_only_the_signed_callbacks_are_exempt_from_csrf(app):
    from casework.extensions import csrf

    exempt = {endpoint for endpoint, view in app.view_functions.items()
              if f"{view.__module__}.{view.__name__}" in csrf._exempt_views}
    assert exempt == CSRF_EXEMPT


def test_every_post_route_accepts_the_token_and_never_fails_on_an_empty_form(csrf_on, app, make_user):
    """With the session's token the request passes the CSRF check (no 400 CSRF page) and no view answers 500."""
    rules = [r for r in _post_rules(app) if r.endpoint != "auth.logout"
             and not isinstance(rule_for(app, r.endpoint), TokenRule)]
    for role in ROLES:
        c = Browser(app)
        _login_with_csrf(c, make_user(role))
        token = _token(c, "/auth/profile")
        for rule in rules:
            if not user_may(role, rule_for(app, rule.endpoint)):
                continue
            resp = c.post(_url(rule), data={"csrf_token": token})
            assert resp.status_code < 500, (role, rule.rule, resp.status_code)
            assert CSRF_MESSAGE not in resp.get_data(as_text=True), (role, rule.rule)
        resp = c.post("/auth/logout", data={"csrf_token": token})
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
        assert c.get("/auth/profile").status_code == 302  # signed out for real


def _table_counts() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    return counts


def _seed_records(collector):
    from casework.cases import services as case_services
    from tests.factories import billed_account

    acc, _svc = billed_account()
    case = case_services.open_case(acc.id, collector, today() - timedelta(days=5), assignee_id=collector.id)
    db.session.commit()
    return {"account_id": acc.id, "case_id": case.id}


def _real_url(rule, ids):
    def fill(m):
        conv, name = m.group(1), m.group(2)
        if name in ids:
            return str(ids[name])
        if conv == "int":
            return "999999"
        return "2026-01" if "month" in name else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def test_no_get_route_changes_state(app, make_user):
    """GET every route as every role (with real ids where the route takes an account or a case): no table changes;
    the only audit rows a GET may write are `pii.view` (logging who looked at personal data is the point)."""
    users = {role: make_user(role) for role in ROLES}
    ids = _seed_records(users["collector"])
    browsers = {}
    for role in ROLES:  # signing in is a POST that writes (last login time): done before the baseline
        browsers[role] = Browser(app)
        resp = browsers[role].post("/auth/login", data={"username": users[role].username, "password": PASSWORD})
        assert resp.status_code == 302
    db.session.expire_all()
    before = _table_counts()
    audit_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    walked = 0
    for role in ROLES:
        c = browsers[role]
        for rule in _routes(app):
            if "GET" not in rule.methods or not user_may(role, rule_for(app, rule.endpoint)):
                continue
            resp = c.get(_real_url(rule, ids))
            # /health/ready answers 503 here on purpose: the test database is built without alembic, so its
            # migration check fails (tests/web/test_ops.py covers the 200); anything else is an error page
            assert resp.status_code < 500 or (rule.endpoint == "ops.ready" and resp.status_code == 503), \
                (role, rule.rule)
            walked += 1
    db.session.expire_all()
    after = _table_counts()
    new = db.session.execute(select(AuditEvent.action, AuditEvent.entity, AuditEvent.changes)
                             .where(AuditEvent.id > audit_before)).all()
    assert [tuple(r) for r in new if r.action != "pii.view"] == []
    before.pop("audit_events"), after.pop("audit_events")
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    # users.last_login_at changes on login (a POST); row counts of every table stay the same
    assert changed == {}, changed
    assert walked > 100
