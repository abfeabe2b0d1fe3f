"""Babel wiring: locale selection and the locale-aware filters for money, numbers and dates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations, ngettext  # noqa: F401  (re-exported)
from flask_babel.speaklater import LazyString
from flask_login import current_user

from . import timeutil
from .extensions import babel


def gettext(string: str, **variables) -> str:
    """`flask_babel.gettext` (same result) with the catalogue memoised per request (see `_translations`)."""
    s = _translations().ugettext(string)
    return s if not variables else s % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """`flask_babel.lazy_gettext`, evaluated through the memoised `gettext` (form labels, choices)."""
    return LazyString(gettext, string, **variables)


_ = gettext
_l = lazy_gettext


def select_locale() -> str:
    """The user's chosen language, else the session's, else Russian."""
    languages = current_app.config["LANGUAGES"]
    try:
        if current_user and current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
    except Exception:  # outside a request or before the user loader is ready
        pass
    chosen = session.get("lang") if request else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _babel_ns():
    """Flask-Babel's per-context namespace (`g._flask_babel`, where it caches the selected locale), or None.

    Read through the application-context variable directly: the `g` proxy costs tens of µs per call here."""
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.g.__dict__.get("_flask_babel")


def _loc() -> str:
    ns = _babel_ns()
    loc = getattr(ns, "babel_locale", None) if ns is not None else None
    if loc is None:
        return str(get_locale() or "ru")
    hit = ns.__dict__.get("_cw_locale")
    if hit is not None and hit[0] is loc:
        return hit[1]
    name = str(loc)
    ns._cw_locale = (loc, name)
    return name


def _translations():
    """`flask_babel.get_translations()` memoised on the same context as Flask-Babel's locale cache (per locale
    object, so `flask_babel.refresh()` is honoured): templates call gettext hundreds of times per page."""
    ns = _babel_ns()
    loc = getattr(ns, "babel_locale", None) if ns is not None else None
    if loc is None:
        return get_translations()
    hit = ns.__dict__.get("_cw_translations")
    if hit is not None and hit[0] is loc:
        return hit[1]
    tr = get_translations()
    ns._cw_translations = (loc, tr)
    return tr


def kopecks_to_decimal(value: int) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------- fast number formatting
# Babel parses the locale's pattern and looks the currency up on every call (about 1 ms each): a page of
# 50 rows × 3 amounts spent most of its time there. For whole kopecks and integers the output is a fixed
# prefix + grouped digits + suffix, so it is derived once per locale from Babel itself, checked against
# Babel on sample values, and used only when the check passed (otherwise Babel is called as before).

_CHECK_KOP = (0, 1, -1, 5, 99, 100, -100, 12345, -12345, 99999, 100000, 123456789, -123456789, 10 ** 15 + 7)
_CHECK_INT = (0, 1, -1, 12, 999, 1000, -1000, 12345, 1234567, -1234567, 10 ** 12)


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


class _KopFormat:
    """prefix/suffix for positive and negative amounts, group and decimal symbols of one locale and style."""

    def __init__(self, loc: str, currency: bool):
        self.loc, self.currency = loc, currency
        group = babel_numbers.get_group_symbol(loc)
        dec = babel_numbers.get_decimal_symbol(loc)
        core = f"1{group}234{group}567{dec}89"
        pos, neg = self._babel(Decimal("1234567.89")), self._babel(Decimal("-1234567.89"))
        self.ok = pos.count(core) == 1 and neg.count(core) == 1
        if self.ok:
            self.group, self.dec = group, dec
            self.pos = pos.split(core)
            self.neg = neg.split(core)
            self.ok = all(self.kop(k) == self._babel(kopecks_to_decimal(k)) for k in _CHECK_KOP)

    def _babel(self, value: Decimal) -> str:
        if self.currency:
            return babel_numbers.format_currency(value, "RUB", locale=self.loc)
        return babel_numbers.format_decimal(value, format="#,##0.00", locale=self.loc)

    def kop(self, kop: int) -> str:
        pre, suf = self.neg if kop < 0 else self.pos
        rub, k = divmod(abs(kop), 100)
        return f"{pre}{_group(str(rub), self.group)}{self.dec}{k:02d}{suf}"


@lru_cache(maxsize=16)
def _kop_format(loc: str, currency: bool) -> _KopFormat:
    return _KopFormat(loc, currency)


@lru_cache(maxsize=16)
def _int_format(loc: str) -> tuple[str, str] | None:
    """(group symbol, minus sign) when Babel's default integer format is plain grouping by three, else None."""
    group, minus = babel_numbers.get_group_symbol(loc), babel_numbers.get_minus_sign_symbol(loc)
    ok = all((minus if n < 0 else "") + _group(str(abs(n)), group) == babel_numbers.format_decimal(n, locale=loc)
             for n in _CHECK_INT)
    return (group, minus) if ok else None


