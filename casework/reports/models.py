"""Closed (submitted) months of the monthly form: the figures as submitted, frozen.

The snapshot is JSON with integer kopecks only (exact on both engines), for example::

    {"version": 1, "month": "2026-01", "enterprise": "...", "overdue_method": "fifo",
     "rows": {"population": {"debt_start_kop": 1, "charged_kop": 2, "paid_kop": 3,
                             "enforcement_kop": 4, "overdue_kop": 5, "debt_end_kop": 6,
                             "accounts": 7}, "other": {...}, "total": {...}},
     "adjustments": {"population": 0, "other": 0, "total": 0} | null,
     "adjustment_base_month": "2025-12" | null}
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class ClosedMonth(db.Model):
    """A month whose form was submitted: served from `snapshot` from now on; closing is final."""

    __tablename__ = "report_closed_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)  # first day of the reporting month
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    overdue_method: Mapped[str] = mapped_column(String(16), default="fifo")

    closed_by = relationship("User")
