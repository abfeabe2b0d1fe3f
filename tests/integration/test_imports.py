"""Imports against a real database: atomic commit, idempotency, overlap, skipped rows, accounts upsert, CLI."""
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.accounts.models import (
    Account,
    AccountBalance,
    AccountMonth,
    AccountParty,
    Building,
    LedgerEntry,
    Party,
    Premises,
    Territory,
)
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.imports import ledger, services, uploads
from casework.imports.models import ImportBatch

ACCOUNTS_CSV = ("Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Телефон;Площадь\n"
                "100001;Население;Иванов Иван Иванович;г. Ленск, ул. Ленина, д. 5, кв. 12;г. Ленск;;собственник;"
                "+7 914 123-45-67;54,3\n"
                "100002;население;Петрова Анна Сергеевна;г. Ленск, ул. Ленина, д. 5;г. Ленск;13;соцнайм;;\n"
                "100003;Прочие;ООО «Ромашка»;п. Витим, ул. Мира, 1;п. Витим;;;;\n").encode()

LEDGER_JAN_MAR = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа\n"
                  "100001;2025-01;heating;сальдо;1000,00;;;\n"
                  "100001;2025-01;Отопление;начисление;2500,50;;;\n"
                  "100001;2025-02;heating;charge;2500.50;;;\n"
                  "100001;2025-02;heating;оплата;3000;15.02.2025;банк;П-1\n"
                  "100002;2025-01;Горячее водоснабжение;начисление;800;;;\n"
                  "100002;2025-02;hot_water;перерасчёт;-100,5;;;\n"
                  "100002;2025-03;hot_water;оплата;700;2025-03-05;ФССП;\n")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def load_accounts():
    batch = services.commit_import("accounts", ACCOUNTS_CSV, "acc.csv", None, via="cli")
    db.session.commit()
    assert batch.status == "committed", batch.options
    return batch


def test_accounts_import_creates_territories_buildings_premises(app):
    batch = load_accounts()
    assert (batch.rows_inserted, batch.rows_updated) == (3, 0)
    assert sorted(db.session.scalars(select(Territory.name))) == ["г. Ленск", "п. Витим"]
    # 100001 and 100002 share the building «г. Ленск, ул. Ленина, д. 5» (the apartment is cut off)
    assert sorted(db.session.scalars(select(Building.address))) == ["г. Ленск, ул. Ленина, д. 5", "п. Витим, ул. Мира, 1"]
    assert count(Premises) == 3
    a1 = db.session.scalar(select(Account).where(Account.number == "100001"))
    assert (a1.apartment, a1.tenure, str(a1.area_m2)) == ("12", "owner", "54.30")
    assert "79141234567" in a1.search_text
    a2 = db.session.scalar(select(Account).where(Account.number == "100002"))
    assert a1.building_id == a2.building_id and a1.premises_id != a2.premises_id
    assert a2.tenure == "social_tenancy"
    assert count(AccountBalance) == 3  # new accounts have their figures at once


def test_accounts_reimport_updates_changed_fields_with_audit_and_never_erases(app):
    load_accounts()
    again = services.commit_import("accounts", ACCOUNTS_CSV, "acc.csv", None, via="cli")
    db.session.commit()
    assert (again.rows_inserted, again.rows_updated, again.rows_duplicate) == (0, 0, 3)
    changed = ("Лицевой счёт;Категория;ФИО;Адрес;Телефон\n"
               "100001;Население;Иванова Ирина Ивановна;г. Ленск, ул. Ленина, д. 5, кв. 12;\n").encode()
    b = services.commit_import("accounts", changed, "acc2.csv", None, via="cli")
    db.session.commit()
    assert (b.rows_inserted, b.rows_updated) == (0, 1)
    a1 = db.session.scalar(select(Account).where(Account.number == "100001"))
    assert a1.debtor_name == "Иванова Ирина Ивановна"
    assert a1.phone == "+7 914 123-45-67"  # empty cell: kept
    ev = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import_update")).all()
    assert len(ev) == 1 and ev[0].entity_id == a1.id
    assert ev[0].changes["debtor_name"] == ["Иванов Иван Иванович", "Иванова Ирина Ивановна"]


