"""Every registered route declares who may use it, and the answer matches that declaration."""
import re

import pytest

from casework.access import PUBLIC, TokenRule, rule_for, user_may

ROLES = ("collector", "lawyer", "manager", "admin")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        yield rule


def test_every_route_declares_an_access_rule(app):
    missing = [r.endpoint for r in _routes(app) if rule_for(app, r.endpoint) is None]
    assert missing == [], f"views without @roles/@public/@any_user: {missing}"


def _url(rule):
    # fill every converter with a value that parses; 999999 ids give 404 after the access check
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
                  lambda m: "999999" if (m.group(1) in ("int",)) else ("2026-01" if "month" in m.group(2) else "x"),
                  rule.rule)


@pytest.mark.parametrize("role", (None,) + ROLES)
def test_each_role_gets_the_declared_answer_on_every_get_route(app, client, login, role):
    if role:
        login(role)
    for rule in _routes(app):
        if "GET" not in rule.methods:
            continue
        declared = rule_for(app, rule.endpoint)
        resp = client.get(_url(rule))
        if isinstance(declared, TokenRule):  # API views answer to tokens only: a session gets 401 problem details
            assert resp.status_code == 401 and resp.mimetype == "application/problem+json", (role, rule.rule)
            continue
        if user_may(role, declared):
            assert resp.status_code not in (401, 403), (role, rule.rule, resp.status_code)
            if declared != PUBLIC and resp.status_code == 302:
                assert "/auth/login" not in resp.headers.get("Location", ""), (role, rule.rule)
        elif role is None:
            assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], (rule.rule, resp.status_code)
        else:
            assert resp.status_code == 403, (role, rule.rule, resp.status_code)


@pytest.mark.parametrize("role", (None,) + ROLES)
def test_each_role_is_refused_on_post_routes_it_may_not_use(app, client, login, role):
    if role:
        login(role)
    for rule in _routes(app):
        if "POST" not in rule.methods:
            continue
        declared = rule_for(app, rule.endpoint)
        if user_may(role, declared):
            continue
        resp = client.post(_url(rule), data={})
        if isinstance(declared, TokenRule):
            assert resp.status_code == 401 and resp.mimetype == "application/problem+json", (role, rule.rule)
            continue
        if role is None:
            assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], (rule.rule, resp.status_code)
        else:
            assert resp.status_code == 403, (role, rule.rule, resp.status_code)


def _token(scope):
    from casework.api import services
    from casework.extensions import db

    _row, token = services.create_token(f"test {scope}", scope, None)
    db.session.commit()
    return token


def test_token_routes_answer_to_a_token_of_their_scope_and_only_to_it(app, client):
    """Every API route: a token of its scope gets past the access check (no 401/403); a read token is refused
    (403) on every write route; a session never counts (above)."""
    tokens = {scope: _token(scope) for scope in ("read", "write")}
    token_rules = [r for r in _routes(app) if isinstance(rule_for(app, r.endpoint), TokenRule)]
    assert {rule_for(app, r.endpoint).scope for r in token_rules} == {"read", "write"}
    for rule in token_rules:
        scope = rule_for(app, rule.endpoint).scope
        method = "get" if "GET" in rule.methods else "post"
        for have in ("read", "write"):
            resp = getattr(client, method)(_url(rule), headers={"Authorization": f"Bearer {tokens[have]}"},
                                           json={"rows": []} if method == "post" else None)
            if have == "write" or scope == "read":
                assert resp.status_code not in (401, 403), (have, rule.rule, resp.status_code)
            else:
                assert resp.status_code == 403 and resp.mimetype == "application/problem+json", (have, rule.rule)
