"""Cases: one per debtor account with debt, moving through the stages of collection.

The cases area owns this module; the skeleton below is the contract other areas (contacts,
documents, reports) may rely on: `Case.id`, `account_id`, `stage`, `assignee_id`, `is_open`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint, event, inspect, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_stage_open", "stage", "is_open"), Index("ix_cases_assignee", "assignee_id"),
                      Index("ix_cases_open_next", "is_open", "next_action_on"),
                      Index("ix_cases_account_open", "account_id", "is_open"),  # "has an open case" probes
                      # the database refuses a second open case of one account (two daily runs at once, two hosts)
                      Index("uq_cases_one_open_per_account", "account_id", unique=True,
                            postgresql_where=text("is_open"), sqlite_where=text("is_open")))

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
    next_action_on: Mapped[date | None] = mapped_column(Date)   # the planned next step (call, visit, filing…)
    next_action: Mapped[str | None] = mapped_column(String(300))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))  # service restricted/suspended
    lawyer_approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # restriction approval (п.122)
    version_id: Mapped[int] = mapped_column(default=1)  # optimistic lock: concurrent moves conflict
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version_id}

    account = relationship("Account")
    assignee = relationship("User", foreign_keys=[assignee_id])


class StageChange(db.Model):
    """One move of a case between stages, with who, when and why (never edited)."""

    __tablename__ = "case_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    changed_on: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class Hold(db.Model):
    """A pause of the case (dispute, recalculation, bankruptcy, heirs search, minor owner, other) with a review date."""

    __tablename__ = "case_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    started_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_note: Mapped[str | None] = mapped_column(Text)

    starter = relationship("User", foreign_keys=[started_by])


class Court(db.Model):
    """A magistrate sector, district court or arbitrazh court with its address and payee details for the duty."""

    __tablename__ = "courts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="magistrate")  # magistrate | district | arbitrazh
    name: Mapped[str] = mapped_column(String(300))
    sector_number: Mapped[str | None] = mapped_column(String(20))
    judge_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    # payee of the state duty (казначейские реквизиты)
    payee_name: Mapped[str | None] = mapped_column(String(300))
    payee_inn: Mapped[str | None] = mapped_column(String(12))
    payee_kpp: Mapped[str | None] = mapped_column(String(9))
    oktmo: Mapped[str | None] = mapped_column(String(11))
    treasury_account: Mapped[str | None] = mapped_column(String(20))
    bik: Mapped[str | None] = mapped_column(String(9))
    kbk: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)


class CourtRecord(db.Model):
    """A filing in court (order, claim, eviction) with its amounts, dates and outcome."""

    __tablename__ = "court_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    court_id: Mapped[int | None] = mapped_column(ForeignKey("courts.id"))
    kind: Mapped[str] = mapped_column(String(16), default="order")  # order | claim | eviction
    case_number: Mapped[str | None] = mapped_column(String(60))
    principal_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    duty_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    issued_on: Mapped[date | None] = mapped_column(Date)     # order issued / judgment made
    received_on: Mapped[date | None] = mapped_column(Date)   # debtor received the order copy
    objection_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    in_force_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(24), default="pending")
    awarded_kop: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column()  # the issued application (documents area), no FK by design
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    court = relationship("Court")


class BailiffUnit(db.Model):
    """A bailiff unit (отделение судебных приставов) that receives writs."""

    __tablename__ = "bailiff_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))


class Enforcement(db.Model):
    """A writ sent for enforcement (bailiffs, employer or bank) and what came of it; receipts are ledger payments."""

    __tablename__ = "enforcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    court_record_id: Mapped[int | None] = mapped_column(ForeignKey("court_records.id"))
    writ_number: Mapped[str] = mapped_column(String(60))
    writ_date: Mapped[date] = mapped_column(Date)
    amount_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    destination: Mapped[str] = mapped_column(String(16), default="bailiff")  # bailiff | employer | bank
    bailiff_unit_id: Mapped[int | None] = mapped_column(ForeignKey("bailiff_units.id"))
    payer_name: Mapped[str | None] = mapped_column(String(300))  # employer or bank
    sent_on: Mapped[date] = mapped_column(Date)
    proceedings_number: Mapped[str | None] = mapped_column(String(60))
    proceedings_opened_on: Mapped[date | None] = mapped_column(Date)
    travel_ban_requested_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(32))  # paid | impossible | returned | cancelled | other
    note: Mapped[str | None] = mapped_column(Text)
    # what the bailiffs report (ФССП reconciliation, casework/fssp): status of the ИП, the article it ended on,
    # the bailiff in charge, when the status last changed (a movement for the silence alert), last reconciliation
    proceedings_status: Mapped[str | None] = mapped_column(String(16))  # in_progress | ended | terminated | suspended
    end_article: Mapped[str | None] = mapped_column(String(40))  # «п. 3 ч. 1 ст. 46»
    bailiff_name: Mapped[str | None] = mapped_column(String(200))
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    reconciled_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bailiff_unit = relationship("BailiffUnit")


class WriteOffProposal(db.Model):
    """A proposal to write a debt off on a ground; a manager other than the proposer decides."""

    __tablename__ = "writeoff_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    ground: Mapped[str] = mapped_column(String(32))
    amount_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    periods: Mapped[list | None] = mapped_column(JSON)  # 'YYYY-MM' of a partial write-off; None: the whole debt
    evidence: Mapped[str | None] = mapped_column(Text)  # the document: number, date, issuer
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(16))  # approved | rejected
    decision_note: Mapped[str | None] = mapped_column(Text)

    proposer = relationship("User", foreign_keys=[proposed_by])
    decider = relationship("User", foreign_keys=[decided_by])


class Alert(db.Model):
    """Something a person must look at (broken promise, silent enforcement, hold to review); one per key."""

    __tablename__ = "case_alerts"
    __table_args__ = (UniqueConstraint("case_id", "kind", "key"), Index("ix_case_alerts_open", "resolved_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(40), default="")
    raised_on: Mapped[date] = mapped_column(Date)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Deadline(db.Model):
    """A legal or procedural term running on a case (20-day warning, 10-day restriction, objection window, limitation)."""

    __tablename__ = "case_deadlines"
    __table_args__ = (UniqueConstraint("case_id", "kind", "starts_on"), Index("ix_case_deadlines_due", "due_on"),
                      # the queue's sections: running terms of a kind by date, and terms reached and not yet acted on
                      Index("ix_case_deadlines_open_kind_due", "kind", "due_on",
                            sqlite_where=text("done_on IS NULL"), postgresql_where=text("done_on IS NULL")),
                      Index("ix_case_deadlines_reached_open", "due_on", "case_id",
                            sqlite_where=text("reached_on IS NOT NULL AND done_on IS NULL"),
                            postgresql_where=text("reached_on IS NOT NULL AND done_on IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    reached_on: Mapped[date | None] = mapped_column(Date)  # set by the daily job when due_on has come
    done_on: Mapped[date | None] = mapped_column(Date)     # the step it enabled was taken (or it lapsed)
    params: Mapped[dict] = mapped_column(JSON, default=dict)


# ------------------------------------------------------------------ account_balances.has_open_case
def sync_open_case_flags(connection, account_ids=None) -> None:
    """Set `account_balances.has_open_case` from the cases table for these accounts (None = every account whose
    flag disagrees): the queue's «new debtors without a case» reads the flag through an index instead of probing
    the cases of every account above the threshold."""
    from sqlalchemy import exists, update

    from ..accounts.models import AccountBalance

    open_case = exists().where(Case.account_id == AccountBalance.account_id, Case.is_open.is_(True))
    stmt = update(AccountBalance).values(has_open_case=open_case)
    if account_ids is None:
        stmt = stmt.where(AccountBalance.has_open_case != open_case)
    else:
        ids = sorted({int(i) for i in account_ids})
        if not ids:
            return
        stmt = stmt.where(AccountBalance.account_id.in_(ids))
    connection.execute(stmt.execution_options(synchronize_session=False))


@event.listens_for(Session, "after_flush")
def _open_case_flags_after_flush(session: Session, flush_context) -> None:
    """Keep `has_open_case` for every case inserted, deleted or opened/closed through the ORM in this flush (the
    Core paths of the cases services call sync_open_case_flags themselves)."""
    ids = set()
    for obj in session.new:
        if isinstance(obj, Case):
            ids.add(obj.account_id)
    for obj in session.deleted:
        if isinstance(obj, Case):
            ids.add(obj.account_id)
    for obj in session.dirty:
        if isinstance(obj, Case):
            state = inspect(obj)
            if state.attrs.is_open.history.has_changes() or state.attrs.account_id.history.has_changes():
                ids.add(obj.account_id)
                ids.update(v for v in state.attrs.account_id.history.deleted if v is not None)
    ids.discard(None)
    if ids:
        sync_open_case_flags(session.connection(), ids)
