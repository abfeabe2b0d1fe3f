"""Concurrent use with real threads, each with its own app context, session and connection.

Two users move the same case at once (service level and through the web), the same ledger file is imported twice
at once. Both engines: on PostgreSQL the second writer waits on the row/unique-index lock and then sees the first
one's commit; on SQLite the writers are serialised by the database lock (busy timeout) — the outcomes asserted are
the same.
"""
from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from casework.accounts.models import AccountMonth, LedgerEntry
from casework.cases import services as case_services
from casework.cases.models import Case, StageChange
from casework.extensions import db
from casework.imports import services as import_services
from casework.imports.models import ImportBatch
from casework.timeutil import today
from tests.factories import billed_account

from ..conftest import PASSWORD
from ..web.test_csrf import Browser

CONFLICT_RU = "Дело уже изменил другой пользователь; обновите страницу."


def _run_threads(targets) -> list:
    results: list = [None] * len(targets)

    def wrap(i, fn):
        try:
            results[i] = fn()
        except BaseException as exc:  # collected and asserted by the test
            results[i] = exc

    threads = [threading.Thread(target=wrap, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


def _open_case(user) -> int:
    acc, _svc = billed_account()
    case = case_services.open_case(acc.id, user, today() - timedelta(days=5), assignee_id=user.id)
    db.session.commit()
    return case.id


def _stage_changes(case_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(StageChange).where(StageChange.case_id == case_id))


# ----------------------------------------------------------------------------------------------- case moves
def test_two_sessions_moving_one_case_one_wins_the_other_gets_stale_data(app, make_user):
    """Both load version 1 and flush a move; the first commits while the second's UPDATE … WHERE version_id = 1 is
    pending — it then matches no row: StaleDataError (which the views turn into the conflict message)."""
    user = make_user("collector")
    case_id = _open_case(user)
    changes_before = _stage_changes(case_id)
    both_loaded = threading.Barrier(2)
    first_flushed = threading.Event()

    def mover(first: bool):
        def run():
            with app.app_context():
                try:
                    case = db.session.get(Case, case_id)
                    actor = db.session.get(type(user), user.id)
                    both_loaded.wait(10)
                    if not first:
                        first_flushed.wait(10)
                    case_services.change_stage(case, "notice", actor, today())
                    if first:
                        first_flushed.set()
                        time.sleep(0.5)  # the other one is now blocked on (PostgreSQL) or racing for the row
                    db.session.commit()
                    return "committed"
                except StaleDataError:
                    db.session.rollback()
                    return "stale"
                finally:
                    db.session.remove()
        return run

    results = _run_threads([mover(True), mover(False)])
    assert results == ["committed", "stale"], results
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.stage == "notice" and case.version_id == 2
    assert _stage_changes(case_id) == changes_before + 1  # nothing half-written by the loser


def test_two_users_posting_the_same_move_at_once_through_the_web(app, make_user):
    users = [make_user("collector"), make_user("manager")]
    case_id = _open_case(users[0])
    changes_before = _stage_changes(case_id)
    browsers = []
    for u in users:
        b = Browser(app)
        assert b.post("/auth/login", data={"username": u.username, "password": PASSWORD}).status_code == 302
        html = b.get(f"/cases/{case_id}").get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="(\d+)"|id="version" name="version" type="hidden" '
                            r'value="(\d+)"', html)
        assert version, "the case page carries the version of what the user saw"
        browsers.append((b, next(g for g in version.groups() if g)))
    start = threading.Barrier(2)

    def post(b, version):
        def run():
            start.wait(10)
            resp = b.post(f"/cases/{case_id}/stage", data={"target": "notice", "version": version},
                          follow_redirects=True)
            return resp.status_code, resp.get_data(as_text=True)
        return run

    results = _run_threads([post(b, v) for b, v in browsers])
    assert all(not isinstance(r, BaseException) for r in results), results
    assert [r[0] for r in results] == [200, 200]  # never a 500
    conflicts = [r for r in results if CONFLICT_RU in r[1]]
    assert len(conflicts) == 1, [r[1][-1500:] for r in results]
    db.session.expire_all()
    assert db.session.get(Case, case_id).stage == "notice"
    assert _stage_changes(case_id) == changes_before + 1


def test_stale_form_gets_the_conflict_message_and_writes_nothing(app, client, login):
    user = login("collector")
    case_id = _open_case(user)
    before = _stage_changes(case_id)
    stale = db.session.get(Case, case_id).version_id
    with app.app_context():  # someone else moves the case meanwhile
        other = db.session.get(Case, case_id)
        case_services.change_stage(other, "notice", None, today())
        db.session.commit()
        db.session.remove()
    resp = client.post(f"/cases/{case_id}/stage", data={"target": "payment_agreement", "version": stale},
                       follow_redirects=True)
    assert resp.status_code == 200 and CONFLICT_RU in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case_id).stage == "notice"
    assert _stage_changes(case_id) == before + 1


# ----------------------------------------------------------------------------------------------- ledger twice
def _accounts_and_ledger(n_accounts=60, months=12):
    acc = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Телефон;Площадь"]
    led = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа"]
    for i in range(n_accounts):
        acc.append(f"P{i:05d};Население;Должник {i};г. Ленск, ул. Мира, д. {i};г. Ленск;;собственник;;40")
        for m in range(months):
            led.append(f"P{i:05d};2025-{m + 1:02d};heating;начисление;{1500 + i},{m:02d};;;")
        led.append(f"P{i:05d};2025-06;heating;оплата;1000;15.06.2025;банк;П-{i}")
    return ("\n".join(acc) + "\n").encode(), ("\n".join(led) + "\n").encode(), len(led) - 1


def test_the_same_ledger_file_imported_twice_at_once_is_counted_once(app):
    accounts, ledger, rows = _accounts_and_ledger()
    batch = import_services.commit_import("accounts", accounts, "accounts.csv", None, via="cli")
    db.session.commit()
    assert batch.status == "committed"
    start = threading.Barrier(2)

    def importer():
        with app.app_context():
            try:
                start.wait(10)
                b = import_services.commit_import("ledger", ledger, "ledger.csv", None, via="cli")
                db.session.commit()
                return b.id
            finally:
                db.session.remove()

    results = _run_threads([importer, importer])
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == rows
    batches = db.session.scalars(select(ImportBatch).where(ImportBatch.kind == "ledger")
                                 .order_by(ImportBatch.id)).all()
    assert len(batches) == 2 and all(b.status == "committed" for b in batches)
    assert sorted(b.rows_inserted for b in batches) == [0, rows]
    assert sorted(b.rows_duplicate for b in batches) == [0, rows]
    # figures built once: month totals equal the file's, not twice the file's
    charged = sum((1500 + i) * 100 + m for i in range(60) for m in range(12))
    assert db.session.scalar(select(func.sum(AccountMonth.charged_kop))) == charged
    assert db.session.scalar(select(func.sum(AccountMonth.paid_kop))) == 60 * 1000 * 100
