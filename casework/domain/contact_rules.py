"""Contact-frequency limits, quiet hours and promise-to-pay checking (pure; no I/O, `today` is an argument).

Reading of the law (legal-rules.md §8.3): 230-ФЗ ст.7 limits how often *a creditor or a person acting on
its behalf* may contact a debtor (calls 1/2/8 and text or voice messages 2/4/16 per day/week/month,
personal meetings 1 a week, no contact 22:00–08:00 on working days and 20:00–09:00 on weekends and
holidays, local time). Whether it binds a ЖКУ supplier collecting its own debt is disputed; the
prevailing reading (ФССП practice under КоАП ст.14.57) says it does. We therefore apply the limits by
default but as **warnings**, never hard blocks: the collector may proceed after an explicit
confirmation, and the warning is stored with the contact. Only contacts initiated by the creditor
(outgoing) count and are checked; a debtor's own call or visit to the reception is never limited.
Week and month are calendar ones (Monday–Sunday, 1st–last day), as ФССП's guidance counts them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Callable, Iterable, Mapping, Sequence

from .errors import DomainError

# channel → limit class; channels not listed (letter, ГИС ЖКХ, reception) are not limited by 230-ФЗ ст.7
DEFAULT_CHANNEL_CLASSES: Mapping[str, str] = {
    "call": "call",
    "sms": "message",
    "messenger": "message",
    "email": "message",
    "visit": "meeting",
    "raid": "meeting",
}

# outcome code recorded when the debtor refused interaction under 230-ФЗ ст.8
REFUSAL_OUTCOME = "refused_contact"


class WarningCode(StrEnum):
    DAY_LIMIT = "day_limit"
    WEEK_LIMIT = "week_limit"
    MONTH_LIMIT = "month_limit"
    QUIET_HOURS = "quiet_hours"
    REFUSED_CONTACT = "refused_contact"


@dataclass(frozen=True, slots=True)
class ContactLimits:
    """Limits per limit class as (day, week, month); None means unlimited. Defaults: 230-ФЗ ст.7 ч.3."""

    call: tuple[int | None, int | None, int | None] = (1, 2, 8)
    message: tuple[int | None, int | None, int | None] = (2, 4, 16)
    meeting: tuple[int | None, int | None, int | None] = (None, 1, None)
    weekday_quiet_from: time = time(22, 0)
    weekday_quiet_until: time = time(8, 0)
    weekend_quiet_from: time = time(20, 0)
    weekend_quiet_until: time = time(9, 0)
    count_unanswered: bool = True  # conservative: an attempt that did not get through still counts
    channel_classes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CHANNEL_CLASSES))

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> "ContactLimits":
        """Build limits from a settings dict (e.g. app.config['CONTACT_RULES']); unknown keys are refused."""
        if not settings:
            return cls()
        names = {f.name for f in fields(cls)}
        unknown = set(settings) - names
        if unknown:
            raise DomainError(f"unknown contact-rule settings: {', '.join(sorted(unknown))}")
        kw = {}
        for k, v in settings.items():
            if k.endswith(("_from", "_until")) and isinstance(v, str):
                v = time.fromisoformat(v)
            elif k in ("call", "message", "meeting"):
                v = tuple(v)
            kw[k] = v
        return cls(**kw)

    def limits_for(self, limit_class: str) -> tuple[int | None, int | None, int | None]:
        return getattr(self, limit_class)


@dataclass(frozen=True, slots=True)
class PastContact:
    """A contact already logged: channel, direction ('outgoing'/'incoming'), local time, outcome."""

    channel: str
    direction: str
    at: datetime
    outcome: str = ""


@dataclass(frozen=True, slots=True)
class ContactWarning:
    """One rule the planned contact would break; `params` feed the translated message."""

    code: WarningCode
    limit_class: str = ""
    limit: int = 0
    count: int = 0  # contacts of the class already in the window
    params: Mapping = field(default_factory=dict)


UNANSWERED = frozenset({"no_answer", "busy", "not_at_home"})


def is_quiet_time(at: datetime, limits: ContactLimits = ContactLimits(),
                  is_working_day: Callable[[date], bool] | None = None) -> bool:
    """True when `at` (debtor's local time) falls in quiet hours: 22:00–08:00 on working days, 20:00–09:00 on weekends and holidays (230-ФЗ ст.7 ч.3 п.1)."""
    working = is_working_day(at.date()) if is_working_day else at.weekday() < 5
    t = at.time()
    if working:
        return t >= limits.weekday_quiet_from or t < limits.weekday_quiet_until
    return t >= limits.weekend_quiet_from or t < limits.weekend_quiet_until


def _windows(day: date) -> tuple[tuple[date, date], tuple[date, date], tuple[date, date]]:
    week_start = day - timedelta(days=day.weekday())
    month_start = day.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    return ((day, day), (week_start, week_start + timedelta(days=6)),
            (month_start, next_month - timedelta(days=1)))


def history_window(day: date) -> tuple[date, date]:
    """The span of past contacts `check_contact` needs for a contact on `day` (its week and its month)."""
    (_, _), (ws, we), (ms, me) = _windows(day)
    return min(ws, ms), max(we, me)


def check_contact(channel: str, direction: str, at: datetime, history: Iterable[PastContact],
                  limits: ContactLimits = ContactLimits(),
                  is_working_day: Callable[[date], bool] | None = None) -> list[ContactWarning]:
    """Warn when an outgoing contact would exceed the 230-ФЗ ст.7 per-day/week/month limits of its class, fall in quiet hours, or follow a refusal under ст.8 (warnings, not blocks: see module docstring)."""
    if direction != "outgoing":
        return []
    history = list(history)
    warnings: list[ContactWarning] = []
    if any(h.outcome == REFUSAL_OUTCOME and h.at <= at for h in history):
        warnings.append(ContactWarning(WarningCode.REFUSED_CONTACT))
    limit_class = limits.channel_classes.get(channel)
    if limit_class:
        counted = [h for h in history if h.direction == "outgoing"
                   and limits.channel_classes.get(h.channel) == limit_class
                   and (limits.count_unanswered or h.outcome not in UNANSWERED)]
        codes = (WarningCode.DAY_LIMIT, WarningCode.WEEK_LIMIT, WarningCode.MONTH_LIMIT)
        for code, (start, end), limit in zip(codes, _windows(at.date()), limits.limits_for(limit_class)):
            if limit is None:
                continue
            n = sum(1 for h in counted if start <= h.at.date() <= end)
            if n + 1 > limit:
                warnings.append(ContactWarning(code, limit_class, limit, n))
    if limit_class and is_quiet_time(at, limits, is_working_day):
        warnings.append(ContactWarning(WarningCode.QUIET_HOURS, limit_class))
    return warnings


# ----------------------------------------------------------------------------------------------- promises

class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PromiseCheck:
    status: PromiseStatus
    paid_kop: int
    shortfall_kop: int
    window_end: date


def promise_window(promised_on: date, due_on: date, grace_days: int) -> tuple[date, date]:
    """Payments count toward a promise from the day it was made to the promised date plus grace days."""
    if grace_days < 0:
        raise DomainError("grace days cannot be negative")
    return min(promised_on, due_on), due_on + timedelta(days=grace_days)


def check_promise(amount_kop: int, promised_on: date, due_on: date, payments: Sequence[tuple[date, int]],
                  today: date, grace_days: int = 3) -> PromiseCheck:
    """Classify a promise to pay: kept once payments in [promised_on, due_on + grace] reach the amount; after that window, partly kept if something was paid, otherwise broken; pending until then."""
    if amount_kop <= 0:
        raise DomainError("a promised amount must be positive")
    start, end = promise_window(promised_on, due_on, grace_days)
    paid = sum(a for d, a in payments if start <= d <= end and d <= today)
    paid = max(paid, 0)
    shortfall = max(amount_kop - paid, 0)
    if paid >= amount_kop:
        status = PromiseStatus.KEPT
    elif today <= end:
        status = PromiseStatus.PENDING
    elif paid > 0:
        status = PromiseStatus.PARTLY_KEPT
    else:
        status = PromiseStatus.BROKEN
    return PromiseCheck(status, paid, shortfall, end)
