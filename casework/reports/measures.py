"""The measures report: results of the plans of measures (seed 000 Приложение № 2, seed 001 Приложение № 1).

Every measure counts (or sums, in kopecks) records the other areas keep, for the reporting month and
cumulatively from 1 January to the end of that month (нарастающим итогом, seed 001 п.5):

==========================  =======================================================================
measure                     source (the date that places a record in a month)
==========================  =======================================================================
notices and warnings        ``documents`` of kinds notice_debt, warning_restriction, pretrial_claim,
                            building_notice — ``issued_on`` (building notices have no account: they
                            count by the building's territory and under «tenure: not applicable»)
contacts by channel         ``contacts`` — ``contacted_at``; an entry corrected by a later entry
                            (``corrects_id``) is not counted, the correcting entry is
visits and joint raids      ``contacts`` with channel visit / raid
agreements concluded        ``payment_agreements.signed_on`` (not void)
agreements kept / broken    ``payment_agreements.completed_on`` / ``broken_on``
restrictions, suspensions   ``case_stage_changes`` into restriction / suspension — ``changed_on``
court applications filed    ``court_records`` of kind order / claim — ``filed_on``; the total against
                            the monthly target (setting REPORT_COURT_TARGET, seed 001 п.18: ≥ 10)
eviction claims filed       ``court_records`` of kind eviction — ``filed_on``
orders issued / cancelled   ``court_records`` of kind order — ``issued_on`` / ``cancelled_on``
judgments                   ``court_records`` of kind claim / eviction — ``issued_on``, by outcome
writs sent                  ``enforcements`` by destination (bailiff, employer, bank) — ``sent_on``
received by enforcement     ``ledger_entries`` payments with source enforcement / employer — ``paid_on``
                            (reversals included, so it equals column 7 of the monthly form)
written off by ground       ``writeoff_proposals`` approved — ``decided_on``: count and ``amount_kop``
==========================  =======================================================================

Each record is attributed to its account (directly or through its case) for the territory and tenure
splits, for the «municipal housing» columns (``accounts.is_municipal``, seed 001 п.2) and for the consumer
categories население / прочие (``accounts.category``, seed 000 п.14). One grouped query per measure gives the
figure of the reporting period (a month, a quarter or a year, seed 001 п.27–28) and the year-to-date figure for
every split at once. The registers of court applications filed (seed 001 п.21) and of writs sent (п.26) list
the very records the two measures count.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import and_, case, false, func, literal, select

from ..accounts.models import Account, Building, LedgerEntry, Territory
from ..cases.models import Case, CourtRecord, Enforcement, StageChange, WriteOffProposal
from ..contacts.models import CHANNELS, Contact, PaymentAgreement
from ..documents.models import Document
from ..extensions import db
from ..i18n import _, _l
from .period import ReportPeriod, month_period
from .queries import report_settings

SECTION_PRETRIAL = _l("Pre-trial measures")
SECTION_COURT = _l("Court measures")
SECTION_ENFORCEMENT = _l("Enforcement")
SECTION_WRITE_OFF = _l("Write-offs")

TENURE_LABELS = {"owner": _l("Owners"), "social_tenancy": _l("Social tenancy"),
                 "commercial_tenancy": _l("Commercial tenancy"), "other": _l("Other tenure")}
GROUPINGS = ("territory", "tenure")
CATEGORIES = ("population", "other")
CATEGORY_LABELS = {"population": _l("Population"), "other": _l("Other consumers")}

NOTICE_KINDS = ("notice_debt", "warning_restriction", "pretrial_claim", "building_notice")
RESTRICTION_STAGES = ("restriction", "suspension")
FILING_KINDS = ("order", "claim")
DESTINATIONS = ("bailiff", "employer", "bank")

A = Account.__table__


# ------------------------------------------------------------------------------------------- sources
# Each source returns a SELECT with the labelled columns
#   split, value, in_month (1/0: dated in the reporting period), territory_id, tenure, is_municipal, category
# restricted to records dated from 1 January to the end of the reporting period.

@dataclass(frozen=True)
class Window:
    """The year-to-date window [year_start, hi) and the reporting period's start `lo`."""

    year_start: date
    lo: date
    hi: date

    def on(self, col, is_datetime: bool = False):
        """(where clause, in_month flag) for a date (or local datetime) column."""
        ys, lo, hi = self.year_start, self.lo, self.hi
        if is_datetime:
            ys, lo, hi = (datetime(d.year, d.month, d.day) for d in (ys, lo, hi))
        return and_(col >= ys, col < hi), case((col >= lo, 1), else_=0)


