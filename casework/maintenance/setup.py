"""Database setup: schema by migrations, then the reference data every installation needs."""
from __future__ import annotations

import importlib

from flask_migrate import upgrade

from ..extensions import db
from ..transaction import unit_of_work

# functions `seed()` that insert missing reference rows idempotently (they never overwrite edits)
SEEDERS = [
    "casework.accounts.seed",
    "casework.legal.seed",
    "casework.cases.seed",
    "casework.imports.seed",
]


def seed_reference() -> None:
    """Insert the shipped reference data (services, rate tables, calendar, …) where missing."""
    for name in SEEDERS:
        importlib.import_module(name).seed()
    db.session.flush()


def init_database() -> None:
    """Bring the schema to the newest migration and seed the reference data (idempotent)."""
    upgrade()
    from ..accounts.search_index import ensure_search_index  # substring index for account search (FTS5 / pg_trgm)

    with db.engine.begin() as conn:
        ensure_search_index(conn)
    with unit_of_work():
        seed_reference()
