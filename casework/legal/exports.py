"""The portfolio results as an export (XLSX): one description for the immediate download and the report job."""
from __future__ import annotations

from datetime import date

from ..export import Column
from ..extensions import db
from ..i18n import _
from ..jobs.exports import ExportSpec, count_rows
from .queries import portfolio_rows


def filter_params(q: str, within: int | None, sort: str, today: date) -> dict:
    """The results list's filter as JSON values (with the day it was asked on: «within N days» counts from it)."""
    return {"q": q, "within": within, "sort": sort, "today": today.isoformat()}


def portfolio_export(params: dict, role: str | None) -> ExportSpec:
    """The stored portfolio results, filtered and sorted as the list (lawyers, managers, administrators)."""
    stmt = portfolio_rows(q=params.get("q") or "", bar_within_days=params.get("within"),
                          today=date.fromisoformat(params["today"]), sort=params.get("sort") or "next_bar")
    cols = [Column(_("Account"), width=14), Column(_("Debtor"), width=30), Column(_("Address"), width=40),
            Column(_("Debt"), "kop"), Column(_("Penalty"), "kop"), Column(_("Time-barred"), "kop"),
            Column(_("Claimable"), "kop"), Column(_("Last day to file"), "date"), Column(_("As of"), "date")]

    def rows():
        for r, num, name, addr in db.session.execute(stmt.execution_options(stream_results=True, yield_per=2000)):
            yield (num, name, addr, r.debt_kop, r.penalty_kop, r.time_barred_kop, r.claimable_kop, r.next_bar_date,
                   r.as_of)

    return ExportSpec(filename="portfolio", columns=cols, rows=rows, count=lambda limit: count_rows(stmt, limit),
                      sheet_title=_("Portfolio"), formats=("xlsx",))
