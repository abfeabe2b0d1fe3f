"""The defendants of a court filing (domain.parties): owners by share and period, minors through their
representatives, a social tenant with the adult family jointly; kopecks apportioned exactly."""
from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from casework.domain.parties import MINOR_SHARE, SHARE, TENANCY, ClaimMonth, Person, apportion, build_parties, is_minor
from casework.domain.penalty import DEN


def months(*specs):
    return [ClaimMonth(date(y, m, 1), debt, units) for (y, m, debt, units) in specs]


def test_two_owners_half_each_one_from_a_date():
    # Иванов owns 1/2 all along; Петров's 1/2 was registered on 16.02.2025 (before him nobody is recorded for it).
    persons = [Person(1, "Иванов", "owner", Fraction(1, 2)),
               Person(2, "Петров", "owner", Fraction(1, 2), since=date(2025, 2, 16))]
    ms = months((2025, 1, 300_001, 0), (2025, 2, 280_000, 0), (2025, 3, 300_001, 0))
    res = build_parties(persons, ms)
    by = {ln.debtors: ln for ln in res.lines}
    assert [ln.basis for ln in res.lines] == [SHARE, SHARE]
    # Иванов: half of every month = 150 000,5 + 140 000 + 150 000,5 = 440 001 exactly
    assert by[(1,)].debt_kop == 440_001
    # Петров: 13 of 28 days of February × 1/2 = 65 000; half of March = 150 000,5
    exact_petrov = Fraction(280_000, 2) * Fraction(13, 28) + Fraction(300_001, 2)
    assert abs(by[(2,)].debt_kop - exact_petrov) < 1
    assert by[(2,)].spans == ((date(2025, 2, 16), date(2025, 3, 31)),)
    assert by[(2,)].months == (date(2025, 2, 1), date(2025, 3, 1))
    # what nobody answers for: January's other half and February's first 15 days of Петров's half
    assert res.unassigned_months == (date(2025, 1, 1), date(2025, 2, 1))
    assert by[(1,)].debt_kop + by[(2,)].debt_kop + res.unassigned_debt_kop == sum(m.debt_kop for m in ms)
    assert res.defendants == (1, 2)


