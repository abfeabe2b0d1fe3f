"""The legal engine inside the application: reference data from the database, the account calculation
(penalty, allocation, limitation from the ledger) and the reference edits of the admin.

`account_calculation()` is the ONE implementation the account page, the printable «Расчёт пени», the court
documents and the portfolio run use; it only prepares the inputs from the ledger and calls the pure domain
functions (`casework.domain`), exactly as the `calc` contract adapter does.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Sequence

from sqlalchemy import select, update

from ..domain.allocation import Allocation, Charge, Payment, ScheduledCharge, allocate_payments
from ..domain.calendar import WorkingCalendar
from ..domain.duty import DutyScale, duty_scales_from_rows
from ..domain.errors import DomainError, UnsupportedDebt
from ..domain.keyrate import CapWindow as DCapWindow
from ..domain.keyrate import KeyRateTable
from ..domain.keyrate import Moratorium as DMoratorium
from ..domain.limitation import LimitationEvent, LimitationResult, compute_limitation, last_day_to_file
from ..domain.money import from_kopecks, round_half_up_div
from ..domain.penalty import DEN, PenaltyResult, compute_penalty
from ..domain.periods import Period, effective_due_cached, nominal_due_date
from ..domain.policy import LimitationPolicy, PenaltyPolicy, Reading
from ..extensions import db
from ..i18n import _, format_date, format_number
from .models import CalendarDay, CapWindow, DutyScaleRow, KeyRate, Moratorium, ReferenceVersion

# ---------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Reference:
    """Everything the calculators need that changes with the law, built from the reference tables."""

    rates: KeyRateTable | None
    calendar: WorkingCalendar
    moratoria: tuple[DMoratorium, ...]
    cap_windows: tuple[DCapWindow, ...]
    duty_scales: tuple[DutyScale, ...]
    version: int = 0
    calendar_years: frozenset = frozenset()  # years with at least one active exception row

    def require_rates(self) -> KeyRateTable:
        if self.rates is None:
            raise DomainError(_("The key-rate table is empty: add the Bank of Russia key rate in Rate tables."))
        return self.rates


_cache_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "ref": None}


def _period_of(d: date | None) -> Period | None:
    return None if d is None else Period(d.year, d.month)


def _version() -> int:
    v = db.session.scalar(select(ReferenceVersion.version).where(ReferenceVersion.id == 1))
    return int(v or 0)


def build_reference() -> Reference:
    """Build a Reference from the active rows of the reference tables (no caching)."""
    caps = tuple(DCapWindow(r.start_on, r.end_on, r.cap_percent, r.source or "") for r in db.session.scalars(
        select(CapWindow).where(CapWindow.is_active.is_(True)).order_by(CapWindow.start_on)))
    rate_rows = db.session.execute(select(KeyRate.date_from, KeyRate.rate_percent).where(
        KeyRate.is_active.is_(True)).order_by(KeyRate.date_from)).all()
    rates = KeyRateTable.from_rows([(d, r) for d, r in rate_rows], caps) if rate_rows else None
    cal_rows = db.session.execute(select(CalendarDay.day, CalendarDay.kind).where(
        CalendarDay.is_active.is_(True))).all()
    years = frozenset(d.year for d, _k in cal_rows)  # a year without rows is provisional (ТК 112 alone)
    calendar = WorkingCalendar.from_rows([(d, k) for d, k in cal_rows], covered_years=years)
    moratoria = tuple(DMoratorium(m.code, m.start_on, m.end_on, _period_of(m.max_period), m.source or "")
                      for m in db.session.scalars(select(Moratorium).where(Moratorium.is_active.is_(True))
                                                  .order_by(Moratorium.start_on)))
    scales = duty_scales_from_rows([duty_row_dict(s) for s in db.session.scalars(
        select(DutyScaleRow).where(DutyScaleRow.is_active.is_(True)).order_by(DutyScaleRow.valid_from))])
    return Reference(rates, calendar, moratoria, caps, scales, _version(), years)


def duty_row_dict(s: DutyScaleRow) -> dict:
    """A duty-scale row in the shape of casework/data/duty_scales.json (for duty_scales_from_rows)."""
    return {"code": s.code, "court": s.court, "scale": s.scale, "valid_from": s.valid_from.isoformat(),
            "valid_to": s.valid_to.isoformat() if s.valid_to else None, "order_share": s.order_share,
            "order_min": s.order_min, "bands": s.bands, "source": s.source}


def current_reference() -> Reference:
    """The reference data in force: cached per request and per process, rebuilt when the version counter moves."""
    try:
        from flask import g, has_app_context
    except ImportError:  # pragma: no cover
        has_app_context = lambda: False  # noqa: E731
    in_app = has_app_context()
    if in_app and getattr(g, "_legal_reference", None) is not None:
        return g._legal_reference
    key = (str(db.engine.url), _version())
    with _cache_lock:
        ref = _cache["ref"] if _cache["key"] == key else None
    if ref is None:
        ref = build_reference()
        with _cache_lock:
            _cache.update(key=key, ref=ref)
    if in_app:
        g._legal_reference = ref
    return ref


def invalidate_reference_cache() -> None:
    """Forget the cached Reference of this process and request."""
    with _cache_lock:
        _cache.update(key=None, ref=None)
    try:
        from flask import g, has_app_context

        if has_app_context():
            g._legal_reference = None
    except ImportError:  # pragma: no cover
        pass


def bump_reference_version() -> None:
    """Move the version counter (other processes rebuild their cache) and drop this process's cache."""
    row = db.session.get(ReferenceVersion, 1)
    if row is None:
        db.session.add(ReferenceVersion(id=1, version=2))
    else:
        db.session.execute(update(ReferenceVersion).where(ReferenceVersion.id == 1)
                           .values(version=ReferenceVersion.version + 1))
    db.session.flush()
    invalidate_reference_cache()


