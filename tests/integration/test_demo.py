"""`casework demo`: a deterministic, realistic demo enterprise whose users can log in."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import case, func, select

from casework.accounts.models import Account, AccountBalance, AccountParty, LedgerEntry, Party, Service
from casework.auth.models import User
from casework.demo.generator import DEMO_USERS, feminine_surname
from casework.domain.requisites import (
    bank_account_is_valid,
    correspondent_account_is_valid,
    inn_is_valid,
    kpp_is_valid,
    ogrn_is_valid,
    snils_is_valid,
)
from casework.enterprise.models import Enterprise
from casework.extensions import db

N = 300


def _figures() -> dict:
    """Totals that two builds of the same demo must share."""
    by_kind = dict(db.session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount_kop))
                                      .group_by(LedgerEntry.kind)).all())
    by_source = dict(db.session.execute(select(LedgerEntry.source, func.count()).where(LedgerEntry.kind == "payment")
                                        .group_by(LedgerEntry.source)).all())
    names = hashlib.sha1("\n".join(db.session.scalars(
        select(Account.number + " " + Account.debtor_name).order_by(Account.number))).encode()).hexdigest()
    people = hashlib.sha1("\n".join(
        f"{p.full_name}|{p.birth_date}|{p.snils}|{p.passport_number}|{p.inn}"
        for p in db.session.scalars(select(Party).order_by(Party.full_name, Party.snils, Party.inn))).encode()
    ).hexdigest()
    return {"by_kind": by_kind, "by_source": by_source, "names": names, "people": people,
            "rows": db.session.scalar(select(func.count()).select_from(LedgerEntry)),
            "inn": db.session.scalar(select(Enterprise.inn))}


@pytest.fixture()
def demo(app, runner):
    result = runner.invoke(args=["demo", "--accounts", str(N), "--no-serve"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.remove()
    return result.output


def test_demo_is_deterministic_and_prints_the_logins(demo, runner):
    for role, (login, _name, _position, password) in DEMO_USERS.items():
        assert f"{login} / {password}" in demo
    first = _figures()
    assert db.session.scalar(select(func.count()).select_from(Account)) == N

    again = runner.invoke(args=["demo", "--accounts", str(N), "--no-serve"])
    assert again.exit_code == 0 and "not rebuilt" in again.output  # an existing demo is kept
    assert _figures() == first

    refused = runner.invoke(args=["demo", "--no-serve", "--reset"], input="n\n")  # --reset asks first
    assert refused.exit_code != 0
    assert _figures() == first

    rebuilt = runner.invoke(args=["demo", "--accounts", str(N), "--no-serve", "--reset", "--yes"])
    assert rebuilt.exit_code == 0, rebuilt.output + repr(rebuilt.exception)
    db.session.remove()
    assert _figures() == first


def _check_one_user_per_role_and_the_printed_password_logs_in(app):
    users = {u.role: u for u in db.session.scalars(select(User))}
    assert set(users) == set(DEMO_USERS)
    for role, (login, name, _position, password) in DEMO_USERS.items():
        assert users[role].username == login and users[role].full_name == name
        client = app.test_client()
        resp = client.post("/auth/login", data={"username": login, "password": password})
        assert resp.status_code == 302 and "/auth/login" not in resp.headers["Location"], (role, resp.status_code)
        assert client.get("/auth/profile").status_code == 200


def _check_identifiers_carry_valid_check_digits():
    ent = db.session.get(Enterprise, 1)
    assert ent.short_name and ent.signatory_name and ent.signatory_position
    assert inn_is_valid(ent.inn) and kpp_is_valid(ent.kpp) and ogrn_is_valid(ent.ogrn)
    assert bank_account_is_valid(ent.bik, ent.settlement_account)
    assert correspondent_account_is_valid(ent.bik, ent.correspondent_account)
    parties = list(db.session.scalars(select(Party)))
    snilses = [p.snils for p in parties if p.snils]
    inns = [p.inn for p in parties if p.inn]
    ogrns = [p.ogrn for p in parties if p.ogrn]
    assert len(snilses) > N and inns and ogrns
    assert all(snils_is_valid(s) for s in snilses)
    assert all(inn_is_valid(i) for i in inns)
    assert all(ogrn_is_valid(o) for o in ogrns)
    assert len(set(snilses)) == len(snilses)


def _check_people_look_real():
    from casework.timeutil import today as business_today

    today = business_today()  # the enterprise's day (Lensk, UTC+9), the one the demo data is built for
    people = list(db.session.scalars(select(Party).where(Party.kind == "person")))
    for p in people:
        assert p.full_name == f"{p.last_name} {p.first_name} {p.middle_name}"
        # patronymics and surnames agree with the gender
        if p.gender == "m":
            assert p.middle_name.endswith(("ич",)), p.full_name
        else:
            assert p.middle_name.endswith(("на",)), p.full_name
            assert feminine_surname(p.last_name) == p.last_name or p.last_name.endswith("а"), p.full_name
        assert p.birth_date and p.birth_place
    minors = [p for p in people if (today - p.birth_date).days < 18 * 365]
    adults = [p for p in people if (today - p.birth_date).days >= 18 * 365]
    assert minors and all(p.passport_number for p in adults)
    shares = set(db.session.execute(select(AccountParty.share_num, AccountParty.share_den)
                                    .where(AccountParty.role == "owner")).all())
    assert {(1, 2), (1, 3)} <= shares
    cats = dict(db.session.execute(select(Account.category, func.count()).group_by(Account.category)).all())
    assert 0.04 <= cats["other"] / N <= 0.10
    orgs = db.session.scalars(select(Account).where(Account.category == "other")).all()
    assert all(a.inn and inn_is_valid(a.inn) for a in orgs)
    tenures = set(db.session.scalars(select(Account.tenure).distinct()))
    assert {"owner", "social_tenancy", "other"} <= tenures
    settlements = set(db.session.scalars(select(Account.settlement).distinct()))
    assert {"г. Ленск", "п. Витим", "п. Пеледуй"} <= settlements


def _check_ledger_has_realistic_debt_patterns():
    signed = case((LedgerEntry.kind == "payment", -LedgerEntry.amount_kop), else_=LedgerEntry.amount_kop)
    charged = func.sum(case((LedgerEntry.kind == "charge", LedgerEntry.amount_kop), else_=0))
    months = func.count(func.distinct(case((LedgerEntry.kind == "charge", LedgerEntry.period))))
    rows = db.session.execute(select(LedgerEntry.account_id, func.sum(signed), charged, months)
                              .group_by(LedgerEntry.account_id)).all()
    assert len(rows) == N
    arrears = []
    for _aid, balance, charged_kop, n_months in rows:
        monthly = charged_kop / max(n_months, 1)
        arrears.append(balance / monthly if monthly else 0)
    paid_up = sum(1 for a in arrears if a <= 0.001)
    over_year = sum(1 for a in arrears if a > 12)
    small = sum(1 for a in arrears if 0 < a <= 2)
    assert paid_up >= N * 0.15, paid_up  # most pay on time: many owe nothing today
    assert small >= N * 0.08, small  # … or only the last bill
    assert over_year >= N * 0.03, over_year  # the chronic tail: more than 12 months of arrears
    assert N * 0.4 <= paid_up + small
    # seasonal heating: nothing charged for heating in July, most in January
    heating = db.session.execute(select(LedgerEntry.period, func.sum(LedgerEntry.amount_kop))
                                 .join(Service, Service.id == LedgerEntry.service_id)
                                 .where(LedgerEntry.kind == "charge", Service.code == "heating")
                                 .group_by(LedgerEntry.period)).all()
    by_month = {p.month: a for p, a in heating}
    assert 7 not in by_month and by_month[1] > by_month[10] > 0
    kinds = dict(db.session.execute(select(LedgerEntry.kind, func.count()).group_by(LedgerEntry.kind)).all())
    assert set(kinds) == {"opening", "charge", "recalculation", "payment"}
    negative = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.kind == "recalculation", LedgerEntry.amount_kop < 0))
    assert negative > 0
    sources = set(db.session.scalars(select(LedgerEntry.source).where(LedgerEntry.kind == "payment").distinct()))
    assert {"enforcement", "employer", "bank", "cash_desk", "online"} <= sources
    # chronic debtors' openings reach back beyond the three-year limitation period (ГК ст.196)
    first_charge = db.session.scalar(select(func.min(LedgerEntry.period)).where(LedgerEntry.kind == "charge"))
    oldest_opening = db.session.scalar(select(func.min(LedgerEntry.period)).where(LedgerEntry.kind == "opening"))
    assert (first_charge - oldest_opening).days > 365
    # nothing is dated after today, and the history covers 36 billing months
    from casework.timeutil import today as business_today

    assert db.session.scalar(select(func.max(LedgerEntry.paid_on))) <= business_today()  # the enterprise's day
    assert db.session.scalar(select(func.count(func.distinct(LedgerEntry.period)))
                             .where(LedgerEntry.kind == "charge")) == 36
    # the accounts area's derived figures were refreshed by the build
    assert db.session.scalar(select(func.count()).select_from(AccountBalance)) == N
    assert db.session.scalar(select(func.max(AccountBalance.months_in_arrears))) > 12


def test_demo_content(demo, app):
    """One build (it takes seconds), every expectation on it."""
    _check_one_user_per_role_and_the_printed_password_logs_in(app)
    _check_identifiers_carry_valid_check_digits()
    _check_people_look_real()
    _check_ledger_has_realistic_debt_patterns()
