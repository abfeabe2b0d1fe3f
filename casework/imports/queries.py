"""Reads of the import history."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select

from ..auth.models import User
from ..timeutil import to_utc
from .models import ImportBatch


def batches(kind: str | None = None, status: str | None = None, q: str | None = None,
            date_from: date | None = None, date_to: date | None = None) -> Select:
    """Recorded imports, newest first, with the user who ran each: (ImportBatch, user full name)."""
    stmt = (select(ImportBatch, User.full_name).outerjoin(User, User.id == ImportBatch.user_id)
            .order_by(ImportBatch.id.desc()))
    if kind:
        stmt = stmt.where(ImportBatch.kind == kind)
    if status:
        stmt = stmt.where(ImportBatch.status == status)
    if q:
        stmt = stmt.where(ImportBatch.file_name.icontains(q.strip(), autoescape=True))
    if date_from:
        stmt = stmt.where(ImportBatch.started_at >= to_utc(datetime.combine(date_from, time.min)))
    if date_to:
        stmt = stmt.where(ImportBatch.started_at < to_utc(datetime.combine(date_to + timedelta(days=1), time.min)))
    return stmt
