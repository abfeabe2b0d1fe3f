"""ГИС ЖКХ debt requests on a real database: the exportDSRs message and the web list imported, matched by address
and name (exact, ё/е, ambiguous → review), answered from the court records (an order in force, not yet in force,
cancelled), the 5-working-day term across a holiday, and the importDSRResponses message built once and again."""
from datetime import date

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.domain.errors import DomainError
from casework.extensions import db
from casework.gis import parsing, services
from casework.gis.models import GisHouse, GisRequest
from tests.gis_data import EXECUTOR, ORG_PPA, S1, S2, S3, S4, court_record, make_world, sample, web_xlsx

TODAY = date(2026, 6, 11)
D = "{http://dom.gosuslugi.ru/schema/integration/drs/}"
B = "{http://dom.gosuslugi.ru/schema/integration/base/}"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"


def load():
    totals = services.import_requests("exportDSRs_result.xml", sample("exportDSRs_result.xml"), TODAY)
    db.session.commit()
    return totals


def req(guid) -> GisRequest:
    db.session.expire_all()
    return db.session.scalar(select(GisRequest).where(GisRequest.subrequest_guid == guid))


@pytest.fixture()
def gis_ids(app, monkeypatch):
    monkeypatch.setitem(app.config, "GIS_ORG_PPA_GUID", ORG_PPA)
    monkeypatch.setitem(app.config, "GIS_EXECUTOR_GUID", EXECUTOR)


def test_the_api_message_is_imported_and_matched(app):
    w = make_world()
    assert load() == {"read": 4, "new": 4, "known": 0, "matched": 2}
    r1 = req(S1)  # the applicant «СЕМЕНОВА АЛЕНА ПЕТРОВНА» is Семёнова Алёна Петровна (case, ё/е) on кв. 5
    assert (r1.status, r1.account_id, r1.party.full_name) == ("matched", w["a5"].id, "Семёнова Алёна Петровна")
    assert r1.request_number == "00ЗН-0000000123" and r1.org_name.startswith("ГКУ РС(Я)")
    assert (r1.sent_on, r1.due_on, r1.gis_due_on) == (date(2026, 6, 10), date(2026, 6, 18), date(2026, 6, 18))
    assert (r1.period_from, r1.period_to, r1.flat) == (date(2025, 6, 1), date(2026, 5, 31), "5")
    r2 = req(S2)  # no applicant in the message: the address alone
    assert (r2.status, r2.account_id, r2.party_id) == ("matched", w["a7"].id, None)
    r3 = req(S3)  # two open accounts at Ленина 3 кв. 2
    assert (r3.status, r3.account_id) == ("review", None) and "100020" in r3.match_note and "100021" in r3.match_note
    r4 = req(S4)
    assert (r4.status, r4.account_id) == ("review", None)
    assert load() == {"read": 4, "new": 0, "known": 4, "matched": 0}  # a request is held once
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gis.import")) is not None


def test_the_same_street_in_another_settlement_is_not_a_candidate(app):
    from casework.accounts.models import Account

    w = make_world()
    db.session.add(Account(number="300005", category="population", debtor_name="Семёнова Алёна Петровна",
                           address="ул. Мира, д. 1, кв. 5", settlement="п. Витим", apartment="5"))
    db.session.commit()
    load()
    assert (req(S1).status, req(S1).account_id) == ("matched", w["a5"].id)


def test_a_name_not_on_the_account_goes_to_review(app):
    w = make_world()
    data = sample("exportDSRs_result.xml").replace("СЕМЕНОВА".encode(), "СМИРНОВА".encode())
    services.import_requests("x.xml", data.replace(b"11223344595", b"99988877766"), TODAY)
    r1 = req(S1)
    assert (r1.status, r1.account_id, r1.party_id) == ("review", w["a5"].id, None)


def test_the_lawyer_resolves_the_ambiguous_request_and_the_house_is_learned(app, make_user):
    w = make_world()
    lawyer = make_user("lawyer")
    load()
    r3 = req(S3)
    with pytest.raises(DomainError):
        services.answer(r3, lawyer, TODAY, False)  # not before the account is confirmed
    services.confirm_match(r3, lawyer, w["b2"].id, None)
    db.session.commit()
    assert (req(S3).status, req(S3).account_id) == ("matched", w["b2"].id)
    house = db.session.scalar(select(GisHouse).where(GisHouse.fias_house_guid == "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"))
    assert house.building_id == w["b2"].building_id
    services.mark_not_ours(req(S4), lawyer)
    db.session.commit()
    assert req(S4).status == "not_ours"
    assert services.propose(req(S4), TODAY) == {"has_debt": False, "acts": [], "description": "", "documents": []}


