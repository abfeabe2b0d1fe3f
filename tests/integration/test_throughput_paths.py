"""The fast paths of the throughput work give the same results as the plain ones they replace.

- documents: `CompiledTemplate.render_bytes` (pre-packed archive, listing pass skipped when not needed) produces
  the same text as bare docxtpl render+save for every account letter, and keeps line breaks from values;
- imports: a ledger written by direct COPY/insert of the new rows only, the fallback when a key appears between
  the check and the write (a concurrent import), and a re-import that writes nothing.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date

from docx import Document as Docx
from sqlalchemy import func, select

from casework.accounts.models import AccountBalance, AccountMonth, LedgerEntry
from casework.documents.context import load_common, load_source
from casework.documents.fields import build_context
from casework.documents.letters import LETTERS
from casework.documents.rendering import CompiledTemplate, bare_render, docx_text
from casework.documents.services import active_template, template_data
from casework.extensions import db
from casework.imports import ledger, services
from tests.factories import owned_flat

from .test_documents import TODAY


def test_fast_render_equals_bare_docxtpl_for_every_account_letter(app):
    acc = owned_flat()
    common = load_common({}, TODAY)
    checked = 0
    for code, letter in LETTERS.items():
        if letter.subject != "account":
            continue
        src = load_source(acc.id, common)
        src.number = "7/2026"
        if letter.duty_kind:
            src.extra["duty_kind"] = letter.duty_kind
        path, _v = active_template(code)
        data, names = template_data(path)
        ctx = build_context(src, names)
        tpl = CompiledTemplate(data)
        fast = tpl.render_bytes(ctx)
        again = tpl.render_bytes(ctx)  # the compiled template stays reusable
        bare = bare_render(path, ctx)
        assert docx_text(fast) == docx_text(bare) == docx_text(again), code
        with zipfile.ZipFile(io.BytesIO(fast)) as a, zipfile.ZipFile(io.BytesIO(bare)) as b:
            assert sorted(a.namelist()) == sorted(b.namelist()), code
            assert a.testzip() is None
        checked += 1
    assert checked >= 10


def test_fast_render_keeps_line_breaks_from_values(app):
    acc = owned_flat()
    src = load_source(acc.id, load_common({}, TODAY))
    path, _v = active_template("notice_debt")
    data, names = template_data(path)
    ctx = build_context(src, names)
    key = next(k for k, v in ctx.items() if isinstance(v, str) and v and k in names)
    ctx[key] = "первая строка\nвторая строка"
    fast = CompiledTemplate(data).render_bytes(ctx)
    xml = zipfile.ZipFile(io.BytesIO(fast)).read("word/document.xml").decode()
    assert "первая строка</w:t><w:br/>" in xml
    assert docx_text(fast) == docx_text(bare_render(path, ctx))
    Docx(io.BytesIO(fast))  # opens


ACCOUNTS = "Лицевой счёт;Категория;ФИО;Адрес\n100001;население;Иванов И. И.;ул. Мира, д. 1, кв. 1\n" \
           "100002;население;Петров П. П.;ул. Мира, д. 1, кв. 2\n"
HDR = "ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник\n"
JAN_FEB = HDR + ("100001;2025-01;heating;charge;1000,00;;\n100001;2025-02;heating;charge;1000,00;;\n"
                 "100002;2025-01;heating;charge;500,00;;\n100001;2025-02;heating;payment;300,00;2025-02-20;bank\n")
FEB_MAR = HDR + ("100001;2025-02;heating;charge;1000,00;;\n100001;2025-03;heating;charge;1000,00;;\n"
                 "100002;2025-03;heating;charge;500,00;;\n100001;2025-02;heating;payment;300,00;2025-02-20;bank\n")


def _ledger_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def _balances() -> dict:
    return dict(db.session.execute(select(AccountBalance.account_id, AccountBalance.balance_kop)).all())


def test_overlapping_import_writes_only_new_rows_and_reimport_writes_nothing(app):
    services.commit_import("accounts", ACCOUNTS.encode(), "a.csv", None, via="cli")
    b1 = services.commit_import("ledger", JAN_FEB.encode(), "l1.csv", None, via="cli")
    db.session.commit()
    assert (b1.rows_inserted, b1.rows_duplicate) == (4, 0)
    b2 = services.commit_import("ledger", FEB_MAR.encode(), "l2.csv", None, via="cli")
    db.session.commit()
    assert (b2.rows_inserted, b2.rows_duplicate) == (2, 2)
    assert _ledger_count() == 6
    months = db.session.scalar(select(func.count()).select_from(AccountMonth))
    balances = _balances()
    assert sorted(balances.values()) == [100000, 270000]
    b3 = services.commit_import("ledger", FEB_MAR.encode(), "l2.csv", None, via="cli")
    db.session.commit()
    assert (b3.status, b3.rows_inserted, b3.rows_duplicate) == ("committed", 0, 4)
    assert _ledger_count() == 6
    assert db.session.scalar(select(func.count()).select_from(AccountMonth)) == months
    assert _balances() == balances
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.batch_id == b2.id)) == 2


def test_key_stored_between_check_and_write_falls_back_without_duplicates(app, monkeypatch):
    """A concurrent import commits some of the same keys after the check: no duplicate, no failure."""
    services.commit_import("accounts", ACCOUNTS.encode(), "a.csv", None, via="cli")
    services.commit_import("ledger", JAN_FEB.encode(), "l1.csv", None, via="cli")
    db.session.commit()
    real_check = ledger.check_against_ledger

    def stale_check(prep, data, file_name):  # what a check sees before the other import committed
        real_check(prep, data, file_name)
        prep.known_keys, prep.known = set(), 0

    monkeypatch.setattr(ledger, "check_against_ledger", stale_check)
    b = services.commit_import("ledger", FEB_MAR.encode(), "l2.csv", None, via="cli")
    db.session.commit()
    assert (b.status, b.rows_inserted, b.rows_duplicate) == ("committed", 2, 2)
    assert _ledger_count() == 6
    assert sorted(_balances().values()) == [100000, 270000]
    assert db.session.scalar(select(func.max(AccountMonth.month))) == date(2025, 3, 1)


def test_portfolio_fast_path_equals_the_account_calculation_on_varied_ledgers(app):
    """Months summed by the database, payments streamed raw: every stored row equals account_calculation's."""
    import random

    from casework.accounts.models import Service
    from casework.legal.models import PortfolioResult
    from casework.legal.portfolio import run_portfolio
    from casework.legal.services import account_calculation
    from tests.factories import add_entries, calc_account

    as_of = date(2025, 9, 30)
    rnd = random.Random(7)
    capital = db.session.scalar(select(Service.code).where(Service.is_capital_repair.is_(True)))
    accounts = []
    for n in range(30):
        acc = calc_account()
        accounts.append(acc.id)
        rows = []
        for m in range(rnd.randint(0, 40)):
            y, mo = 2021 + (m + 6) // 12, (m + 6) % 12 + 1
            per = f"{y:04d}-{mo:02d}"
            for svc in ("heating", "hot_water") if rnd.random() < 0.7 else ("heating",):
                rows.append({"kind": "charge", "period": per, "service": svc,
                             "amount": f"{rnd.randint(500, 4000)}.{rnd.randint(0, 99):02d}"})
            if rnd.random() < 0.15:
                rows.append({"kind": "recalculation", "period": per, "amount": f"-{rnd.randint(100, 3000)}.00"})
            if capital and rnd.random() < 0.3:
                rows.append({"kind": "charge", "period": per, "service": capital, "amount": "300.00"})
            if rnd.random() < 0.6:
                paid_on = f"{y:04d}-{mo:02d}-{rnd.randint(1, 28):02d}"
                pay = {"kind": "payment", "paid_on": paid_on, "amount": f"{rnd.randint(100, 9000)}.00"}
                if rnd.random() < 0.3:
                    pay["paid_period"] = per
                rows.append(pay)
        if n % 5 == 0:
            rows.append({"kind": "opening", "period": "2021-06", "amount": "12345.67"})
        if n % 7 == 0:  # after the as-of date: ignored by both
            rows.append({"kind": "charge", "period": "2026-01", "amount": "999.00"})
            rows.append({"kind": "payment", "paid_on": "2025-12-01", "amount": "50.00"})
        ids = add_entries(acc.id, rows) if rows else []
        pays = [(i, r) for i, r in zip(ids, rows) if r["kind"] == "payment" and r["paid_on"] <= "2025-09-30"]
        if pays and n % 3 == 0:  # a (partial) reversal of one payment
            i, r = pays[rnd.randrange(len(pays))]
            add_entries(acc.id, [{"kind": "payment", "paid_on": r["paid_on"], "reverses_id": i,
                                  "amount": f"-{rnd.randint(1, 50)}.00"}])
    db.session.commit()
    run = run_portfolio(as_of, chunk_accounts=7)
    db.session.commit()
    stored = {r.account_id: r for r in db.session.scalars(select(PortfolioResult))}
    expected = {}
    for acc_id in accounts:
        calc = account_calculation(acc_id, as_of)
        if calc.debt_kop > 0:
            expected[acc_id] = (calc.debt_kop, calc.penalty_kop, calc.time_barred_kop, calc.claimable_kop,
                                calc.next_bar_date)
    got = {a: (r.debt_kop, r.penalty_kop, r.time_barred_kop, r.claimable_kop, r.next_bar_date)
           for a, r in stored.items()}
    assert got == expected
    assert 10 <= len(expected) < len(accounts)
    assert run.penalty_kop == sum(v[1] or 0 for v in expected.values())
