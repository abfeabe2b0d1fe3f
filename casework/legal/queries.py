"""Reads of the legal area: reference-table listings and the stored portfolio results."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, String, cast, or_, select

from ..domain.identifiers import normalize_identifier
from ..i18n import _l
from .models import CalendarDay, CapWindow, DutyScaleRow, KeyRate, Moratorium, PortfolioResult


@dataclass(frozen=True)
class RefTable:
    """One editable reference table: its model, title, order and the column used for the year filter."""

    key: str
    model: type
    title: object
    order: object
    date_column: object


TABLES: dict[str, RefTable] = {
    "key_rates": RefTable("key_rates", KeyRate, _l("Key rate"), KeyRate.date_from.desc(), KeyRate.date_from),
    "calendar": RefTable("calendar", CalendarDay, _l("Production calendar"), CalendarDay.day.desc(),
                         CalendarDay.day),
    "moratoria": RefTable("moratoria", Moratorium, _l("Moratoria"), Moratorium.start_on.desc(),
                          Moratorium.start_on),
    "cap_windows": RefTable("cap_windows", CapWindow, _l("Rate cap"), CapWindow.start_on.desc(), CapWindow.start_on),
    "duty_scales": RefTable("duty_scales", DutyScaleRow, _l("State duty scales"), DutyScaleRow.valid_from.desc(),
                            DutyScaleRow.valid_from),
}


def reference_rows(table: RefTable, *, q: str = "", year: int | None = None, status: str = "all") -> Select:
    """Rows of a reference table, newest first, filtered by text in the source, year and active status."""
    m = table.model
    stmt = select(m).order_by(table.order, m.id.desc())
    if q:
        like = q.lower()  # % and _ are literal
        conds = [m.source.icontains(like, autoescape=True), cast(table.date_column, String).icontains(like, autoescape=True)]
        if hasattr(m, "code"):
            conds.append(m.code.icontains(like, autoescape=True))
        stmt = stmt.where(or_(*conds))
    if year:
        stmt = stmt.where(table.date_column >= date(year, 1, 1), table.date_column <= date(year, 12, 31))
    if status == "active":
        stmt = stmt.where(m.is_active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(m.is_active.is_(False))
    return stmt


def portfolio_rows(*, q: str = "", bar_within_days: int | None = None, today: date | None = None,
                   min_debt_kop: int | None = None, sort: str = "next_bar") -> Select:
    """Stored portfolio results joined with the account, filtered and sorted for the results list."""
    from datetime import timedelta

    from ..accounts.models import Account

    pr = PortfolioResult
    stmt = select(pr, Account.number, Account.debtor_name, Account.address).join(Account, Account.id == pr.account_id)
    q = normalize_identifier(q)  # a number pasted with invisible characters finds the account
    if q:
        stmt = stmt.where(or_(Account.number.icontains(q, autoescape=True),
                              Account.search_text.contains(q.lower(), autoescape=True)))
    if bar_within_days is not None and today is not None:
        stmt = stmt.where(pr.next_bar_date.is_not(None), pr.next_bar_date <= today + timedelta(days=bar_within_days))
    if min_debt_kop:
        stmt = stmt.where(pr.debt_kop >= min_debt_kop)
    order = {"next_bar": (pr.next_bar_date.is_(None), pr.next_bar_date, pr.account_id),
             "debt": (pr.debt_kop.desc(), pr.account_id),
             "penalty": (pr.penalty_kop.desc(), pr.account_id),
             "barred": (pr.time_barred_kop.desc(), pr.account_id)}.get(sort)
    return stmt.order_by(*(order or (pr.account_id,)))