def test_ledger_import_then_reimport_inserts_nothing(app):
    load_accounts()
    data = LEDGER_JAN_MAR.encode()
    pv = services.validate_file("ledger", data, "l.csv")
    assert (pv.rows_total, pv.rows_valid, pv.rows_bad, pv.rows_new, pv.rows_known) == (7, 7, 0, 7, 0)
    assert count(LedgerEntry) == 0  # preview writes nothing
    b1 = services.commit_import("ledger", data, "l.csv", None, via="cli")
    db.session.commit()
    assert (b1.status, b1.rows_inserted, b1.rows_duplicate) == ("committed", 7, 0)
    pv = services.validate_file("ledger", data, "l.csv")
    assert (pv.rows_new, pv.rows_known) == (0, 7)
    b2 = services.commit_import("ledger", data, "l.csv", None, via="cli")
    db.session.commit()
    assert (b2.status, b2.rows_inserted, b2.rows_duplicate) == ("committed", 0, 7)
    assert count(LedgerEntry) == 7
    assert db.session.scalar(select(func.sum(LedgerEntry.amount_kop)).where(LedgerEntry.kind == "payment")) == 370000
    bal = db.session.get(AccountBalance, db.session.scalar(select(Account.id).where(Account.number == "100001")))
    assert bal.balance_kop == 100000 + 250050 * 2 - 300000


def test_overlapping_later_export_is_counted_once(app):
    load_accounts()
    services.commit_import("ledger", LEDGER_JAN_MAR.encode(), "jan-mar.csv", None, via="cli")
    db.session.commit()
    # the next export repeats February and March and adds April (two identical payments on one day)
    later = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа\n"
             "100001;2025-02;heating;charge;2500.50;;;\n"
             "100001;2025-02;heating;оплата;3000;15.02.2025;банк;П-1\n"
             "100002;2025-02;hot_water;перерасчёт;-100,5;;;\n"
             "100002;2025-03;hot_water;оплата;700;2025-03-05;ФССП;\n"
             "100001;2025-04;heating;charge;2500.50;;;\n"
             "100001;2025-04;heating;оплата;100;20.04.2025;касса;\n"
             "100001;2025-04;heating;оплата;100;20.04.2025;касса;\n")
    b = services.commit_import("ledger", later.encode(), "feb-apr.csv", None, via="cli")
    db.session.commit()
    assert (b.rows_inserted, b.rows_duplicate) == (3, 4)
    assert count(LedgerEntry) == 10


def test_same_charge_with_another_amount_is_a_changed_row_not_added_by_default(app):
    """A charge billing corrected is shown as changed (old → new); without «заменить данные периода» the old amount
    stays and nothing is doubled (docs/import-format.md, «Corrected exports»)."""
    load_accounts()
    services.commit_import("ledger", LEDGER_JAN_MAR.encode(), "l.csv", None, via="cli")
    db.session.commit()
    changed = "ЛС;Период;Услуга;Вид;Сумма\n100001;2025-02;heating;charge;2600\n100001;2025-03;heating;charge;1\n"
    pv = services.validate_file("ledger", changed.encode(), "c.csv")
    assert pv.errors == [] and (pv.rows_new, pv.rows_known) == (1, 0)
    c = pv.summary["corrections"]
    assert (c["changed_count"], c["changed_old_kop"], c["changed_new_kop"]) == (1, 250050, 260000)
    assert c["changed"][0]["row"] == 2 and c["changed"][0]["account"] == "100001"
    b = services.commit_import("ledger", changed.encode(), "c.csv", None, via="cli")
    db.session.commit()
    assert (b.status, b.rows_inserted, b.options["corrections"]["changed"]) == ("committed", 1, 1)
    assert count(LedgerEntry) == 8
    feb = db.session.scalars(select(LedgerEntry.amount_kop).where(LedgerEntry.kind == "charge",
                                                                  LedgerEntry.period == date(2025, 2, 1))).all()
    assert feb == [250050]


def test_bad_rows_without_skip_commit_nothing_and_record_the_rejection(app):
    load_accounts()
    data = (LEDGER_JAN_MAR + "999;2025-01;heating;charge;1;;;\n").encode()
    b = services.commit_import("ledger", data, "l.csv", None, via="cli")
    db.session.commit()
    assert b.status == "rejected" and (b.rows_bad, b.rows_inserted) == (1, 0)
    assert b.options["errors"] == [{"row": 9, "column": "ЛС", "reason": "неизвестный лицевой счёт 999"}]
    assert count(LedgerEntry) == 0


