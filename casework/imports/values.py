"""Reading one cell: amounts (to kopecks), dates, billing months, shares, text and identifiers; each refusal is a
`BadValue` whose text is the reason in the user's language.

Pure: no database, no Flask state.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..domain.identifiers import LATIN, mixed_scripts, normalize_identifier
from ..i18n import _
from . import months


class BadValue(ValueError):
    """A cell that cannot be read; str() is the reason in the user's language."""


_AMOUNT_RE = re.compile(r"-?\d+(?:[.,]\d{1,2})?")
_AMOUNT_ANY_RE = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse_amount(value: Any) -> int:
    """A money cell (decimal comma or dot, spaces as thousands separators) → integer kopecks; at most 2 decimals."""
    if isinstance(value, bool):
        raise BadValue(_("not an amount"))
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        value = repr(value)
    elif isinstance(value, Decimal):
        value = str(value)
    s = str(value or "").strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if not s:
        raise BadValue(_("the amount is empty"))
    if _AMOUNT_RE.fullmatch(s):
        s = s.replace(",", ".")
        i = s.find(".")
        if i < 0:
            return int(s) * 100
        frac = s[i + 1:]
        whole = int(s[:i] + frac)
        return whole * 10 if len(frac) == 1 else whole
    if _AMOUNT_ANY_RE.fullmatch(s):
        try:
            d = Decimal(s.replace(",", "."))
        except InvalidOperation:
            raise BadValue(_("not an amount: %(v)s", v=s)) from None
        if d == d.quantize(Decimal("0.01")):  # 12.500 is still exact kopecks
            return int(d * 100)
        raise BadValue(_("more than two decimals: %(v)s", v=s))
    if re.fullmatch(r"-?\d+(?:\.\d+)?[eE][+-]?\d+", s):
        d = Decimal(s)
        if d == d.quantize(Decimal("0.01")):
            return int(d * 100)
        raise BadValue(_("more than two decimals: %(v)s", v=s))
    raise BadValue(_("not an amount: %(v)s", v=s))


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: Any) -> date:
    """`DD.MM.YYYY` or ISO `YYYY-MM-DD` (a trailing time is ignored), or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value or "").strip().split(" ")[0].split("T")[0]
    if not s:
        raise BadValue(_("the date is empty"))
    m = _DMY.fullmatch(s)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.fullmatch(s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        pass
    raise BadValue(_("not a date (expected DD.MM.YYYY or YYYY-MM-DD): %(v)s", v=s))


_P_ISO = re.compile(r"(\d{4})-(\d{1,2})")
_P_MY = re.compile(r"(\d{1,2})\.(\d{4})")


def parse_period(value: Any) -> date:
    """A billing month `YYYY-MM`, `MM.YYYY` or «Ноябрь 2026» (a full date names its month) → the 1st of the month."""
    if isinstance(value, (date, datetime)):
        d = value.date() if isinstance(value, datetime) else value
        return d.replace(day=1)
    s = str(value or "").strip()
    if not s:
        raise BadValue(_("the period is empty"))
    m = _P_ISO.fullmatch(s) or None
    y = mo = None
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
    else:
        m = _P_MY.fullmatch(s)
        if m:
            y, mo = int(m.group(2)), int(m.group(1))
        else:
            try:
                return parse_date(s).replace(day=1)
            except BadValue:
                ym = months.parse_month_name(s)  # «Ноябрь 2026», «ноябрь 2026 г.»
                if ym:
                    y, mo = ym
    if y is None or not 1 <= mo <= 12 or not 1900 <= y <= 2200:
        raise BadValue(_("not a period (expected YYYY-MM, MM.YYYY or «Ноябрь 2026»): %(v)s", v=s))
    return date(y, mo, 1)


def parse_share(value: Any) -> tuple[int, int]:
    """An ownership share such as `1/2` (or 1 for the whole) → (numerator, denominator)."""
    s = str(value).strip().replace(" ", "")
    m = re.fullmatch(r"(\d+)/(\d+)", s)
    if m:
        num, den = int(m.group(1)), int(m.group(2))
    elif s in ("1", "1.0", "1,0"):
        num, den = 1, 1
    else:
        raise BadValue(_("not a share (expected a fraction such as 1/2): %(v)s", v=s))
    if num <= 0 or den < num:
        raise BadValue(_("not a share (expected a fraction such as 1/2): %(v)s", v=s))
    return num, den


def norm_charge_kop(raw) -> int | None:
    """A cell of the column «Начисление по нормативу» (ПП 354 п.118): kopecks above zero, None when empty."""
    if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
        return None
    kop = parse_amount(raw)
    if kop <= 0:
        raise BadValue(_("the monthly charge at the norm must be above zero"))
    return kop


def text(value: Any) -> str:
    """A text cell as a stripped string; Excel's 123.0 for a number-like code becomes '123'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def identifier(value: Any) -> str:
    """An identifier cell (account or document number, ИНН, СНИЛС, passport, code): `text` in the one normal form
    of `domain.identifiers.normalize_identifier` (NFKC, no zero-width or bidi-control characters, trimmed)."""
    if value.__class__ is str and value.isascii():
        return value.strip()
    return normalize_identifier(text(value))


def _script_label(script: str) -> str:
    return {LATIN: _("Latin letters and digits"), "CYRILLIC": _("Cyrillic"), "GREEK": _("Greek")}.get(
        script, script.lower())


def account_number_problem(number: str) -> str | None:
    """Why an (already normalised) account number is refused as a look-alike: it mixes alphabets, e.g. «1О000006»
    with a Cyrillic «О» among the digits; None when it is written in one script."""
    mix = mixed_scripts(number)
    if mix is None:
        return None
    chars = ", ".join(_("«%(c)s» (%(script)s, character %(i)s)", c=c, script=_script_label(sc), i=i)
                      for i, c, sc in mix.odd[:5])
    return _("the account number «%(n)s» mixes alphabets (%(scripts)s): %(chars)s; type it again in one keyboard "
             "layout", n=number, scripts=", ".join(_script_label(sc) for sc in mix.scripts), chars=chars)


def unknown_account(number: str) -> str:
    """The reason for an account number not found: empty, a look-alike mixing alphabets, or unknown."""
    if not number:
        return _("the account number is empty")
    return account_number_problem(number) or _("unknown account %(n)s", n=number)


def rub(kop: int) -> str:
    """Kopecks as rubles with a decimal comma, for messages: -1234,50."""
    sign = "-" if kop < 0 else ""
    kop = abs(kop)
    return f"{sign}{kop // 100},{kop % 100:02d}"
