"""The substring index behind account search (`accounts.search_text`), one per engine.

- SQLite: an FTS5 table `accounts_fts` with the `trigram` tokenizer (SQLite ≥ 3.34) over `accounts.search_text`
  (external content, rowid = accounts.id), kept in sync by triggers on `accounts`, so every writer — the ORM,
  Core bulk imports, the demo — keeps it current without knowing about it. The list query uses it as a
  pre-filter (`accounts.id IN (SELECT rowid FROM accounts_fts WHERE … MATCH …)`) and keeps its LIKE, so the
  result is exactly what LIKE alone would give.
- PostgreSQL: a GIN `pg_trgm` index on `accounts.search_text`; the planner uses it for `LIKE '%…%'` by itself.

`ensure_search_index(connection)` creates whatever is missing and is idempotent (safe on every start); it is
called by `casework.maintenance.setup.init_database()` and by the tests' schema setup. The integrator can move
the DDL below into the migration as it stands.
"""
from __future__ import annotations

import sqlite3

from sqlalchemy import text

FTS_TABLE = "accounts_fts"
PG_INDEX = "ix_accounts_search_trgm"
MIN_TERM = 3  # the trigram index cannot answer shorter terms; LIKE alone does

_SQLITE_TRIGGERS = {
    "accounts_fts_ai": f"""CREATE TRIGGER accounts_fts_ai AFTER INSERT ON accounts BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    "accounts_fts_ad": f"""CREATE TRIGGER accounts_fts_ad AFTER DELETE ON accounts BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END""",
    "accounts_fts_au": f"""CREATE TRIGGER accounts_fts_au AFTER UPDATE OF search_text, id ON accounts BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
}


def sqlite_supports_trigram() -> bool:
    return sqlite3.sqlite_version_info >= (3, 34, 0)


def ensure_search_index(connection) -> str | None:
    """Create the engine's search index if it is missing (idempotent); return what it is, or None if unsupported.

    On SQLite the FTS table is (re)built from `accounts` whenever one of its triggers is missing (a fresh
    schema, or `accounts` dropped and created again), so it never serves stale rows."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        connection.execute(text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON accounts "
                                "USING gin (search_text gin_trgm_ops)"))
        return "pg_trgm"
    if dialect != "sqlite" or not sqlite_supports_trigram():
        return None
    present = set(connection.execute(text(
        "SELECT name FROM sqlite_master WHERE name = :t OR (type = 'trigger' AND tbl_name = 'accounts' "
        "AND name LIKE 'accounts_fts_%')"), {"t": FTS_TABLE}).scalars())
    if FTS_TABLE in present and all(name in present for name in _SQLITE_TRIGGERS):
        return "fts5"
    for name in _SQLITE_TRIGGERS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    connection.execute(text(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='accounts', "
                            "content_rowid='id', tokenize='trigram')"))
    for ddl in _SQLITE_TRIGGERS.values():
        connection.execute(text(ddl))
    connection.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    return "fts5"


def fts_available(session) -> bool:
    """Whether the SQLite FTS table and its sync triggers are in place (checked per call: a few µs)."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    n = session.execute(text(
        "SELECT count(*) FROM sqlite_master WHERE name IN ('accounts_fts', 'accounts_fts_ai', 'accounts_fts_ad', "
        "'accounts_fts_au')")).scalar()
    return n == 4


def fts_match_expression(terms: list[str]) -> str | None:
    """The FTS5 MATCH string requiring every term of at least MIN_TERM characters as a substring, or None."""
    usable = [t for t in terms if len(t) >= MIN_TERM]
    if not usable:
        return None
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in usable)