def _acc_cols(acc=A):
    return [acc.c.territory_id.label("territory_id"), acc.c.tenure.label("tenure"),
            acc.c.is_municipal.label("is_municipal"), acc.c.category.label("category")]


def _via_case(table):
    """FROM table → cases → accounts (records of the cases area are attached to a case)."""
    cases = Case.__table__
    return table.join(cases, cases.c.id == table.c.case_id).join(A, A.c.id == cases.c.account_id)


def _src_notices(w: Window):
    d, b = Document.__table__, Building.__table__
    where, in_month = w.on(d.c.issued_on)
    return (select(d.c.kind.label("split"), literal(1).label("value"), in_month.label("in_month"),
                   func.coalesce(A.c.territory_id, b.c.territory_id).label("territory_id"),
                   A.c.tenure.label("tenure"), func.coalesce(A.c.is_municipal, false()).label("is_municipal"),
                   # a building notice hangs in the entrances of a residential building: население
                   func.coalesce(A.c.category, literal("population")).label("category"))
            .select_from(d.outerjoin(A, A.c.id == d.c.account_id).outerjoin(b, b.c.id == d.c.building_id))
            .where(d.c.kind.in_(NOTICE_KINDS), where))


def _contacts(w: Window, channels: tuple[str, ...] | None):
    c = Contact.__table__
    corrected = select(c.c.corrects_id).where(c.c.corrects_id.is_not(None))  # one hashed set, not a probe per row
    where, in_month = w.on(c.c.contacted_at, is_datetime=True)
    stmt = (select(c.c.channel.label("split"), literal(1).label("value"), in_month.label("in_month"), *_acc_cols())
            .select_from(c.join(A, A.c.id == c.c.account_id))
            .where(where, c.c.id.not_in(corrected)))
    if channels:
        stmt = stmt.where(c.c.channel.in_(channels))
    return stmt


def _agreements(date_col: str):
    def src(w: Window):
        p = PaymentAgreement.__table__
        where, in_month = w.on(p.c[date_col])
        return (select(literal(None).label("split"), literal(1).label("value"), in_month.label("in_month"),
                       *_acc_cols())
                .select_from(p.join(A, A.c.id == p.c.account_id))
                .where(where, p.c.is_void.is_(False)))
    return src


def _src_restrictions(w: Window):
    s = StageChange.__table__
    where, in_month = w.on(s.c.changed_on)
    return (select(s.c.to_stage.label("split"), literal(1).label("value"), in_month.label("in_month"), *_acc_cols())
            .select_from(_via_case(s)).where(s.c.to_stage.in_(RESTRICTION_STAGES), where))


def _court(date_col: str, kinds: tuple[str, ...], split_col: str | None):
    def src(w: Window):
        r = CourtRecord.__table__
        where, in_month = w.on(r.c[date_col])
        split = r.c[split_col] if split_col else literal(None)
        return (select(split.label("split"), literal(1).label("value"), in_month.label("in_month"), *_acc_cols())
                .select_from(_via_case(r)).where(r.c.kind.in_(kinds), where))
    return src


def _src_writs(w: Window):
    e = Enforcement.__table__
    where, in_month = w.on(e.c.sent_on)
    return (select(e.c.destination.label("split"), literal(1).label("value"), in_month.label("in_month"),
                   *_acc_cols()).select_from(_via_case(e)).where(where))


def _src_received(w: Window):
    le = LedgerEntry.__table__
    where, in_month = w.on(le.c.paid_on)
    return (select(le.c.source.label("split"), le.c.amount_kop.label("value"), in_month.label("in_month"),
                   *_acc_cols())
            .select_from(le.join(A, A.c.id == le.c.account_id))
            .where(le.c.kind == "payment", le.c.source.in_(("enforcement", "employer")), where))


