"""The one way from the ledger to the legal engine (`casework.domain`): inputs, limitation events, policies.

Every place that shows a legal figure — the legal pages, the court documents, the cases' guards, the reports and
the portfolio run — turns ledger rows into the domain's charges and payments here and takes its policies from
here, so one account gives the same penalty, allocation and limitation wherever it is shown.

Ledger rows → inputs (`ledger_inputs`, in integers `ledger_kopecks`):

- openings, charges and recalculations are summed per billing month across services (the contract wants one
  charge per period); a recalculation corrects its own month up or down; a month whose net is positive is a
  charge, a month whose net is zero drops out, and a month whose net is negative (a correction larger than the
  month's charge) gives the excess back as a credit — an unnamed payment dated the 1st of that month — so the
  debt never exceeds the ledger balance; months after the as-of month are left out;
- payments dated up to as-of; a reversal (a payment row with `reverses_id`, normally negative) dated up to
  as-of cancels that much of the payment it names: a reversed payment does not count as paid; a reversal of a
  reversal (the undo of an import that had reversed a payment) restores it;
- the month the payer named (`paid_period`, ГК 319.1 п.1) is kept when that month has a charge, otherwise the
  payment is treated as unnamed;
- the enterprise's contract payment day (`Enterprise.contract_due_day`) gives the nominal due date of the months
  before the 177-ФЗ switch (`PenaltyPolicy.due15_from`); from the switch on the 15th applies;
- capital-repair contributions are left out unless their service is asked for (their penalty is ЖК 155 ч.14.1).

The months of a court claim (`claim_selection`) come from the same calculation: its unpaid remainders, penalty rows
and limitation rows, as the pure `domain.claim` chooses them (due and not time-barred by default; time-barred months
also by default when the setting CLAIM_TIME_BARRED_DEFAULT is true).

Policies (`penalty_policy`, `limitation_policy`, `duty_policy`) come from the settings PENALTY_POLICY,
LIMITATION_POLICY and DUTY_POLICY; a wrong setting raises `InvalidPolicySetting` (and stops the application's
start), never a silent fall-back to the defaults.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import select

from ..domain.allocation import Charge, Payment
from ..domain.limitation import LimitationEvent
from ..domain.periods import Period, nominal_due_date
from ..domain.policy import DutyPolicy, InvalidPolicySetting, LimitationPolicy, PenaltyPolicy, policy_from_setting
from ..extensions import db

__all__ = ["LEDGER_COLUMNS", "ledger_inputs", "ledger_kopecks", "inputs_from_kopecks", "ledger_entries_for",
           "ledger_entries_by_account", "contract_due_day", "court_events_by_account", "acknowledgment_events",
           "acknowledgments_by_account", "limitation_events_for", "limitation_events_by_account",
           "penalty_policy", "limitation_policy", "duty_policy", "InvalidPolicySetting", "is_credit_ref",
           "credit_period", "claim_candidates", "claim_checklist", "claim_selection", "claim_time_barred_default"]

# ---------------------------------------------------------------- policies from the settings


def _config() -> dict:
    from flask import current_app

    return current_app.config


def penalty_policy(overrides: dict | None = None) -> PenaltyPolicy:
    """The penalty policy: setting PENALTY_POLICY (defaults = the contract's main readings), then overrides."""
    return policy_from_setting("PENALTY_POLICY", _config().get("PENALTY_POLICY"), overrides)


def limitation_policy(overrides: dict | None = None) -> LimitationPolicy:
    """The limitation policy: setting LIMITATION_POLICY (defaults = the contract's main readings), then overrides."""
    return policy_from_setting("LIMITATION_POLICY", _config().get("LIMITATION_POLICY"), overrides)


def duty_policy(overrides: dict | None = None) -> DutyPolicy:
    """The duty policy: setting DUTY_POLICY (default: rubles, НК 52 п.6), then overrides."""
    return policy_from_setting("DUTY_POLICY", _config().get("DUTY_POLICY"), overrides)


def claim_time_barred_default() -> bool:
    """Setting CLAIM_TIME_BARRED_DEFAULT: are time-barred months ticked by default in a claim? (default False: the
    court applies limitation only on the debtor's plea, ГК 199 п.2, so claiming them is the lawyer's choice)."""
    value = _config().get("CLAIM_TIME_BARRED_DEFAULT", False)
    if not isinstance(value, bool):
        raise InvalidPolicySetting(f"CLAIM_TIME_BARRED_DEFAULT must be true or false, not {value!r}")
    return value


def claim_candidates(calc) -> tuple:
    """Every month a claim could name (domain.claim.ClaimPeriod), from an account calculation on its date."""
    from ..domain.claim import claim_periods

    return claim_periods(calc.allocation.open_kop, calc.penalty.rows if calc.penalty is not None else (),
                         calc.limitation.rows, calc.as_of, reading=calc.limitation_policy.reading)


def claim_checklist(calc, chosen=None):
    """A claim form's checklist (domain.claim.ClaimSelection, never refused): every candidate month, ticked by
    default (setting CLAIM_TIME_BARRED_DEFAULT) or as posted (`chosen`, 'YYYY-MM'; unknown months dropped); the
    letter's or filing's rules refuse what cannot be claimed."""
    from ..domain.claim import ClaimSelection, default_choice

    candidates = claim_candidates(calc)
    if chosen is None:
        include = claim_time_barred_default()
        ticked = frozenset(p.period for p in candidates if default_choice(p, include))
    else:
        wanted = {str(v)[:7] for v in chosen}
        ticked = frozenset(p.period for p in candidates if str(p.period) in wanted)
    return ClaimSelection(calc.as_of, candidates, ticked, chosen is not None)


def claim_selection(calc, chosen=None, *, include_time_barred: bool | None = None):
    """The months of a court claim from an account calculation (`casework.legal.services.AccountCalc`) on its date:
    the candidates (unpaid remainders, penalties, limitation status, due or not) and the chosen ones — `chosen`
    ('YYYY-MM' strings, dates or Periods) or, None, the default of `domain.claim.select_claim` with the setting
    CLAIM_TIME_BARRED_DEFAULT. Raises domain.claim.ClaimRefused for a choice that cannot be claimed."""
    from ..domain.claim import select_claim

    periods = claim_candidates(calc)
    if include_time_barred is None:
        include_time_barred = claim_time_barred_default()
    return select_claim(periods, calc.as_of, chosen, include_time_barred=include_time_barred)


# ---------------------------------------------------------------- ledger rows → charges and payments

# A ledger entry as the calculation reads it: (kind, period, amount_kop, paid_on, paid_period, id, reverses_id)
LEDGER_COLUMNS = ("kind", "period", "amount_kop", "paid_on", "paid_period", "id", "reverses_id")

#: Payment.ref of a credit from a month whose recalculations exceed its charges: "recalc:YYYY-MM"
CREDIT_REF_PREFIX = "recalc:"

_PERIODS: dict[date, Period] = {}


def _period_cached(d: date) -> Period:
    p = _PERIODS.get(d)
    if p is None:
        p = _PERIODS[d] = Period(d.year, d.month)
    return p


def is_credit_ref(ref: str | None) -> bool:
    """True for the allocation ref of a recalculation credit (not a ledger payment)."""
    return bool(ref) and ref.startswith(CREDIT_REF_PREFIX)


def credit_period(ref: str) -> date:
    """The month (1st day) of a recalculation credit's ref."""
    y, m = ref[len(CREDIT_REF_PREFIX):].split("-")
    return date(int(y), int(m), 1)


def ledger_inputs(entries: Iterable[Sequence], as_of: date, *, contract_day: int | None = None,
                  due15_from: Period | None = None) -> tuple[list[Charge], list[Payment]]:
    """Ledger entries (LEDGER_COLUMNS) → the calculators' inputs as of a date (rules: the module's docstring)."""
    charges_kop, pays = ledger_kopecks(entries, as_of)
    return inputs_from_kopecks(charges_kop, pays, contract_day=contract_day, due15_from=due15_from)


def ledger_kopecks(entries: Iterable[Sequence], as_of: date) -> tuple[list[tuple[date, int]], list[list]]:
    """The first half of `ledger_inputs`, in integers: ([(month, net charge kop > 0)] by month,
    [[paid_on, entry id, kop > 0, named month]] by date then entry; a recalculation credit has entry id None and
    its month as the named month) — cheap enough to test for debt first."""
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
                reversals.append((eid, rev, amount))
            else:
                pays.append([paid_on, eid, amount, paid_period])
        elif period <= limit:
            charges_kop[period] = get(period, 0) + amount
    if reversals:
        by_id = {p[1]: p for p in pays}
        net = {eid: [rev, amount] for eid, rev, amount in reversals if eid is not None}
        # a reversal of a reversal (the undo of an import that had reversed a payment) restores that much of it:
        # children first (a reversal always has a larger id than what it reverses)
        for eid in sorted(net, reverse=True):
            rev, amount = net[eid]
            if rev in net:
                net[rev][1] += amount
        for eid, rev, amount in reversals:
            if eid is not None:
                if rev in net:
                    continue
                amount = net[eid][1]
            p = by_id.get(rev)
            if p is not None:
                p[2] -= -amount if amount < 0 else amount  # a reversal cancels (part of) the payment it names
    pays.sort()  # by payment date, then ledger order (entry ids are unique)
    pays = [p for p in pays if p[2] > 0]
    credits = [[d, None, -v, d] for d, v in charges_kop.items() if v < 0]
    if credits:  # rare: merged by date, after the payments of the same day (a stable sort on the date alone)
        pays = sorted(pays + credits, key=lambda p: p[0])
    return [(d, charges_kop[d]) for d in sorted(charges_kop) if charges_kop[d] > 0], pays


def inputs_from_kopecks(charges_kop: list[tuple[date, int]], pays: list[list], *, contract_day: int | None = None,
                        due15_from: Period | None = None) -> tuple[list[Charge], list[Payment]]:
    """The second half of `ledger_inputs`: Charge and Payment objects from `ledger_kopecks`' integers. A payment's
    ref is its ledger entry id; a recalculation credit's ref is "recalc:YYYY-MM"."""
    use_contract_day = bool(contract_day and due15_from)
    charges = []
    for d, kop in charges_kop:
        per = _period_cached(d)
        due = nominal_due_date(per, due15_from, contract_day) if use_contract_day else None
        charges.append(Charge(per, Decimal(kop).scaleb(-2), due))
    periods = {c.period for c in charges}
    payments = []
    for paid_on, eid, amount, named in pays:
        if eid is None:  # a month's recalculations beyond its charge: a credit, not aimed at any month
            payments.append(Payment(paid_on, Decimal(amount).scaleb(-2), None,
                                    f"{CREDIT_REF_PREFIX}{named.year:04d}-{named.month:02d}"))
            continue
        per = _period_cached(named) if named is not None else None
        payments.append(Payment(paid_on, Decimal(amount).scaleb(-2), per if per in periods else None, str(eid)))
    return charges, payments


def _capital_service_ids():
    from ..accounts.models import Service

    return select(Service.id).where(Service.is_capital_repair.is_(True))


def ledger_entries_for(account_id: int, service_ids: Sequence[int] | None = None) -> list[tuple]:
    """The ledger of one account in LEDGER_COLUMNS shape, capital-repair contributions left out unless their
    service is asked for by id."""
    return ledger_entries_by_account([account_id], service_ids).get(account_id, [])


def ledger_entries_by_account(account_ids: Sequence[int], service_ids: Sequence[int] | None = None,
                              chunk: int = 900, *, all_services: bool = False) -> dict[int, list[tuple]]:
    """The ledgers of many accounts (one query per `chunk` accounts) in LEDGER_COLUMNS shape, by account;
    capital repair left out unless asked for by `service_ids` or `all_services` (a report of the whole debt)."""
    from ..accounts.models import LedgerEntry

    le = LedgerEntry.__table__
    cols = [le.c[c] for c in LEDGER_COLUMNS]
    out: dict[int, list[tuple]] = {}
    ids = list(account_ids)
    for i in range(0, len(ids), chunk):
        stmt = select(le.c.account_id, *cols).where(le.c.account_id.in_(ids[i:i + chunk]))
        if service_ids:
            stmt = stmt.where(le.c.service_id.in_(list(service_ids)))
        elif not all_services:
            stmt = stmt.where(le.c.service_id.not_in(_capital_service_ids()))
        for row in db.session.execute(stmt.order_by(le.c.account_id, le.c.id)):
            out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def contract_due_day() -> int | None:
    """The enterprise's contract payment day (ЖК 155 ч.1 allows it before the 177-ФЗ switch), if set."""
    try:
        from ..enterprise.models import Enterprise
    except ImportError:  # pragma: no cover
        return None
    return db.session.scalar(select(Enterprise.contract_due_day).where(Enterprise.id == 1))


# ---------------------------------------------------------------- limitation events from other areas


def _period_of(d: date | None) -> Period | None:
    return None if d is None else Period(d.year, d.month)


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
    for acc_id, rec in db.session.execute(stmt.order_by(model.id)):
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


def acknowledgments_by_account(account_ids: Sequence[int]) -> dict[int, list[LimitationEvent]]:
    """Acknowledgments for many accounts: the contacts area's bulk reader when it has one, else one query over
    the signed, non-void payment agreements (the same rule as contacts.queries.acknowledgments_for)."""
    try:
        from ..contacts import queries as cq
    except ImportError:
        return {}
    bulk = getattr(cq, "acknowledgments_by_account", None)
    if bulk is not None:
        raw = bulk(list(account_ids))
    else:
        try:
            from ..contacts.models import PaymentAgreement as pa
        except ImportError:
            pa = None
        if pa is not None and all(hasattr(pa, a) for a in ("account_id", "signed_on", "is_void")):
            raw = {}
            wanted = set(account_ids)
            for acc, signed in db.session.execute(select(pa.account_id, pa.signed_on).where(
                    pa.signed_on.is_not(None), pa.is_void.is_(False)).order_by(pa.account_id, pa.signed_on)):
                if acc in wanted:
                    raw.setdefault(acc, []).append(signed)
        elif hasattr(cq, "acknowledgments_for"):
            raw = {a: cq.acknowledgments_for(a) for a in account_ids}
        else:
            return {}
    out = {}
    for acc, items in (raw or {}).items():
        events = [e for e in (_ack_event(i) for i in items or ()) if e is not None]
        if events:
            out[acc] = events
    return out


def limitation_events_for(account_id: int) -> list[LimitationEvent]:
    """Every limitation event of one account: court records and signed acknowledgments."""
    return court_events_by_account([account_id]).get(account_id, []) + acknowledgment_events(account_id)


def limitation_events_by_account(account_ids: Sequence[int], *, all_accounts: bool = False
                                 ) -> dict[int, list[LimitationEvent]]:
    """Every limitation event of many accounts (court records, then acknowledgments) in two queries;
    `all_accounts` reads the court records without a list of ids (a full portfolio run)."""
    events = court_events_by_account(None if all_accounts else list(account_ids))
    for acc, evs in acknowledgments_by_account(list(account_ids)).items():
        events.setdefault(acc, []).extend(evs)
    return events