def test_an_order_in_force_gives_debt_not_in_force_or_cancelled_does_not(app, make_user):
    w = make_world()
    load()
    r1 = req(S1)
    assert services.propose(r1, TODAY)["has_debt"] is False  # no court record at all
    rec = court_record(w["a5"], in_force=date(2026, 6, 20))  # not yet in force
    assert services.propose(req(S1), TODAY)["has_debt"] is False
    rec.in_force_on = date(2025, 12, 5)
    db.session.commit()
    p = services.propose(req(S1), TODAY)
    assert p["has_debt"] is True and [a["id"] for a in p["acts"]] == [rec.id]
    assert "Судебный приказ № 2-1234/2025 от 10.11.2025" in p["description"]
    assert "38 124,50 руб." in p["description"]
    from casework.documents.models import Document

    db.session.add(Document(year=2025, seq=77, number="77/2025", kind="court_order_application",
                            title="Заявление о вынесении судебного приказа", account_id=w["a5"].id,
                            file_path="x/77.docx", sha256="0" * 64, issued_on=date(2025, 10, 20)))
    db.session.commit()
    assert [d["number"] for d in services.propose(req(S1), TODAY)["documents"]] == ["77/2025"]
    rec.cancelled_on, rec.outcome = date(2026, 1, 15), "cancelled"  # the debtor objected: the order is cancelled
    db.session.commit()
    assert services.propose(req(S1), TODAY)["has_debt"] is False
    court_record(w["a5"], kind="claim", outcome="satisfied", number="2-77/2026", issued=date(2026, 3, 2),
                 in_force=date(2026, 4, 3), amount_kop=4_000_000)
    p = services.propose(req(S1), TODAY)
    assert p["has_debt"] and "Решение суда № 2-77/2026" in p["description"]
    court_record(w["a7"], period=(date(2022, 1, 1), date(2023, 12, 31)))  # debt long before the period asked
    assert services.propose(req(S2), TODAY)["has_debt"] is False


def test_a_paid_debt_is_not_reported(app):
    from casework.accounts.models import AccountBalance

    w = make_world()
    load()
    court_record(w["a5"])
    assert services.propose(req(S1), TODAY)["has_debt"] is True
    db.session.get(AccountBalance, w["a5"].id).balance_kop = 0
    db.session.commit()
    assert services.propose(req(S1), TODAY)["has_debt"] is False


def test_the_term_is_five_working_days_across_the_holiday(app):
    make_world()
    rows = [["З-1", "10.06.2026", None, "УСЗН", "г. Ленск, ул. Мира, д. 1", "кв. 7", None, None, None, None],
            ["З-2", "03.06.2026", None, "УСЗН", "г. Ленск, ул. Мира, д. 1", "5", "Семенова Алена Петровна",
             "112-233-445 95", "01.06.2025", "31.05.2026"]]
    assert services.import_requests("web.xlsx", web_xlsx(rows), TODAY)["new"] == 2
    by_number = {r.request_number: r for r in db.session.scalars(select(GisRequest))}
    assert by_number["З-1"].due_on == date(2026, 6, 18)  # 12 June (Russia Day) is not counted: 11, 15, 16, 17, 18
    assert by_number["З-2"].due_on == date(2026, 6, 10)  # 4, 5, 8, 9, 10
    assert services.working_days_left(date(2026, 6, 18), date(2026, 6, 11)) == 4  # 15, 16, 17, 18
    assert services.working_days_left(date(2026, 6, 10), TODAY) == 0
    assert by_number["З-2"].party.full_name == "Семёнова Алёна Петровна" and by_number["З-2"].source == "web"
    from casework.gis import queries

    late = queries.queue(TODAY, overdue=True)
    assert [r.request_number for r in late.items] == ["З-2"]


