"""The accounts registry is read by its declared columns (`accounts_file.ACCOUNT_COLUMNS`): a column added to the
table is found under its headers and read with its own error text without any other change to the code, and every
declared column refuses a bad cell with its reason, naming the column as the file writes it (pure, no database)."""
from datetime import date
from decimal import Decimal

import pytest

from casework.i18n import _l
from casework.imports import accounts, accounts_file
from casework.imports.accounts_file import ACCOUNT_COLUMNS, parse_accounts
from casework.imports.columns import SKIP, Column, Refused
from casework.imports.rows import ImportFileError
from casework.imports.tables import read_table

BASE = ("Лицевой счёт", "Категория", "ФИО", "Адрес")
GOOD = ("100001", "Население", "Иванов Иван", "г. Ленск, ул. Мира, 1")


def registry(headers: tuple[str, ...], *rows: tuple) -> bytes:
    return "\n".join(";".join(str(c) for c in line) for line in (headers, *rows)).encode("cp1251") + b"\n"


def parse(data: bytes):
    return parse_accounts(read_table(data, "a.csv"))


def reasons(res) -> list[tuple]:
    return [(e.row, e.column, e.reason) for e in res.errors]


def _floor(raw, state):
    """A test column: the floor, 1 to 99; an empty cell leaves it unset."""
    v = str(raw or "").strip()
    if not v:
        return SKIP
    if not v.isdigit() or not 1 <= int(v) <= 99:
        raise Refused(v)
    return int(v)


FLOOR = Column("floor", ("Этаж", "Этаж квартиры"), _floor, error=_l("not a floor: %(v)s"))


def test_a_column_added_to_the_table_is_read_with_its_error_text(monkeypatch):
    data = registry(BASE + ("Этаж квартиры",), GOOD + ("5",), ("100002",) + GOOD[1:] + ("сороковой",),
                    ("100003",) + GOOD[1:] + ("",))
    before = parse(data)  # not declared: the column is ignored
    assert before.errors == [] and all("floor" not in r for r in before.rows)

    monkeypatch.setattr(accounts_file, "ACCOUNT_COLUMNS", ACCOUNT_COLUMNS + (FLOOR,))
    res = parse(data)
    assert res.columns["floor"] == 4
    assert reasons(res) == [(3, "Этаж квартиры", "not a floor: сороковой")]
    assert [(r["number"], r.get("floor")) for r in res.rows] == [("100001", 5), ("100003", None)]


def test_a_required_column_added_to_the_table_is_required_of_the_file(monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(accounts_file, "ACCOUNT_COLUMNS", ACCOUNT_COLUMNS + (replace(FLOOR, required=True),))
    with pytest.raises(ImportFileError) as exc:
        parse(registry(BASE, GOOD))
    assert [(e.row, e.reason) for e in exc.value.errors] == [(None, "Required column «floor» is missing.")]


# every declared column: (header as a billing writes it, a good cell and the field's value, a bad cell and the reason)
CASES = {
    "account_number": ("Номер ЛС", ("000123", "000123"), ("", "the account number is empty")),
    "category": ("Тип потребителя", ("ЮЛ", "other"),
                 ("Марсиане", "unknown category «Марсиане» (expected population or other)")),
    "debtor_name": ("Должник", ("ООО «Ромашка»", "ООО «Ромашка»"), ("", "the value is required")),
    "address": ("Адрес помещения", ("ул. Мира, 1", "ул. Мира, 1"), (" ", "the value is required")),
    "tenure": ("Вид собственности", ("Соцнайм", "social_tenancy"),
               ("дружба", "unknown tenure «дружба» (expected owner, social_tenancy, commercial_tenancy or other)")),
    "settlement": ("НП", ("п" * 250, "п" * 200), None),
    "apartment": ("Кв.", ("12А", "12А"), None),
    "phone": ("Тел.", ("+7 914 000-00-00", "+7 914 000-00-00"), None),
    "email": ("E-mail", ("a@b.ru", "a@b.ru"), None),
    "inn": ("ИНН", ("1435123456", "1435123456"), ("12345", "an ИНН has 10 or 12 digits: 12345")),
    "area_m2": ("Общая площадь", ("54,3", Decimal("54.3")), ("0", "the area must be positive")),
    "opened_on": ("Дата открытия", ("01.02.2020", date(2020, 2, 1)),
                  ("31.02.2020", "not a date (expected DD.MM.YYYY or YYYY-MM-DD): 31.02.2020")),
    "closed_on": ("Закрыт", ("2024-12-31", date(2024, 12, 31)),
                  ("вчера", "not a date (expected DD.MM.YYYY or YYYY-MM-DD): вчера")),
    "is_municipal": ("Муниципальное", ("да", True), ("может быть", "expected yes or no: можетбыть")),
}
BY_NAME = {c.name: c for c in ACCOUNT_COLUMNS}


def test_every_declared_column_has_a_case_here_and_is_written_by_the_accounts_writer():
    assert set(CASES) == set(BY_NAME)
    assert {c.key for c in ACCOUNT_COLUMNS} - {"number"} == set(accounts.ACCOUNT_FIELDS)


@pytest.mark.parametrize("name", list(CASES))
def test_each_declared_column_reads_its_cell_and_refuses_a_bad_one(name):
    header, (good, value), bad = CASES[name]
    assert header in BY_NAME[name].aliases
    headers = tuple(h for h, c in zip(BASE, ("account_number", "category", "debtor_name", "address")) if c != name)
    headers += (header,)

    def row(number: str, cell: str) -> tuple:
        base = dict(zip(("account_number", "category", "debtor_name", "address"), (number,) + GOOD[1:]))
        base.pop(name, None)
        return tuple(base.values()) + (cell,)

    res = parse(registry(headers, row("100001", good)))
    assert res.errors == []
    assert res.rows[0][BY_NAME[name].key] == value
    if bad is None:
        return
    cell, reason = bad
    res = parse(registry(headers, row("100001", good), row("100002", cell)))
    assert reasons(res) == [(3, header, reason)]
    assert [r["row"] for r in res.rows] == [2]
