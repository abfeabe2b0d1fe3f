"""The accounts list as an export (XLSX/CSV): one description for the immediate download and the report job."""
from __future__ import annotations

from dataclasses import asdict

from ..export import Column
from ..i18n import _
from ..jobs.exports import ExportSpec
from ..timeutil import today as business_today
from . import queries
from .labels import AGING_LABELS, CATEGORY_LABELS, TENURE_LABELS, label


def filter_params(flt: queries.AccountFilter) -> dict:
    """The list's filter as JSON values (what the job is queued with)."""
    return asdict(flt)


def _columns() -> list[Column]:
    return [Column(_("Account"), width=14), Column(_("Debtor"), width=34), Column(_("Address"), width=50),
            Column(_("Category"), width=14), Column(_("Tenure"), width=18), Column(_("Municipal"), width=11),
            Column(_("Territory"), width=20), Column(_("Debt"), "kop"), Column(_("Overdue"), "kop"),
            Column(_("Months in arrears"), "int", width=11), Column(_("Oldest debt, days"), "int", width=11),
            Column(_("Aging"), width=14), Column(_("Last payment"), "date")]


def _rows(flt: queries.AccountFilter, territories: dict[int, str]):
    yes, no = _("yes"), _("no")
    for r in queries.iter_account_rows(flt):
        yield (r.number, r.debtor_name, r.address, label(CATEGORY_LABELS, r.category), label(TENURE_LABELS, r.tenure),
               yes if r.is_municipal else no, territories.get(r.territory_id, ""), r.balance_kop or 0,
               r.overdue_kop or 0, r.months_in_arrears or 0, r.oldest_debt_days,
               label(AGING_LABELS, queries.aging_bucket(r.oldest_debt_days)), r.last_payment_on)


def accounts_export(params: dict, role: str | None) -> ExportSpec:
    """The filtered accounts list with a total row (every role sees the same columns: no personal identifiers)."""
    flt = queries.AccountFilter(**params)
    totals = queries.account_totals(flt)
    territories = queries.territory_names()
    total_row = [_("Total: %(n)s accounts", n=totals.count)] + [None] * 6 + [totals.balance_kop] + [None] * 5
    return ExportSpec(filename=f"accounts-{business_today().isoformat()}", columns=_columns(),
                      rows=lambda: _rows(flt, territories),
                      count=lambda limit: min(totals.count, limit + 1) if limit is not None else totals.count,
                      sheet_title=_("Accounts"), totals=total_row)
