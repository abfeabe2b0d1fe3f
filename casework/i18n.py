"""Babel wiring: locale selection and the locale-aware filters for money, numbers and dates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel import numbers as babel_numbers
from babel import dates as babel_dates
from flask import Flask, current_app, request, session
from flask_babel import get_locale, gettext, lazy_gettext, ngettext  # noqa: F401  (re-exported)
from flask_login import current_user

from .extensions import babel

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


def _loc() -> str:
    return str(get_locale() or "ru")


def kopecks_to_decimal(value: int) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def format_money(value, currency: bool = True, kopecks: bool = False) -> str:
    """`1 234,56 ₽` in Russian, `RUB 1,234.56` style in English; kopecks=True for integer kopecks."""
    if value is None:
        return "—"
    if kopecks:
        value = kopecks_to_decimal(value)
    value = Decimal(value)
    if currency:
        return babel_numbers.format_currency(value, "RUB", locale=_loc())
    return babel_numbers.format_decimal(value, format="#,##0.00", locale=_loc())


def format_number(value, digits: int | None = None) -> str:
    if value is None:
        return "—"
    if digits is not None:
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return babel_numbers.format_decimal(value, format=fmt, locale=_loc())
    return babel_numbers.format_decimal(value, locale=_loc())


def format_date(value, fmt: str | None = None) -> str:
    """`22.11.2026` in Russian; `Nov 22, 2026` in English."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    loc = _loc()
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
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["kop"] = lambda v, currency=True: format_money(v, currency=currency, kopecks=True)
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["period"] = format_period
    app.jinja_env.globals["get_locale"] = _loc
