"""Contact log, promises to pay, payment agreements and their instalments.

Nothing here is deleted: a wrong contact is corrected by a new entry (`corrects_id`), a promise or an
agreement is cancelled with a reason. Contact times (`contacted_at`) are the debtor's local wall-clock
time as the collector entered it (quiet hours are judged on it); `created_at` is UTC.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

CHANNELS = ("call", "visit", "sms", "email", "letter", "reception", "raid", "messenger", "gis_zhkh")
DIRECTIONS = ("outgoing", "incoming")
OUTCOMES = ("reached", "no_answer", "busy", "wrong_number", "refused_to_talk", "promised_to_pay",
            "disputes_debt", "paid_already", "asked_for_agreement", "agreement_signed", "not_at_home",
            "notice_handed", "left_in_mailbox", "third_party_reached", "message_sent", "letter_sent",
            "delivered", "moved_out", "debtor_deceased", "subsidy_advised", "work_off_offered",
            "property_inspected", "refused_contact", "other")
NEXT_ACTIONS = ("call", "visit", "sms", "letter", "check_payment", "notice", "agreement", "raid",
                "court_review", "other")
PROMISE_STATUSES = ("pending", "kept", "partly_kept", "broken", "cancelled")
AGREEMENT_KINDS = ("instalment", "restructuring", "holiday")
AGREEMENT_STATUSES = ("draft", "on_track", "late", "broken", "completed", "cancelled")


class Contact(db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_account_at", "account_id", "contacted_at"),
        Index("ix_contacts_case", "case_id"),
        Index("ix_contacts_next_action", "next_action_on"),
        Index("ix_contacts_at_channel", "contacted_at", "channel"),
        Index("ix_contacts_author_at", "author_id", "contacted_at"),
        CheckConstraint("direction IN ('outgoing','incoming')", name="direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8), default="outgoing")
    outcome: Mapped[str] = mapped_column(String(32))
    contact_person: Mapped[str] = mapped_column(String(200), default="")  # who was reached: debtor, relative, …
    contact_point: Mapped[str] = mapped_column(String(200), default="")  # phone number, e-mail, address used
    note: Mapped[str] = mapped_column(Text, default="")
    contacted_at: Mapped[datetime] = mapped_column()  # local time of the contact
    next_action_kind: Mapped[str | None] = mapped_column(String(24))
    next_action_on: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document_id: Mapped[int | None] = mapped_column()  # a generated document (documents area), no FK by design
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    warnings: Mapped[list | None] = mapped_column(JSON)  # rule warnings the author confirmed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account = relationship("Account")
    author = relationship("User")


class Promise(db.Model):
    __tablename__ = "promises"
    __table_args__ = (
        Index("ix_promises_status_due", "status", "due_on"),
        Index("ix_promises_account", "account_id"),
        CheckConstraint("amount_kop > 0", name="amount"),
        CheckConstraint("status IN ('pending','kept','partly_kept','broken','cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    amount_kop: Mapped[int] = mapped_column(BigInteger)
    promised_on: Mapped[date] = mapped_column(Date)  # the day the promise was given
    due_on: Mapped[date] = mapped_column(Date)  # the day the debtor promised to pay by
    grace_days: Mapped[int] = mapped_column(default=3)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    paid_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    checked_on: Mapped[date | None] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account = relationship("Account")
    author = relationship("User")


class PaymentAgreement(db.Model):
    __tablename__ = "payment_agreements"
    __table_args__ = (
        Index("ix_agreements_status", "status"),
        Index("ix_agreements_account", "account_id"),
        CheckConstraint("debt_kop > 0", name="debt"),
        CheckConstraint("status IN ('draft','on_track','late','broken','completed','cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), default="")
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="instalment")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    debt_kop: Mapped[int] = mapped_column(BigInteger)
    down_payment_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    down_payment_on: Mapped[date | None] = mapped_column(Date)
    months: Mapped[int] = mapped_column()
    first_due_on: Mapped[date] = mapped_column(Date)
    day_of_month: Mapped[int] = mapped_column()
    round_rubles: Mapped[bool] = mapped_column(default=True)
    remainder_on: Mapped[str] = mapped_column(String(8), default="last")
    grace_days: Mapped[int] = mapped_column(default=5)
    signed_on: Mapped[date | None] = mapped_column(Date)  # acknowledgment of debt (ГК ст.203, ст.206 п.2)
    debtor_signatory: Mapped[str] = mapped_column(String(300), default="")
    paid_kop: Mapped[int] = mapped_column(BigInteger, default=0)  # since signing, as of assessed_on
    overdue_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    broken_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    is_void: Mapped[bool] = mapped_column(default=False)  # cancelled as entered in error: no acknowledgment
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account = relationship("Account")
    author = relationship("User")
    instalments: Mapped[list["AgreementInstalment"]] = relationship(
        back_populates="agreement", order_by="AgreementInstalment.number", cascade="save-update, merge")

    @property
    def total_kop(self) -> int:
        return sum(i.amount_kop for i in self.instalments)

    @property
    def is_active(self) -> bool:
        return self.status in ("on_track", "late")


class AgreementInstalment(db.Model):
    __tablename__ = "agreement_instalments"
    __audit__ = False  # written with the agreement (audited) and refreshed in bulk by the daily job
    __table_args__ = (Index("ix_instalments_agreement", "agreement_id", "number", unique=True),
                      Index("ix_instalments_due", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("payment_agreements.id"))
    number: Mapped[int] = mapped_column()  # 0 = down payment
    due_on: Mapped[date] = mapped_column(Date)
    amount_kop: Mapped[int] = mapped_column(BigInteger)
    covered_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default="upcoming")

    agreement: Mapped[PaymentAgreement] = relationship(back_populates="instalments")
