"""Persons import on a real database: set-based writes, changed details of known people, edits made in the app."""
from datetime import date

from sqlalchemy import event, func, select

from casework.accounts.models import AccountParty, Party
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.imports import services

ACCOUNTS_CSV = ("Лицевой счёт;Категория;ФИО;Адрес\n"
                + "".join(f"{100001 + i};население;Абонент {i};г. Ленск, ул. Мира, д. 1, кв. {i + 1}\n"
                          for i in range(80))).encode()

HEADER = "ЛС;ФИО;Роль;Доля;Дата рождения;Телефон;Серия паспорта;Номер паспорта;СНИЛС;Дата регистрации;Код\n"
PERSONS = [
    "100001;Иванов Иван Иванович;собственник;1/2;01.02.1970;+7 914 000-00-01;9800;123456;123-456-789 01;;P-1",
    "100001;Иванова Мария Петровна;собственник;1/2;03.04.1972;;;;;;",
    "100002;Иванов Иван Иванович;зарегистрирован;;01.02.1970;+7 914 000-00-01;;;;01.03.2010;P-1",
    "100003;Петрова Анна Сергеевна;наниматель;;30.06.1985;+7 914 000-00-03;;;;;P-3",
]


def persons_csv(lines) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def load(data: bytes, **kw):
    b = services.commit_import("persons", data, "p.csv", None, via="cli", **kw)
    db.session.commit()
    return b


def setup_accounts():
    b = services.commit_import("accounts", ACCOUNTS_CSV, "acc.csv", None, via="cli")
    db.session.commit()
    assert b.status == "committed"


def party(ext=None, name=None) -> Party:
    db.session.expire_all()
    q = select(Party).where(Party.external_id == ext) if ext else select(Party).where(Party.full_name == name)
    return db.session.scalar(q)


def snapshot():
    db.session.expire_all()
    parties = db.session.execute(select(Party.__table__).order_by(Party.id)).all()
    links = db.session.execute(select(AccountParty.__table__).order_by(AccountParty.id)).all()
    return parties, links


def import_updates(entity):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import_update",
                                                       AuditEvent.entity == entity).order_by(AuditEvent.id)).all()


def last_persons_event():
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_persons")
                             .order_by(AuditEvent.id.desc()))


def test_reimport_of_the_same_file_changes_nothing(app):
    setup_accounts()
    first = load(persons_csv(PERSONS))
    assert (first.status, first.rows_inserted, first.rows_updated, first.rows_duplicate) == ("committed", 3, 0, 0)
    assert count(Party) == 3 and count(AccountParty) == 4
    assert first.options["persons"]["links"] == {"new": 4, "updated": 0, "unchanged": 0}
    before = snapshot()
    events = count(AuditEvent, AuditEvent.entity != "import_batches")
    again = load(persons_csv(PERSONS))
    assert (again.status, again.rows_inserted, again.rows_updated, again.rows_duplicate) == ("committed", 0, 0, 4)
    assert again.options["persons"]["persons"] == {"new": 0, "updated": 0, "unchanged": 3}
    assert again.options["persons"]["links"] == {"new": 0, "updated": 0, "unchanged": 4}
    assert snapshot() == before
    # nothing but the batch's own record and «import» event: no import_update, no import_persons row
    assert count(AuditEvent, AuditEvent.entity != "import_batches") == events
    assert last_persons_event().entity_id == first.id
    assert import_updates("parties") == [] and import_updates("account_parties") == []