# ---------------------------------------------------------------- policies from configuration


def penalty_policy(overrides: dict | None = None) -> PenaltyPolicy:
    """The contract's penalty policy: app config PENALTY_POLICY (defaults = main readings), then overrides."""
    from flask import current_app

    cfg = dict(current_app.config.get("PENALTY_POLICY") or {})
    cfg.update(overrides or {})
    return PenaltyPolicy(**cfg)


def limitation_policy(overrides: dict | None = None) -> LimitationPolicy:
    """The limitation policy: app config LIMITATION_POLICY (defaults = main readings), then overrides."""
    from flask import current_app

    cfg = dict(current_app.config.get("LIMITATION_POLICY") or {})
    cfg.update(overrides or {})
    return LimitationPolicy(**cfg)


# ---------------------------------------------------------------- limitation events from other areas


def _periods_between(first: date | None, last: date | None) -> frozenset[Period] | None:
    if first is None and last is None:
        return None
    p = _period_of(first) if first else _period_of(last)
    end = _period_of(last) if last else p
    out = set()
    while p <= end and len(out) < 600:
        out.add(p)
        p = p.next()
    return frozenset(out)


def _court_record_model():
    try:
        from ..cases.models import CourtRecord  # built by the cases area
    except ImportError:
        return None
    return CourtRecord


def _events_from_court_record(rec) -> list[LimitationEvent]:
    """Court order / claim filed (ГК 204 п.1; Пленум № 43 п.17) and order cancelled (п.18) from one CourtRecord;
    an eviction claim does not concern the debt and is skipped."""
    kind = str(getattr(rec, "kind", "order") or "order")
    filed = getattr(rec, "filed_on", None)
    if kind == "eviction" or filed is None:
        return []
    periods = _periods_between(getattr(rec, "period_from", None), getattr(rec, "period_to", None))
    is_claim = kind.startswith("claim")
    out = [LimitationEvent("claim_filed" if is_claim else "court_order_filed", filed, periods)]
    cancelled = getattr(rec, "cancelled_on", None)
    if cancelled is not None and not is_claim:
        out.append(LimitationEvent("court_order_cancelled", cancelled, periods))
    return out


