"""Every import from billing is recorded: who, when, which file (name and hash), the counts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

IMPORT_KINDS = ("accounts", "persons", "ledger", "turnover")
IMPORT_STATUSES = ("validated", "committed", "failed", "rejected", "dry_run")


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

    user = relationship("User")
