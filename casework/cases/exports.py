"""The cases list as an export (XLSX): one description for the immediate download and the report job."""
from __future__ import annotations

from dataclasses import asdict

from ..export import Column
from ..extensions import db
from ..i18n import _
from ..jobs.exports import ExportSpec, count_rows
from . import labels, queries

MAX_ROWS = 200_000


def filter_params(f: queries.CaseFilter) -> dict:
    """The list's filter as JSON values (what the job is queued with)."""
    return asdict(f)


def cases_export(params: dict, role: str | None) -> ExportSpec:
    """The filtered cases list (every case-staff role sees the same columns)."""
    stmt = queries.case_list_stmt(queries.CaseFilter(**params)).limit(MAX_ROWS)

    def rows():
        for r in db.session.execute(stmt.execution_options(stream_results=True, yield_per=2000)):
            yield (r.number, r.debtor_name, r.address, str(labels.label(labels.STAGE_LABELS, r.stage)), r.stage_since,
                   str(labels.label(labels.HOLD_LABELS, r.hold_reason)) if r.hold_reason else "",
                   r.balance_kop or 0, r.months_in_arrears, r.assignee_name or "", r.next_action_on)

    cols = [Column(_("Account"), width=14), Column(_("Debtor"), width=30), Column(_("Address"), width=40),
            Column(_("Stage"), width=18), Column(_("Since"), "date"), Column(_("Hold"), width=18),
            Column(_("Debt"), "kop"), Column(_("Months in arrears"), "int"), Column(_("Assignee"), width=20),
            Column(_("Next action"), "date")]
    return ExportSpec(filename="cases", columns=cols, rows=rows, count=lambda limit: count_rows(stmt, limit),
                      sheet_title=_("Cases"), formats=("xlsx",))
