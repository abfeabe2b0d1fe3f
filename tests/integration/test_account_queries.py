"""Accounts list: search, filters, sorting, paging and totals on a small hand-built register."""
from datetime import date

import pytest
from sqlalchemy import insert, select

from casework.accounts.models import Account, AccountBalance, LedgerEntry, Service, Territory
from casework.accounts.queries import (
    AccountFilter,
    account_totals,
    aging_bucket,
    iter_account_rows,
    ledger_by_month_and_service,
    payments_for,
    search_accounts,
    search_terms,
    search_text_for,
)
from casework.extensions import db

# number, name, address, phone, category, tenure, municipal, territory, balance ₽-kopecks, overdue, months, oldest days
REGISTER = [
    ("1000001", "Иванов Иван Иванович", "г. Ленск, ул. Ленина, д. 5, кв. 1", "8 (914) 123-45-67",
     "population", "owner", False, "Ленск", 1_500_000, 1_200_000, 4, 120),
    ("1000002", "ИВАНОВА Мария Петровна", "г. Ленск, ул. Ленина, д. 5, кв. 2", None,
     "population", "social_tenancy", True, "Ленск", 25_000, 0, 0, 10),
    ("1000003", "Пётр Семёнов", "п. Витим, ул. Советская, д. 1", "+7 924 555 00 11",
     "population", "owner", False, "Витим", 0, 0, 0, None),
    ("2000001", "ООО «Ромашка»", "г. Ленск, ул. Победы, д. 10", "8-41137-2-34-56",
     "other", "other", False, "Ленск", 9_900_000, 9_000_000, 40, 1200),
    ("2000002", "Сидоров Олег", "п. Пеледуй, ул. Речная, д. 3", "89141110000",
     "population", "commercial_tenancy", False, "Пеледуй", 400_000, 300_000, 8, 400),
    ("3000001", "Semenov_% Test", "с. Нюя, ул. Центральная, д. 7", None,
     "population", "owner", True, "Нюя", 75_050, 50_000, 2, 60),
]


@pytest.fixture()
def register(app):
    names = sorted({r[7] for r in REGISTER})
    db.session.execute(insert(Territory), [{"name": n} for n in names])
    tid = dict(db.session.execute(select(Territory.name, Territory.id)).all())
    db.session.execute(insert(Account), [dict(
        number=r[0], debtor_name=r[1], address=r[2], phone=r[3], category=r[4], tenure=r[5], is_municipal=r[6],
        territory_id=tid[r[7]], search_text=search_text_for(r[0], r[1], r[2], r[3])) for r in REGISTER])
    ids = dict(db.session.execute(select(Account.number, Account.id)).all())
    db.session.execute(insert(AccountBalance), [dict(
        account_id=ids[r[0]], as_of=date(2026, 3, 31), balance_kop=r[8], overdue_kop=r[9], months_in_arrears=r[10],
        oldest_debt_days=r[11]) for r in REGISTER])
    db.session.commit()
    return ids


def numbers(flt, **kw):
    page, _totals = search_accounts(flt, **kw)
    return [r.number for r in page.items]


def test_search_text_is_lowered_for_cyrillic_and_keeps_phone_digits():
    text = search_text_for("01-234", "ИВАНОВ Пётр", "Ул. ЛЕНИНА, д.5", "8 (914) 123-45-67; +7 924 000")
    assert "иванов петр" in text
    assert "ул ленина д 5" in text
    assert "89141234567" in text and "7924000" in text
    assert text.startswith("01-234 01234")


@pytest.mark.parametrize("query, expected", [
    ("иванов", ["1000001", "1000002"]),           # Cyrillic, case-insensitive both ways
    ("ИВАНОВА", ["1000002"]),
    ("семенов", ["1000003"]),                      # ё typed as е
    ("Семёнов", ["1000003"]),
    ("ленина 5", ["1000001", "1000002"]),           # every word must match, address
    ("мария ленина", ["1000002"]),
    ("ромашка", ["2000001"]),
    ("1000001", ["1000001"]),                       # exact number
    ("100000", ["1000001", "1000002", "1000003"]),  # number prefix
    ("+7 914 123-45-67", ["1000001"]),               # phone with another trunk prefix and punctuation
    ("914 123 45 67", ["1000001"]),
    ("9245550011", ["1000003"]),
    ("41137-2-34-56", ["2000001"]),
    ("234567", ["1000001"]),                         # a fragment of the digits
    ("semenov_%", ["3000001"]),                      # LIKE wildcards never act as wildcards
    ("несуществующий", []),
])
def test_search_matches(register, query, expected):
    assert numbers(AccountFilter(q=query)) == expected


