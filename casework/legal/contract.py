"""calc-contract v1: strict parsing of penalty / limitation / duty documents and rendering of their outputs."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from casework.domain.allocation import Charge, Payment
from casework.domain.duty import compute_duty
from casework.domain.errors import DomainError
from casework.domain.limitation import LimitationEvent, compute_limitation
from casework.domain.penalty import compute_penalty
from casework.domain.periods import Period
from casework.domain.policy import DutyPolicy, LimitationPolicy, PenaltyPolicy

KINDS = ("penalty", "limitation", "duty")

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_MONEY_RE = re.compile(r"^\d+(\.\d{1,2})?$")


class ContractError(ValueError):
    """The input document breaks calc-contract v1; the message names the offending key path."""


# ---------------------------------------------------------------- primitives

def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ContractError(f"{path or 'document'}: must be a JSON object")
    return value


def _check_keys(obj: dict, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    allowed = set(required) | set(optional)
    for key in obj:
        if key not in allowed:
            raise ContractError(f"{_join(path, key)}: unknown key (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in obj:
            raise ContractError(f"{_join(path, key)}: missing required key")


def _date(value: Any, path: str) -> date:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise ContractError(f"{path}: must be a date string YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ContractError(f"{path}: not a valid calendar date: {value!r}") from None


def _period(value: Any, path: str) -> Period:
    m = _PERIOD_RE.match(value) if isinstance(value, str) else None
    if not m:
        raise ContractError(f"{path}: must be a billing period string YYYY-MM, got {value!r}")
    return Period(int(m.group(1)), int(m.group(2)))


def _money(value: Any, path: str, allow_zero: bool = False) -> Decimal:
    if not isinstance(value, str):
        raise ContractError(f"{path}: money must be a decimal string like \"1234.50\", got {value!r}")
    if not _MONEY_RE.match(value):
        raise ContractError(f"{path}: money must be digits with at most 2 decimals, no sign or separators, "
                            f"got {value!r}")
    amount = Decimal(value)
    if amount == 0 and not allow_zero:
        raise ContractError(f"{path}: amount must be positive, got {value!r}")
    return amount


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ContractError(f"{path}: must be true or false, got {value!r}")
    return value


def _enum(value: Any, path: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ContractError(f"{path}: must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise ContractError(f"{path}: must be a JSON array")
    return value


def _money_out(d: Decimal) -> str:
    return f"{d:.2f}"


# ---------------------------------------------------------------- shared parts

def _charges(doc: dict) -> list[Charge]:
    out: list[Charge] = []
    seen: dict[Period, int] = {}
    for i, raw in enumerate(_list(doc["charges"], "charges")):
        path = f"charges[{i}]"
        obj = _object(raw, path)
        _check_keys(obj, path, ("period", "amount"), ("due_date",))
        period = _period(obj["period"], f"{path}.period")
        if period in seen:
            raise ContractError(f"{path}.period: duplicate period {period} (one charge per period; "
                                f"also charges[{seen[period]}])")
        seen[period] = i
        amount = _money(obj["amount"], f"{path}.amount")
        due = _date(obj["due_date"], f"{path}.due_date") if "due_date" in obj else None
        out.append(Charge(period, amount, due))
    return out


def _policy(doc: dict, spec: dict[str, Callable[[Any, str], Any]]) -> dict:
    if "policy" not in doc or doc["policy"] is None:
        return {}
    obj = _object(doc["policy"], "policy")
    _check_keys(obj, "policy", (), tuple(spec))
    return {k: spec[k](v, f"policy.{k}") for k, v in obj.items()}


_PENALTY_POLICY = {
    "payment_day_inclusive": _bool,
    "rate_mode": lambda v, p: _enum(v, p, ("payment_day", "daily")),
    "cap": lambda v, p: _enum(v, p, ("min_9_5", "fixed_9_5", "none")),
    "pp424": _bool,
    "pp497": _bool,
    "moratorium_counter": lambda v, p: _enum(v, p, ("calendar", "frozen")),
    "weekend_shift": _bool,
    "due15_from": _period,
}
_LIMITATION_POLICY = {
    "reading": lambda v, p: _enum(v, p, ("A", "B")),
    "weekend_shift": _bool,
    "due15_from": _period,
}
_DUTY_POLICY = {"rounding": lambda v, p: _enum(v, p, ("rubles", "kopecks"))}


# ---------------------------------------------------------------- penalty

def parse_penalty(doc: Any) -> tuple[list[Charge], list[Payment], date, PenaltyPolicy]:
    """Validate a penalty input document (§3.1) and build domain inputs."""
    doc = _object(doc, "")
    _check_keys(doc, "", ("charges", "calc_date"), ("payments", "policy"))
    charges = _charges(doc)
    periods = {c.period for c in charges}
    payments: list[Payment] = []
    for i, raw in enumerate(_list(doc.get("payments", []), "payments")):
        path = f"payments[{i}]"
        obj = _object(raw, path)
        _check_keys(obj, path, ("date", "amount"), ("period",))
        pay_date = _date(obj["date"], f"{path}.date")
        amount = _money(obj["amount"], f"{path}.amount")
        period = None
        if obj.get("period") is not None:
            period = _period(obj["period"], f"{path}.period")
            if period not in periods:
                raise ContractError(f"{path}.period: {period} is not one of the charges' periods")
        payments.append(Payment(pay_date, amount, period, str(i)))
    calc_date = _date(doc["calc_date"], "calc_date")
    policy = PenaltyPolicy(**_policy(doc, _PENALTY_POLICY))
    return charges, payments, calc_date, policy


def run_penalty(doc: Any, rates, calendar, moratoria=None) -> dict:
    """Penalty document in, output document out (§3.4)."""
    charges, payments, calc_date, policy = parse_penalty(doc)
    kwargs = {} if moratoria is None else {"moratoria": moratoria}
    res = compute_penalty(charges, payments, calc_date, policy, rates, calendar, **kwargs)
    rows = [{
        "period": str(r.period),
        "amount": _money_out(r.amount),
        "start": r.start.isoformat(),
        "end": r.end.isoformat(),
        "paid": r.paid,
        "days_1_300": r.days_1_300,
        "days_1_130": r.days_1_130,
        "rate_percent": None if r.rate_percent is None else _money_out(r.rate_percent),
        "penalty": _money_out(r.penalty),
    } for r in res.rows]
    return {"total": _money_out(res.total), "rows": rows}


# ---------------------------------------------------------------- limitation

_EVENT_KINDS = ("court_order_filed", "court_order_cancelled", "claim_filed", "acknowledged")


def parse_limitation(doc: Any) -> tuple[list[Charge], list[LimitationEvent], date, LimitationPolicy]:
    """Validate a limitation input document (§4.1) and build domain inputs."""
    doc = _object(doc, "")
    _check_keys(doc, "", ("charges", "as_of"), ("events", "policy"))
    charges = _charges(doc)
    events: list[LimitationEvent] = []
    for i, raw in enumerate(_list(doc.get("events", []), "events")):
        path = f"events[{i}]"
        obj = _object(raw, path)
        _check_keys(obj, path, ("kind", "date"), ("periods",))
        kind = _enum(obj["kind"], f"{path}.kind", _EVENT_KINDS)
        ev_date = _date(obj["date"], f"{path}.date")
        periods = None
        if obj.get("periods") is not None:
            periods = frozenset(_period(p, f"{path}.periods[{j}]")
                                for j, p in enumerate(_list(obj["periods"], f"{path}.periods")))
        events.append(LimitationEvent(kind, ev_date, periods))
    as_of = _date(doc["as_of"], "as_of")
    policy = LimitationPolicy(**_policy(doc, _LIMITATION_POLICY))
    return charges, events, as_of, policy


def run_limitation(doc: Any, calendar) -> dict:
    """Limitation document in, output document out (§4.4)."""
    charges, events, as_of, policy = parse_limitation(doc)
    res = compute_limitation(charges, events, as_of, policy, calendar)
    return {
        "as_of": as_of.isoformat(),
        "rows": [{
            "period": str(r.period),
            "amount": _money_out(r.amount),
            "due_date": r.due_date.isoformat(),
            "last_day_to_file": None if r.last_day_to_file is None else r.last_day_to_file.isoformat(),
            "suspended_days": r.suspended_days,
            "time_barred": r.time_barred,
        } for r in res.rows],
        "time_barred_periods": [str(p) for p in res.time_barred_periods],
        "claimable_periods": [str(p) for p in res.claimable_periods],
        "time_barred_amount": _money_out(res.time_barred_amount),
        "claimable_amount": _money_out(res.claimable_amount),
    }


# ---------------------------------------------------------------- duty

DUTY_SCALES_FROM = date(2015, 1, 1)


def parse_duty(doc: Any) -> dict:
    """Validate a duty input document (§5.1) and build domain inputs."""
    doc = _object(doc, "")
    _check_keys(doc, "", ("claim", "court", "kind", "application_sent"), ("credit", "policy"))
    claim = _money(doc["claim"], "claim")
    court = _enum(doc["court"], "court", ("general", "arbitrazh"))
    kind = _enum(doc["kind"], "kind", ("court_order", "claim"))
    sent = _date(doc["application_sent"], "application_sent")
    if sent < DUTY_SCALES_FROM:
        raise ContractError("application_sent: before 01.01.2015 (pre-2015 duty scales are not implemented)")
    credit = _money(doc["credit"], "credit", allow_zero=True) if "credit" in doc else Decimal("0")
    policy = DutyPolicy(**_policy(doc, _DUTY_POLICY))
    return {"claim": claim, "court": court, "kind": kind, "application_sent": sent, "credit": credit,
            "policy": policy}


def run_duty(doc: Any, scales) -> dict:
    """Duty document in, output document out (§5.3)."""
    args = parse_duty(doc)
    res = compute_duty(args["claim"], args["court"], args["kind"], args["application_sent"], scales,
                       credit=args["credit"], policy=args["policy"])
    return {
        "scale": res.scale,
        "claim_duty_exact": _money_out(res.claim_duty_kopecks),
        "claim_duty": _money_out(res.claim_duty),
        "court_order_duty_exact": _money_out(res.court_order_duty_kopecks),
        "court_order_duty": _money_out(res.court_order_duty),
        "to_pay": _money_out(res.to_pay),
    }


# ---------------------------------------------------------------- dispatch

def run(kind: str, doc: Any, *, rates=None, calendar=None, scales=None) -> dict:
    """Run one calculator on a parsed JSON document; reference data default to the packaged files."""
    from casework.legal import reference

    try:
        if kind == "penalty":
            return run_penalty(doc, rates or reference.load_key_rates(), calendar or reference.load_calendar(),
                               reference.load_moratoria())
        if kind == "limitation":
            return run_limitation(doc, calendar or reference.load_calendar())
        if kind == "duty":
            return run_duty(doc, scales or reference.load_duty_scales())
    except ContractError:
        raise
    except DomainError as exc:
        raise ContractError(str(exc)) from exc
    raise ContractError(f"unknown calculator {kind!r} (one of {', '.join(KINDS)})")
