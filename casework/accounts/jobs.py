"""The figures refresh as a job («figures.refresh»): every account's monthly figures and balance recomputed from the
ledger in chunks of accounts, each chunk committed with the checkpoint (the last account id done), so a killed
worker resumes after the last committed chunk (recomputing a chunk twice gives the same rows)."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..transaction import unit_of_work

CHUNK = 2000


def run_job(run, progress) -> str:
    """casework.jobs handler «figures.refresh»: refresh_account_figures over all accounts, chunk by chunk."""
    from ..i18n import _
    from .models import Account
    from .services import bump_figures_version, refresh_account_figures

    after = int((run.checkpoint or {}).get("last_account_id") or 0)
    total = db.session.scalar(select(func.count()).select_from(Account)) or 0
    done = db.session.scalar(select(func.count()).select_from(Account).where(Account.id <= after)) or 0
    while True:
        ids = list(db.session.scalars(select(Account.id).where(Account.id > after).order_by(Account.id).limit(CHUNK)))
        if not ids:
            break
        refresh_account_figures(ids)
        after, done = ids[-1], done + len(ids)
        progress.update(done, total, {"last_account_id": after})  # commits the chunk with its checkpoint
    with unit_of_work():
        bump_figures_version()
    return _("%(n)s accounts recomputed", n=done)