def _court_record_account_column(model):
    if hasattr(model, "account_id"):
        return model.account_id, None
    if hasattr(model, "case_id"):
        from ..cases.models import Case

        return Case.account_id, Case
    return None, None


def court_events_by_account(account_ids: Iterable[int] | None = None) -> dict[int, list[LimitationEvent]]:
    """Limitation events from the cases area's CourtRecord table (empty while that table does not exist)."""
    model = _court_record_model()
    if model is None:
        return {}
    col, join = _court_record_account_column(model)
    if col is None:
        return {}
    stmt = select(col, model)
    if join is not None:
        stmt = stmt.join(join, join.id == model.case_id)
    if account_ids is not None:
        stmt = stmt.where(col.in_(list(account_ids)))
    out: dict[int, list[LimitationEvent]] = {}
    for acc_id, rec in db.session.execute(stmt):
        out.setdefault(acc_id, []).extend(_events_from_court_record(rec))
    return out


def _ack_event(item) -> LimitationEvent | None:
    """An acknowledgment as the contacts area gives it (a date, a (date, periods) pair or an object) → an event."""
    if isinstance(item, LimitationEvent):
        return item
    periods = None
    if isinstance(item, date):
        d = item.date() if hasattr(item, "hour") else item
    elif isinstance(item, tuple):
        d, periods = item[0], (item[1] if len(item) > 1 else None)
    else:
        d = getattr(item, "signed_on", None) or getattr(item, "date", None)
        periods = getattr(item, "periods", None)
    if not isinstance(d, date):
        return None
    if periods is not None:
        periods = frozenset(_period_of(p) if isinstance(p, date) else p for p in periods) or None
    return LimitationEvent("acknowledged", d, periods)


def acknowledgment_events(account_id: int) -> list[LimitationEvent]:
    """Acknowledgments of debt (ГК 203, 206 п.2) from signed payment agreements, via the contacts area."""
    try:
        from ..contacts.queries import acknowledgments_for
    except ImportError:
        return []
    return [e for e in (_ack_event(i) for i in acknowledgments_for(account_id) or ()) if e is not None]


def limitation_events_for(account_id: int) -> list[LimitationEvent]:
    """Every limitation event of one account: court records and signed acknowledgments."""
    return court_events_by_account([account_id]).get(account_id, []) + acknowledgment_events(account_id)


# ---------------------------------------------------------------- the account calculation


@dataclass
class AccountCalc:
    """Penalty, allocation and limitation of one account as of a date (money in kopecks unless Decimal)."""

    account_id: int
    as_of: date
    penalty_policy: PenaltyPolicy
    limitation_policy: LimitationPolicy
    charges: list[Charge]                 # one per period, net of recalculations
    payments: list[Payment]               # ref = ledger entry id (str)
    allocation: Allocation
    penalty: PenaltyResult | None
    penalty_error: str | None
    limitation: LimitationResult          # on the unpaid remainder of each month
    events: list[LimitationEvent] = field(default_factory=list)
    service_ids: tuple[int, ...] | None = None

    @property
    def debt_kop(self) -> int:
        return sum(v for v in self.allocation.open_kop.values() if v > 0)

    @property
    def overpaid_kop(self) -> int:
        return sum(o.amount_kop for o in self.allocation.overpayments)

    @property
    def penalty_kop(self) -> int | None:
        return None if self.penalty is None else round_half_up_div(self.penalty.total_units, DEN)

    @property
    def time_barred_kop(self) -> int:
        return sum(r.amount_kop for r in self.limitation.rows if r.time_barred)

    @property
    def claimable_kop(self) -> int:
        return sum(r.amount_kop for r in self.limitation.rows if not r.time_barred)

    @property
    def next_bar_date(self) -> date | None:
        """The nearest last day to file among the claimable months (None while every clock is stopped)."""
        days = [r.last_day_to_file for r in self.limitation.rows if not r.time_barred and r.last_day_to_file]
        return min(days) if days else None

    @property
    def charged_kop(self) -> int:
        return sum(int(c.amount * 100) for c in self.charges)

    @property
    def paid_kop(self) -> int:
        return sum(int(p.amount * 100) for p in self.payments if p.date <= self.as_of)

    def payment(self, ref: str) -> Payment | None:
        for p in self.payments:
            if p.ref == ref:
                return p
        return None