def _writeoffs(amount: bool):
    def src(w: Window):
        p = WriteOffProposal.__table__
        where, in_month = w.on(p.c.decided_on)
        value = p.c.amount_kop if amount else literal(1)
        return (select(p.c.ground.label("split"), value.label("value"), in_month.label("in_month"), *_acc_cols())
                .select_from(_via_case(p)).where(p.c.decision == "approved", where))
    return src


# ------------------------------------------------------------------------------------------- declarations

def _letter_labels() -> dict:
    from ..documents.letters import LETTERS

    return {k: LETTERS[k].label for k in NOTICE_KINDS if k in LETTERS}


def _channel_labels() -> dict:
    from ..contacts.labels import CHANNEL_LABELS

    return {c: CHANNEL_LABELS.get(c, c) for c in CHANNELS}


def _cases_labels(name: str, keys: tuple[str, ...] | None = None) -> Callable[[], dict]:
    def get():
        from ..cases import labels

        table = getattr(labels, name)
        return {k: table.get(k, k) for k in (keys or tuple(table))}
    return get


@dataclass(frozen=True)
class Measure:
    """One measure: its words, where it comes from, and how its lines are split."""

    key: str
    label: object
    section: object
    plan_ref: str
    source: Callable[[Window], object]
    is_money: bool = False
    split_labels: Callable[[], dict] | None = None  # split code → label; None: one line only
    target: bool = False  # the monthly target of court applications applies to the total
    no_account_splits: tuple[str, ...] = ()  # splits whose records have no account (building notices)


MEASURES: tuple[Measure, ...] = (
    Measure("notices", _l("Notices and warnings sent"), SECTION_PRETRIAL, "000 п.12; 001 п.10, п.11",
            _src_notices, split_labels=_letter_labels, no_account_splits=("building_notice",)),
    Measure("contacts", _l("Contacts with debtors, by channel"), SECTION_PRETRIAL, "000 п.3, п.7; 001 п.10",
            lambda w: _contacts(w, None), split_labels=_channel_labels),
    Measure("visits", _l("Door-to-door visits and joint raids with bailiffs"), SECTION_PRETRIAL,
            "000 п.3, п.13; 001 п.12", lambda w: _contacts(w, ("visit", "raid")),
            split_labels=lambda: {k: v for k, v in _channel_labels().items() if k in ("visit", "raid")}),
    Measure("agreements_concluded", _l("Payment agreements concluded"), SECTION_PRETRIAL, "000 п.7; 001 п.13",
            _agreements("signed_on")),
    Measure("agreements_kept", _l("Payment agreements fulfilled"), SECTION_PRETRIAL, "001 п.13",
            _agreements("completed_on")),
    Measure("agreements_broken", _l("Payment agreements broken"), SECTION_PRETRIAL, "001 п.13",
            _agreements("broken_on")),
    Measure("restrictions", _l("Services restricted or suspended"), SECTION_PRETRIAL, "000 п.11; 001 п.14",
            _src_restrictions, split_labels=_cases_labels("STAGE_LABELS", RESTRICTION_STAGES)),
    Measure("court_filed", _l("Court applications filed (court orders and claims)"), SECTION_COURT,
            "001 п.18, п.21", _court("filed_on", FILING_KINDS, "kind"),
            split_labels=_cases_labels("COURT_KIND_LABELS", FILING_KINDS), target=True),
    Measure("eviction_filed", _l("Eviction claims filed"), SECTION_COURT, "000 (выселение); 001 п.19, п.20",
            _court("filed_on", ("eviction",), None)),
    Measure("orders_issued", _l("Court orders issued"), SECTION_COURT, "001 п.18",
            _court("issued_on", ("order",), None)),
    Measure("orders_cancelled", _l("Court orders cancelled"), SECTION_COURT, "001 п.25",
            _court("cancelled_on", ("order",), None)),
    Measure("judgments", _l("Court judgments on claims, by outcome"), SECTION_COURT, "001 п.25",
            _court("issued_on", ("claim", "eviction"), "outcome"),
            split_labels=_cases_labels("OUTCOME_LABELS", ("satisfied", "dismissed"))),
    Measure("writs", _l("Writs sent for enforcement"), SECTION_ENFORCEMENT, "001 п.22, п.23, п.26",
            _src_writs, split_labels=_cases_labels("DESTINATION_LABELS", DESTINATIONS)),
    Measure("received", _l("Received through enforcement, ₽"), SECTION_ENFORCEMENT, "000 прил. 4 гр. 6; 001 п.23",
            _src_received, is_money=True,
            split_labels=lambda: {"enforcement": _l("Through bailiffs (enforcement proceedings)"),
                                  "employer": _l("From employers under writs")}),
    Measure("written_off_count", _l("Debts written off, by ground"), SECTION_WRITE_OFF, "000 п.8; 001 п.27, п.28",
            _writeoffs(False), split_labels=_cases_labels("GROUND_LABELS")),
    Measure("written_off", _l("Written off, ₽, by ground"), SECTION_WRITE_OFF, "000 п.8; 001 п.27, п.28",
            _writeoffs(True), is_money=True, split_labels=_cases_labels("GROUND_LABELS")),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)