_CENT = Decimal("0.01")


def _as_kopecks(value) -> int | None:
    """The value as whole kopecks when it is an exact amount (int kopecks given, or ≤ 2 decimals), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * 100
    if isinstance(value, Decimal) and value.is_finite():
        q = value.quantize(_CENT)
        if q == value:
            return int(q.scaleb(2))
    return None


def format_money(value, currency: bool = True, kopecks: bool = False) -> str:
    """`1 234,56 ₽` in Russian, `RUB 1,234.56` style in English; kopecks=True for integer kopecks."""
    if value is None:
        return "—"
    loc = _loc()
    kop = int(value) if kopecks and isinstance(value, int) and not isinstance(value, bool) else \
        None if kopecks else _as_kopecks(value)
    if kop is not None:
        fast = _kop_format(loc, bool(currency))
        if fast.ok:
            return fast.kop(kop)
    if kopecks:
        value = kopecks_to_decimal(value)
    value = Decimal(value)
    if currency:
        return babel_numbers.format_currency(value, "RUB", locale=loc)
    return babel_numbers.format_decimal(value, format="#,##0.00", locale=loc)


def format_number(value, digits: int | None = None) -> str:
    if value is None:
        return "—"
    if digits is None and isinstance(value, int) and not isinstance(value, bool):
        fast = _int_format(_loc())
        if fast is not None:
            return (fast[1] if value < 0 else "") + _group(str(abs(value)), fast[0])
    if digits is not None:
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return babel_numbers.format_decimal(value, format=fmt, locale=_loc())
    return babel_numbers.format_decimal(value, locale=_loc())


def format_percent(value, digits: int | None = None) -> str:
    """A rate or share in per cent: `9,50 %` (digits=2), `2,5 %` (digits=None: as many as it has, at most 3)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        value = Decimal(str(value))
    num = format_number(value, digits) if digits is not None else \
        babel_numbers.format_decimal(value, format="#,##0.###", locale=_loc())
    return f"{num}\u00a0%"


def format_date(value, fmt: str | None = None, utc: bool = True) -> str:
    """`22.11.2026` in Russian; `Nov 22, 2026` in English. A datetime is shown with its time in the enterprise's
    time zone: stored timestamps are naive UTC (`utc=True`); `utc=False` for a value that already is local
    wall-clock time (a contact's `contacted_at`)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if utc and isinstance(value, datetime):
        value = timeutil.local(value)
    loc = _loc()
    if fmt is None and loc == "ru":  # the fixed numeric pattern, without Babel's pattern machinery
        if isinstance(value, datetime):
            return f"{value.day:02d}.{value.month:02d}.{value.year:04d} {value.hour:02d}:{value.minute:02d}"
        if isinstance(value, date):
            return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    if isinstance(value, datetime):
        pattern = fmt or ("dd.MM.yyyy HH:mm" if loc == "ru" else "medium")
        return babel_dates.format_datetime(value, pattern, locale=loc)
    pattern = fmt or ("dd.MM.yyyy" if loc == "ru" else "medium")
    return babel_dates.format_date(value, pattern, locale=loc)


def format_period(value) -> str:
    """A billing month: `11.2026` in Russian, `Nov 2026` in English."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value + "-01" if len(value) == 7 else value)
    loc = _loc()
    if loc == "ru":
        return babel_dates.format_date(value, "LLLL yyyy", locale=loc)
    return babel_dates.format_date(value, "MMM yyyy", locale=loc)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=timeutil.zone_name,
                   default_translation_directories="translations")
    app.before_request(timeutil.forget_zone)  # the enterprise's time zone is read afresh by every request
    app.jinja_env.install_gettext_callables(  # the same callables as Flask-Babel's, with the memoised catalogue
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["kop"] = lambda v, currency=True: format_money(v, currency=currency, kopecks=True)
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["period"] = format_period
    app.jinja_env.globals["get_locale"] = _loc