# A ledger entry as the calculation reads it (same order as LEDGER_COLUMNS):
# (kind, period, amount_kop, paid_on, paid_period, id, reverses_id)
LEDGER_COLUMNS = ("kind", "period", "amount_kop", "paid_on", "paid_period", "id", "reverses_id")


_PERIODS: dict[date, Period] = {}


def _period_cached(d: date) -> Period:
    p = _PERIODS.get(d)
    if p is None:
        p = _PERIODS[d] = Period(d.year, d.month)
    return p


def ledger_inputs(entries: Iterable[Sequence], as_of: date, *, contract_day: int | None = None,
                  due15_from: Period | None = None) -> tuple[list[Charge], list[Payment]]:
    """Turn ledger entries into the calculators' inputs: one charge per billing month (openings, charges and
    recalculations summed; a month whose net charge is not positive drops out) for months up to the as-of month,
    and payments dated up to as_of less their reversals, with the month the payer named (ГК 319.1)."""
    charges_kop, pays = ledger_kopecks(entries, as_of)
    return inputs_from_kopecks(charges_kop, pays, contract_day=contract_day, due15_from=due15_from)


def ledger_kopecks(entries: Iterable[Sequence], as_of: date) -> tuple[list[tuple[date, int]], list[list]]:
    """The first half of `ledger_inputs`, in integers: ([(month, net charge kop > 0)] by month,
    [[paid_on, entry id, kop > 0, named month]] by date then entry) — cheap enough to test for debt first."""
    limit = date(as_of.year, as_of.month, 1)
    charges_kop: dict[date, int] = {}
    pays: list[list] = []  # [paid_on, entry id, amount_kop, named month]
    reversals: list[tuple[int, int]] = []
    get = charges_kop.get
    for kind, period, amount, paid_on, paid_period, eid, rev in entries:
        if kind == "payment":
            if paid_on is None or paid_on > as_of:
                continue
            if rev is not None:
                reversals.append((rev, amount))
            else:
                pays.append([paid_on, eid, amount, paid_period])
        elif period <= limit:
            charges_kop[period] = get(period, 0) + amount
    if reversals:
        by_id = {p[1]: p for p in pays}
        for rev, amount in reversals:
            p = by_id.get(rev)
            if p is not None:
                p[2] -= -amount if amount < 0 else amount  # a reversal cancels (part of) the payment it names
    pays.sort()  # by payment date, then ledger order (entry ids are unique)
    return ([(d, charges_kop[d]) for d in sorted(charges_kop) if charges_kop[d] > 0],
            [p for p in pays if p[2] > 0])


def inputs_from_kopecks(charges_kop: list[tuple[date, int]], pays: list[list], *, contract_day: int | None = None,
                        due15_from: Period | None = None) -> tuple[list[Charge], list[Payment]]:
    """The second half of `ledger_inputs`: Charge and Payment objects from `ledger_kopecks`' integers."""
    use_contract_day = bool(contract_day and due15_from)
    charges = []
    for d, kop in charges_kop:
        per = _period_cached(d)
        due = nominal_due_date(per, due15_from, contract_day) if use_contract_day else None
        charges.append(Charge(per, Decimal(kop).scaleb(-2), due))
    periods = {c.period for c in charges}
    payments = []
    for paid_on, eid, amount, named in pays:
        per = _period_cached(named) if named is not None else None
        payments.append(Payment(paid_on, Decimal(amount).scaleb(-2), per if per in periods else None, str(eid)))
    return charges, payments


