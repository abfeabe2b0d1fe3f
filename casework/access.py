"""Route access rules: every view declares who may use it; undeclared views are refused."""
from __future__ import annotations

from typing import Callable

from flask import Flask, abort, current_app, request
from flask_login import current_user

COLLECTOR, LAWYER, MANAGER, ADMIN = "collector", "lawyer", "manager", "admin"
ALL_ROLES = frozenset({COLLECTOR, LAWYER, MANAGER, ADMIN})
CASE_STAFF = frozenset({COLLECTOR, LAWYER, MANAGER})  # people who work cases
PUBLIC = "public"
AUTHENTICATED = "authenticated"  # any logged-in user, whatever the role
TOKEN_SCOPES = ("read", "write")  # API tokens (casework/api): "write" may read too


class TokenRule(str):
    """The rule of an API view: an API token of this scope (`Authorization: Bearer …`), never a session."""

    @property
    def scope(self) -> str:
        return self.split(":", 1)[1]


# the checker of token rules, set by casework.api (token → 401/403 problem responses); None refuses everyone
_token_checker: Callable | None = None


def roles(*allowed: str) -> Callable:
    """Declare which roles may call the view (the README's access matrix is built from these)."""
    flat: set[str] = set()
    for item in allowed:
        flat.update([item] if isinstance(item, str) else item)
    unknown = flat - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    return _mark(frozenset(flat))


def public(view: Callable) -> Callable:
    """Declare a view open to anonymous users (login page, health check)."""
    return _mark(PUBLIC)(view)


def any_user(view: Callable) -> Callable:
    """Declare a view open to every logged-in user (own profile, logout)."""
    return _mark(AUTHENTICATED)(view)


def api_token(scope: str) -> Callable:
    """Declare an API view: it answers only to an API token with `scope` (read or write), never to a session."""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"unknown token scope {scope!r}")
    return _mark(TokenRule(f"token:{scope}"))


def set_token_checker(checker: Callable) -> None:
    """Called by casework.api: `checker(rule)` authenticates the request's token for a TokenRule view."""
    global _token_checker
    _token_checker = checker


def _mark(rule) -> Callable:
    def decorator(view: Callable) -> Callable:
        view._access = rule  # type: ignore[attr-defined]
        return view

    return decorator


def rule_for(app: Flask, endpoint: str):
    """The declared access rule of an endpoint, or None when it declared none."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def user_may(role: str | None, rule) -> bool:
    if isinstance(rule, TokenRule):
        return False  # API views answer to tokens, not to the roles of a session
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    if rule == AUTHENTICATED:
        return True
    return role in rule


def _check_access():
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404/405 handled by Flask
    rule = rule_for(current_app, endpoint)
    if rule is None:
        current_app.logger.error("view %s declares no access rule; refused", endpoint)
        abort(403)
    if rule == PUBLIC:
        return None
    if isinstance(rule, TokenRule):
        if _token_checker is None:
            abort(403)
        return _token_checker(rule)
    if not current_user.is_authenticated:
        from .extensions import login_manager

        return login_manager.unauthorized()
    if not user_may(current_user.role, rule):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_check_access)


def has_role(*allowed: str) -> bool:
    """Template helper: does the current user hold one of these roles?"""
    return bool(current_user.is_authenticated and current_user.role in allowed)


