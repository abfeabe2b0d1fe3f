"""The portfolio run stores one current row per account with debt, computed by account_calculation's engine."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from casework.extensions import db
from casework.legal.models import PortfolioResult, PortfolioRun
from casework.legal.portfolio import run_portfolio
from casework.legal.services import account_calculation
from tests.factories import add_entries, calc_account

AS_OF = date(2025, 9, 30)


def _ledger(acc_id: int, paid_all: bool = False) -> None:
    rows = [{"kind": "charge", "period": p, "amount": "2000.00"} for p in ("2021-10", "2022-06", "2024-11", "2025-05")]
    # a full payment before the oldest month is time-barred clears everything; after that day it could not
    # reach the barred month (Пленум № 22 п.32)
    rows.append({"kind": "payment", "amount": "8000.00", "paid_on": "2024-06-20"} if paid_all else
                {"kind": "payment", "amount": "700.00", "paid_on": "2025-06-20"})
    add_entries(acc_id, rows)


def _results() -> dict[int, PortfolioResult]:
    return {r.account_id: r for r in db.session.scalars(select(PortfolioResult))}


def test_one_row_per_account_with_debt_equal_to_the_account_calculation(app):
    debtors = [calc_account() for _ in range(3)]
    payer = calc_account()
    for a in debtors:
        _ledger(a.id)
    _ledger(payer.id, paid_all=True)
    db.session.commit()
    run = run_portfolio(AS_OF)
    db.session.commit()
    res = _results()
    assert set(res) == {a.id for a in debtors}
    assert run.accounts_scanned == 4 and run.accounts_with_debt == 3
    for a in debtors:
        calc = account_calculation(a.id, AS_OF)
        row = res[a.id]
        assert (row.debt_kop, row.penalty_kop, row.time_barred_kop, row.claimable_kop, row.next_bar_date) == (
            calc.debt_kop, calc.penalty_kop, calc.time_barred_kop, calc.claimable_kop, calc.next_bar_date)
        # 2021-10 whole and 2022-06 less the 700.00 that reached it before its bar on 11.07.2025
        assert row.time_barred_kop == 200000 + 130000 and row.penalty_kop > 0
    assert run.penalty_kop == sum(r.penalty_kop for r in res.values())


def test_a_second_run_replaces_the_rows_and_drops_accounts_that_paid(app):
    a, b = calc_account(), calc_account()
    _ledger(a.id)
    _ledger(b.id)
    db.session.commit()
    first = run_portfolio(AS_OF)
    db.session.commit()
    # a payment found later by the bank, made before any month was time-barred
    add_entries(b.id, [{"kind": "payment", "amount": "7300.00", "paid_on": "2024-06-03"}])
    db.session.commit()
    second = run_portfolio(date(2025, 10, 31))
    db.session.commit()
    res = _results()
    assert set(res) == {a.id}
    assert res[a.id].run_id == second.id != first.id and res[a.id].as_of == date(2025, 10, 31)
    assert db.session.scalar(select(func.count()).select_from(PortfolioRun)) == 2


def test_a_limited_run_touches_only_the_given_accounts(app):
    a, b = calc_account(), calc_account()
    _ledger(a.id)
    _ledger(b.id)
    db.session.commit()
    run_portfolio(AS_OF)
    db.session.commit()
    before_b = _results()[b.id].run_id
    limited = run_portfolio(date(2025, 12, 1), [a.id])
    db.session.commit()
    res = _results()
    assert res[a.id].run_id == limited.id and res[b.id].run_id == before_b
    assert limited.accounts_scanned == 1


def test_two_workers_give_the_same_rows_as_one(app):
    accounts = [calc_account() for _ in range(7)]
    for i, a in enumerate(accounts):
        _ledger(a.id, paid_all=(i % 3 == 0))
    db.session.commit()
    run_portfolio(AS_OF, chunk_accounts=2)
    db.session.commit()
    one = {k: (r.debt_kop, r.penalty_kop, r.time_barred_kop, r.claimable_kop, r.next_bar_date)
           for k, r in _results().items()}
    run = run_portfolio(AS_OF, workers=2, chunk_accounts=2)
    db.session.commit()
    two = {k: (r.debt_kop, r.penalty_kop, r.time_barred_kop, r.claimable_kop, r.next_bar_date)
           for k, r in _results().items()}
    assert one == two and len(one) == 4 and run.workers == 2


def test_the_cli_runs_the_portfolio_and_reports(app, runner):
    a = calc_account()
    _ledger(a.id)
    db.session.commit()
    result = runner.invoke(args=["calc", "portfolio", "--as-of", "2025-09-30", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "1 with debt" in result.output
    db.session.expire_all()
    assert set(_results()) == {a.id}
    bad = runner.invoke(args=["calc", "portfolio", "--as-of", "30-09-2025"])
    assert bad.exit_code == 2


def test_the_portfolio_job_gives_the_same_rows_chunk_by_chunk(app, monkeypatch, make_user):
    from casework.jobs.models import JobRun
    from casework.jobs.services import enqueue, execute

    accounts = [calc_account() for _ in range(7)]
    for i, a in enumerate(accounts):
        _ledger(a.id, paid_all=(i % 3 == 0))
    db.session.commit()
    direct = run_portfolio(AS_OF)
    db.session.commit()
    one = {k: (r.debt_kop, r.penalty_kop, r.time_barred_kop, r.claimable_kop, r.next_bar_date)
           for k, r in _results().items()}
    monkeypatch.setitem(app.config, "PORTFOLIO_JOB_CHUNK", 2)
    run = enqueue("portfolio", {"as_of": AS_OF.isoformat()}, user=make_user("admin"))
    db.session.commit()
    assert execute(run.id) == "done"
    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    assert run.done == run.total == 7
    res = _results()
    by_job = {k: (r.debt_kop, r.penalty_kop, r.time_barred_kop, r.claimable_kop, r.next_bar_date)
              for k, r in res.items()}
    assert by_job == one and len(by_job) == 4
    pr = db.session.get(PortfolioRun, run.checkpoint["portfolio_run_id"])
    assert {r.run_id for r in res.values()} == {pr.id} and pr.id != direct.id
    assert (pr.accounts_scanned, pr.accounts_with_debt, pr.penalty_kop) == (7, 4, direct.penalty_kop)
    assert pr.finished_at is not None