def _allocation_only(charges: Sequence[Charge], payments: Sequence[Payment], as_of: date,
                     policy: PenaltyPolicy, calendar) -> Allocation:
    """Allocation alone, exactly as compute_penalty does it (for debts the penalty engine refuses)."""
    scheduled = []
    for ch in charges:
        due = effective_due_cached(ch.period, ch.due_date, policy.due15_from, policy.weekend_shift, calendar)
        scheduled.append(ScheduledCharge(ch.period, int(ch.amount * 100), due,
                                         last_day_to_file(due, calendar, Reading.A, policy.weekend_shift)))
    return allocate_payments(scheduled, payments, as_of)


def calculate(account_id: int, charges: list[Charge], payments: list[Payment], events: list[LimitationEvent],
              as_of: date, ref: Reference, pen_policy: PenaltyPolicy, lim_policy: LimitationPolicy,
              service_ids: tuple[int, ...] | None = None) -> AccountCalc:
    """Penalty (ЖК 155 ч.14) with allocation (ГК 319.1, Пленум № 22 п.32), then limitation (ГК 196/200/204/203)
    on each month's unpaid remainder, all by the domain functions."""
    penalty: PenaltyResult | None = None
    error = None
    try:
        penalty = compute_penalty(charges, payments, as_of, pen_policy, ref.require_rates(), ref.calendar,
                                  ref.moratoria)
        allocation = penalty.allocation
    except UnsupportedDebt as exc:
        error = str(exc)
        allocation = _allocation_only(charges, payments, as_of, pen_policy, ref.calendar)
    open_kop = allocation.open_kop
    remainders = [Charge(c.period, from_kopecks(open_kop[c.period]), c.due_date)
                  for c in charges if open_kop.get(c.period, 0) > 0]
    limitation = compute_limitation(remainders, events, as_of, lim_policy, ref.calendar)
    return AccountCalc(account_id, as_of, pen_policy, lim_policy, charges, payments, allocation, penalty, error,
                       limitation, list(events), service_ids)


def ledger_entries_for(account_id: int, service_ids: Sequence[int] | None = None) -> list[tuple]:
    """The ledger of one account in the calculation's tuple shape, capital-repair contributions excluded unless
    asked for by service id (their penalty follows ЖК 155 ч.14.1, which the engine does not implement)."""
    from ..accounts.models import LedgerEntry, Service

    le = LedgerEntry
    stmt = select(le.kind, le.period, le.amount_kop, le.paid_on, le.paid_period, le.id, le.reverses_id).where(
        le.account_id == account_id)
    if service_ids:
        stmt = stmt.where(le.service_id.in_(list(service_ids)))
    else:
        capital = select(Service.id).where(Service.is_capital_repair.is_(True))
        stmt = stmt.where(le.service_id.not_in(capital))
    return [tuple(r) for r in db.session.execute(stmt.order_by(le.id))]


def contract_due_day() -> int | None:
    """The enterprise's contract payment day (ЖК 155 ч.1 allows it before the 177-ФЗ switch), if set."""
    try:
        from ..enterprise.models import Enterprise
    except ImportError:  # pragma: no cover
        return None
    return db.session.scalar(select(Enterprise.contract_due_day).where(Enterprise.id == 1))


