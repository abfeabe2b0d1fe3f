"""One record per event (issue 14 item 6): what a document, a delivery, an agreement or a contact records on the case,
driven through the services as the lawyer and the collector use them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.cases import queries as case_queries
from casework.cases import services
from casework.cases.models import BailiffUnit, Case, CourtRecord, Deadline
from casework.contacts import services as contacts
from casework.contacts.models import Contact
from casework.documents.context import load_common
from casework.documents.rendering import docx_text
from casework.documents.services import document_file, issue_document, prepare, record_delivery
from casework.extensions import db
from tests.integration import test_court_claim
from tests.integration.test_court_claim import TODAY, make_debtor

world = test_court_claim.world  # the fixture: Ленский район with its magistrate sector and district court

SMALL = dict(first=date(2026, 8, 1), last=date(2026, 9, 1))  # 2 × 15 000 ₽, both due on 04.12.2026


@pytest.fixture()
def lawyer(make_user):
    return make_user("lawyer")


@pytest.fixture()
def collector(make_user):
    return make_user("collector")


def _issue(code, acc, params=None, today=TODAY, user=None, **kw):
    prep = prepare(code, account_id=acc.id, common=load_common(dict(params or {}), today), **kw)
    doc = issue_document(prep, user=user)
    db.session.commit()
    return doc, prep.source, docx_text(document_file(doc).read_bytes())


def _contacts(acc, **where):
    stmt = select(Contact).where(Contact.account_id == acc.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(Contact, k) == v)
    return db.session.scalars(stmt).all()


def test_an_issued_order_application_is_the_cases_filing_with_the_same_figures(world, lawyer):
    acc = make_debtor(world, **SMALL)
    doc, src, text = _issue("court_order_application", acc, user=lawyer)
    case = db.session.scalar(select(Case).where(Case.account_id == acc.id))
    assert case is not None and case.stage == "court" and doc.case_id == case.id
    rec = db.session.scalars(select(CourtRecord).where(CourtRecord.case_id == case.id)).one()
    assert rec.document_id == doc.id and rec.kind == "order" and rec.filed_on == TODAY
    assert (rec.principal_kop, rec.penalty_kop, rec.duty_kop) == (src.debt_kop, src.penalty_kop, src.duty_kop)
    assert rec.principal_kop == 30_000_00 and rec.penalty_kop > 0 and rec.duty_kop > 0
    assert (rec.period_from, rec.period_to) == (date(2026, 8, 1), date(2026, 9, 1))
    assert rec.court_id == world["magistrate"].id and "30 000 руб. 00 коп." in text
    # nothing was sent to the debtor: no contact «letter sent»
    assert _contacts(acc) == []


def test_a_filing_the_lawyer_recorded_first_is_linked_not_doubled(world, lawyer):
    acc = make_debtor(world, **SMALL)
    case = services.open_case(acc.id, lawyer, TODAY - timedelta(days=30))
    typed = services.record_court_filing(case, lawyer, TODAY, kind="order", principal_kop=29_000_00,
                                         penalty_kop=0, duty_kop=0, note="введено вручную")
    db.session.commit()
    doc, src, _text = _issue("court_order_application", acc, user=lawyer, case_id=case.id)
    recs = db.session.scalars(select(CourtRecord).where(CourtRecord.case_id == case.id)).all()
    assert [r.id for r in recs] == [typed.id]  # one filing: the document's figures, no second amount
    assert typed.document_id == doc.id and typed.principal_kop == src.debt_kop == 30_000_00
    assert typed.penalty_kop == src.penalty_kop and typed.duty_kop == src.duty_kop


def test_a_delivered_warning_starts_the_20_day_term_and_is_logged_when_delivered(world, collector):
    acc = make_debtor(world, **SMALL)
    case = services.open_case(acc.id, collector, TODAY - timedelta(days=30))
    db.session.commit()
    doc, _src, _text = _issue("warning_restriction", acc, {"restriction_service": "горячее водоснабжение"},
                              user=collector, case_id=case.id,
                              today=TODAY - timedelta(days=2))
    assert _contacts(acc) == []  # printed, not sent
    assert db.session.scalar(select(func.count()).select_from(Deadline).where(Deadline.case_id == case.id,
                                                                               Deadline.kind == "warning_term")) == 0
    delivered = TODAY - timedelta(days=1)
    record_delivery(doc, delivered, "hand", "подпись в получении", collector, today=TODAY)
    db.session.commit()
    term = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                      Deadline.kind == "warning_term")).one()
    assert term.starts_on == delivered and term.params["document_id"] == doc.id
    assert term.due_on == services.restriction_may_start_on(delivered, services.business_calendar(),
                                                              services.term_reading())
    logged = _contacts(acc)
    assert [(c.channel, c.outcome, c.document_id, c.contacted_at.date()) for c in logged] == [
        ("letter", "delivered", doc.id, delivered)]
    record_delivery(doc, delivered, "hand", "подпись в получении", collector, today=TODAY)  # recorded again
    assert len(_contacts(acc)) == 1


def test_a_dispatch_register_logs_the_letters_as_sent(world, collector):
    acc = make_debtor(world, **SMALL)
    notice, _src, _t = _issue("notice_debt", acc, user=collector)
    assert _contacts(acc) == []
    prep = prepare("dispatch_register", params={"register_recipient": "АО «Почта России»"}, documents=[notice])
    register = issue_document(prep, user=collector)
    db.session.commit()
    logged = _contacts(acc)
    assert [(c.outcome, c.document_id) for c in logged] == [("letter_sent", notice.id)]
    assert register.number in logged[0].note


def test_a_signed_agreement_moves_the_stage_and_shows_in_the_timeline(world, collector):
    acc = make_debtor(world, **SMALL)
    case = services.open_case(acc.id, collector, TODAY - timedelta(days=30))
    services.change_stage(case, "notice", collector, TODAY - timedelta(days=20))
    ag = contacts.create_agreement(collector, debt_kop=30_000_00, months=3, first_due_on=TODAY + timedelta(days=10),
                                   case_id=case.id)
    assert case.stage == "notice"  # a draft binds nobody
    contacts.sign_agreement(collector, ag, TODAY, "Сидорова А. П.", today=TODAY)
    db.session.commit()
    assert case.stage == "payment_agreement" and case.stage_since == TODAY
    events = case_queries.timeline(case)
    signed = [e for e in events if e["kind"] == "agreement"]
    assert signed and signed[0]["number"] == ag.number and signed[0]["amount_kop"] == 30_000_00
    assert any(e["kind"] == "stage" and e["to"] == "payment_agreement" for e in events)


def test_a_contacts_next_action_is_the_cases_next_action(world, collector):
    acc = make_debtor(world, **SMALL)
    case = services.open_case(acc.id, collector, TODAY - timedelta(days=30))
    on = date(2026, 12, 28)
    contacts.log_contact(collector, channel="call", outcome="promised_to_pay", account_id=acc.id,
                         note="обещала зайти в кассу", next_action_kind="call", next_action_on=on)
    db.session.commit()
    assert case.next_action_on == on and "обещала зайти в кассу" in case.next_action
    page = case_queries.queue(collector.id if case.assignee_id == collector.id else None, on)["actions"]
    assert any(r["case_id"] == case.id for r in page)


def test_bailiff_application_takes_the_writ_and_unit_recorded_on_the_case(world, lawyer):
    acc = make_debtor(world, **SMALL)
    unit = BailiffUnit(name="Ленское РОСП УФССП России по Республике Саха (Якутия)", address="г. Ленск, ул. Победы, 9")
    db.session.add(unit)
    case = services.open_case(acc.id, lawyer, date(2026, 10, 1))
    rec = services.record_court_filing(case, lawyer, date(2026, 10, 20), kind="order", principal_kop=30_000_00)
    services.update_court_record(rec, lawyer, date(2026, 11, 20), outcome="issued", issued_on=date(2026, 10, 27),
                                 received_on=date(2026, 11, 2), case_number="2-555/2026")
    services.send_writ(case, lawyer, TODAY, writ_number="2-555/2026", writ_date=date(2026, 10, 27),
                       amount_kop=30_000_00, destination="bailiff", bailiff_unit_id=unit.id)
    db.session.commit()
    doc, _src, text = _issue("enforcement_application", acc, user=lawyer, case_id=case.id)  # no parameter typed
    assert "2-555/2026" in text and "Ленское РОСП" in text and "г. Ленск, ул. Победы, 9" in text
    assert doc.addressee.startswith("Ленское РОСП")
    # what the user types wins
    _doc, _src, text = _issue("enforcement_application", acc, {"writ_number": "2-777/2026"}, user=lawyer,
                              case_id=case.id)
    assert "2-777/2026" in text and "2-555/2026" not in text


def test_the_issue_form_shows_the_writ_recorded_on_the_case(world, client, login):
    lawyer = login("lawyer")
    acc = make_debtor(world, **SMALL)
    unit = BailiffUnit(name="Ленское РОСП", address="г. Ленск, ул. Победы, 9")
    db.session.add(unit)
    case = services.open_case(acc.id, lawyer, date(2026, 10, 1))
    rec = services.record_court_filing(case, lawyer, date(2026, 10, 20), kind="order", principal_kop=30_000_00)
    services.update_court_record(rec, lawyer, date(2026, 11, 20), outcome="issued", issued_on=date(2026, 10, 27),
                                 received_on=date(2026, 11, 2), case_number="2-555/2026")
    services.send_writ(case, lawyer, TODAY, writ_number="2-555/2026", writ_date=date(2026, 10, 27),
                       amount_kop=30_000_00, destination="bailiff", bailiff_unit_id=unit.id)
    db.session.commit()
    page = client.get(f"/documents/new?case_id={case.id}&code=enforcement_application").get_data(as_text=True)
    assert 'value="2-555/2026"' in page and 'value="Ленское РОСП"' in page and 'value="2026-10-27"' in page


def test_court_applications_issued_in_a_batch_are_filings_too(world, lawyer):
    from casework.documents import bulk

    accs = [make_debtor(world, **SMALL) for _ in range(2)]
    db.session.commit()
    batch = bulk.create_batch("court_order_application", [a.id for a in accs], user=lawyer)
    db.session.commit()
    batch = bulk.run_batch(batch.id, [a.id for a in accs], {}, today=TODAY)
    assert batch.status == "done", batch.message
    for acc in accs:
        case = db.session.scalar(select(Case).where(Case.account_id == acc.id))
        rec = db.session.scalars(select(CourtRecord).where(CourtRecord.case_id == case.id)).one()
        assert rec.kind == "order" and rec.principal_kop == 30_000_00 and rec.document_id is not None
        assert case.stage == "court"
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_bailiff_application_states_the_writs_sum_not_the_whole_award(world, lawyer):
    """A judgment against co-owners by share gives each his writ for his part: the application to the bailiffs
    states the sum of the writ recorded on the case, not the whole award of the court record."""
    acc = make_debtor(world, **SMALL)
    unit = BailiffUnit(name="Ленское РОСП УФССП России по Республике Саха (Якутия)", address="г. Ленск, ул. Победы, 9")
    db.session.add(unit)
    case = services.open_case(acc.id, lawyer, date(2026, 10, 1))
    rec = services.record_court_filing(case, lawyer, date(2026, 10, 20), kind="order", principal_kop=30_000_00)
    services.update_court_record(rec, lawyer, date(2026, 11, 20), outcome="issued", issued_on=date(2026, 10, 27),
                                 received_on=date(2026, 11, 2), case_number="2-556/2026", awarded_kop=30_000_00)
    services.send_writ(case, lawyer, TODAY, writ_number="2-556/2026", writ_date=date(2026, 10, 27),
                       amount_kop=15_000_00, destination="bailiff", bailiff_unit_id=unit.id)
    db.session.commit()
    _doc, _src, text = _issue("enforcement_application", acc, user=lawyer, case_id=case.id)
    assert "в размере 15 000 руб. 00 коп. (пятнадцать тысяч рублей 00 копеек)" in text
    assert "30 000 руб. 00 коп." not in text