def test_kopecks_add_up_exactly_three_equal_owners():
    persons = [Person(k, n, "owner") for k, n in ((1, "А"), (2, "Б"), (3, "В"))]  # no shares: equal (ГК 245)
    ms = months((2025, 1, 100, 1 * DEN // 3), (2025, 2, 101, 7 * DEN + 5))
    res = build_parties(persons, ms)
    debts = [ln.debt_kop for ln in res.lines]
    pens = [ln.penalty_kop for ln in res.lines]
    assert sum(debts) == 201 and sorted(debts) == [67, 67, 67]
    total_pen = (DEN // 3 + 7 * DEN + 5 + DEN // 2) // DEN  # half up, once
    assert res.penalty_kop == total_pen == 7 and sum(pens) == 7
    assert all(ln.share is None for ln in res.lines)
    assert res.unassigned_debt_kop == 0 and res.unassigned_months == ()


def test_apportion_largest_remainder_ties_to_the_first():
    assert apportion([Fraction(1, 3)] * 3, 1) == [1, 0, 0]
    assert apportion([Fraction(5, 2), Fraction(5, 2)], 5) == [3, 2]
    with pytest.raises(ValueError):
        apportion([Fraction(1)], 3)


def test_minor_co_owner_claimed_from_parents_never_in_person():
    mother = Person(1, "Петрова Анна", "owner", Fraction(1, 2), birth_date=date(1985, 4, 1), represents=(2,))
    child = Person(2, "Петров Иван", "owner", Fraction(1, 2), birth_date=date(2014, 3, 10))
    father = Person(3, "Петров Сергей", "registered", birth_date=date(1984, 1, 1), represents=(2,))
    ms = months((2026, 1, 10_001, 0), (2026, 2, 10_000, 0))
    res = build_parties([mother, child, father], ms)
    assert 2 not in res.defendants and res.minors == (2,)
    assert res.defendants == (1, 3)
    own = [ln for ln in res.lines if ln.basis == SHARE]
    minor = [ln for ln in res.lines if ln.basis == MINOR_SHARE]
    assert [ln.debtors for ln in own] == [(1,)]
    assert [(ln.debtors, ln.minor, ln.part) for ln in minor] == [((1,), 2, Fraction(1, 2)), ((3,), 2, Fraction(1, 2))]
    assert own[0].debt_kop + sum(ln.debt_kop for ln in minor) == 20_001
    assert abs(own[0].debt_kop - Fraction(20_001, 2)) < 1
    assert res.problems == ()


def test_minor_without_representative_is_a_problem_not_a_debtor():
    res = build_parties([Person(1, "Отец", "owner", Fraction(1, 2)),
                         Person(2, "Сын", "owner", Fraction(1, 2), birth_date=date(2014, 3, 10))],
                        months((2026, 1, 1000, 0)))
    assert res.defendants == (1,)
    assert ("minor_without_representative", 2) in res.problems
    assert res.unassigned_debt_kop == 500


def test_representative_role_is_the_default_representative():
    res = build_parties([Person(2, "Сын", "owner", Fraction(1), birth_date=date(2014, 3, 10)),
                         Person(5, "Опекун", "representative")], months((2026, 1, 999, 0)))
    assert [(ln.debtors, ln.basis, ln.debt_kop) for ln in res.lines] == [((5,), MINOR_SHARE, 999)]


def test_owner_who_came_of_age_answers_himself_from_that_month():
    # 18 on 10.03.2026: January–March are his parent's (minor on the 1st), April his own
    child = Person(2, "Сын", "owner", Fraction(1), birth_date=date(2008, 3, 10))
    mother = Person(1, "Мать", "representative")
    res = build_parties([child, mother], months((2026, 2, 100, 0), (2026, 3, 100, 0), (2026, 4, 100, 0)))
    by = {(ln.debtors, ln.basis): ln for ln in res.lines}
    assert by[((1,), MINOR_SHARE)].months == (date(2026, 2, 1), date(2026, 3, 1))
    assert by[((2,), SHARE)].months == (date(2026, 4, 1),)
    assert is_minor(date(2008, 3, 10), date(2026, 3, 9)) and not is_minor(date(2008, 3, 10), date(2026, 3, 10))


def test_social_tenant_with_adult_family_member_jointly():
    tenant = Person(1, "Сидоров", "tenant", birth_date=date(1970, 1, 1))
    wife = Person(2, "Сидорова", "registered", birth_date=date(1972, 1, 1))
    kid = Person(3, "Сидоров мл.", "registered", birth_date=date(2015, 1, 1))
    son = Person(4, "Сидоров ст.", "registered", birth_date=date(2008, 3, 10))  # adult from April 2026
    ms = months((2026, 3, 5000, 3 * DEN), (2026, 4, 5000, 1 * DEN))
    res = build_parties([tenant, wife, kid, son], ms, tenure="social_tenancy")
    assert [(ln.debtors, ln.basis, ln.debt_kop, ln.penalty_kop) for ln in res.lines] == [
        ((1, 2), TENANCY, 5000, 3), ((1, 2, 4), TENANCY, 5000, 1)]
    assert all(ln.jointly for ln in res.lines)
    assert 3 not in res.defendants


def test_excluded_person_and_period_ends():
    tenant = Person(1, "Сидоров", "tenant")
    gone = Person(2, "Ушёл", "registered", until=date(2026, 1, 31))
    out = Person(3, "Исключён", "registered", excluded=True)
    res = build_parties([tenant, gone, out], months((2026, 1, 10, 0), (2026, 2, 10, 0)), tenure="social_tenancy")
    assert [ln.debtors for ln in res.lines] == [(1, 2), (1,)]


def test_seller_and_buyer_split_the_month_by_days():
    seller = Person(1, "Продавец", "owner", Fraction(1), until=date(2025, 4, 10))
    buyer = Person(2, "Покупатель", "owner", Fraction(1), since=date(2025, 4, 11))
    res = build_parties([seller, buyer], months((2025, 4, 30_000, 0)))
    assert [(ln.debtors, ln.debt_kop) for ln in res.lines] == [((1,), 10_000), ((2,), 20_000)]
    assert res.unassigned_debt_kop == 0


def test_the_month_the_account_opened_counts_only_its_open_days():
    owner = Person(1, "Владелец", "owner", Fraction(1), since=date(2026, 5, 19))
    ms = months((2026, 5, 1300, 0), (2026, 6, 3000, 0))
    res = build_parties([owner], ms, opened_on=date(2026, 5, 19))
    assert res.unassigned_debt_kop == 0 and [ln.debt_kop for ln in res.lines] == [4300]
    assert res.lines[0].spans == ((date(2026, 5, 19), date(2026, 6, 30)),)
    # without the opening date the first 18 days of May are nobody's
    assert build_parties([owner], ms).unassigned_debt_kop == 1300 * 18 // 31 + 1
