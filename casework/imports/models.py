"""Every import from billing is recorded: who, when, which file (name and hash), the counts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

IMPORT_KINDS = ("accounts", "persons", "ledger", "turnover")
IMPORT_STATUSES = ("validated", "committed", "failed", "rejected", "dry_run", "undone")


class ImportBatch(db.Model):
    __tablename__ = "import_batches"
    __table_args__ = (CheckConstraint("kind IN ('accounts','persons','ledger','turnover')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    via: Mapped[str] = mapped_column(String(8), default="web")  # web | cli
    status: Mapped[str] = mapped_column(String(16), default="validated")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_valid: Mapped[int] = mapped_column(default=0)
    rows_bad: Mapped[int] = mapped_column(default=0)
    rows_inserted: Mapped[int] = mapped_column(default=0)
    rows_updated: Mapped[int] = mapped_column(default=0)
    rows_duplicate: Mapped[int] = mapped_column(default=0)
    rows_skipped: Mapped[int] = mapped_column(default=0)
    error_file: Mapped[str | None] = mapped_column(String(500))  # path under instance/imports
    options: Mapped[dict | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    # «Отменить загрузку»: when and by whom the batch's ledger rows were reversed (status 'undone')
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])
    undone_by = relationship("User", foreign_keys=[undone_by_id])


ALIAS_KINDS = ("service", "source", "category")


class ImportAlias(db.Model):
    """A value a billing writes, and what it means: «ХВС» → service cold_water, «Почта России» → payment source,
    «Физическое лицо» → category population. Editable by an administrator (Imports → Aliases); see aliases.py.

    A deleted alias is kept inactive, so that the shipped ones an administrator removed are not seeded again."""

    __tablename__ = "import_aliases"
    __table_args__ = (CheckConstraint("kind IN ('service','source','category')", name="kind"),
                      UniqueConstraint("kind", "alias_norm"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    alias: Mapped[str] = mapped_column(String(200))  # as the administrator wrote it
    alias_norm: Mapped[str] = mapped_column(String(200))  # columns.norm(alias): how files are matched
    target: Mapped[str] = mapped_column(String(40))  # service code, payment source or category code
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