def test_the_answer_is_given_once_and_exported_the_same_every_time(app, make_user, gis_ids):
    w = make_world()
    lawyer = make_user("lawyer")
    load()
    rec = court_record(w["a5"])
    with pytest.raises(DomainError):
        services.answer(req(S2), lawyer, TODAY, True)  # no act for кв. 7: «есть задолженность» is refused
    services.answer(req(S1), lawyer, TODAY, True)
    services.answer(req(S2), lawyer, TODAY, False)
    db.session.commit()
    r1 = req(S1)
    assert (r1.status, r1.has_debt, r1.answered_by_id, r1.answered_on) == ("answered", True, lawyer.id, TODAY)
    assert r1.answer["acts"][0]["id"] == rec.id and r1.answer["person"]["last"] == "Семёнова"
    with pytest.raises(DomainError):
        services.answer(req(S1), lawyer, TODAY, False)
    rec.cancelled_on, rec.outcome = date(2026, 6, 11), "cancelled"  # what was answered stays as answered
    db.session.commit()
    export = services.create_export(lawyer)
    db.session.commit()
    first = services.export_xml(export)
    assert services.export_xml(export) == first
    with pytest.raises(DomainError):
        services.create_export(lawyer)  # nothing new waits
    root = fromstring(first)
    assert root.tag == SOAP + "Envelope"
    header = root.find(f"{SOAP}Header/{B}RequestHeader")
    assert [c.tag for c in header] == [B + "Date", B + "MessageGUID", B + "orgPPAGUID"]
    assert header.find(B + "orgPPAGUID").text == ORG_PPA
    body = root.find(f"{SOAP}Body/{D}importDSRResponsesRequest")
    assert body.get("Id") == "signed-data-container" and body.get(B + "version") == "14.0.0.0"
    actions = body.findall(D + "action")
    assert len(actions) == 2
    a1 = next(a for a in actions if a.find(D + "subrequestGUID").text == S1)
    assert [c.tag for c in a1] == [B + "TransportGUID", D + "subrequestGUID", D + "actionType", D + "responseData"]
    assert a1.find(B + "TransportGUID").text == r1.transport_guid and a1.find(D + "actionType").text == "Send"
    data = a1.find(D + "responseData")
    assert [c.tag for c in data] == [D + "hasDebt", D + "description", D + "executorGUID", D + "debtInfo"]
    assert data.find(D + "hasDebt").text == "true" and data.find(D + "executorGUID").text == EXECUTOR
    assert "2-1234/2025" in data.find(D + "description").text
    person = data.find(f"{D}debtInfo/{D}person")
    assert [(c.tag, c.text) for c in person] == [(D + "firstName", "Алёна"), (D + "lastName", "Семёнова"),
                                                 (D + "middleName", "Петровна"), (D + "snils", "11223344595")]
    a2 = next(a for a in actions if a.find(D + "subrequestGUID").text == S2)
    assert [c.tag for c in a2.find(D + "responseData")] == [D + "hasDebt", D + "executorGUID"]
    assert a2.find(f"{D}responseData/{D}hasDebt").text == "false"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gis.answer")) is not None


def test_export_needs_the_enterprise_identifiers(app, make_user):
    make_world()
    load()
    services.answer(req(S2), make_user("lawyer"), TODAY, False)
    with pytest.raises(DomainError):
        services.create_export(None)


def test_unsafe_and_foreign_files_are_refused(app):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<x>&b;</x>')
    with pytest.raises(parsing.RequestFileError):
        parsing.parse_file("bomb.xml", bomb)
    with pytest.raises(parsing.RequestFileError):
        parsing.parse_file("other.xml", b"<root><a/></root>")
    assert parsing.parse_file("none.xml", sample("error_no_objects.xml")) == []
    with pytest.raises(parsing.RequestFileError):
        parsing.parse_file("list.xlsx", web_xlsx([["З-1", "не дата", None, None, "адрес", "1", None, None, None,
                                                    None]]))


def test_the_command_line_imports_and_exports(app, runner, make_user, gis_ids, tmp_path):
    make_world()
    src = tmp_path / "dsr.xml"
    src.write_bytes(sample("exportDSRs_result.xml"))
    result = runner.invoke(args=["gis", "import", str(src)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(GisRequest).where(GisRequest.subrequest_guid == S2)) is not None
    services.answer(req(S2), make_user("lawyer"), TODAY, False)
    db.session.commit()
    out = tmp_path / "answers.xml"
    result = runner.invoke(args=["gis", "export", str(out)])
    assert result.exit_code == 0, result.output
    root = fromstring(out.read_bytes())
    assert [a.find(D + "subrequestGUID").text for a in root.iter(D + "action")] == [S2]
    assert runner.invoke(args=["gis", "export", str(out)]).exit_code != 0  # nothing new to export


def test_the_queue_pages_and_filters(app):
    from casework.gis import queries

    make_world()
    load()
    first = queries.queue(TODAY, per_page=3)
    assert (len(first.items), first.has_next, first.total) == (3, True, 4)
    assert len(queries.queue(TODAY, page=2, per_page=3).items) == 1
    assert {r.subrequest_guid for r in queries.queue(TODAY, status="review").items} == {S3, S4}
    assert [r.request_number for r in queries.queue(TODAY, q="0000000124").items] == ["00ЗН-0000000124"]
    assert queries.queue(TODAY, overdue=True).items == []  # due 18 June
    assert len(queries.queue(date(2026, 6, 19), overdue=True).items) == 4