def account_calculation(account_id: int, as_of: date, service_ids: Sequence[int] | None = None,
                        policy: PenaltyPolicy | None = None,
                        limitation: LimitationPolicy | None = None) -> AccountCalc:
    """Penalty, allocation and limitation of one account from its ledger as of a date (the figures the court
    documents use). Charges of all services are summed per billing month, as the contract requires."""
    pen = policy or penalty_policy()
    lim = limitation or limitation_policy()
    ref = current_reference()
    charges, payments = ledger_inputs(ledger_entries_for(account_id, service_ids), as_of,
                                      contract_day=contract_due_day(), due15_from=pen.due15_from)
    events = limitation_events_for(account_id)
    return calculate(account_id, charges, payments, events, as_of, ref, pen, lim,
                     tuple(service_ids) if service_ids else None)


# ---------------------------------------------------------------- staleness warnings


def staleness_warnings(today: date, ref: Reference, rate_max_age_days: int = 120,
                       cap_notice_days: int = 60) -> list[str]:
    """Warnings for an admin: no production calendar for next year from 1 December (or for this year at all),
    the newest key-rate row older than `rate_max_age_days`, a rate-cap window ending within `cap_notice_days`."""
    out: list[str] = []
    if today.year not in ref.calendar_years:
        out.append(_("The production calendar has no rows for %(year)s: due dates and limitation ends use "
                     "weekends and holidays only. Add the government decree's days in Rate tables.",
                     year=today.year))
    elif today.month == 12 and (today.year + 1) not in ref.calendar_years:
        out.append(_("The production calendar for %(year)s is missing. Add it in Rate tables once the "
                     "government decree on moving days off is published.", year=today.year + 1))
    if ref.rates is None:
        out.append(_("The key-rate table is empty: penalties cannot be calculated."))
    else:
        age = (today - ref.rates.last_change).days
        if age > rate_max_age_days:
            out.append(_("The newest key-rate row is %(days)s days old (from %(date)s). Check the Bank of "
                         "Russia's decisions and add the new rate in Rate tables.",
                         days=age, date=format_date(ref.rates.last_change)))
    for cap in ref.cap_windows:
        left = (cap.end - today).days
        if 0 <= left <= cap_notice_days:
            out.append(_("The %(cap)s%% penalty rate cap ends on %(date)s. Check whether a decree extends it "
                         "and update the cap window in Rate tables.",
                         cap=format_number(cap.cap_percent), date=format_date(cap.end)))
    return out


def admin_staleness_warnings() -> list[str]:
    """WARNING_PROVIDERS entry: the staleness warnings, for admins only."""
    from flask import current_app, request

    from ..access import ADMIN, has_role
    from ..timeutil import today

    if not has_role(ADMIN) or (request.endpoint or "").startswith("static"):
        return []
    cfg = current_app.config
    return staleness_warnings(today(), current_reference(), int(cfg.get("KEY_RATE_STALE_DAYS", 120)),
                              int(cfg.get("CAP_WINDOW_NOTICE_DAYS", 60)))


# ---------------------------------------------------------------- admin edits of the reference tables


