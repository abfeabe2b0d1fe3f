"""The accounts registry (docs/import-format.md): its columns, declared once in `ACCOUNT_COLUMNS` — the name, the
headers billings write, how the cell is read, whether the file must have it, the reason a value is refused — and
`parse_accounts`, which reads every row through that table. A new column of the registry is one entry there (see
docs/DEVELOPING.md, «A new import column»).

Pure: no database, no Flask state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from ..i18n import _, _l
from .columns import (
    BOOL_VALUES,
    CATEGORY_VALUES,
    COMMON,
    SKIP,
    TENURE_VALUES,
    Column,
    Refused,
    header_spec,
    map_columns,
    norm,
)
from .rows import Parsed, cell, progress_every
from .tables import Table
from .values import BadValue, account_number_problem, identifier, parse_amount, parse_date, text


@dataclass
class AccountsFile:
    """What reading one registry file remembers between its rows."""

    categories: dict[str, str]  # normalised category → code: the built-in words and the administrator's aliases
    first_row: dict[str, int] = field(default_factory=dict)  # account number → the first row that has it
    row: int = 0  # the row being read


# ----------------------------------------------------------------------------------------------- cell readers
def _account_number(raw: Any, f: AccountsFile) -> str:
    """Required, at most 32 characters, in one alphabet, once in the file (a repeat is an error on the later row)."""
    num = identifier(raw)
    if not num:
        why = _("the account number is empty")
    elif len(num) > 32:
        why = _("the account number is longer than 32 characters")
    elif mixed := account_number_problem(num):
        why = mixed
    elif num in f.first_row:
        why = _("duplicate account number %(n)s (already in row %(r)s)", n=num, r=f.first_row[num])
    else:
        why = None
    if num and num not in f.first_row:
        f.first_row[num] = f.row
    if why:
        raise BadValue(why)
    return num


def _category(raw: Any, f: AccountsFile) -> str:
    """A built-in word for the category (CATEGORY_VALUES) or the administrator's alias."""
    v = text(raw)
    code = f.categories.get(norm(v))
    if code is None:
        raise Refused(v)
    return code


def _required_text(limit: int) -> Callable[[Any, AccountsFile], str]:
    """Text that must not be empty, cut to `limit` characters."""
    def parse(raw: Any, f: AccountsFile) -> str:
        v = text(raw)
        if not v:
            raise Refused(v)
        return v[:limit]
    return parse


def _optional_text(limit: int) -> Callable[[Any, AccountsFile], Any]:
    """Text cut to `limit` characters; an empty cell leaves the field unset."""
    def parse(raw: Any, f: AccountsFile) -> Any:
        v = text(raw)
        return v[:limit] if v else SKIP
    return parse


def _tenure(raw: Any, f: AccountsFile) -> Any:
    """A word for the form of ownership (TENURE_VALUES); an empty cell leaves the field unset."""
    v = text(raw)
    if not v:
        return SKIP
    code = TENURE_VALUES.get(norm(v))
    if code is None:
        raise Refused(v)
    return code


def _inn(raw: Any, f: AccountsFile) -> Any:
    """10 (organisation) or 12 (person) digits; an empty cell leaves the field unset."""
    v = identifier(raw)
    if not v:
        return SKIP
    if not re.fullmatch(r"\d{10}|\d{12}", v):
        raise Refused(v)
    return v


def _area(raw: Any, f: AccountsFile) -> Any:
    """Square metres above zero, at most two decimals; an empty cell leaves the field unset."""
    if not text(raw):
        return SKIP
    kop = parse_amount(raw)
    if kop <= 0:
        raise Refused(kop)
    return Decimal(kop) / 100


def _date(raw: Any, f: AccountsFile) -> Any:
    """DD.MM.YYYY, YYYY-MM-DD or an Excel date; an empty cell leaves the field unset."""
    if not text(raw):
        return SKIP
    return parse_date(raw)


def _yes_no(raw: Any, f: AccountsFile) -> bool:
    """Yes or no (BOOL_VALUES); an empty cell is no."""
    v = norm(raw)
    if v not in BOOL_VALUES:
        raise Refused(v)
    return BOOL_VALUES[v]


# ----------------------------------------------------------------------------------------------- the columns
#: every column of the registry, in the order a row's errors are reported
ACCOUNT_COLUMNS: tuple[Column, ...] = (
    Column("account_number", COMMON["account_number"], _account_number, required=True, field="number"),
    Column("category", ("Категория", "Категория потребителя", "Тип потребителя", "Группа потребителей"), _category,
           required=True, error=_l("unknown category «%(v)s» (expected population or other)")),
    Column("debtor_name", ("ФИО", "Должник", "Абонент", "Потребитель", "ФИО/Наименование", "Наименование",
                           "ФИО должника", "Собственник"), _required_text(300), required=True,
           error=_l("the value is required")),
    Column("address", ("Адрес", "Адрес помещения"), _required_text(500), required=True,
           error=_l("the value is required")),
    Column("tenure", ("Форма собственности", "Право пользования", "Основание владения", "Вид собственности"), _tenure,
           error=_l("unknown tenure «%(v)s» (expected owner, social_tenancy, commercial_tenancy or other)")),
    Column("settlement", ("Населенный пункт", "Населённый пункт", "Поселение", "НП"), _optional_text(200)),
    Column("apartment", ("Квартира", "Кв", "Кв.", "Номер квартиры", "Помещение", "Номер помещения"),
           _optional_text(20)),
    Column("phone", COMMON["phone"], _optional_text(60)),
    Column("email", COMMON["email"], _optional_text(200)),
    Column("inn", COMMON["inn"], _inn, error=_l("an ИНН has 10 or 12 digits: %(v)s")),
    Column("area_m2", ("Площадь", "Площадь м2", "Площадь, м2", "Общая площадь"), _area,
           error=_l("the area must be positive")),
    Column("opened_on", ("Дата открытия", "Открыт"), _date),
    Column("closed_on", ("Дата закрытия", "Закрыт"), _date),
    Column("is_municipal", ("Муниципальное", "Муниципальное жилье", "Муниципальный"), _yes_no,
           error=_l("expected yes or no: %(v)s")),
)


def parse_accounts(table: Table, progress: Callable | None = None, values: dict | None = None) -> Parsed:
    """Registry rows → dicts of account fields, each column read by its declaration in `ACCOUNT_COLUMNS`; a number
    repeated in the file is an error on the later row. `values`: the administrator's aliases
    ({"category": {normalised alias: code}}, see aliases.py)."""
    columns = ACCOUNT_COLUMNS
    cols = map_columns("accounts", table.headers, header_spec(columns))
    res = Parsed("accounts", table.headers, cols)
    hdr = table.headers
    state = AccountsFile({**CATEGORY_VALUES, **((values or {}).get("category") or {})})
    present = [(c, cols[c.name]) for c in columns if c.name in cols]
    n = 0
    for row_no, cells in table.rows:
        n += 1
        progress_every(progress, n, table.size_hint)
        state.row = row_no
        before = len(res.errors)
        rec: dict[str, Any] = {}
        for c, i in present:
            try:
                value = c.parse(cell(cells, i), state)
            except BadValue as exc:
                res.add_error(row_no, cells, hdr[i], str(exc))
                continue
            except Refused as exc:
                res.add_error(row_no, cells, hdr[i], c.refusal(exc.value))
                continue
            if value is not SKIP:
                rec[c.key] = value
        if len(res.errors) == before:
            rec["row"] = row_no
            res.rows.append(rec)
    res.total = n
    return res