def test_search_terms_strip_trunk_prefix_only_for_eleven_digit_numbers():
    assert search_terms("+7 (914) 123-45-67") == ["9141234567"]
    assert search_terms("71234") == ["71234"]
    assert search_terms("  ") == []


@pytest.mark.parametrize("flt, expected", [
    (AccountFilter(category="other"), ["2000001"]),
    (AccountFilter(category="population", tenure="owner"), ["1000001", "1000003", "3000001"]),
    (AccountFilter(municipal=True), ["1000002", "3000001"]),
    (AccountFilter(municipal=False, category="population"), ["1000001", "1000003", "2000002"]),
    (AccountFilter(debt_min_kop=75_050), ["1000001", "2000001", "2000002", "3000001"]),
    (AccountFilter(debt_min_kop=25_001, debt_max_kop=1_500_000), ["1000001", "2000002", "3000001"]),
    (AccountFilter(debt_max_kop=0), ["1000003"]),
    (AccountFilter(aging="0_30"), ["1000002"]),
    (AccountFilter(aging="31_90"), ["3000001"]),
    (AccountFilter(aging="91_180"), ["1000001"]),
    (AccountFilter(aging="1_3y"), ["2000002"]),
    (AccountFilter(aging="over_3y"), ["2000001"]),
    (AccountFilter(aging="181_365"), []),
    (AccountFilter(q="ленск", debt_min_kop=1), ["1000001", "1000002", "2000001"]),
])
def test_filters(register, flt, expected):
    assert numbers(flt) == expected


def test_territory_filter(register):
    tid = db.session.scalar(select(Territory.id).where(Territory.name == "Витим"))
    assert numbers(AccountFilter(territory_id=tid)) == ["1000003"]


def test_open_case_filter(register):
    from casework.cases.models import Case

    db.session.execute(insert(Case), [
        dict(account_id=register["2000002"], stage="notice", stage_since=date(2026, 1, 1), opened_on=date(2026, 1, 1),
             is_open=True),
        dict(account_id=register["1000001"], stage="closed", stage_since=date(2026, 1, 1), opened_on=date(2025, 1, 1),
             is_open=False)])
    db.session.commit()
    assert numbers(AccountFilter(has_open_case=True)) == ["2000002"]
    assert "2000002" not in numbers(AccountFilter(has_open_case=False))
    assert "1000001" in numbers(AccountFilter(has_open_case=False))


@pytest.mark.parametrize("sort, descending, expected", [
    ("balance", True, ["2000001", "1000001", "2000002", "3000001", "1000002", "1000003"]),
    ("balance", False, ["1000003", "1000002", "3000001", "2000002", "1000001", "2000001"]),
    # equal figures: the later-created account first in a descending sort (the tiebreaker follows the direction)
    ("overdue", True, ["2000001", "1000001", "2000002", "3000001", "1000003", "1000002"]),
    ("months", True, ["2000001", "2000002", "1000001", "3000001", "1000003", "1000002"]),
    ("number", True, ["3000001", "2000002", "2000001", "1000003", "1000002", "1000001"]),
])
def test_sorting(register, sort, descending, expected):
    assert numbers(AccountFilter(sort=sort, descending=descending)) == expected


def test_sort_by_debtor_name(register):
    got = numbers(AccountFilter(sort="debtor"))
    names = dict((r[0], r[1]) for r in REGISTER)
    assert [names[n] for n in got] == sorted(names[n] for n in got)


def test_sort_by_oldest_debt_puts_the_oldest_first_and_accounts_without_debt_aside(register):
    got = numbers(AccountFilter(sort="oldest", descending=True, debt_min_kop=1))
    assert got == ["2000001", "2000002", "1000001", "3000001", "1000002"]


def test_pagination_and_totals_cover_the_whole_filtered_set(register):
    flt = AccountFilter(category="population", sort="balance", descending=True)
    first, totals = search_accounts(flt, page=1, per_page=2)
    second, _ = search_accounts(flt, page=2, per_page=2)
    third, _ = search_accounts(flt, page=3, per_page=2)
    assert [r.number for r in first.items] == ["1000001", "2000002"]
    assert [r.number for r in second.items] == ["3000001", "1000002"]
    assert [r.number for r in third.items] == ["1000003"]
    assert first.has_next and second.has_next and not third.has_next
    expected_sum = sum(r[8] for r in REGISTER if r[4] == "population")
    assert (totals.count, totals.balance_kop) == (5, expected_sum)
    assert first.pages == 3


