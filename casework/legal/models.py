"""Reference tables of the legal engine (key rate, cap windows, moratoria, calendar exceptions, duty scales)
and the stored results of portfolio runs.

The reference tables are seeded from the packaged files (`casework/legal/seed.py`) and edited by an admin;
every edit goes through the ORM, so the audit trail records who changed what and when. Rows are never
deleted: an admin deactivates them (`is_active = False`), and inactive rows do not take part in calculations.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import ScaledDecimal
from ..extensions import db
from ..timeutil import utcnow


class KeyRate(db.Model):
    """A Bank of Russia key-rate decision: the rate in force from its effective date."""

    __tablename__ = "legal_key_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    date_from: Mapped[date] = mapped_column(Date, unique=True)
    rate_percent = mapped_column(ScaledDecimal(2), nullable=False)
    source: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CapWindow(db.Model):
    """Days whose penalty rate is capped (ПП 474 → 329: 9.5 %, 28.02.2022–31.12.2026)."""

    __tablename__ = "legal_cap_windows"
    __table_args__ = (CheckConstraint("end_on >= start_on", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    start_on: Mapped[date] = mapped_column(Date, unique=True)
    end_on: Mapped[date] = mapped_column(Date)
    cap_percent = mapped_column(ScaledDecimal(2), nullable=False)
    source: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Moratorium(db.Model):
    """Days on which no ЖКУ penalty accrues (ПП 424, ПП 497, regional decrees); `max_period` limits the charges."""

    __tablename__ = "legal_moratoria"
    __table_args__ = (CheckConstraint("end_on >= start_on", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    max_period: Mapped[date | None] = mapped_column(Date)  # first day of the last covered billing month
    source: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CalendarDay(db.Model):
    """An exception of the production calendar: a non-working weekday or a working weekend day."""

    __tablename__ = "legal_calendar_days"
    __table_args__ = (CheckConstraint("kind IN ('working','non_working')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DutyScaleRow(db.Model):
    """One state-duty scale (НК 333.19 / 333.21) for one court type and range of sending dates."""

    __tablename__ = "legal_duty_scales"
    __table_args__ = (CheckConstraint("court IN ('general','arbitrazh')", name="court"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    court: Mapped[str] = mapped_column(String(12))
    scale: Mapped[str] = mapped_column(String(12), default="new")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    order_share: Mapped[str] = mapped_column(String(12), default="0.5")  # decimal string
    order_min: Mapped[str | None] = mapped_column(String(20))  # decimal string, rubles
    bands: Mapped[list] = mapped_column(JSON)  # [{"threshold","base","percent","min"?,"max"?}] as decimal strings
    source: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReferenceVersion(db.Model):
    """A counter bumped on every reference edit: processes rebuild their cached Reference when it moves."""

    __tablename__ = "legal_reference_version"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class PortfolioRun(db.Model):
    """One portfolio run: when, as of which date, how many accounts, totals and duration."""

    __tablename__ = "portfolio_runs"
    __audit__ = False  # the run itself is the record

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    accounts_scanned: Mapped[int] = mapped_column(default=0)
    accounts_with_debt: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    penalty_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    time_barred_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    claimable_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    workers: Mapped[int] = mapped_column(default=1)
    scope: Mapped[str | None] = mapped_column(Text)  # account ids when the run was limited
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PortfolioResult(db.Model):
    """The current penalty and limitation figures of one account (replaced by every run)."""

    __tablename__ = "portfolio_results"
    __audit__ = False
    __table_args__ = (Index("ix_portfolio_results_next_bar", "next_bar_date"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("portfolio_runs.id"))
    as_of: Mapped[date] = mapped_column(Date)
    debt_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_kop: Mapped[int | None] = mapped_column(BigInteger)  # None: debt before 2016 (not implemented)
    time_barred_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    claimable_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    next_bar_date: Mapped[date | None] = mapped_column(Date)  # nearest last day to file of a claimable month
    error: Mapped[str | None] = mapped_column(String(300))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