# ------------------------------------------------------------------------------------------- the report

@dataclass
class MeasureLine:
    """One line: a measure's total (level 0) or one of its splits (level 1); money lines in kopecks.

    `month` is the value of the reporting period (a month, a quarter or a year), `ytd` from 1 January to the
    period's end; `by_category` splits both by the account's category (население / прочие)."""

    key: str
    label: str
    section: str
    plan_ref: str
    is_money: bool
    level: int = 0
    split: str | None = None
    split_label: str = ""
    month: int = 0
    ytd: int = 0
    municipal_month: int = 0
    municipal_ytd: int = 0
    by_category: dict = field(default_factory=lambda: {c: [0, 0] for c in CATEGORIES})  # category → [period, ytd]
    groups: dict = field(default_factory=dict)  # group key → [period, ytd]
    target: int | None = None  # target for the period (monthly target × months)
    target_ytd: int | None = None  # monthly target × months from January to the period's end
    not_applicable: bool = False  # a split without accounts (building notices) under a tenure/municipal filter

    @property
    def title(self) -> str:
        return self.split_label if self.level else self.label


@dataclass
class RegisterRow:
    """One line of a register: a court application filed (seed 001 п.21) or a writ sent (п.26)."""

    record_id: int
    kind: str  # order | claim (applications); bailiff | employer | bank (writs)
    kind_label: str
    on: date  # filed on / sent on
    case_id: int
    account_id: int
    account_number: str
    debtor: str
    address: str
    category: str
    unit: str  # the court; the bailiff unit, employer or bank
    amount_kop: int  # claimed (principal + penalty); the writ's amount
    number: str  # the court case number; the writ's number


@dataclass
class MeasuresReport:
    period: ReportPeriod
    lines: list[MeasureLine] = field(default_factory=list)
    group_by: str | None = None
    groups: list[tuple] = field(default_factory=list)  # (key, label) of the split columns
    territory_id: int | None = None
    tenure: str | None = None
    municipal: bool = False
    category: str | None = None
    filings: list[RegisterRow] | None = None  # п.21: the court applications filed in the period
    writs: list[RegisterRow] | None = None  # п.26: the writs sent in the period

    @property
    def month(self) -> date:
        """The first day of the period (the reporting month when the period is a month)."""
        return self.period.start

    def line(self, key: str, split: str | None = None) -> MeasureLine:
        for ln in self.lines:
            if ln.key == key and ln.split == split and (split is not None or ln.level == 0):
                return ln
        raise KeyError((key, split))


def _aggregate(m: Measure, w: Window) -> list[tuple]:
    """(split, territory_id, tenure, is_municipal, category, period value, ytd value) rows of one measure."""
    sq = m.source(w).subquery()
    stmt = (select(sq.c.split, sq.c.territory_id, sq.c.tenure, sq.c.is_municipal, sq.c.category,
                   func.coalesce(func.sum(sq.c.value * sq.c.in_month), 0), func.coalesce(func.sum(sq.c.value), 0))
            .group_by(sq.c.split, sq.c.territory_id, sq.c.tenure, sq.c.is_municipal, sq.c.category))
    return [(s, t, tn, bool(mu), cat, int(mv), int(yv))
            for s, t, tn, mu, cat, mv, yv in db.session.execute(stmt)]