def test_reimport_with_changed_details_updates_exactly_those_people_and_links(app):
    setup_accounts()
    load(persons_csv(PERSONS))
    untouched = [(p.id, p.phone, p.passport_number) for p in db.session.scalars(
        select(Party).where(Party.external_id != "P-1").order_by(Party.id))]
    changed = list(PERSONS)
    # P-1: new phone and passport (on both of his rows; the first non-empty value counts), СНИЛС cell left empty
    changed[0] = "100001;Иванов Иван Иванович;собственник;1/3;01.02.1970;+7 914 999-99-99;9801;654321;;;P-1"
    changed[2] = "100002;Иванов Иван Иванович;зарегистрирован;;01.02.1970;;;;;01.04.2010;P-1"
    pv = services.validate_file("persons", persons_csv(changed), "p.csv")
    db.session.rollback()
    assert pv.details["persons"] == {"new": 0, "updated": 1, "unchanged": 2}
    assert pv.details["links"] == {"new": 0, "updated": 2, "unchanged": 2}
    assert (pv.rows_new, pv.rows_known) == (0, 4)
    assert party("P-1").phone == "+7 914 000-00-01"  # the preview wrote nothing

    b = load(persons_csv(changed))
    assert (b.status, b.rows_inserted, b.rows_updated, b.rows_duplicate) == ("committed", 0, 3, 4)
    p1 = party("P-1")
    assert (p1.phone, p1.passport_series, p1.passport_number) == ("+7 914 999-99-99", "9801", "654321")
    assert p1.snils == "123-456-789 01"  # an empty cell never erases
    assert [(p.id, p.phone, p.passport_number) for p in db.session.scalars(
        select(Party).where(Party.external_id != "P-1").order_by(Party.id))] == untouched
    links = {(ln.account.number, ln.role): ln for ln in db.session.scalars(
        select(AccountParty).where(AccountParty.party_id == p1.id))}
    assert (links[("100001", "owner")].share_num, links[("100001", "owner")].share_den) == (1, 3)
    assert links[("100002", "registered")].since == date(2010, 4, 1)
    maria = party(name="Иванова Мария Петровна")
    assert db.session.scalar(select(AccountParty.share_den).where(AccountParty.party_id == maria.id)) == 2

    (upd,) = import_updates("parties")
    assert upd.entity_id == p1.id
    assert upd.changes == {"phone": ["+7 914 000-00-01", "+7 914 999-99-99"], "passport_series": ["9800", "9801"],
                           "passport_number": ["123456", "654321"], "batch_id": b.id}
    link_changes = sorted((e.changes for e in import_updates("account_parties")), key=len)
    assert link_changes == [{"since": ["2010-03-01", "2010-04-01"], "batch_id": b.id},
                            {"share_num": [1, 1], "share_den": [2, 3], "batch_id": b.id}]
    ev = last_persons_event()
    assert ev.entity_id == b.id
    assert ev.changes == {"parties_inserted": 0, "links_inserted": 0, "parties_updated": 1, "links_updated": 2,
                          "conflicts": 0}
    # and once more: now the same file changes nothing
    again = load(persons_csv(changed))
    assert (again.rows_inserted, again.rows_updated, again.rows_duplicate) == (0, 0, 4)


def test_a_changed_full_name_found_by_billing_id_renames_the_person_and_its_parts(app):
    setup_accounts()
    load(persons_csv(PERSONS))
    changed = list(PERSONS)
    changed[3] = "100003;Сидорова Анна Сергеевна;наниматель;;30.06.1985;+7 914 000-00-03;;;;;P-3"
    b = load(persons_csv(changed))
    assert b.rows_updated == 1
    p3 = party("P-3")
    assert (p3.full_name, p3.last_name, p3.first_name, p3.middle_name) == (
        "Сидорова Анна Сергеевна", "Сидорова", "Анна", "Сергеевна")


def test_values_edited_in_the_app_are_kept_and_reported_as_conflicts(app, runner, tmp_path):
    setup_accounts()
    load(persons_csv(PERSONS))
    p1 = party("P-1")
    p1.phone = "+7 924 555-55-55"  # a collector corrected the phone in the app (the ORM writes an audit row)
    link = db.session.scalar(select(AccountParty).where(AccountParty.party_id == p1.id, AccountParty.role == "owner"))
    link.share_num, link.share_den = 2, 3
    db.session.commit()

    changed = list(PERSONS)
    changed[0] = "100001;Иванов Иван Иванович;собственник;1/3;01.02.1970;+7 914 999-99-99;9801;123456;;;P-1"
    pv = services.validate_file("persons", persons_csv(changed), "p.csv")
    db.session.rollback()
    assert pv.details["persons"] == {"new": 0, "updated": 1, "unchanged": 2}  # the passport series still changes
    assert pv.details["links"] == {"new": 0, "updated": 0, "unchanged": 4}
    assert pv.details["conflicts_total"] == 2
    assert [(c["row"], c["name"], c["field"]) for c in pv.details["conflicts"]] == [
        (2, "Иванов Иван Иванович", "phone"), (2, "Иванов Иван Иванович", "share")]

    b = load(persons_csv(changed))
    assert (b.rows_updated, b.rows_duplicate) == (1, 4)
    p1 = party("P-1")
    assert (p1.phone, p1.passport_series) == ("+7 924 555-55-55", "9801")
    db.session.refresh(link)
    assert (link.share_num, link.share_den) == (2, 3)
    assert last_persons_event().changes["conflicts"] == 2
    assert b.options["persons"]["conflicts_total"] == 2

    # the app's value stays the app's on every later import of a differing value
    f = tmp_path / "p.csv"
    f.write_bytes(persons_csv(changed))
    res = runner.invoke(args=["import", "persons", str(f)])
    assert res.exit_code == 0, res.output
    assert "Лица: новых 0, обновлено 0, без изменений 3" in res.output
    assert "оставлено как исправлено в приложении: 2" in res.output
    assert party("P-1").phone == "+7 924 555-55-55"
    # a file that agrees with the app's value is no conflict
    agreeing = list(changed)
    agreeing[0] = "100001;Иванов Иван Иванович;собственник;2/3;01.02.1970;+7 924 555-55-55;9801;123456;;;P-1"
    pv = services.validate_file("persons", persons_csv(agreeing), "p.csv")
    db.session.rollback()
    assert pv.details["conflicts_total"] == 0 and pv.details["persons"]["updated"] == 0


