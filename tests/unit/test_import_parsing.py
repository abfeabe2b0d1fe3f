"""Parsing of billing files: every format variant and every row/file error reason (pure, no database)."""
import io
import zipfile
from datetime import date

import pytest

from casework.imports import (
    accounts_file,
    columns,
    keys,
    ledger_file,
    persons_file,
    rows,
    tables,
    turnover_file,
    values,
)
from casework.imports.rows import ImportFileError
from casework.imports.values import BadValue

ACCOUNTS = {"100001": 1, "100002": 2}
SERVICES = columns.service_lookup([(10, "heating", "Отопление"), (20, "hot_water", "Горячее водоснабжение")])


def ledger(text: str, encoding="utf-8", name="l.csv"):
    return ledger_file.parse_ledger(tables.read_table(text.encode(encoding), name), ACCOUNTS, SERVICES)


def reasons(res):
    return [(e.row, e.column, e.reason) for e in res.errors]


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("raw,kop", [("1234,56", 123456), ("1234.56", 123456), ("1 234,5", 123450), ("-100,05", -10005),
                                     ("0", 0), ("12.500", 1250), (15, 1500), (12.3, 1230), ("1\u00a0000", 100000)])
def test_amounts_decimal_comma_or_dot(raw, kop):
    assert values.parse_amount(raw) == kop


@pytest.mark.parametrize("raw,msg", [("1,234", "more than two decimals"), ("12.3456", "more than two decimals"),
                                     ("abc", "not an amount"), ("", "empty"), ("1,234.56", "not an amount")])
def test_bad_amounts(raw, msg):
    with pytest.raises(BadValue, match=msg):
        values.parse_amount(raw)


@pytest.mark.parametrize("raw,d", [("05.03.2025", date(2025, 3, 5)), ("2025-03-05", date(2025, 3, 5)),
                                   ("5.3.2025", date(2025, 3, 5)), ("2025-03-05 00:00:00", date(2025, 3, 5))])
def test_dates(raw, d):
    assert values.parse_date(raw) == d


@pytest.mark.parametrize("raw", ["31.02.2025", "2025/03/05", "05-03-2025", ""])
def test_bad_dates(raw):
    with pytest.raises(BadValue):
        values.parse_date(raw)


@pytest.mark.parametrize("raw,d", [("2025-03", date(2025, 3, 1)), ("03.2025", date(2025, 3, 1)),
                                   ("3.2025", date(2025, 3, 1)), ("01.03.2025", date(2025, 3, 1))])
def test_periods(raw, d):
    assert values.parse_period(raw) == d


@pytest.mark.parametrize("raw", ["2025-13", "13.2025", "мартобря 2025", "март", ""])
def test_bad_periods(raw):
    with pytest.raises(BadValue):
        values.parse_period(raw)


def test_shares():
    assert values.parse_share("1/2") == (1, 2)
    assert values.parse_share("1") == (1, 1)
    for bad in ("3/2", "0/2", "половина"):
        with pytest.raises(BadValue):
            values.parse_share(bad)