def group_columns(group_by: str | None) -> list[tuple]:
    """The split columns: every territory (and «no territory»), or every tenure (and «not applicable»)."""
    if group_by == "territory":
        rows = db.session.execute(select(Territory.id, Territory.name).order_by(Territory.name)).all()
        return [(tid, name) for tid, name in rows] + [(None, _("No territory"))]
    if group_by == "tenure":
        return [(k, str(v)) for k, v in TENURE_LABELS.items()] + [(None, _("Not applicable"))]
    return []


def as_period(period: ReportPeriod | date) -> ReportPeriod:
    return period if isinstance(period, ReportPeriod) else month_period(period)


def measures_report(period: ReportPeriod | date, territory_id: int | None = None, tenure: str | None = None,
                    municipal: bool = False, group_by: str | None = None, category: str | None = None,
                    registers: bool = True) -> MeasuresReport:
    """Every measure for the period (a month — a `date` is taken as its month —, a quarter or a year) and from
    1 January to the period's end, with the municipal-housing part, the население / прочие split and, if asked,
    one column pair per territory or tenure; filters keep only one territory / tenure / category / municipal
    housing. With `registers`, the lists of the court applications filed and the writs sent in the period."""
    period = as_period(period)
    if group_by not in GROUPINGS:
        group_by = None
    if category not in CATEGORIES:
        category = None
    report = MeasuresReport(period, group_by=group_by, groups=group_columns(group_by), territory_id=territory_id,
                            tenure=tenure, municipal=municipal, category=category)
    w = Window(period.year_start, period.start, period.end)
    target = report_settings()["court_target"]
    group_keys = [g for g, _lbl in report.groups]
    for m in MEASURES:
        rows = [r for r in _aggregate(m, w)
                if (territory_id is None or r[1] == territory_id) and (tenure is None or r[2] == tenure)
                and (not municipal or r[3]) and (category is None or r[4] == category)]
        labels = m.split_labels() if m.split_labels else {}
        splits = list(labels) + sorted({r[0] for r in rows if r[0] not in labels and r[0] is not None}, key=str)
        total = MeasureLine(m.key, str(m.label), str(m.section), m.plan_ref, m.is_money,
                            groups={g: [0, 0] for g in group_keys})
        if m.target:
            total.target, total.target_ytd = target * period.months, target * period.months_to_end
        lines = {s: MeasureLine(m.key, str(m.label), str(m.section), m.plan_ref, m.is_money, 1, s,
                                str(labels.get(s, s)), groups={g: [0, 0] for g in group_keys}) for s in splits}
        for split, terr, ten, muni, cat, mv, yv in rows:
            gkey = terr if group_by == "territory" else ten if group_by == "tenure" else None
            targets = [total] + ([lines[split]] if split in lines else [])
            for ln in targets:
                ln.month += mv
                ln.ytd += yv
                if muni:
                    ln.municipal_month += mv
                    ln.municipal_ytd += yv
                cell = ln.by_category.setdefault(cat, [0, 0])
                cell[0] += mv
                cell[1] += yv
                if group_by:
                    cell = ln.groups.setdefault(gkey, [0, 0])
                    cell[0] += mv
                    cell[1] += yv
        if tenure is not None or municipal:
            for s in m.no_account_splits:
                if s in lines:
                    lines[s].not_applicable = True
        report.lines.append(total)
        report.lines.extend(lines[s] for s in splits)
    if registers:
        filters = dict(territory_id=territory_id, tenure=tenure, municipal=municipal, category=category)
        report.filings = court_filings(period, **filters)
        report.writs = writs_sent(period, **filters)
    return report


# ------------------------------------------------------------------------------------------- registers

def _register_where(stmt, territory_id, tenure, municipal, category):
    if territory_id is not None:
        stmt = stmt.where(A.c.territory_id == territory_id)
    if tenure is not None:
        stmt = stmt.where(A.c.tenure == tenure)
    if municipal:
        stmt = stmt.where(A.c.is_municipal.is_(True))
    if category is not None:
        stmt = stmt.where(A.c.category == category)
    return stmt