def test_skip_bad_rows_commits_good_ones_and_writes_the_error_file(app):
    load_accounts()
    data = (LEDGER_JAN_MAR + "999;2025-01;heating;charge;1;;;\n100001;2025-05;heating;charge;1,999;;;\n").encode()
    b = services.commit_import("ledger", data, "l.csv", None, via="web", skip_bad_rows=True)
    db.session.commit()
    assert (b.status, b.rows_inserted, b.rows_skipped) == ("committed", 7, 2)
    path = uploads.error_file_path(b)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(";Ошибка")
    assert lines[1].startswith("999;2025-01;heating;charge;1;;;;ЛС: неизвестный лицевой счёт 999")
    assert lines[2].startswith("100001;2025-05;heating;charge;1,999;;;;Сумма: больше двух знаков")


def test_failure_mid_commit_leaves_nothing(app, monkeypatch):
    load_accounts()
    monkeypatch.setattr(ledger, "CHUNK", 2)
    calls = []

    def boom(done):
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(ledger, "after_chunk", boom)
    with pytest.raises(RuntimeError):
        services.commit_import("ledger", LEDGER_JAN_MAR.encode(), "l.csv", None, via="cli")
    db.session.rollback()
    assert calls == [2, 4]  # the first chunk was written before the failure …
    assert count(LedgerEntry) == 0  # … and rolled back with everything else
    assert count(ImportBatch) == 1  # only the accounts import
    assert count(AccountMonth) == 0


def test_db_level_failure_after_first_chunk_rolls_back(app, monkeypatch):
    """A row that only the database refuses (a duplicate primary key forced in) undoes the earlier chunks."""
    load_accounts()
    monkeypatch.setattr(ledger, "CHUNK", 3)
    orig = ledger.insert_entries

    def sabotage(prep, batch_id, progress):
        bad = list(prep.entries[-1])
        bad[0] = 987654  # no such account: a foreign-key violation on PostgreSQL, CHECK on kind everywhere
        bad[3] = "bogus"
        prep.entries = prep.entries + [tuple(bad)]
        return orig(prep, batch_id, progress)

    monkeypatch.setattr(ledger, "insert_entries", sabotage)
    with pytest.raises(Exception):
        services.commit_import("ledger", LEDGER_JAN_MAR.encode(), "l.csv", None, via="cli")
    db.session.rollback()
    assert count(LedgerEntry) == 0


def test_turnover_import_and_overlap(app):
    load_accounts()
    hdr = "ЛС;Услуга;Период;Сальдо на начало;Начислено;Перерасчет;Оплачено;Сальдо на конец\n"
    first = hdr + "100001;heating;2025-01;100;50;0;30;120\n100001;heating;2025-02;120;50;-10;0;160\n"
    b = services.commit_import("turnover", first.encode(), "t1.csv", None, via="cli")
    db.session.commit()
    assert (b.status, b.rows_total, b.rows_inserted) == ("committed", 2, 5)
    second = hdr + "100001;heating;2025-02;120;50;-10;0;160\n100001;heating;2025-03;160;50;0;200;10\n"
    b = services.commit_import("turnover", second.encode(), "t2.csv", None, via="cli")
    db.session.commit()
    assert (b.rows_inserted, b.rows_duplicate) == (2, 2)  # no second opening for February
    acc = db.session.scalar(select(Account.id).where(Account.number == "100001"))
    assert db.session.get(AccountBalance, acc).balance_kop == 1000
    months = db.session.scalars(select(AccountMonth).where(AccountMonth.account_id == acc)
                                .order_by(AccountMonth.month)).all()
    assert [m.debt_end_kop for m in months] == [12000, 16000, 1000]


