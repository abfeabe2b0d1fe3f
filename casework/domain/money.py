"""Exact money helpers: Decimal rubles outside, integer kopecks inside; half-up only where a rule says so."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidAmount

KOPECK = Decimal("0.01")
RUBLE = Decimal("1")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round an exact amount half-up to kopecks (the contract's only money rounding)."""
    if isinstance(value, float):
        raise InvalidAmount("floats are not accepted for money")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def round_rubles(value: Decimal) -> Decimal:
    """Round half-up to whole rubles per НК ст.52 п.6: under 50 kopecks is dropped, 50 and over is a ruble."""
    return Decimal(value).quantize(RUBLE, rounding=ROUND_HALF_UP).quantize(KOPECK)


def to_kopecks(amount: Decimal | int | str) -> int:
    """Convert an exact ruble amount with at most two decimals to integer kopecks; refuse anything finer."""
    if type(amount) is Decimal and amount.is_finite():
        k = amount * 100
        i = int(k)
        if i == k:
            return i
        raise InvalidAmount(f"more than 2 decimals: {amount!r}")
    if isinstance(amount, float):
        raise InvalidAmount("floats are not accepted for money")
    try:
        d = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidAmount(f"not a money amount: {amount!r}") from exc
    if not d.is_finite():
        raise InvalidAmount(f"not a money amount: {amount!r}")
    k = d * 100
    if k != k.to_integral_value():
        raise InvalidAmount(f"more than 2 decimals: {amount!r}")
    return int(k)


def from_kopecks(kopecks: int) -> Decimal:
    """Turn integer kopecks into a Decimal ruble amount with exactly two decimals."""
    return Decimal(kopecks).scaleb(-2).quantize(KOPECK)


def round_half_up_div(numerator: int, denominator: int) -> int:
    """Divide two integers and round half-up (away from zero on ties), exactly."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return sign * q


def format_money(amount: Decimal) -> str:
    """Render an amount as a string with exactly two decimals (no separators)."""
    return f"{to_money(amount):.2f}"


