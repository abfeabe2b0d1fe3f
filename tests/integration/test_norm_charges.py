"""ПП 354 п.118 on a real enterprise: the monthly charge at the norm set per account on its page, or derived from the
charges (the mean of the last 3 full monthly charges) when neither the account nor the service has one."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from casework.accounts.models import AccountServiceNorm, LedgerEntry
from casework.cases import services
from casework.domain.restriction import derived_norm_kop
from casework.domain.stages import TransitionNotAllowed
from casework.extensions import db
from tests.factories import billed_account
from tests.integration.test_case_services import TODAY


def test_derived_norm_rule():
    assert derived_norm_kop([100_00, 200_00, 300_00]) == 200_00
    assert derived_norm_kop([100_00, 100_01, 100_01]) == 100_01          # 300.02/3 = 100.0066… → 100.01
    assert derived_norm_kop([100_00, 200_00]) is None                     # fewer than 3 months: no estimate
    assert derived_norm_kop([100_00, 0, 200_00, 300_00]) == 200_00        # an empty month does not count
    assert derived_norm_kop([300_00, 300_00, 300_00, 9_000_00]) == 300_00  # only the latest three


def _restriction_ready(staff, **kw):
    """A case in the notice stage with a delivered warning whose 20 days have run out."""
    acc, svc = billed_account(**kw)
    svc.norm_monthly_kop = None                      # a real enterprise: the service has no default norm charge
    c = services.open_case(acc.id, staff["collector"], TODAY - timedelta(days=60))
    services.change_stage(c, "notice", staff["collector"], TODAY - timedelta(days=50))
    services.record_warning_delivered(c, date(2026, 5, 6), staff["collector"], "hand", svc.id, today=TODAY)
    return acc, svc, c


@pytest.fixture()
def staff(make_user):
    return {r: make_user(r) for r in ("collector", "lawyer", "manager")}


def test_no_norm_anywhere_and_too_few_charges_refuses_restriction(app, staff):
    acc, svc, c = _restriction_ready(staff, months=2, monthly_kop=900_000, last_period=date(2026, 5, 1))
    assert services.norm_info(acc.id, svc, TODAY) == (None, None)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "restriction", staff["collector"], TODAY, service_id=svc.id)
    assert exc.value.code == "no_norm"


def test_norm_derived_from_the_last_three_full_months(app, staff):
    acc, svc, c = _restriction_ready(staff, months=12, monthly_kop=300_000)
    # the current month's charge (June, not complete) is not one of the three
    db.session.execute(insert(LedgerEntry), [dict(account_id=acc.id, service_id=svc.id, period=date(2026, 6, 1),
                                                  kind="charge", amount_kop=10_000_000, entry_key=f"{acc.id}-jun")])
    assert services.norm_info(acc.id, svc, TODAY) == (300_000, services.NORM_DERIVED)
    services.change_stage(c, "restriction", staff["collector"], TODAY, service_id=svc.id)
    assert c.stage == "restriction"


def test_account_norm_set_on_the_page_wins_and_can_refuse(app, staff):
    acc, svc, c = _restriction_ready(staff, months=12, monthly_kop=300_000)
    # 12 months of 3,000 ₽ + June's 10,000 ₽ = 46,000 ₽ of hot-water debt; a norm charge of 23,000 ₽ makes it exactly
    # two norm months: not above, refused
    db.session.execute(insert(LedgerEntry), [dict(account_id=acc.id, service_id=svc.id, period=date(2026, 6, 1),
                                                  kind="charge", amount_kop=1_000_000, entry_key=f"{acc.id}-jun")])
    services.set_account_norm(acc, svc, 2_300_000, staff["lawyer"])
    assert services.norm_info(acc.id, svc, TODAY) == (2_300_000, services.NORM_ACCOUNT)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "restriction", staff["collector"], TODAY, service_id=svc.id)
    assert exc.value.code == "below_threshold"
    services.set_account_norm(acc, svc, None, staff["lawyer"])  # removed: derived again
    assert db.session.get(AccountServiceNorm, (acc.id, svc.id)) is None
    assert services.norm_info(acc.id, svc, TODAY)[1] == services.NORM_DERIVED
    with pytest.raises(TransitionNotAllowed) as exc:
        services.set_account_norm(acc, svc, 0, staff["lawyer"])
    assert exc.value.code == "norm_not_positive"


def test_norms_page_sets_and_removes_the_account_norm(client, login):
    from casework.accounts.models import Service

    lawyer = login("lawyer")
    acc, svc = billed_account(months=4, monthly_kop=250_000, last_period=date(2026, 5, 1))
    svc.norm_monthly_kop = None
    db.session.commit()
    r = client.get(f"/cases/accounts/{acc.id}/norms")
    assert r.status_code == 200
    page = r.data.decode().replace("\xa0", " ")
    assert svc.name in page and "2 500,00" in page and "среднее последних 3" in page.lower()
    r = client.post(f"/cases/accounts/{acc.id}/norms", data={"service_id": svc.id, "norm": "1 234,56"},
                    follow_redirects=True)
    assert r.status_code == 200
    db.session.expire_all()
    assert db.session.get(AccountServiceNorm, (acc.id, svc.id)).norm_monthly_kop == 123_456
    assert "задано для этого счёта" in r.data.decode().lower()
    r = client.post(f"/cases/accounts/{acc.id}/norms", data={"service_id": svc.id, "norm": "-5"},
                    follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(AccountServiceNorm, (acc.id, svc.id)).norm_monthly_kop == 123_456
    client.post(f"/cases/accounts/{acc.id}/norms", data={"service_id": svc.id, "norm": ""})
    db.session.expire_all()
    assert db.session.get(AccountServiceNorm, (acc.id, svc.id)) is None
    assert client.get("/cases/accounts/999999/norms").status_code == 404
    assert db.session.scalar(select(Service.id).where(Service.id == svc.id)) == svc.id
    del lawyer


def test_collector_may_not_edit_norms(client, login):
    login("collector")
    acc, svc = billed_account(months=4)
    db.session.commit()
    assert client.get(f"/cases/accounts/{acc.id}/norms").status_code == 403
    assert client.post(f"/cases/accounts/{acc.id}/norms", data={"service_id": svc.id, "norm": "1"}).status_code == 403


def test_norm_charges_are_imported_from_the_ledger_and_turnover_files(app):
    """The column «Начисление по нормативу» of a billing file sets the account's norm charge per service (the latest
    month wins); a negative one is a bad row; an empty cell changes nothing."""
    from casework.accounts.models import Account, Service
    from casework.imports import services as imports
    from tests.integration.test_imports import load_accounts

    load_accounts()
    ledger = ("ЛС;Период;Услуга;Вид;Сумма;Начисление по нормативу\n"
              "100001;2025-01;heating;начисление;2500,50;2 400,00\n"
              "100001;2025-02;heating;начисление;2500,50;2 450,00\n"
              "100002;2025-01;hot_water;начисление;800;\n")
    b = imports.commit_import("ledger", ledger.encode(), "l.csv", None, via="cli")
    db.session.commit()
    assert b.status == "committed" and b.options["norms"] == 1
    acc1 = db.session.scalar(select(Account).where(Account.number == "100001"))
    acc2 = db.session.scalar(select(Account).where(Account.number == "100002"))
    heating = db.session.scalar(select(Service).where(Service.code == "heating"))
    hot = db.session.scalar(select(Service).where(Service.code == "hot_water"))
    assert db.session.get(AccountServiceNorm, (acc1.id, heating.id)).norm_monthly_kop == 245_000
    assert db.session.get(AccountServiceNorm, (acc2.id, hot.id)) is None
    turnover = ("ЛС;Услуга;Период;Сальдо на начало;Начислено;Оплачено;Сальдо на конец;Плата по нормативу\n"
                "100002;hot_water;2025-02;800;800;0;1600;750,00\n")
    b = imports.commit_import("turnover", turnover.encode(), "t.csv", None, via="cli")
    db.session.commit()
    assert b.status == "committed", b.message
    assert db.session.get(AccountServiceNorm, (acc2.id, hot.id)).norm_monthly_kop == 75_000
    bad = ("ЛС;Период;Услуга;Вид;Сумма;Начисление по нормативу\n"
           "100001;2025-03;heating;начисление;2500,50;-5\n")
    b = imports.commit_import("ledger", bad.encode(), "bad.csv", None, via="cli")
    db.session.commit()
    assert b.status == "rejected"
    assert db.session.get(AccountServiceNorm, (acc1.id, heating.id)).norm_monthly_kop == 245_000