def _decimal(value, label: str, places: int = 2, minimum: Decimal | None = Decimal(0)) -> Decimal:
    try:
        d = Decimal(str(value).strip().replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(field)s: enter a number such as 9.5", field=label)) from None
    if not d.is_finite() or (minimum is not None and d < minimum):
        raise DomainError(_("%(field)s: the number must not be negative", field=label))
    if d != d.quantize(Decimal(1).scaleb(-places)):
        raise DomainError(_("%(field)s: at most %(n)s decimals", field=label, n=places))
    return d


def _check_unique(model, column, value, row_id: int | None, message: str) -> None:
    other = db.session.scalar(select(model.id).where(column == value))
    if other is not None and other != row_id:
        raise DomainError(message)


def save_key_rate(row: KeyRate | None, date_from: date, rate_percent, source: str) -> KeyRate:
    """Add or change a key-rate row (effective date of a Bank of Russia decision); one row per date."""
    rate = _decimal(rate_percent, _("Rate, %"))
    if rate > 100:
        raise DomainError(_("Rate, %: a key rate above 100 % is certainly a typo"))
    _check_unique(KeyRate, KeyRate.date_from, date_from, row.id if row else None,
                  _("There is already a key rate from %(date)s; edit that row instead.",
                    date=date_from.strftime("%d.%m.%Y")))
    row = row or KeyRate()
    row.date_from, row.rate_percent, row.source = date_from, rate, (source or "").strip()
    return _saved(row)


def save_cap_window(row: CapWindow | None, start_on: date, end_on: date, cap_percent, source: str) -> CapWindow:
    """Add or change a rate-cap window (ПП 474 → 329); the window must not overlap another active one."""
    cap = _decimal(cap_percent, _("Cap, %"))
    if end_on < start_on:
        raise DomainError(_("The window ends before it starts."))
    for other in db.session.scalars(select(CapWindow).where(CapWindow.is_active.is_(True))):
        if (row is None or other.id != row.id) and other.start_on <= end_on and start_on <= other.end_on:
            raise DomainError(_("The window overlaps the active window %(start)s – %(end)s.",
                                start=other.start_on.strftime("%d.%m.%Y"), end=other.end_on.strftime("%d.%m.%Y")))
    _check_unique(CapWindow, CapWindow.start_on, start_on, row.id if row else None,
                  _("Another window starts on the same day."))
    row = row or CapWindow()
    row.start_on, row.end_on, row.cap_percent, row.source = start_on, end_on, cap, (source or "").strip()
    return _saved(row)


def save_moratorium(row: Moratorium | None, code: str, start_on: date, end_on: date,
                    max_period: date | None, source: str) -> Moratorium:
    """Add or change a moratorium (no penalty accrues on its days; `max_period` limits it to older charges)."""
    code = (code or "").strip().lower()
    if not code:
        raise DomainError(_("Give the moratorium a short code, e.g. the decree number."))
    if end_on < start_on:
        raise DomainError(_("The moratorium ends before it starts."))
    _check_unique(Moratorium, Moratorium.code, code, row.id if row else None,
                  _("A moratorium with this code already exists."))
    row = row or Moratorium()
    row.code, row.start_on, row.end_on = code, start_on, end_on
    row.max_period = date(max_period.year, max_period.month, 1) if max_period else None
    row.source = (source or "").strip()
    return _saved(row)


def save_calendar_day(row: CalendarDay | None, day: date, kind: str, source: str) -> CalendarDay:
    """Add or change a production-calendar exception: a day off on a weekday or a working Saturday/Sunday."""
    if kind not in ("working", "non_working"):
        raise DomainError(_("Choose whether the day is a working day or a day off."))
    if kind == "working" and day.weekday() < 5:
        raise DomainError(_("%(date)s is a weekday: only a Saturday or Sunday can be made a working day.",
                            date=day.strftime("%d.%m.%Y")))
    if kind == "non_working" and day.weekday() >= 5:
        raise DomainError(_("%(date)s is a weekend day already: only a weekday can be made a day off.",
                            date=day.strftime("%d.%m.%Y")))
    _check_unique(CalendarDay, CalendarDay.day, day, row.id if row else None,
                  _("This day is already in the calendar; edit that row instead."))
    row = row or CalendarDay()
    row.day, row.kind, row.source = day, kind, (source or "").strip()
    return _saved(row)


def parse_bands(text: str) -> list[dict]:
    """Bands from lines 'threshold; base; percent[; min[; max]]' (rubles and percents as decimals)."""
    bands = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) < 3 or len(parts) > 5:
            raise DomainError(_("Band line %(n)s: write 'threshold; base; percent' and optionally '; min; max'.",
                                n=n))
        names = ("threshold", "base", "percent", "min", "max")
        band = {}
        for name, value in zip(names, parts):
            if value == "" and name in ("min", "max"):
                continue
            band[name] = str(_decimal(value, _("Band line %(n)s", n=n), places=4))
        bands.append(band)
    if not bands:
        raise DomainError(_("A scale needs at least one band."))
    return bands


