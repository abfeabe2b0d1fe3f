"""Blueprint registry: one blueprint per domain area, URL prefix given here."""
from __future__ import annotations

import importlib

from flask import Flask

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
    ("casework.fssp", "/fssp"),
    ("casework.messages", "/messages"),
    ("casework.gis", "/gis"),
    ("casework.jobs", "/jobs"),
    ("casework.ops", "/health"),
    ("casework.api", "/api/v1"),
    ("casework.api.admin", "/api-tokens"),
]


def register_blueprints(app: Flask) -> None:
    for module_name, prefix in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp, url_prefix=prefix)
