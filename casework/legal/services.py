"""The legal engine inside the application: reference data from the database, the account calculation
(penalty, allocation, limitation from the ledger) and the reference edits of the admin.

`account_calculation()` / `calculation_from_entries()` / `calculate()` are the ONE implementation the account
page, the printable «Расчёт пени», the court documents, the cases area, the reports and the portfolio run use; the
ledger becomes the domain's inputs in `casework.legal.adapter` (with the policies), and the figures come from the
pure domain functions (`casework.domain`), exactly as the `calc` contract adapter does.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Sequence

from sqlalchemy import select, update

from ..domain.allocation import Allocation, Charge, Payment
from ..domain.calendar import TK112_HOLIDAYS, WorkingCalendar, statutory_days_off, statutory_transfers
from ..domain.duty import DutyScale, duty_scales_from_rows
from ..domain.errors import DomainError, RateNotAvailable, UnsupportedDebt
from ..domain.keyrate import CapWindow as DCapWindow
from ..domain.keyrate import KeyRateTable
from ..domain.keyrate import Moratorium as DMoratorium
from ..domain.limitation import LimitationEvent, LimitationResult, compute_limitation
from ..domain.money import from_kopecks, round_half_up_div
from ..domain.penalty import DEN, PenaltyResult, allocate, compute_penalty
from ..domain.periods import Period
from ..domain.policy import LimitationPolicy, PenaltyPolicy
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
            raise NoKeyRates(_("The key-rate table is empty: add the Bank of Russia key rate in Rate tables."))
        return self.rates


class NoKeyRates(DomainError):
    """The key-rate table has no active row (penalties cannot be computed; allocation and limitation can)."""


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


def packaged_reference() -> Reference:
    """A Reference from the files shipped in casework/data (no database): for documents built in memory (template
    checks, the help page's example) and tools without a database."""
    from . import reference as packaged

    cal = packaged.load_calendar()
    return Reference(packaged.load_key_rates(), cal, packaged.load_moratoria(), packaged.load_cap_windows(),
                     packaged.load_duty_scales(), 0, frozenset(cal.covered_years))


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


# ---------------------------------------------------------------- ledger, events and policies: the adapter
# (re-exported: every area reads the ledger and the policies through casework.legal.adapter)
from .adapter import (  # noqa: E402,F401
    LEDGER_COLUMNS,
    acknowledgment_events,
    contract_due_day,
    court_events_by_account,
    inputs_from_kopecks,
    ledger_entries_for,
    ledger_inputs,
    ledger_kopecks,
    limitation_events_by_account,
    limitation_events_for,
    limitation_policy,
    penalty_policy,
)

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

    @property
    def provisional_years(self) -> frozenset:
        """Years of a provisional production calendar (no decree data) the penalty or the limitation relied on."""
        pen = self.penalty.provisional_years if self.penalty is not None else frozenset()
        return pen | self.limitation.provisional_years

    def payment(self, ref: str) -> Payment | None:
        for p in self.payments:
            if p.ref == ref:
                return p
        return None


def calculate(account_id: int, charges: list[Charge], payments: list[Payment], events: list[LimitationEvent],
              as_of: date, ref: Reference, pen_policy: PenaltyPolicy, lim_policy: LimitationPolicy,
              service_ids: tuple[int, ...] | None = None, *, with_penalty: bool = True) -> AccountCalc:
    """Penalty (ЖК 155 ч.14) with allocation (ГК 319.1, Пленум № 22 п.32), then limitation (ГК 196/200/204/203)
    on each month's unpaid remainder, all by the domain functions. When the penalty cannot be computed (a debt
    due before 2016, no key rate) the allocation is still made, by the same schedule, and the reason is kept.
    `with_penalty=False` skips the penalty (reports that need only allocation and limitation): the allocation
    is the same, `domain.penalty.allocate` being the first half of `compute_penalty`."""
    penalty: PenaltyResult | None = None
    error = None
    if with_penalty:
        try:
            penalty = compute_penalty(charges, payments, as_of, pen_policy, ref.require_rates(), ref.calendar,
                                      ref.moratoria)
        except (UnsupportedDebt, RateNotAvailable, NoKeyRates) as exc:
            error = str(exc)
    if penalty is not None:
        allocation = penalty.allocation
    else:
        allocation = allocate(charges, payments, as_of, pen_policy, ref.calendar)
    open_kop = allocation.open_kop
    remainders = [Charge(c.period, from_kopecks(open_kop[c.period]), c.due_date)
                  for c in charges if open_kop.get(c.period, 0) > 0]
    limitation = compute_limitation(remainders, events, as_of, lim_policy, ref.calendar)
    return AccountCalc(account_id, as_of, pen_policy, lim_policy, charges, payments, allocation, penalty, error,
                       limitation, list(events), service_ids)


def calculation_from_entries(account_id: int, entries: Iterable[Sequence], events: Sequence[LimitationEvent],
                             as_of: date, *, ref: Reference | None = None, policy: PenaltyPolicy | None = None,
                             limitation: LimitationPolicy | None = None, contract_day: int | None = None,
                             service_ids: Sequence[int] | None = None, with_penalty: bool = True) -> AccountCalc:
    """The account calculation from ledger entries already read (LEDGER_COLUMNS shape) and the account's
    limitation events: what `account_calculation` does after its queries, for callers that read many accounts
    at once (documents, reports). `contract_day` is the enterprise's contract payment day."""
    pen = policy or penalty_policy()
    lim = limitation or limitation_policy()
    ref = ref or current_reference()
    charges, payments = ledger_inputs(entries, as_of, contract_day=contract_day, due15_from=pen.due15_from)
    return calculate(account_id, charges, payments, list(events), as_of, ref, pen, lim,
                     tuple(service_ids) if service_ids else None, with_penalty=with_penalty)


def account_calculation(account_id: int, as_of: date, service_ids: Sequence[int] | None = None,
                        policy: PenaltyPolicy | None = None,
                        limitation: LimitationPolicy | None = None) -> AccountCalc:
    """Penalty, allocation and limitation of one account from its ledger as of a date (the figures the court
    documents use). Charges of all services are summed per billing month, as the contract requires."""
    return calculation_from_entries(account_id, ledger_entries_for(account_id, service_ids),
                                    limitation_events_for(account_id), as_of, policy=policy, limitation=limitation,
                                    contract_day=contract_due_day(), service_ids=service_ids)



# ---------------------------------------------------------------- staleness warnings


def staleness_warnings(today: date, ref: Reference, rate_max_age_days: int = 120,
                       cap_notice_days: int = 60) -> list[str]:
    """Warnings for an admin: no production calendar for next year from 1 December (or for this year at all),
    the newest key-rate row older than `rate_max_age_days`, a rate-cap window ending within `cap_notice_days`."""
    out: list[str] = []
    if today.year not in ref.calendar_years:
        out.append(_("The production calendar has no rows for %(year)s: due dates and limitation ends use "
                     "weekends and the ТК 112 holidays with their transfers only, and are shown as provisional. "
                     "Add the government decree's days in Rate tables.", year=today.year))
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
    return staleness_warnings(today(), current_reference(), int(cfg["KEY_RATE_STALE_DAYS"]),
                              int(cfg["CAP_WINDOW_NOTICE_DAYS"]))


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
    """Add or change a production-calendar exception: a day off on a weekday or a working Saturday/Sunday.

    The first row of a year that had none (a provisional year: ТК 112 alone) also brings in that year's ТК 112
    days — the ч.1 holidays on weekdays and the ч.2 transfers (`fill_year_from_tk112`) — because a year with rows
    is read as the decree's complete list: the admin enters only the decree's own transfers, and deactivates a
    ч.2 transfer the decree moves elsewhere."""
    if kind not in ("working", "non_working"):
        raise DomainError(_("Choose whether the day is a working day or a day off."))
    if kind == "working" and day.weekday() < 5:
        if day in statutory_transfers(day.year):
            raise DomainError(_("%(date)s is a day off by ТК 112 ч.2 (a holiday fell on the weekend before it). If "
                                "the decree moves that day off elsewhere, deactivate this day's row and add the "
                                "decree's day off.", date=day.strftime("%d.%m.%Y")))
        raise DomainError(_("%(date)s is a weekday: only a Saturday or Sunday can be made a working day.",
                            date=day.strftime("%d.%m.%Y")))
    if kind == "non_working" and day.weekday() >= 5:
        raise DomainError(_("%(date)s is a weekend day already: only a weekday can be made a day off.",
                            date=day.strftime("%d.%m.%Y")))
    _check_unique(CalendarDay, CalendarDay.day, day, row.id if row else None,
                  _("This day is already in the calendar; edit that row instead."))
    new_year = not calendar_year_has_rows(day.year, except_id=row.id if row else None)
    row = row or CalendarDay()
    row.day, row.kind, row.source = day, kind, (source or "").strip()
    db.session.add(row)
    db.session.flush()
    if new_year:
        fill_year_from_tk112(day.year)
    return _saved(row)


#: the source of the rows `fill_year_from_tk112` adds (data, in the language of the other sources)
TK112_SOURCE = "ТК РФ ст.112 ч.1"
TK112_TRANSFER_SOURCE = "ТК РФ ст.112 ч.2: перенос выходного дня, совпавшего с праздником {holiday}"


def calendar_year_has_rows(year: int, except_id: int | None = None) -> bool:
    """True when the year has an active production-calendar row (other than `except_id`): its decree is entered."""
    stmt = select(CalendarDay.id).where(CalendarDay.is_active.is_(True), CalendarDay.day >= date(year, 1, 1),
                                        CalendarDay.day <= date(year, 12, 31))
    if except_id is not None:
        stmt = stmt.where(CalendarDay.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def fill_year_from_tk112(year: int) -> list[date]:
    """Add the year's ТК 112 days as rows: every ч.1 holiday on a weekday and every ч.2 transfer (a holiday other
    than 1–8 January on a Saturday or Sunday moves the day off to the next working day), skipping days that
    already have a row. Returns the days added. The decree's own transfers are for the admin to add."""
    have = set(db.session.scalars(select(CalendarDay.day).where(CalendarDay.day >= date(year, 1, 1),
                                                                CalendarDay.day <= date(year, 12, 31))))
    transfers = statutory_transfers(year)
    holidays = sorted(date(year, m, d) for m, d in TK112_HOLIDAYS)
    added = []
    for d in sorted(statutory_days_off(year)):
        if d in have:
            continue
        if d in transfers:
            holiday = max(h for h in holidays if h < d and h.weekday() >= 5)
            src = TK112_TRANSFER_SOURCE.format(holiday=holiday.strftime("%d.%m.%Y"))
        else:
            src = TK112_SOURCE
        db.session.add(CalendarDay(day=d, kind="non_working", source=src))
        added.append(d)
    db.session.flush()
    return added


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