def bands_text(bands: list[dict]) -> str:
    """The editable text form of a scale's bands (inverse of parse_bands)."""
    lines = []
    for b in bands or []:
        parts = [b.get("threshold", ""), b.get("base", ""), b.get("percent", "")]
        if b.get("min") or b.get("max"):
            parts += [b.get("min", ""), b.get("max", "")]
        lines.append("; ".join(str(p) for p in parts).rstrip("; "))
    return "\n".join(lines)


def save_duty_scale(row: DutyScaleRow | None, code: str, court: str, scale: str, valid_from: date,
                    valid_to: date | None, order_share, order_min, bands_source: str, source: str) -> DutyScaleRow:
    """Add or change a duty scale (НК 333.19 / 333.21); the domain validates the bands before it is stored."""
    code = (code or "").strip().lower()
    if not code:
        raise DomainError(_("Give the scale a short code."))
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The scale ends before it starts."))
    share = _decimal(order_share, _("Court order share"), places=4)
    minimum = None if order_min in (None, "") else str(_decimal(order_min, _("Court order minimum")))
    bands = parse_bands(bands_source)
    candidate = {"code": code, "court": court, "scale": scale or "", "valid_from": valid_from.isoformat(),
                 "valid_to": valid_to.isoformat() if valid_to else None, "order_share": str(share),
                 "order_min": minimum, "bands": bands}
    try:
        duty_scales_from_rows([candidate])
    except (DomainError, ValueError) as exc:
        raise DomainError(_("The scale is not valid: %(reason)s", reason=str(exc))) from None
    for other in db.session.scalars(select(DutyScaleRow).where(DutyScaleRow.is_active.is_(True),
                                                               DutyScaleRow.court == court)):
        if row is not None and other.id == row.id:
            continue
        o_end = other.valid_to or date.max
        end = valid_to or date.max
        if other.valid_from <= end and valid_from <= o_end:
            raise DomainError(_("The dates overlap the active scale %(code)s of the same court; close that "
                                "scale first (set its last day).", code=other.code))
    _check_unique(DutyScaleRow, DutyScaleRow.code, code, row.id if row else None,
                  _("A scale with this code already exists."))
    row = row or DutyScaleRow()
    row.code, row.court, row.scale, row.valid_from, row.valid_to = code, court, scale or "", valid_from, valid_to
    row.order_share, row.order_min, row.bands, row.source = str(share), minimum, bands, (source or "").strip()
    return _saved(row)


def set_row_active(row, active: bool) -> None:
    """Deactivate (or reactivate) a reference row: inactive rows stay for the record but are not used."""
    if row.is_active == active:
        return
    if active:
        # reactivating must not break the table's rules (overlaps are checked by saving the row again)
        if isinstance(row, CapWindow):
            row.is_active = True
            try:
                save_cap_window(row, row.start_on, row.end_on, row.cap_percent, row.source)
            except DomainError:
                row.is_active = False
                raise
            return
        if isinstance(row, DutyScaleRow):
            row.is_active = True
            try:
                save_duty_scale(row, row.code, row.court, row.scale, row.valid_from, row.valid_to, row.order_share,
                                row.order_min, bands_text(row.bands), row.source)
            except DomainError:
                row.is_active = False
                raise
            return
    elif isinstance(row, KeyRate):
        left = db.session.scalar(select(db.func.count()).select_from(KeyRate).where(
            KeyRate.is_active.is_(True), KeyRate.id != row.id))
        if not left:
            raise DomainError(_("The last active key-rate row cannot be deactivated: penalties need a rate."))
    row.is_active = active
    _saved(row)


def _saved(row):
    db.session.add(row)
    db.session.flush()
    bump_reference_version()
    return row
