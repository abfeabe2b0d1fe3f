"""Explicit audit events (logins, imports, views of personal data) beside the automatic change log."""
from __future__ import annotations

from sqlalchemy import insert

from ..extensions import db
from ..timeutil import utcnow


def record_event(action: str, entity: str, entity_id: int | None, details: dict | None = None, *, actor=None) -> None:
    """Append an audit row for an action that is not a plain record change (who, when, what)."""
    from .models import AuditEvent, current_actor_id

    actor_id = getattr(actor, "id", None) if actor is not None else current_actor_id()
    db.session.execute(insert(AuditEvent.__table__), [{
        "at": utcnow(), "user_id": actor_id, "action": action, "entity": entity,
        "entity_id": entity_id, "changes": details or {}}])
