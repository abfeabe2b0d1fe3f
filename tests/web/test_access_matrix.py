"""Every registered route declares who may use it, and the answer matches that declaration."""
import re

import pytest

from casework.access import PUBLIC, rule_for, user_may

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
        if role is None:
            assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], (rule.rule, resp.status_code)
        else:
            assert resp.status_code == 403, (role, rule.rule, resp.status_code)
