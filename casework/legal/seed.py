"""Seed the legal reference tables from the packaged files (casework/data/*); idempotent, never overwrites edits.

A row is inserted only when its natural key (key-rate date, cap-window start, moratorium code, calendar day,
duty-scale code) is absent, active or not: an edited or deactivated row stays as the admin left it.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from ..extensions import db
from . import reference
from .models import CalendarDay, CapWindow, DutyScaleRow, KeyRate, Moratorium, ReferenceVersion


def _d(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _period_date(value) -> date | None:
    return date.fromisoformat(value + "-01") if value else None


def _insert_missing(model, key: str, rows: list[dict]) -> int:
    have = set(db.session.scalars(select(getattr(model, key))))
    new = [r for r in rows if r[key] not in have]
    if new:
        db.session.execute(insert(model), new)
    return len(new)


def seed() -> dict[str, int]:
    """Insert the packaged reference rows that are missing; return how many were added per table."""
    added = {
        "key_rates": _insert_missing(KeyRate, "date_from", [
            {"date_from": _d(r["date_from"]), "rate_percent": Decimal(r["rate_percent"]),
             "source": r.get("source") or ""} for r in reference.key_rate_rows()]),
        "cap_windows": _insert_missing(CapWindow, "start_on", [
            {"start_on": _d(r["start"]), "end_on": _d(r["end"]), "cap_percent": Decimal(str(r["cap_percent"])),
             "source": r.get("source") or ""} for r in reference.cap_window_rows()]),
        "moratoria": _insert_missing(Moratorium, "code", [
            {"code": r["code"], "start_on": _d(r["start"]), "end_on": _d(r["end"]),
             "max_period": _period_date(r.get("max_period")), "source": r.get("source") or ""}
            for r in reference.moratoria_rows()]),
        "calendar": _insert_missing(CalendarDay, "day", [
            {"day": _d(r["date"]), "kind": r["kind"], "source": r.get("source") or ""}
            for r in reference.calendar_rows()]),
        "duty_scales": _insert_missing(DutyScaleRow, "code", [
            {"code": r["code"], "court": r["court"], "scale": r["scale"], "valid_from": _d(r["valid_from"]),
             "valid_to": _d(r.get("valid_to")), "order_share": str(r["order_share"]),
             "order_min": None if r.get("order_min") is None else str(r["order_min"]),
             "bands": [{k: str(v) for k, v in b.items() if v is not None} for b in r["bands"]],
             "source": r.get("source") or ""} for r in reference.duty_scale_rows()]),
    }
    if db.session.get(ReferenceVersion, 1) is None:
        db.session.execute(insert(ReferenceVersion), [{"id": 1, "version": 1}])
    elif any(added.values()):
        from .services import bump_reference_version

        bump_reference_version()
    return added
