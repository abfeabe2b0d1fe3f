"""Policy switches for the calculators; defaults are the main readings of calc-contract v1."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import DomainError
from .periods import DUE15_FROM_DEFAULT, Period, parse_period


class RateMode(StrEnum):
    PAYMENT_DAY = "payment_day"  # ЖК 155 ч.14: one rate, on the payment day (unpaid: calc date)
    DAILY = "daily"              # "395-style", comparison only


class CapMode(StrEnum):
    MIN_9_5 = "min_9_5"      # ПП 1681/2382/329: min(9.5, key)
    FIXED_9_5 = "fixed_9_5"  # original ПП 474 text
    NONE = "none"


class MoratoriumCounter(StrEnum):
    CALENDAR = "calendar"  # M1: day numbers keep running through a moratorium
    FROZEN = "frozen"      # M2: moratorium days do not advance the counter


class Reading(StrEnum):
    A = "A"  # 3 years after due + 1
    B = "B"  # 3 years after due


class DutyRounding(StrEnum):
    RUBLES = "rubles"    # НК 52 п.6
    KOPECKS = "kopecks"  # older practice


def _coerce(obj, name, enum_cls):
    value = getattr(obj, name)
    try:
        object.__setattr__(obj, name, enum_cls(value))
    except ValueError as exc:
        allowed = ", ".join(e.value for e in enum_cls)
        raise DomainError(f"policy.{name}: {value!r} is not one of {allowed}") from exc


def _coerce_period(obj, name):
    value = getattr(obj, name)
    if not isinstance(value, Period):
        object.__setattr__(obj, name, parse_period(value))


@dataclass(frozen=True, slots=True)
class PenaltyPolicy:
    """Penalty switches (calc-contract §3.2)."""

    payment_day_inclusive: bool = True
    rate_mode: RateMode = RateMode.PAYMENT_DAY
    cap: CapMode = CapMode.MIN_9_5
    pp424: bool = True
    pp497: bool = True
    moratorium_counter: MoratoriumCounter = MoratoriumCounter.CALENDAR
    weekend_shift: bool = True
    due15_from: Period = DUE15_FROM_DEFAULT

    def __post_init__(self) -> None:
        _coerce(self, "rate_mode", RateMode)
        _coerce(self, "cap", CapMode)
        _coerce(self, "moratorium_counter", MoratoriumCounter)
        _coerce_period(self, "due15_from")

    def moratorium_enabled(self, code: str) -> bool:
        """Statutory moratoria can be switched off; any other (e.g. regional) moratorium passed in applies."""
        if code == "pp424":
            return self.pp424
        if code == "pp497":
            return self.pp497
        return True


@dataclass(frozen=True, slots=True)
class LimitationPolicy:
    """Limitation switches (calc-contract §4.1)."""

    reading: Reading = Reading.A
    weekend_shift: bool = True
    due15_from: Period = DUE15_FROM_DEFAULT

    def __post_init__(self) -> None:
        _coerce(self, "reading", Reading)
        _coerce_period(self, "due15_from")


@dataclass(frozen=True, slots=True)
class DutyPolicy:
    """Duty switches (calc-contract §5.1)."""

    rounding: DutyRounding = DutyRounding.RUBLES

    def __post_init__(self) -> None:
        _coerce(self, "rounding", DutyRounding)


class InvalidPolicySetting(RuntimeError):
    """An application setting (PENALTY_POLICY, LIMITATION_POLICY, DUTY_POLICY) does not describe a policy.

    Deliberately not a DomainError: a wrong setting is an installation fault, never a refusal to show the user
    and never a reason to fall back to the defaults silently."""


#: application setting → policy class (the settings are dicts of switches; {} = the contract's main readings)
POLICY_SETTINGS = {"PENALTY_POLICY": PenaltyPolicy, "LIMITATION_POLICY": LimitationPolicy, "DUTY_POLICY": DutyPolicy}


def policy_from_setting(setting: str, value, overrides: dict | None = None):
    """The policy a setting describes (then `overrides`), or InvalidPolicySetting naming the setting and the switch.

    Unknown switches, a non-boolean value for a yes/no switch and values outside a switch's choices are refused."""
    from dataclasses import MISSING, fields

    cls = POLICY_SETTINGS[setting]
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise InvalidPolicySetting(f"{setting} must be a mapping of switches (e.g. {{}}), not {value!r}")
    cfg = dict(value)
    cfg.update(overrides or {})
    known = {f.name: f.default for f in fields(cls)}
    unknown = sorted(set(cfg) - set(known))
    if unknown:
        raise InvalidPolicySetting(f"{setting}: unknown switch {', '.join(map(repr, unknown))}; "
                                   f"the switches are {', '.join(sorted(known))}")
    for name, v in cfg.items():
        default = known[name]
        if default is not MISSING and isinstance(default, bool) and not isinstance(v, bool):
            raise InvalidPolicySetting(f"{setting}.{name} must be true or false, not {v!r}")
    try:
        return cls(**cfg)
    except (DomainError, ValueError, TypeError) as exc:
        raise InvalidPolicySetting(f"{setting}: {exc}") from None


def validate_policy_settings(config) -> None:
    """Build every policy from the configuration once (application start): a wrong setting stops the start."""
    for setting in POLICY_SETTINGS:
        policy_from_setting(setting, config.get(setting))
