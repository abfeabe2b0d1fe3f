"""The contacts list as an export (XLSX): one description for the immediate download and the report job."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import joinedload

from ..export import Column
from ..extensions import db
from ..i18n import _
from ..jobs.exports import ExportSpec, count_rows
from . import labels, queries
from .models import Contact

MAX_ROWS = 100_000
_DATES = ("date_from", "date_to")


def filter_params(date_from: date | None, date_to: date | None, channel: str | None, outcome: str | None,
                  q: str | None) -> dict:
    """The list's filter as JSON values (what the job is queued with)."""
    return {"date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None, "channel": channel, "outcome": outcome, "q": q}


def contacts_export(params: dict, role: str | None) -> ExportSpec:
    """The filtered contacts (newest first, at most 100 000), as the list page shows them to every role."""
    kw = {k: (date.fromisoformat(v) if k in _DATES and v else v) for k, v in params.items()}
    stmt = queries.search_contacts_stmt(**kw).limit(MAX_ROWS)
    cols = [Column(_("Date and time"), "date", 18), Column(_("Account"), width=14), Column(_("Debtor"), width=30),
            Column(_("Channel")), Column(_("Direction")), Column(_("Outcome"), width=30),
            Column(_("Who was contacted")), Column(_("Note"), width=50), Column(_("Next action")),
            Column(_("Next action date"), "date"), Column(_("Author"))]

    def rows():
        loaded = stmt.options(joinedload(Contact.account), joinedload(Contact.author))
        for c in db.session.scalars(loaded.execution_options(yield_per=2000)):
            acc = c.account
            yield [c.contacted_at, acc.number, acc.debtor_name, labels.label(labels.CHANNEL_LABELS, c.channel),
                   labels.label(labels.DIRECTION_LABELS, c.direction), labels.label(labels.OUTCOME_LABELS, c.outcome),
                   c.contact_person, c.note,
                   labels.label(labels.NEXT_ACTION_LABELS, c.next_action_kind) if c.next_action_kind else "",
                   c.next_action_on, c.author.full_name if c.author else ""]

    return ExportSpec(filename="contacts", columns=cols, rows=rows, count=lambda limit: count_rows(stmt, limit),
                      sheet_title=_("Contacts"), formats=("xlsx",))