def test_reversal_must_reference_an_existing_payment(app):
    load_accounts()
    data = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Номер документа;Сторнирует\n"
            "100001;2025-01;heating;charge;100;;;\n"
            "100001;2025-01;heating;payment;100;10.01.2025;P1;\n"
            "100001;2025-01;heating;payment;-100;11.01.2025;S1;P1\n"
            "100001;2025-01;heating;payment;-50;11.01.2025;S2;P9\n")
    b = services.commit_import("ledger", data.encode(), "r.csv", None, via="cli", skip_bad_rows=True)
    db.session.commit()
    assert b.options["errors"][0]["row"] == 5 and "P9" in b.options["errors"][0]["reason"]
    rev = db.session.scalar(select(LedgerEntry).where(LedgerEntry.amount_kop == -10000))
    orig = db.session.scalar(select(LedgerEntry).where(LedgerEntry.reference == "P1"))
    assert rev.reverses_id == orig.id
    acc = rev.account_id
    assert db.session.get(AccountBalance, acc).balance_kop == 10000


def test_persons_import_links_parties_once(app):
    load_accounts()
    data = ("ЛС;ФИО;Роль;Доля;Дата рождения;Код\n"
            "100001;Иванов Иван Иванович;собственник;1/2;01.02.1970;P-1\n"
            "100001;Иванова Мария Петровна;собственник;1/2;03.04.1972;\n"
            "100002;Иванов Иван Иванович;зарегистрирован;;01.02.1970;P-1\n").encode()
    b = services.commit_import("persons", data, "p.csv", None, via="cli")
    db.session.commit()
    assert (b.status, b.rows_inserted) == ("committed", 2)
    assert count(Party) == 2 and count(AccountParty) == 3
    b = services.commit_import("persons", data, "p.csv", None, via="cli")
    db.session.commit()
    assert (b.rows_inserted, b.rows_duplicate) == (0, 3)
    assert count(Party) == 2 and count(AccountParty) == 3
    p = db.session.scalar(select(Party).where(Party.external_id == "P-1"))
    assert (p.last_name, p.first_name, p.middle_name) == ("Иванов", "Иван", "Иванович")


def test_wrong_encoding_is_rejected_as_a_file_error(app):
    b = services.commit_import("ledger", bytes(range(128, 256)) * 4, "x.csv", None, via="cli")
    assert b.status == "rejected" and "Не удалось определить кодировку" in b.message


# ------------------------------------------------------------------ CLI
def test_cli_exit_codes_and_output(app, runner, tmp_path):
    load_accounts()
    good = tmp_path / "good.csv"
    good.write_text(LEDGER_JAN_MAR, encoding="cp1251")
    bad = tmp_path / "bad.csv"
    bad.write_text(LEDGER_JAN_MAR + "999;2025-01;heating;charge;1;;;\n", encoding="utf-8")
    res = runner.invoke(args=["import", "ledger", str(bad)])
    assert res.exit_code == 1
    assert "строка 9 [ЛС]: неизвестный лицевой счёт 999" in res.output
    assert count(LedgerEntry) == 0
    res = runner.invoke(args=["import", "ledger", str(bad), "--dry-run"])
    assert res.exit_code == 1 and count(LedgerEntry) == 0
    res = runner.invoke(args=["import", "ledger", str(good), "--dry-run"])
    assert res.exit_code == 0 and count(LedgerEntry) == 0
    err = tmp_path / "errors.csv"
    res = runner.invoke(args=["import", "ledger", str(bad), "--skip-bad-rows", "--error-file", str(err)])
    assert res.exit_code == 0, res.output
    assert count(LedgerEntry) == 7
    assert "999;2025-01" in err.read_text(encoding="utf-8-sig")
    res = runner.invoke(args=["import", "ledger", str(good)])
    assert res.exit_code == 0 and "добавлено 0" in res.output and "уже было 7" in res.output
    res = runner.invoke(args=["import", "list"])
    assert res.exit_code == 0
    assert "good.csv" in res.output and "rejected" in res.output and "dry_run" in res.output


def test_the_documented_example_files_import_cleanly(app):
    root = Path(__file__).resolve().parents[2] / "docs" / "examples"
    for kind, name in (("accounts", "accounts.csv"), ("persons", "persons.csv"), ("ledger", "ledger.csv"),
                       ("turnover", "turnover.csv"), ("ledger", "ledger.xlsx")):
        data = (root / name).read_bytes()
        b = services.commit_import(kind, data, name, None, via="cli")
        db.session.commit()
        assert (b.status, b.rows_bad) == ("committed", 0), (name, b.message, (b.options or {}).get("errors"))
        assert b.rows_inserted > 0, name
