"""Blueprint registry: one blueprint per domain area, URL prefix given here."""
from __future__ import annotations

from flask import Flask

from .plugins import import_optional

# (module, url_prefix); a module listed here must define `bp` in its __init__ and import its views.
BLUEPRINTS: list[tuple[str, str]] = [
    ("casework.auth", "/auth"),
    ("casework.enterprise", "/enterprise"),
    ("casework.accounts", "/accounts"),
    ("casework.imports", "/imports"),
    ("casework.legal", "/legal"),
    ("casework.cases", "/cases"),
    ("casework.contacts", "/contacts"),
    ("casework.documents", "/documents"),
    ("casework.reports", "/reports"),
    ("casework.audit", "/audit"),
    ("casework.egrn", "/egrn"),
    ("casework.jobs", "/jobs"),
    ("casework.ops", "/health"),
]


def register_blueprints(app: Flask) -> None:
    for module_name, prefix in BLUEPRINTS:
        module = import_optional(module_name)
        bp = getattr(module, "bp", None)
        if bp is not None:
            app.register_blueprint(bp, url_prefix=prefix)
