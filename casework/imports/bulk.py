"""Writing many rows at once, as the writers of ledger.py and persons.py do: the driver's fastest path (COPY on
PostgreSQL, executemany on SQLite) and values made plain for the audit trail."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any


def bulk_rows(conn, table: str, cols: tuple[str, ...], rows) -> None:
    """Bulk load rows into a (temporary) table with the driver's fastest path (COPY / executemany)."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
    else:
        raw.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)


def plain(v: Any):
    """A value as the audit trail's JSON keeps it: dates in ISO form, other objects as text."""
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if v is not None and not isinstance(v, (str, int, bool, float)):
        return str(v)
    return v