def test_totals_of_the_whole_register(register):
    totals = account_totals(AccountFilter())
    assert totals.count == len(REGISTER)
    assert totals.balance_kop == sum(r[8] for r in REGISTER)


def test_export_rows_are_every_filtered_row_not_a_page(register):
    rows = list(iter_account_rows(AccountFilter(q="ленск"), batch=1))
    assert [r.number for r in rows] == ["1000001", "1000002", "2000001"]


def test_account_without_balance_row_is_listed_by_number(register):
    db.session.execute(insert(Account), [dict(number="9999999", debtor_name="Новый", address="х", category="population",
                                             search_text=search_text_for("9999999", "Новый", "х", None))])
    db.session.commit()
    page, totals = search_accounts(AccountFilter())
    assert page.items[-1].number == "9999999" and page.items[-1].balance_kop is None
    assert totals.count == len(REGISTER) + 1


@pytest.mark.parametrize("days, bucket", [(0, "0_30"), (30, "0_30"), (31, "31_90"), (90, "31_90"), (91, "91_180"),
                                          (180, "91_180"), (181, "181_365"), (365, "181_365"), (366, "1_3y"),
                                          (1095, "1_3y"), (1096, "over_3y"), (None, None)])
def test_aging_bucket_bounds(days, bucket):
    assert aging_bucket(days) == bucket


def test_ledger_by_month_and_service_and_payment_reversals(register):
    acc = register["1000001"]
    svc = dict(db.session.execute(select(Service.code, Service.id)).all())
    L = LedgerEntry.__table__

    def entry(**kw):
        return dict(dict(paid_on=None, source=None, paid_period=None, reference=None, reverses_id=None), **kw)

    db.session.execute(insert(L), [entry(**e) for e in [
        dict(account_id=acc, service_id=svc["heating"], period=date(2026, 1, 1), kind="opening", amount_kop=10_000,
             entry_key="o1"),
        dict(account_id=acc, service_id=svc["heating"], period=date(2026, 1, 1), kind="charge", amount_kop=300_000,
             entry_key="c1"),
        dict(account_id=acc, service_id=svc["hot_water"], period=date(2026, 1, 1), kind="charge", amount_kop=100_000,
             entry_key="c2"),
        dict(account_id=acc, service_id=svc["heating"], period=date(2026, 1, 1), kind="recalculation",
             amount_kop=-5_000, entry_key="r1"),
        # posted in February, paid on 30 January: counted in January like account_months does
        dict(account_id=acc, service_id=svc["heating"], period=date(2026, 2, 1), kind="payment", amount_kop=200_000,
             paid_on=date(2026, 1, 30), source="bank", paid_period=date(2025, 12, 1), reference="П/п 15",
             entry_key="p1"),
        dict(account_id=acc, service_id=svc["heating"], period=date(2026, 2, 1), kind="payment", amount_kop=50_000,
             paid_on=date(2026, 2, 3), source="cash_desk", entry_key="p2"),
    ]])
    p2 = db.session.scalar(select(L.c.id).where(L.c.entry_key == "p2"))
    db.session.execute(insert(L), [dict(account_id=acc, service_id=svc["heating"], period=date(2026, 2, 1),
                                        kind="payment", amount_kop=-50_000, paid_on=date(2026, 2, 5),
                                        source="cash_desk", reverses_id=p2, entry_key="p3")])
    db.session.commit()
    by_month = ledger_by_month_and_service(acc)
    assert list(by_month) == [date(2026, 2, 1), date(2026, 1, 1)]
    jan = {c.service_name: c for c in by_month[date(2026, 1, 1)]}
    assert [c.service_name for c in by_month[date(2026, 1, 1)]] == ["Отопление", "Горячее водоснабжение"]
    heat = jan["Отопление"]
    assert (heat.opening_kop, heat.charged_kop, heat.recalculated_kop, heat.paid_kop) == (10_000, 300_000, -5_000,
                                                                                          200_000)
    assert jan["Горячее водоснабжение"].charged_kop == 100_000
    feb = by_month[date(2026, 2, 1)][0]
    assert feb.paid_kop == 0  # the payment and its reversal cancel out
    payments = payments_for(acc)
    assert [p.amount_kop for p in payments] == [-50_000, 50_000, 200_000]
    assert payments[0].reverses_id == p2 and payments[1].reversed_by == [payments[0].id]
    assert payments[2].paid_period == date(2025, 12, 1) and payments[2].reference == "П/п 15"
