"""The audit trail: one row per change of any record, and per explicit event."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None]
    changes: Mapped[dict | None] = mapped_column(JSON)


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


_SKIP_TABLES = {"audit_events"}
_SKIP_COLUMNS = {"password_hash", "session_token"}  # secrets: never copied into the trail


def current_actor_id() -> int | None:
    try:
        from flask import has_request_context
        from flask_login import current_user

        if has_request_context() and current_user.is_authenticated:
            return current_user.id
    except Exception:
        return None
    return None


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, flush_context) -> None:
    """Record inserts, updates and deletes of every mapped record (ORM path) in the same transaction."""
    rows = []
    actor = session.info.get("actor_id") or current_actor_id()
    now = utcnow()
    for kind, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in _SKIP_TABLES or getattr(obj, "__audit__", True) is False:
                continue
            state = inspect(obj)
            changes = {}
            for attr in state.mapper.column_attrs:
                key = attr.key
                if key in _SKIP_COLUMNS:
                    if kind == "update" and state.attrs[key].history.has_changes():
                        changes[key] = ["***", "***"]
                    continue
                hist = state.attrs[key].history
                if kind == "insert":
                    value = getattr(obj, key, None)
                    if value is not None:
                        changes[key] = _plain(value)
                elif kind == "update" and hist.has_changes():
                    old = hist.deleted[0] if hist.deleted else None
                    new = hist.added[0] if hist.added else None
                    if old != new:
                        changes[key] = [_plain(old), _plain(new)]
            if kind == "update" and not changes:
                continue
            ident = state.identity[0] if state.identity and len(state.identity) == 1 else None
            if ident is None:
                ident = getattr(obj, "id", None)
            rows.append({"at": now, "user_id": actor, "action": kind, "entity": table,
                         "entity_id": ident if isinstance(ident, int) else None, "changes": changes})
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)
