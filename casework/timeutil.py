"""Clock helpers: the only places that read the wall clock."""
from __future__ import annotations

from datetime import date, datetime, timezone


def utcnow() -> datetime:
    """Naive UTC timestamp (stored as such on both engines)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    """The business date (local calendar day of the server)."""
    return date.today()