def test_a_field_the_import_wrote_after_the_apps_edit_is_the_imports_again(app):
    setup_accounts()
    load(persons_csv(PERSONS))
    p3 = party("P-3")
    p3.phone = "+7 924 000-00-00"  # edited in the app
    db.session.commit()
    changed = list(PERSONS)
    changed[3] = "100003;Петрова Анна Сергеевна;наниматель;;30.06.1985;+7 924 000-00-00;;;;;P-3"
    assert load(persons_csv(changed)).rows_updated == 0  # the file now agrees: nothing to do
    # the person created in the app is matched by account + name + birth date: its fields are the app's too
    manual = Party(kind="person", full_name="Сидоров Пётр", birth_date=date(1990, 1, 1), phone="111")
    db.session.add(manual)
    db.session.flush()
    account_id = db.session.scalar(select(AccountParty.account_id).where(AccountParty.party_id == p3.id))
    db.session.add(AccountParty(account_id=account_id, party_id=manual.id, role="registered"))
    db.session.commit()
    row = "100003;Сидоров Пётр;зарегистрирован;;01.01.1990;222;;;;;"
    b = load(persons_csv(changed + [row]))
    assert (b.rows_inserted, b.rows_updated, b.rows_duplicate) == (0, 0, 5)
    assert [c["field"] for c in b.options["persons"]["conflicts"]] == ["phone"]
    assert party(name="Сидоров Пётр").phone == "111"


def test_a_bad_row_rejects_the_whole_file_unless_skipped(app):
    setup_accounts()
    load(persons_csv(PERSONS))
    before = snapshot()
    changed = list(PERSONS)
    changed[3] = "100003;Петрова Анна Сергеевна;наниматель;;30.06.1985;+7 914 777-77-77;;;;;P-3"
    bad = changed + ["999999;Никто;собственник;;;;;;;;", "100004;Новый Жилец;собственник;;;;;;;;"]
    b = load(persons_csv(bad))
    assert (b.status, b.rows_bad, b.rows_inserted, b.rows_updated) == ("rejected", 1, 0, 0)
    assert snapshot() == before and import_updates("parties") == []
    b = load(persons_csv(bad), skip_bad_rows=True)
    assert (b.status, b.rows_skipped, b.rows_inserted, b.rows_updated, b.rows_duplicate) == ("committed", 1, 1, 1, 4)
    assert party("P-3").phone == "+7 914 777-77-77"
    assert count(Party) == 4 and count(AccountParty) == 5


def test_dry_run_counts_and_writes_nothing(app):
    setup_accounts()
    load(persons_csv(PERSONS))
    before = snapshot()
    changed = PERSONS + ["100004;Новый Жилец;собственник;;;;;;;;"]
    changed[1] = "100001;Иванова Мария Петровна;собственник;1/2;03.04.1972;+7 914 000-00-02;;;;;"
    b = load(persons_csv(changed), dry_run=True)
    assert (b.status, b.rows_inserted, b.rows_duplicate) == ("dry_run", 0, 4)
    assert b.options["persons"]["persons"] == {"new": 1, "updated": 1, "unchanged": 2}
    assert b.options["persons"]["links"] == {"new": 1, "updated": 0, "unchanged": 4}
    assert snapshot() == before


def test_statements_do_not_grow_with_the_rows(app):
    """People, links, their updates and the lookups are read and written in sets: a file twice as long issues
    the same number of statements (counted through SQLAlchemy; the COPY / executemany of new people and links go
    to the driver as one call each)."""
    setup_accounts()

    def rows(n, phone):
        return [f"{100001 + i};Житель {i} Тестович;собственник;1/2;01.01.1980;{phone}{i};;;;;X-{i}" for i in range(n)]

    def statements(data):
        seen = []

        def count_it(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)
        event.listen(db.engine, "before_cursor_execute", count_it)
        try:
            b = load(data)
        finally:
            event.remove(db.engine, "before_cursor_execute", count_it)
        return b, len(seen)

    small_new, n_small = statements(persons_csv(rows(20, "+7 900 ")))
    small_upd, u_small = statements(persons_csv(rows(20, "+7 901 ")))
    assert (small_new.rows_inserted, small_upd.rows_updated) == (20, 20)
    db.session.execute(AccountParty.__table__.delete())
    db.session.execute(Party.__table__.delete())
    db.session.commit()
    big_new, n_big = statements(persons_csv(rows(40, "+7 900 ")))
    big_upd, u_big = statements(persons_csv(rows(40, "+7 901 ")))
    assert (big_new.rows_inserted, big_upd.rows_updated) == (40, 40)
    assert (n_big, u_big) == (n_small, u_small)
