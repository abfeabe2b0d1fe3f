"""The monthly form as served (live or from a closed month's snapshot) and month closing.

Closing and corrections — the precise rule:

* A manager closes month M after it has ended. The figures computed at that moment are stored in
  `ClosedMonth.snapshot` (integer kopecks) and from then on every screen, export and CLI run shows M from
  the snapshot. Closing is final: there is no reopening.
* Ledger lines imported later but dated in M or earlier (charges/recalculations/openings with period ≤ M,
  payments with paid_on ≤ last day of M) change the live figures of M but not the snapshot.
* They surface in the report of the following month N = M + 1 as the line «корректировки прошлых периодов»:
  for each category, adjustment(N) = live debt at the start of N − debt at the end of M as submitted
  (snapshot debt_end = debt_start + charged − paid). N's debt at the start is the live one (it includes the
  adjustment), so «submitted debt at the end of M + adjustment = debt at the start of N» holds exactly.
  A change of an account's category after closing also appears there. The line is shown only when M is closed;
  when N itself is closed, the line is frozen in N's snapshot.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record_event
from ..domain.errors import DomainError
from ..enterprise.models import find_enterprise
from ..extensions import db
from ..i18n import _
from ..timeutil import utcnow
from .models import ClosedMonth
from .queries import (
    CATEGORIES,
    FormRow,
    add_month,
    debt_start_by_category,
    fetch_form_figures,
    last_day,
    month_key,
    report_settings,
)

SNAPSHOT_VERSION = 1
ROW_ORDER = ("population", "other", "total")


class MonthNotClosable(DomainError):
    pass


@dataclass
class MonthlyReport:
    """The form for one month: rows in kopecks, the corrections line, where the figures come from."""

    month: date
    rows: dict[str, FormRow]
    overdue_method: str
    enterprise_name: str
    adjustments: dict[str, int] | None  # category → kopecks; None when the previous month is not closed
    adjustment_base: date | None
    closed: ClosedMonth | None
    generated_at: datetime

    @property
    def is_closed(self) -> bool:
        return self.closed is not None

    def ordered_rows(self) -> list[FormRow]:
        return [self.rows[c] for c in ROW_ORDER]

    @property
    def report_date(self) -> date:
        """The reporting date of the form: the 1st of the following month."""
        return add_month(self.month, 1)


def get_closed(month: date) -> ClosedMonth | None:
    return db.session.scalar(select(ClosedMonth).where(ClosedMonth.month == month))


def _enterprise_name() -> str:
    ent = find_enterprise()
    return (ent.name or ent.short_name) if ent else ""


def adjustments_for(month: date) -> tuple[dict[str, int] | None, date | None]:
    """Corrections of past periods for `month`: live debt_start(month) − submitted debt_end(month − 1)."""
    prev = add_month(month, -1)
    closed_prev = get_closed(prev)
    if closed_prev is None:
        return None, None
    live = debt_start_by_category(month)
    rows = closed_prev.snapshot["rows"]
    adj = {c: live[c] - int(rows[c]["debt_end_kop"]) for c in CATEGORIES}
    adj["total"] = sum(adj[c] for c in CATEGORIES)
    return adj, prev


def live_report(month: date) -> MonthlyReport:
    figures = fetch_form_figures(month)
    adj, base = adjustments_for(month)
    return MonthlyReport(month, figures.rows, figures.overdue_method, _enterprise_name(), adj, base, None, utcnow())


def monthly_report(month: date) -> MonthlyReport:
    """The form for a month: the stored snapshot when the month is closed, else computed live."""
    closed = get_closed(month)
    if closed is None:
        return live_report(month)
    snap = closed.snapshot
    rows = {c: FormRow.from_snapshot(c, snap["rows"][c]) for c in ROW_ORDER}
    base = snap.get("adjustment_base_month")
    return MonthlyReport(month, rows, snap.get("overdue_method", closed.overdue_method), snap.get("enterprise", ""),
                         snap.get("adjustments"), date.fromisoformat(base + "-01") if base else None, closed,
                         closed.closed_at)


def _snapshot(report: MonthlyReport) -> dict:
    return {
        "version": SNAPSHOT_VERSION,
        "month": month_key(report.month),
        "enterprise": report.enterprise_name,
        "overdue_method": report.overdue_method,
        "rows": {c: report.rows[c].to_snapshot() for c in ROW_ORDER},
        "adjustments": report.adjustments,
        "adjustment_base_month": month_key(report.adjustment_base) if report.adjustment_base else None,
    }


def close_month(month: date, user, today: date, note: str | None = None) -> ClosedMonth:
    """Close (submit) a month: freeze its figures; refused before the month has ended or when already closed.

    Two managers closing the same month at once: the unique month lets one INSERT through; the other gets
    MonthNotClosable (its transaction rolled back, as the caller would on any refusal), never the IntegrityError.
    """
    if month.day != 1:
        raise MonthNotClosable(_("A reporting month starts on the 1st."))
    if today <= last_day(month):
        raise MonthNotClosable(_("%(m)s has not ended yet; it can be closed from %(d)s.",
                                 m=month_key(month), d=add_month(month, 1).strftime("%d.%m.%Y")))
    if get_closed(month) is not None:
        raise MonthNotClosable(_("%(m)s is already closed; a closed month cannot be changed.", m=month_key(month)))
    report_settings()  # validate the settings before freezing anything
    report = live_report(month)
    closed = ClosedMonth(month=month, closed_by_id=getattr(user, "id", None), snapshot=_snapshot(report),
                         note=note, overdue_method=report.overdue_method)
    db.session.add(closed)
    try:
        db.session.flush()
    except IntegrityError:
        # another manager closed the month between the check above and this INSERT (the unique month refused
        # it; on PostgreSQL after waiting for their commit): the transaction is spoilt, roll it back and say so
        db.session.rollback()
        if get_closed(month) is None:  # not the unique month after all
            raise
        raise MonthNotClosable(_("%(m)s has just been closed by another user; the report is shown as submitted.",
                                 m=month_key(month))) from None
    record_event("report.close_month", "report_closed_months", closed.id,
                 {"month": month_key(month), "total_debt_end_kop": report.rows["total"].debt_end_kop}, actor=user)
    return closed


def closed_months() -> list[ClosedMonth]:
    return list(db.session.scalars(select(ClosedMonth).order_by(ClosedMonth.month.desc())))
