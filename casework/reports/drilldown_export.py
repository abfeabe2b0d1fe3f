"""The accounts behind one figure of form 4 as an export (XLSX/CSV): one description for the immediate download and
the report job."""
from __future__ import annotations

from datetime import date

from ..export import Column
from ..extensions import db
from ..i18n import _
from ..jobs.exports import ExportSpec, count_rows
from . import queries


def filter_params(month: date, figure: str, category: str | None, q: str | None) -> dict:
    """The drill-down's choice as JSON values (what the job is queued with)."""
    return {"month": month.isoformat(), "figure": figure, "category": category, "q": q}


def drilldown_export(params: dict, role: str | None) -> ExportSpec:
    """Every account whose own value of the figure is not zero, largest first (managers and administrators)."""
    from .views import FIGURE_LABELS, _category_label, _figure_label

    m, figure, category = date.fromisoformat(params["month"]), params["figure"], params.get("category")
    if figure not in FIGURE_LABELS:
        raise ValueError(f"unknown figure {figure!r}")
    stmt = queries.drilldown_stmt(m, figure, category, q=params.get("q"))
    cols = [Column(_("Account"), width=14), Column(_("Debtor"), width=32), Column(_("Address"), width=40),
            Column(_("Category")), Column(_("Territory")), Column(_figure_label(
                "charged" if figure == "collection_rate" else figure), "kop"),
            Column(_("Paid in the month"), "kop")]

    def rows():
        for r in db.session.execute(stmt.execution_options(stream_results=True, yield_per=2000)):
            yield (r.number, r.debtor_name, r.address, _category_label(r.category), r.territory or "", r.value_kop,
                   r.paid_kop)

    key = queries.month_key(m)
    return ExportSpec(filename=f"form4-{key}-{figure}-{category or 'total'}", columns=cols, rows=rows,
                      count=lambda limit: count_rows(stmt, limit), sheet_title=key,
                      title_lines=[f"{_figure_label(figure)} · {_category_label(category or 'total')} · {key}"])