# ------------------------------------------------------------------ encodings, delimiters, headers
LEDGER_RU = ("Лицевой счёт;Период;Услуга;Вид;Сумма;Дата оплаты;Источник\n"
             "100001;01.2025;Отопление;Начисление;2500,50;;\n"
             "100001;2025-02;heating;оплата;1000;15.02.2025;ФССП\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_ledger_in_each_encoding(encoding):
    res = ledger(LEDGER_RU, encoding)
    assert res.errors == []
    assert [(t[0], t[1], t[2], t[3], t[4], t[5], t[6]) for t in res.rows] == [
        (1, 10, "2025-01-01", "charge", 250050, None, None),
        (1, 10, "2025-02-01", "payment", 100000, "2025-02-15", "enforcement")]


def test_comma_delimiter_with_quoted_decimal_comma_and_english_headers():
    res = ledger('account_number,period,service,kind,amount,paid_on,source\n'
                 '100002,2025-01,hot_water,charge,"800,10",,\n'
                 '100002,2025-01,hot_water,payment,800.1,2025-01-20,bank\n')
    assert res.errors == []
    assert [t[4] for t in res.rows] == [80010, 80010]


def test_header_aliases_are_case_yo_and_space_insensitive():
    cols = columns.map_columns("ledger", ["ЛИЦЕВОЙ  СЧЕТ", "период", "Услуга ", "Тип операции", "Сумма (руб.)"])
    assert cols == {"account_number": 0, "period": 1, "service": 2, "kind": 3, "amount": 4}


def test_wrong_encoding_is_a_file_error():
    with pytest.raises(ImportFileError, match="Could not determine the file's encoding"):
        tables.read_table(b"\x00\x01PK" + bytes(range(256)), "l.csv")
    with pytest.raises(ImportFileError, match="Could not determine the file's encoding"):
        tables.read_table(bytes(range(128, 256)) * 4, "l.csv")


def test_empty_file_and_missing_column():
    with pytest.raises(ImportFileError, match="empty"):
        tables.read_table(b"", "l.csv")
    with pytest.raises(ImportFileError, match="empty"):
        tables.read_table(b"\n\n  \n", "l.csv")
    with pytest.raises(ImportFileError) as exc:
        ledger("ЛС;Период;Услуга;Сумма\n100001;2025-01;heating;1\n")
    assert [e.column for e in exc.value.errors] == ["Kind"]  # the label in the user's language (English here)
    assert exc.value.errors[0].row is None


def test_xlsx_with_native_cells():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ЛС", "Период", "Услуга", "Вид", "Сумма", "Дата оплаты", "Источник"])
    ws.append([100001, date(2025, 1, 1), "Отопление", "начисление", 2500.5, None, None])
    ws.append(["100002", "02.2025", "hot_water", "оплата", 700, date(2025, 2, 5), "касса"])
    buf = io.BytesIO()
    wb.save(buf)
    res = ledger_file.parse_ledger(tables.read_table(buf.getvalue(), "x.xlsx"), ACCOUNTS, SERVICES)
    assert res.errors == []
    assert [(t[0], t[2], t[4], t[5], t[6]) for t in res.rows] == [
        (1, "2025-01-01", 250050, None, None), (2, "2025-02-01", 70000, "2025-02-05", "cash_desk")]


def test_xlsx_zip_bomb_and_broken_archive_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * (50 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="unreasonable size"):
        tables.read_table(buf.getvalue(), "bomb.xlsx")
    with pytest.raises(ImportFileError, match="not a readable Excel"):
        tables.read_table(b"PK\x03\x04garbage", "broken.xlsx")


# ------------------------------------------------------------------ ledger row errors
def test_every_ledger_row_error_has_row_column_and_reason():
    res = ledger("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Оплаченный период;Сторнирует\n"
                 "999;2025-01;heating;charge;1;;;;\n"              # 2 unknown account
                 "100001;2025-01;газ;charge;1;;;;\n"               # 3 unknown service
                 "100001;2025-13;heating;charge;1;;;;\n"           # 4 bad period
                 "100001;2025-01;heating;charge;1,234;;;;\n"       # 5 more than two decimals
                 "100001;2025-01;heating;charge;-5;;;;\n"          # 6 negative charge
                 "100001;2025-01;heating;payment;5;;;;\n"          # 7 payment without paid_on
                 "100001;2025-01;heating;payment;5;32.01.2025;;;\n"  # 8 bad date
                 "100001;2025-01;heating;payment;5;01.02.2025;почта;;\n"  # 9 unknown source
                 "100001;2025-01;heating;payment;5;01.02.2025;;2025-00;\n"  # 10 bad paid_period
                 "100001;2025-01;heating;payment;-5;01.02.2025;;;\n"  # 11 negative payment without reverses
                 "100001;2025-01;heating;списание;5;;;;\n"         # 12 unknown kind
                 "100001;2025-01;heating;recalculation;-5;;;;\n")  # 13 fine: negative recalculation
    got = reasons(res)
    assert [r[:2] for r in got] == [(2, "ЛС"), (3, "Услуга"), (4, "Период"), (5, "Сумма"), (6, "Сумма"),
                                    (7, "Дата оплаты"), (8, "Дата оплаты"), (9, "Источник"),
                                    (10, "Оплаченный период"), (11, "Сумма"), (12, "Вид")]
    text = " | ".join(r[2] for r in got)
    for phrase in ("unknown account 999", "unknown service «газ»", "not a period", "more than two decimals",
                   "negative amount is allowed only", "needs its date", "not a date", "unknown payment source",
                   "paid period is not a valid period", "must name the payment it reverses", "unknown kind"):
        assert phrase in text
    assert [t[-1] for t in res.rows] == [13]
    assert res.bad_rows == 11 and res.total == 12


def test_same_charge_twice_in_file_counts_once_but_another_amount_is_an_error():
    res = ledger("ЛС;Период;Услуга;Вид;Сумма\n100001;2025-01;heating;charge;10\n100001;2025-01;heating;charge;10\n"
                 "100001;2025-01;heating;charge;11\n")
    assert len(res.rows) == 1
    assert reasons(res) == [(4, "Сумма", "this charge is already in the file with another amount; use a "
                                         "recalculation")]


def test_identical_payments_get_distinct_keys_by_occurrence():
    res = ledger("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты\n" + "100001;2025-01;heating;payment;10;05.01.2025\n" * 2)
    k1, k2 = (t[ledger_file.L_KEY] for t in res.rows)
    assert k1 != k2
    assert k1 == keys.payment_key(1, 10, "2025-01-05", 1000, "other", "", 1)


def test_payment_without_period_is_posted_in_its_month_and_reversal_kept_apart():
    res = ledger("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Номер документа;Сторнирует\n"
                 "100001;;heating;payment;10;05.03.2025;P1;\n"
                 "100001;;heating;payment;-10;06.03.2025;S1;P1\n")
    assert res.errors == []
    assert res.rows[0][ledger_file.L_PERIOD] == "2025-03-01"
    [(t, ref)] = res.extra["reversals"]
    assert ref == "P1" and t[ledger_file.L_AMOUNT] == -1000


# ------------------------------------------------------------------ turnover
TURN_HDR = "ЛС;Услуга;Период;Сальдо на начало;Начислено;Перерасчет;Оплачено;Сальдо на конец\n"


def test_turnover_rows_balance_and_chain_and_become_entries():
    res = turnover_file.parse_turnover(tables.read_table((
        TURN_HDR + "100001;heating;2025-01;100;50;0;30;120\n100001;heating;2025-02;120;50;-10;0;160\n").encode(),
        "t.csv"), ACCOUNTS, SERVICES)
    assert res.errors == []
    entries = turnover_file.turnover_entries(res, {})
    assert [(e[2], e[3], e[4], e[5]) for e in entries] == [
        ("2025-01-01", "opening", 10000, None), ("2025-01-01", "charge", 5000, None),
        ("2025-01-01", "payment", 3000, "2025-01-31"), ("2025-02-01", "charge", 5000, None),
        ("2025-02-01", "recalculation", -1000, None)]
    # a ledger that already holds earlier months: no second opening
    assert all(e[3] != "opening" for e in turnover_file.turnover_entries(res, {(1, 10): "2024-12-01"}))


def test_turnover_non_balancing_row_and_broken_chain():
    res = turnover_file.parse_turnover(tables.read_table((
        TURN_HDR + "100001;heating;2025-01;100;50;0;30;121\n"
        "100002;heating;2025-01;0;50;0;0;50\n100002;heating;2025-02;40;50;0;0;90\n").encode(), "t.csv"),
        ACCOUNTS, SERVICES)
    got = reasons(res)
    assert got[0][0:2] == (2, "Сальдо на конец") and "does not balance" in got[0][2]
    assert got[1][0:2] == (4, "Сальдо на начало") and "previous month's closing" in got[1][2]
    assert [t[-1] for t in res.rows] == [3]


# ------------------------------------------------------------------ accounts and persons
def test_accounts_registry_values_and_errors():
    res = accounts_file.parse_accounts(tables.read_table((
        "Лицевой счет;Категория;ФИО;Адрес;Форма собственности;ИНН;Площадь\n"
        "1;Население;Иванов И.И.;ул. Мира, 1, кв. 2;соцнайм;;54,3\n"
        "2;Прочие;ООО Ромашка;ул. Мира, 3;;1234567890;\n"
        "1;Население;Дубль;ул. Мира, 1;;;\n"
        "3;Бюджет;Сидоров;ул. Мира, 4;аренда земли;12;\n").encode("cp1251"), "a.csv"))
    assert [(r["number"], r["category"], r.get("tenure")) for r in res.rows] == [
        ("1", "population", "social_tenancy"), ("2", "other", None)]
    assert str(res.rows[0]["area_m2"]) == "54.3"
    got = reasons(res)
    assert got[0][:2] == (4, "Лицевой счет") and "duplicate account number 1" in got[0][2]
    assert [g[1] for g in got[1:]] == ["Категория", "Форма собственности", "ИНН"]


def test_persons_values_and_errors():
    res = persons_file.parse_persons(tables.read_table((
        "ЛС;ФИО;Роль;Доля;Дата рождения;СНИЛС\n"
        "100001;Иванов Иван Иванович;собственник;1/2;01.02.1970;123-456-789 01\n"
        "100001;Иванова Мария;зарегистрирован;;;\n"
        "555;Петров;жилец;3/2;1970-13-01;12\n").encode(), "p.csv"), ACCOUNTS)
    assert [(r["role"], r["share_num"], r["share_den"], r["birth_date"]) for r in res.rows] == [
        ("owner", 1, 2, date(1970, 2, 1)), ("registered", None, None, None)]
    assert [e.column for e in res.errors] == ["ЛС", "Роль", "Доля", "Дата рождения", "СНИЛС"]


def test_error_file_has_input_shape_plus_error_column():
    res = ledger("ЛС;Период;Услуга;Вид;Сумма\n100001;2025-01;heating;charge;1\n999;2025-01;heating;charge;2\n")
    out = rows.error_file_bytes(res.headers, res).decode("utf-8-sig").splitlines()
    assert out[0] == "ЛС;Период;Услуга;Вид;Сумма;Ошибка"
    assert out[1].startswith("999;2025-01;heating;charge;2;ЛС: unknown account 999")
    assert len(out) == 2


def test_persons_registration_dates():
    res = persons_file.parse_persons(tables.read_table((
        "ЛС;ФИО;Роль;Дата регистрации;Дата снятия с регистрации\n"
        "100001;Иванов Иван;зарегистрирован;01.03.2010;\n"
        "100001;Иванова Мария;зарегистрирован;2010-03-01;28.02.2010\n").encode(), "p.csv"), ACCOUNTS)
    assert [(r["since"], r["until"]) for r in res.rows] == [(date(2010, 3, 1), None)]
    assert reasons(res)[0][:2] == (3, "Дата снятия с регистрации")


def test_json_records_read_as_a_table_with_rows_counted_from_one():
    """The form the API hands its rows in: {"rows": [records]}; headers in order of first appearance."""
    data = ('{"rows": [{"account_number": "100001", "period": "2025-01", "service": "heating", "kind": "charge",'
            ' "amount": "2500.50"}, {"account_number": "999", "period": "2025-01", "service": "heating",'
            ' "kind": "charge", "amount": "1.00", "reference": "x"}]}').encode()
    table = tables.read_table(data, "api-charges.json")
    assert table.headers == ["account_number", "period", "service", "kind", "amount", "reference"]
    res = ledger_file.parse_ledger(table, ACCOUNTS, SERVICES)
    assert [(t[ledger_file.L_ACC], t[ledger_file.L_AMOUNT], t[ledger_file.L_ROW]) for t in res.rows] == [(1, 250050, 1)]
    assert [(e.row, e.column) for e in res.errors] == [(2, "account_number")]


@pytest.mark.parametrize("data", [b"{not json", b'{"rows": 5}', b"[1, 2]", b'{"rows": [1]}', b'{"rows": [{}]}'])
def test_json_that_is_not_records_is_refused_as_a_file(data):
    with pytest.raises(ImportFileError):
        tables.read_table(data, "x.json")
