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
splits and for the «municipal housing» columns (``accounts.is_municipal``, seed 001 п.2). One grouped
query per measure gives the month and the year-to-date figure for every split at once.
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
from .queries import add_month, report_settings

SECTION_PRETRIAL = _l("Pre-trial measures")
SECTION_COURT = _l("Court measures")
SECTION_ENFORCEMENT = _l("Enforcement")
SECTION_WRITE_OFF = _l("Write-offs")

TENURE_LABELS = {"owner": _l("Owners"), "social_tenancy": _l("Social tenancy"),
                 "commercial_tenancy": _l("Commercial tenancy"), "other": _l("Other tenure")}
GROUPINGS = ("territory", "tenure")

NOTICE_KINDS = ("notice_debt", "warning_restriction", "pretrial_claim", "building_notice")
RESTRICTION_STAGES = ("restriction", "suspension")
FILING_KINDS = ("order", "claim")
DESTINATIONS = ("bailiff", "employer", "bank")

A = Account.__table__


# ------------------------------------------------------------------------------------------- sources
# Each source returns a SELECT with the labelled columns
#   split, value, in_month (1/0), territory_id, tenure, is_municipal
# restricted to records dated from 1 January to the end of the reporting month.

@dataclass(frozen=True)
class Window:
    """The year-to-date window [year_start, hi) and the reporting month's start `lo`."""

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
            acc.c.is_municipal.label("is_municipal")]


def _via_case(table):
    """FROM table → cases → accounts (records of the cases area are attached to a case)."""
    cases = Case.__table__
    return table.join(cases, cases.c.id == table.c.case_id).join(A, A.c.id == cases.c.account_id)


def _src_notices(w: Window):
    d, b = Document.__table__, Building.__table__
    where, in_month = w.on(d.c.issued_on)
    return (select(d.c.kind.label("split"), literal(1).label("value"), in_month.label("in_month"),
                   func.coalesce(A.c.territory_id, b.c.territory_id).label("territory_id"),
                   A.c.tenure.label("tenure"), func.coalesce(A.c.is_municipal, false()).label("is_municipal"))
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
    """One line: a measure's total (level 0) or one of its splits (level 1); money lines in kopecks."""

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
    groups: dict = field(default_factory=dict)  # group key → [month, ytd]
    target: int | None = None  # monthly target
    target_ytd: int | None = None  # target × months from January
    not_applicable: bool = False  # a split without accounts (building notices) under a tenure/municipal filter

    @property
    def title(self) -> str:
        return self.split_label if self.level else self.label


@dataclass
class MeasuresReport:
    month: date
    lines: list[MeasureLine] = field(default_factory=list)
    group_by: str | None = None
    groups: list[tuple] = field(default_factory=list)  # (key, label) of the split columns
    territory_id: int | None = None
    tenure: str | None = None
    municipal: bool = False

    def line(self, key: str, split: str | None = None) -> MeasureLine:
        for ln in self.lines:
            if ln.key == key and ln.split == split and (split is not None or ln.level == 0):
                return ln
        raise KeyError((key, split))


def _aggregate(m: Measure, w: Window) -> list[tuple]:
    """(split, territory_id, tenure, is_municipal, month value, ytd value) rows of one measure."""
    sq = m.source(w).subquery()
    stmt = (select(sq.c.split, sq.c.territory_id, sq.c.tenure, sq.c.is_municipal,
                   func.coalesce(func.sum(sq.c.value * sq.c.in_month), 0), func.coalesce(func.sum(sq.c.value), 0))
            .group_by(sq.c.split, sq.c.territory_id, sq.c.tenure, sq.c.is_municipal))
    return [(s, t, tn, bool(mu), int(mv), int(yv)) for s, t, tn, mu, mv, yv in db.session.execute(stmt)]


def group_columns(group_by: str | None) -> list[tuple]:
    """The split columns: every territory (and «no territory»), or every tenure (and «not applicable»)."""
    if group_by == "territory":
        rows = db.session.execute(select(Territory.id, Territory.name).order_by(Territory.name)).all()
        return [(tid, name) for tid, name in rows] + [(None, _("No territory"))]
    if group_by == "tenure":
        return [(k, str(v)) for k, v in TENURE_LABELS.items()] + [(None, _("Not applicable"))]
    return []


def measures_report(month: date, territory_id: int | None = None, tenure: str | None = None,
                    municipal: bool = False, group_by: str | None = None) -> MeasuresReport:
    """Every measure for `month` and from 1 January to the end of `month`, with the municipal-housing part and,
    if asked, one column pair per territory or tenure; filters keep only one territory / tenure / municipal."""
    if group_by not in GROUPINGS:
        group_by = None
    report = MeasuresReport(month, group_by=group_by, groups=group_columns(group_by), territory_id=territory_id,
                            tenure=tenure, municipal=municipal)
    w = Window(date(month.year, 1, 1), month, add_month(month, 1))
    target = report_settings()["court_target"]
    group_keys = [g for g, _lbl in report.groups]
    for m in MEASURES:
        rows = [r for r in _aggregate(m, w)
                if (territory_id is None or r[1] == territory_id) and (tenure is None or r[2] == tenure)
                and (not municipal or r[3])]
        labels = m.split_labels() if m.split_labels else {}
        splits = list(labels) + sorted({r[0] for r in rows if r[0] not in labels and r[0] is not None}, key=str)
        total = MeasureLine(m.key, str(m.label), str(m.section), m.plan_ref, m.is_money,
                            groups={g: [0, 0] for g in group_keys})
        if m.target:
            total.target, total.target_ytd = target, target * month.month
        lines = {s: MeasureLine(m.key, str(m.label), str(m.section), m.plan_ref, m.is_money, 1, s,
                                str(labels.get(s, s)), groups={g: [0, 0] for g in group_keys}) for s in splits}
        for split, terr, ten, muni, mv, yv in rows:
            gkey = terr if group_by == "territory" else ten if group_by == "tenure" else None
            targets = [total] + ([lines[split]] if split in lines else [])
            for ln in targets:
                ln.month += mv
                ln.ytd += yv
                if muni:
                    ln.municipal_month += mv
                    ln.municipal_ytd += yv
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
    return report


__all__ = ["MEASURES", "MEASURE_KEYS", "Measure", "MeasureLine", "MeasuresReport", "measures_report",
           "group_columns", "TENURE_LABELS", "GROUPINGS", "Window"]
