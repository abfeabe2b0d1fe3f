"""The measures report: results of the plans of measures (seeds 000 Приложение № 2, 001 Приложение № 1).

Each measure counts records of another area (contacts, documents, agreements, cases, court records, the ledger)
for the month and cumulatively from 1 January (нарастающим итогом), optionally for one territory or tenure or
municipal housing only. Measures are declared as data; a measure whose table or columns do not exist in this
installation is shown as «нет данных» and listed, never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select

from ..accounts.models import Account
from ..extensions import db
from ..i18n import _l
from .queries import add_month, report_settings


@dataclass(frozen=True)
class Measure:
    """How to count one measure: table, date column, filters, optional sum column, optional split column."""

    key: str
    label: object
    table: str
    date_col: str
    where: tuple = ()  # (column, tuple of values) pairs; a value list of one "%x%" pattern means LIKE
    sum_col: str | None = None  # kopecks
    split_col: str | None = None  # one line per distinct value (contacts by channel, write-offs by ground)
    section: object = ""
    plan_ref: str = ""  # item of the seeds' plans


SECTION_PRETRIAL = _l("Pre-trial measures")
SECTION_COURT = _l("Court measures")
SECTION_ENFORCEMENT = _l("Enforcement")
SECTION_WRITE_OFF = _l("Write-offs")

MEASURES: tuple[Measure, ...] = (
    Measure("contacts", _l("Contacts with debtors, by type"), "contacts", "contacted_at", split_col="channel",
            section=SECTION_PRETRIAL, plan_ref="000 п.3; 001 п.10"),
    Measure("visits", _l("Door-to-door visits and joint raids"), "contacts", "contacted_at",
            where=(("channel", ("visit", "raid")),), section=SECTION_PRETRIAL, plan_ref="000 п.3, п.13; 001 п.12"),
    Measure("notices", _l("Notices and warnings sent"), "documents", "issued_on", split_col="kind",
            section=SECTION_PRETRIAL, plan_ref="000 п.12; 001 п.10"),
    Measure("agreements_concluded", _l("Payment agreements concluded"), "payment_agreements", "signed_on",
            section=SECTION_PRETRIAL, plan_ref="000 п.7; 001 п.13"),
    Measure("agreements_kept", _l("Payment agreements fulfilled"), "payment_agreements", "completed_on",
            section=SECTION_PRETRIAL, plan_ref="001 п.13"),
    Measure("agreements_broken", _l("Payment agreements broken"), "payment_agreements", "broken_on",
            section=SECTION_PRETRIAL, plan_ref="001 п.13"),
    Measure("stage_moves", _l("Cases moved to a stage (restrictions, suspensions, court, bailiffs…)"),
            "case_stage_changes", "changed_on", split_col="to_stage", section=SECTION_PRETRIAL,
            plan_ref="000 п.11; 001 п.14"),
    Measure("court_filed", _l("Court applications filed (orders and claims)"), "court_records", "filed_on",
            section=SECTION_COURT, plan_ref="001 п.18, п.21"),
    Measure("orders_issued", _l("Court orders and judgments issued"), "court_records", "issued_on",
            section=SECTION_COURT, plan_ref="001 п.18"),
    Measure("orders_cancelled", _l("Court orders cancelled"), "court_records", "cancelled_on",
            section=SECTION_COURT, plan_ref="001 п.25"),
    Measure("writs_bailiffs", _l("Writs sent to bailiffs"), "enforcement_documents", "sent_on",
            where=(("recipient", ("bailiffs",)),), section=SECTION_ENFORCEMENT, plan_ref="001 п.22, п.26"),
    Measure("writs_employers", _l("Writs sent to employers"), "enforcement_documents", "sent_on",
            where=(("recipient", ("employer",)),), section=SECTION_ENFORCEMENT, plan_ref="001 п.23"),
    Measure("received_enforcement", _l("Received through enforcement proceedings, ₽"), "ledger_entries", "paid_on",
            where=(("kind", ("payment",)), ("source", ("enforcement",))), sum_col="amount_kop",
            section=SECTION_ENFORCEMENT, plan_ref="000 прил. 4 гр. 6"),
    Measure("received_employer", _l("Received from employers under writs, ₽"), "ledger_entries", "paid_on",
            where=(("kind", ("payment",)), ("source", ("employer",))), sum_col="amount_kop",
            section=SECTION_ENFORCEMENT, plan_ref="001 п.23"),
    Measure("written_off", _l("Written off, ₽, by ground"), "write_offs", "written_off_on", sum_col="amount_kop",
            split_col="ground", section=SECTION_WRITE_OFF, plan_ref="000 п.8; 001 п.27–28"),
)


@dataclass
class MeasureLine:
    key: str
    label: str
    section: str
    plan_ref: str
    is_money: bool
    available: bool
    split: str | None = None  # the split value (channel, stage, kind, ground)
    month: int = 0
    ytd: int = 0
    target: int | None = None


@dataclass
class MeasuresReport:
    month: date
    lines: list[MeasureLine] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def _resolve(m: Measure):
    """The table when it and every column the measure needs exist; else None («нет данных»)."""
    table = db.metadata.tables.get(m.table)
    if table is None:
        return None
    needed = [m.date_col] + [c for c, _v in m.where] + [c for c in (m.sum_col, m.split_col) if c]
    if not all(c in table.c for c in needed):
        return None
    if "account_id" not in table.c and not ("case_id" in table.c and "cases" in db.metadata.tables):
        return None
    return table


def _account_join(table, stmt, territory_id, tenure, municipal):
    if not (territory_id or tenure or municipal):
        return stmt
    if "account_id" in table.c:
        stmt = stmt.join(Account, Account.id == table.c.account_id)
    else:
        cases = db.metadata.tables["cases"]
        stmt = stmt.join(cases, cases.c.id == table.c.case_id).join(Account, Account.id == cases.c.account_id)
    if territory_id:
        stmt = stmt.where(Account.territory_id == territory_id)
    if tenure:
        stmt = stmt.where(Account.tenure == tenure)
    if municipal:
        stmt = stmt.where(Account.is_municipal.is_(True))
    return stmt


def _count(table, m: Measure, lo: date, hi: date, territory_id, tenure, municipal) -> dict:
    value = func.coalesce(func.sum(table.c[m.sum_col]), 0) if m.sum_col else func.count()
    cols = [table.c[m.split_col]] if m.split_col else []
    stmt = select(*cols, value).select_from(table)
    stmt = _account_join(table, stmt, territory_id, tenure, municipal)
    conds = [table.c[m.date_col] >= lo, table.c[m.date_col] < hi]
    for col, values in m.where:
        conds.append(table.c[col].in_(values))
    stmt = stmt.where(and_(*conds))
    if m.split_col:
        stmt = stmt.group_by(table.c[m.split_col])
        return {row[0]: int(row[1]) for row in db.session.execute(stmt)}
    return {None: int(db.session.execute(stmt).scalar() or 0)}


def measures_report(month: date, territory_id: int | None = None, tenure: str | None = None,
                    municipal: bool = False) -> MeasuresReport:
    """Every measure for `month` and from 1 January to the end of `month`; unavailable ones listed."""
    report = MeasuresReport(month)
    hi = add_month(month, 1)
    year_start = date(month.year, 1, 1)
    target = report_settings()["court_target"]
    for m in MEASURES:
        table = _resolve(m)
        if table is None:
            report.lines.append(MeasureLine(m.key, str(m.label), str(m.section), m.plan_ref, bool(m.sum_col), False))
            report.unavailable.append(str(m.label))
            continue
        in_month = _count(table, m, month, hi, territory_id, tenure, municipal)
        ytd = _count(table, m, year_start, hi, territory_id, tenure, municipal)
        keys = sorted(set(in_month) | set(ytd), key=lambda k: (k is None, str(k))) or [None]
        for k in keys:
            line = MeasureLine(m.key, str(m.label), str(m.section), m.plan_ref, bool(m.sum_col), True, split=k,
                               month=in_month.get(k, 0), ytd=ytd.get(k, 0))
            if m.key == "court_filed":
                line.target = target
            report.lines.append(line)
    return report
