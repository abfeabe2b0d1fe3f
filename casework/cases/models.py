"""Cases: one per debtor account with debt, moving through the stages of collection.

The cases area owns this module; the skeleton below is the contract other areas (contacts,
documents, reports) may rely on: `Case.id`, `account_id`, `stage`, `assignee_id`, `is_open`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_stage_open", "stage", "is_open"), Index("ix_cases_assignee", "assignee_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32), default="debt_detected")
    stage_since: Mapped[date] = mapped_column(Date)
    is_open: Mapped[bool] = mapped_column(default=True)
    hold_reason: Mapped[str | None] = mapped_column(String(32))  # dispute, recalculation, bankruptcy, ...
    hold_until: Mapped[date | None] = mapped_column(Date)  # review date of the hold
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    debt_at_open_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int] = mapped_column(default=1)  # optimistic lock: concurrent moves conflict
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version_id}

    account = relationship("Account")
    assignee = relationship("User")
