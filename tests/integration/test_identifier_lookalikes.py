"""Look-alike identifiers in imported files (issue: security, item 5).

A number pasted with an invisible character (`10000006\\u200b`), bidi controls or full-width digits is the same
number as `10000006`: every import path (accounts, ledger, turnover, persons) reads it in the one normal form of
`casework.domain.identifiers`, so it updates or finds the existing account instead of creating a look-alike. A
number mixing alphabets (`1О000006`, Cyrillic «О») is refused with its row, the user's column name and the reason
in Russian, and — as for any bad row — the file then imports nothing.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from casework.accounts.models import Account, AccountParty, LedgerEntry, Party, Territory
from casework.extensions import db
from casework.imports import services
from casework.imports.models import ImportBatch

ZW = "\u200b"  # zero-width space
LRE, PDF, RLO = "\u202a", "\u202c", "\u202e"  # bidi embedding, pop, right-to-left override
CYR_O = "\u041e"  # Cyrillic capital О
FULLWIDTH = "１００００００６"

ACC_HEAD = ["Лицевой счёт", "Категория", "ФИО", "Адрес"]
LEDGER_HEAD = ["ЛС", "Период", "Услуга", "Вид", "Сумма", "Дата оплаты", "Источник", "Номер документа"]
PERSONS_HEAD = ["Номер ЛС", "ФИО", "Роль", "СНИЛС", "ИНН"]
MIXED_REASON = ("номер лицевого счёта «1" + CYR_O + "000006» смешивает алфавиты (латиница и цифры, кириллица): «"
                + CYR_O + "» (кириллица, символ 2); наберите его заново в одной раскладке клавиатуры")


def file_bytes(fmt: str, header: list[str], rows: list[list]) -> tuple[bytes, str]:
    """The table as a CSV (UTF-8, `;`) or as an XLSX workbook, the way the import tests build them."""
    if fmt == "csv":
        lines = [";".join(header)] + [";".join("" if c is None else str(c) for c in r) for r in rows]
        return ("\n".join(lines) + "\n").encode("utf-8"), "file.csv"
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), "file.xlsx"


def commit(kind: str, fmt: str, header: list[str], rows: list[list]) -> ImportBatch:
    data, name = file_bytes(fmt, header, rows)
    batch = services.commit_import(kind, data, name, None, via="cli")
    db.session.commit()
    return batch


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def numbers() -> list[str]:
    return sorted(db.session.scalars(select(Account.number)))


def load_base(fmt: str = "csv") -> None:
    batch = commit("accounts", fmt, ACC_HEAD, [
        ["10000006", "Население", "Иванов Иван Иванович", "г. Ленск, ул. Ленина, д. 5, кв. 1"],
        ["10000007", "Население", "Петров Пётр Петрович", "г. Ленск, ул. Ленина, д. 5, кв. 2"]])
    assert batch.status == "committed" and batch.rows_inserted == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_invisible_bidi_and_fullwidth_variants_update_the_account_not_add_one(app, fmt):
    load_base(fmt)
    batch = commit("accounts", fmt, ACC_HEAD, [
        ["10000006" + ZW, "Население", "Иванова Ирина Ивановна", "г. Ленск, ул. Ленина, д. 5, кв. 1"],
        [LRE + "10000007" + PDF + "\u00a0", "Население", "Петрова Анна Петровна", "г. Ленск, ул. Ленина, д. 5, кв. 2"],
        [FULLWIDTH[:-1] + "８", "Население", "Сидоров Семён", "г. Ленск, ул. Ленина, д. 5, кв. 3"]])
    assert batch.status == "committed", batch.options
    assert (batch.rows_inserted, batch.rows_updated) == (1, 2)
    assert numbers() == ["10000006", "10000007", "10000008"]
    names = dict(db.session.execute(select(Account.number, Account.debtor_name)).all())
    assert names["10000006"] == "Иванова Ирина Ивановна" and names["10000007"] == "Петрова Анна Петровна"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_look_alike_of_a_number_in_the_same_file_is_a_duplicate_row(app, fmt):
    batch = commit("accounts", fmt, ACC_HEAD, [
        ["10000006", "Население", "Иванов Иван", "г. Ленск, ул. Ленина, д. 5, кв. 1"],
        [RLO + "10000006" + ZW, "Население", "Двойник", "г. Ленск, ул. Ленина, д. 5, кв. 9"]])
    assert batch.status == "rejected"
    assert batch.options["errors"] == [{"row": 3, "column": "Лицевой счёт",
                                        "reason": "повтор лицевого счёта 10000006 (уже есть в строке 2)"}]
    assert count(Account) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_number_mixing_alphabets_is_refused_with_row_column_reason_and_nothing_is_imported(app, fmt):
    load_base(fmt)
    before = (count(Account), count(Territory))
    batch = commit("accounts", fmt, ACC_HEAD, [
        ["10000009", "Население", "Новиков Николай", "п. Витим, ул. Мира, 1"],
        ["1" + CYR_O + "000006", "Население", "Двойник Иванова", "п. Витим, ул. Мира, 2"]])
    assert batch.status == "rejected"
    assert batch.options["errors"] == [{"row": 3, "column": "Лицевой счёт", "reason": MIXED_REASON}]
    assert batch.message == "Ошибочных строк: 1; ничего не загружено."
    assert (count(Account), count(Territory)) == before  # not even the good row, nor its settlement
    assert numbers() == ["10000006", "10000007"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ledger_rows_find_the_account_through_look_alikes_and_refuse_mixed_alphabets(app, fmt):
    load_base()
    good = [["10000006" + ZW, "2025-01", "heating", "начисление", "100,50", None, None, None],
            [FULLWIDTH, "2025-01", "heating", "оплата", "50", "15.01.2025", "банк", "П-7" + ZW]]
    bad = good + [["1" + CYR_O + "000006", "2025-02", "heating", "начисление", "100,50", None, None, None]]
    batch = commit("ledger", fmt, LEDGER_HEAD, bad)
    assert batch.status == "rejected"
    assert batch.options["errors"] == [{"row": 4, "column": "ЛС", "reason": MIXED_REASON}]
    assert count(LedgerEntry) == 0
    batch = commit("ledger", fmt, LEDGER_HEAD, good)
    assert batch.status == "committed" and batch.rows_inserted == 2, batch.options
    acc = db.session.scalar(select(Account.id).where(Account.number == "10000006"))
    rows = db.session.execute(select(LedgerEntry.account_id, LedgerEntry.kind, LedgerEntry.reference)
                              .order_by(LedgerEntry.kind)).all()
    assert [tuple(r) for r in rows] == [(acc, "charge", None), (acc, "payment", "П-7")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_turnover_rows_find_the_account_through_look_alikes_and_refuse_mixed_alphabets(app, fmt):
    load_base()
    head = ["ЛС", "Услуга", "Период", "Сальдо на начало", "Начислено", "Оплачено", "Сальдо на конец"]
    good = [[ZW + "10000007", "heating", "2025-01", "0", "100", "40", "60"]]
    batch = commit("turnover", fmt, head, good + [["10000" + CYR_O + "07", "heating", "2025-01", "0", "1", "0", "1"]])
    assert batch.status == "rejected"
    (err,) = batch.options["errors"]
    assert (err["row"], err["column"]) == (3, "ЛС") and "смешивает алфавиты" in err["reason"]
    assert "«" + CYR_O + "» (кириллица, символ 6)" in err["reason"]
    assert count(LedgerEntry) == 0
    assert commit("turnover", fmt, head, good).status == "committed"
    assert set(db.session.scalars(select(LedgerEntry.account_id))) == {
        db.session.scalar(select(Account.id).where(Account.number == "10000007"))}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_persons_rows_find_the_account_and_normalise_snils_and_inn(app, fmt):
    load_base()
    good = [["10000006" + ZW, "Иванов Иван Иванович", "собственник", "112-233-445 95" + ZW, "\u200e500100732259"]]
    batch = commit("persons", fmt, PERSONS_HEAD,
                   good + [["1" + CYR_O + "000006", "Двойник", "собственник", None, None]])
    assert batch.status == "rejected"
    assert batch.options["errors"] == [{"row": 3, "column": "Номер ЛС", "reason": MIXED_REASON}]
    assert count(Party) == 0
    batch = commit("persons", fmt, PERSONS_HEAD, good)
    assert batch.status == "committed", batch.options
    person = db.session.scalar(select(Party))
    assert (person.snils, person.inn) == ("112-233-445 95", "500100732259")
    link = db.session.scalar(select(AccountParty))
    assert link.account_id == db.session.scalar(select(Account.id).where(Account.number == "10000006"))
