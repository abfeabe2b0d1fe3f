"""Views that belong to no domain area (home, health, language) and the layout's template globals."""
from __future__ import annotations

import os
from typing import Callable

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from .access import has_role, public, rule_for, user_may
from .extensions import db
from .i18n import _l

bp = Blueprint("common", __name__)

# (endpoint, label): shown when the endpoint exists and the user's role may open it
NAV = [
    ("cases.queue", _l("My queue")),
    ("accounts.index", _l("Accounts")),
    ("cases.index", _l("Cases")),
    ("contacts.index", _l("Contacts")),
    ("messages.index", _l("Messages")),
    ("documents.index", _l("Documents")),
    ("fssp.upload", _l("Bailiffs")),
    ("legal.index", _l("Calculators")),
    ("reports.index", _l("Reports")),
    ("imports.index", _l("Imports")),
    ("enterprise.show", _l("Enterprise")),
    ("legal.reference", _l("Rate tables")),
    ("cases.courts", _l("Courts")),
    ("gis.index", _l("GIS debt requests")),
    ("auth.users", _l("Users")),
    ("api_tokens.index", _l("API tokens")),
    ("audit.index", _l("Audit")),
    ("jobs.index", _l("Jobs")),
]

ROLE_LABELS = {"collector": _l("Collector"), "lawyer": _l("Lawyer"),
               "manager": _l("Manager"), "admin": _l("Administrator")}

# callables returning a list of warning strings for the current user (e.g. stale rate tables)
WARNING_PROVIDERS: list[Callable[[], list[str]]] = []


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    for endpoint, _label in NAV:
        if endpoint in current_app.view_functions and user_may(current_user.role, rule_for(current_app, endpoint)):
            return redirect(url_for(endpoint))
    return redirect(url_for("auth.profile"))


@bp.route("/health")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code  # committed at the end of the request (casework/transaction.py)
    return redirect(url_for("common.index"))


def _active_entry(entries: list[str], endpoint: str) -> str | None:
    """The menu entry of the page: its own, else the area's entry sharing the longest view-name start."""
    area, _, view = endpoint.partition(".")
    best, score = None, 0
    for candidate in entries:
        c_area, _, c_view = candidate.partition(".")
        if c_area != area or not view:
            continue
        common = 0
        for a, b in zip(c_view, view):
            if a != b:
                break
            common += 1
        k = 1000 if c_view == view else common * 2 + (1 if c_view == "index" else 0)
        if k > score:
            best, score = candidate, k
    return best


def nav_items():
    """(endpoint, label, allowed, active) for the menu entries that exist."""
    role = current_user.role if current_user.is_authenticated else None
    entries = [(ep, label) for ep, label in NAV if ep in current_app.view_functions]
    active = _active_entry([ep for ep, _label in entries], request.endpoint or "")
    return [(ep, label, user_may(role, rule_for(current_app, ep)), ep == active) for ep, label in entries]


def admin_warnings() -> list[str]:
    if not current_user.is_authenticated:
        return []
    out: list[str] = []
    for provider in WARNING_PROVIDERS:
        try:
            out.extend(provider())
        except Exception:  # a warning must never break a page
            current_app.logger.exception("warning provider failed")
    return out


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(has_role=has_role, nav_items=nav_items, admin_warnings=admin_warnings,
                                 role_label=lambda r: ROLE_LABELS.get(r, r))


def uploaded_files(files, default_name: str = "file") -> list[tuple[str, bytes]]:
    """The files of a multiple-file field as (name, bytes): the client's path stripped to its last part (never a
    folder of ours), at most 255 characters; empty file inputs are left out."""
    out = []
    for f in files or []:
        if not getattr(f, "filename", None):
            continue
        out.append((os.path.basename(f.filename.replace("\\", "/"))[:255] or default_name, f.read()))
    return out