def _register_rows(stmt, labels: dict) -> list[RegisterRow]:
    """The rows; the address from the settlement on (the commission knows the region and the district)."""
    from ..accounts.queries import address_with_settlement

    t = Territory.__table__
    stmt = (stmt.add_columns(t.c.name.label("territory"), A.c.apartment.label("apartment"))
            .outerjoin_from(A, t, t.c.id == A.c.territory_id))
    out = []
    for r in db.session.execute(stmt):
        address = address_with_settlement(r.address, r.territory)
        if r.apartment and "кв" not in address.lower():  # imported with the apartment in a column of its own
            address = f"{address}, кв. {r.apartment}"
        out.append(RegisterRow(r.record_id, r.kind, str(labels.get(r.kind, r.kind)), r.on, r.case_id, r.account_id,
                               r.account_number, r.debtor or "", address, r.category, r.unit or "",
                               int(r.amount_kop or 0), r.number or ""))
    return out


def court_filings(period: ReportPeriod | date, territory_id: int | None = None, tenure: str | None = None,
                  municipal: bool = False, category: str | None = None) -> list[RegisterRow]:
    """The court applications (orders and claims) filed in the period — exactly what «court applications
    filed» counts — in the order of filing; the amount is the claim (principal + penalty, without the duty)."""
    from ..cases.labels import COURT_KIND_LABELS
    from ..cases.models import Court

    period = as_period(period)
    r, cases, courts = CourtRecord.__table__, Case.__table__, Court.__table__
    stmt = (select(r.c.id.label("record_id"), r.c.kind.label("kind"), r.c.filed_on.label("on"),
                   cases.c.id.label("case_id"), A.c.id.label("account_id"), A.c.number.label("account_number"),
                   A.c.debtor_name.label("debtor"), A.c.address.label("address"), A.c.category.label("category"),
                   courts.c.name.label("unit"), (r.c.principal_kop + r.c.penalty_kop).label("amount_kop"),
                   r.c.case_number.label("number"))
            .select_from(_via_case(r).outerjoin(courts, courts.c.id == r.c.court_id))
            .where(r.c.kind.in_(FILING_KINDS), r.c.filed_on >= period.start, r.c.filed_on < period.end)
            .order_by(r.c.filed_on, r.c.id))
    return _register_rows(_register_where(stmt, territory_id, tenure, municipal, category), COURT_KIND_LABELS)


def writs_sent(period: ReportPeriod | date, territory_id: int | None = None, tenure: str | None = None,
               municipal: bool = False, category: str | None = None) -> list[RegisterRow]:
    """The writs sent in the period — exactly what «writs sent» counts: to bailiff units first (seed 001 п.26),
    then to employers and banks (п.23) — each by sending date; the unit is the bailiff unit, employer or bank."""
    from ..cases.labels import DESTINATION_LABELS
    from ..cases.models import BailiffUnit

    period = as_period(period)
    e, cases, units = Enforcement.__table__, Case.__table__, BailiffUnit.__table__
    order = case({d: i for i, d in enumerate(DESTINATIONS)}, value=e.c.destination, else_=len(DESTINATIONS))
    stmt = (select(e.c.id.label("record_id"), e.c.destination.label("kind"), e.c.sent_on.label("on"),
                   cases.c.id.label("case_id"), A.c.id.label("account_id"), A.c.number.label("account_number"),
                   A.c.debtor_name.label("debtor"), A.c.address.label("address"), A.c.category.label("category"),
                   func.coalesce(units.c.name, e.c.payer_name).label("unit"), e.c.amount_kop.label("amount_kop"),
                   e.c.writ_number.label("number"))
            .select_from(_via_case(e).outerjoin(units, units.c.id == e.c.bailiff_unit_id))
            .where(e.c.sent_on >= period.start, e.c.sent_on < period.end)
            .order_by(order, e.c.sent_on, e.c.id))
    return _register_rows(_register_where(stmt, territory_id, tenure, municipal, category), DESTINATION_LABELS)


__all__ = ["MEASURES", "MEASURE_KEYS", "Measure", "MeasureLine", "MeasuresReport", "RegisterRow", "measures_report",
           "court_filings", "writs_sent", "group_columns", "TENURE_LABELS", "CATEGORIES", "CATEGORY_LABELS",
           "GROUPINGS", "Window"]
