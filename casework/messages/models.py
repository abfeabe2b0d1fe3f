"""One row per message sent (or refused) to a debtor: what, to whom, by which channel, and what the provider said.

Nothing is deleted: a refused message stays with the rule that refused it; the provider's raw answers are kept as
proof. Times are naive UTC (`timeutil.utcnow`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

CHANNELS = ("email", "sms")
STATUSES = ("queued", "sent", "delivered", "failed", "refused")
KINDS = ("notice", "reminder", "warning")  # warning: the ПП 354 п.119 «а» предупреждение (starts the 20-day term)


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_status_queued", "status", "queued_at"),
        Index("ix_messages_account", "account_id"),
        Index("ix_messages_provider_id", "provider", "provider_id"),
        CheckConstraint("channel IN ('email','sms')", name="channel"),
        CheckConstraint("status IN ('queued','sent','delivered','failed','refused')", name="status"),
        CheckConstraint("kind IN ('notice','reminder','warning')", name="kind"),
        CheckConstraint("cost_kop IS NULL OR cost_kop >= 0", name="cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))  # the person addressed, when known
    addressee: Mapped[str] = mapped_column(String(300), default="")
    channel: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16), default="notice")
    to_address: Mapped[str] = mapped_column(String(200))  # e-mail address or phone number (digits, 7XXXXXXXXXX)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    provider: Mapped[str | None] = mapped_column(String(20))  # "smtp", "smsru"
    provider_id: Mapped[str | None] = mapped_column(String(200))  # SMS.ru sms_id, or the e-mail's Message-ID
    provider_status: Mapped[str | None] = mapped_column(String(40))  # the provider's last status code
    cost_kop: Mapped[int | None] = mapped_column(BigInteger)
    provider_answer: Mapped[str | None] = mapped_column(Text)  # raw answers, one per line block, newest last
    error: Mapped[str | None] = mapped_column(Text)  # why it was refused or failed, in the user's words
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))  # the document it carries
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))  # the contact logged on delivery
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempts: Mapped[int] = mapped_column(default=0)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()

    account = relationship("Account")
    author = relationship("User")
