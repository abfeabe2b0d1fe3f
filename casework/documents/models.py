"""Issued documents with their outgoing numbers, the per-year counters, bulk batches and template versions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

DELIVERY_METHODS = ("hand", "registered_mail", "payment_document", "sms", "phone_recorded", "email",
                    "gis_zhkh", "website", "court_office", "bailiff_office")
BATCH_STATUSES = ("pending", "running", "done", "failed", "cancelled")
BATCH_OUTPUTS = ("zip", "merged", "pdf")


class DocumentCounter(db.Model):
    """Last outgoing number used per enterprise and year; its row is locked while a number is taken."""

    __tablename__ = "document_counters"
    __audit__ = False

    enterprise_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class DocumentBatch(db.Model):
    """A bulk generation job: which letter for which list, progress, and the combined output file."""

    __tablename__ = "document_batches"
    __table_args__ = (UniqueConstraint("issue_token", name="uq_document_batches_issue_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    output: Mapped[str] = mapped_column(String(10), default="zip")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    filter_text: Mapped[str | None] = mapped_column(Text)  # the filter the user chose, in words
    file_path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    seconds: Mapped[float | None]
    issue_token: Mapped[str | None] = mapped_column(String(64))  # the one-time token of the form that started it
    # the job's input and checkpoint (casework.documents.bulk.run_batch): the accounts in order, the letter's
    # parameters and business date; `done` of them are finished, committed with their numbers and documents
    account_ids: Mapped[list | None] = mapped_column(JSON)
    params: Mapped[dict | None] = mapped_column(JSON)
    issued_on: Mapped[date | None] = mapped_column(Date)
    skipped: Mapped[list | None] = mapped_column(JSON)  # "account: reason" of the accounts that got no letter

    created_by = relationship("User")


class TemplateVersion(db.Model):
    """An uploaded replacement of a shipped letter template; the active one is used, older ones are kept."""

    __tablename__ = "document_template_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int]
    file_path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by = relationship("User")


class Document(db.Model):
    """One issued document: outgoing number `seq/year`, stored file and checksum, addressee, delivery."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "seq", name="uq_documents_number"),
        Index("ix_documents_account", "account_id"),
        Index("ix_documents_case", "case_id"),
        Index("ix_documents_kind_issued", "kind", "issued_on"),
        Index("ix_documents_batch", "batch_id"),
        UniqueConstraint("issue_token", name="uq_documents_issue_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(default=1)
    year: Mapped[int]
    seq: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(30))  # "123/2026"
    kind: Mapped[str] = mapped_column(String(40))  # letter code (letters.LETTERS)
    title: Mapped[str] = mapped_column(String(300))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("document_batches.id"))
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_template_versions.id"))
    addressee: Mapped[str] = mapped_column(String(500), default="")
    amount_kop: Mapped[int | None] = mapped_column(BigInteger)  # the debt the document states
    file_path: Mapped[str] = mapped_column(String(500))  # relative to DOCUMENTS_DIR
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivered_on: Mapped[date | None] = mapped_column(Date)  # starts the legal terms (ПП 354 п.119: 20 days)
    delivery_method: Mapped[str | None] = mapped_column(String(20))
    delivery_proof: Mapped[str | None] = mapped_column(Text)  # tracking number, signature note, call id
    delivery_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # personal identifiers (passport, СНИЛС, phone, birth data) in the file: True / False; None — issued before this
    # was recorded, treated as True. A role that may not see them gets `masked_path`, the same render masked.
    carries_pii: Mapped[bool | None]
    masked_path: Mapped[str | None] = mapped_column(String(500))  # relative to DOCUMENTS_DIR
    issue_token: Mapped[str | None] = mapped_column(String(64))  # the one-time token of the issue form (idempotence)

    account = relationship("Account")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    batch = relationship(DocumentBatch)
