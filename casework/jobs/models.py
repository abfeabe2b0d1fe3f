"""The job runs: one row per long piece of work, with its state, progress and checkpoint."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_STATES = ("done", "failed", "cancelled")


class JobRun(db.Model):
    """A long job: what (kind, payload), where it is (done of total, checkpoint), how it ended (state, message)."""

    __tablename__ = "job_runs"
    __audit__ = False
    __table_args__ = (Index("ix_job_runs_state_created", "state", "created_at"),
                      Index("ix_job_runs_subject", "subject"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    subject: Mapped[str | None] = mapped_column(String(80))  # the row the job works on, e.g. "document_batches:12"
    payload: Mapped[dict | None] = mapped_column(JSON)
    checkpoint: Mapped[dict | None] = mapped_column(JSON)  # what is done (committed with the work it describes)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)  # procrastinate_jobs.id when queued there
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by = relationship("User")

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES
