"""Papers a court accepts: the months of a claim, one guard for the court-order application and the case's filing,
the court by the procedure and the sum, and dates that cannot be — through the real services, on a real database.

The issue's shape: a debt above 500 000 ₽ with time-barred months and a month not yet due on the document date
(04.12.2026: the November bill is due 15.12.2026). The order application is refused (ГПК 121) with the claim
offered; the claim goes to the district court (above the magistrate's ceiling, ГПК 23 ч.1 п.5, 24) with the due,
not time-barred months by default; ticking the time-barred months adds them.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select

from casework.accounts.models import Account, AccountParty, Building, LedgerEntry, Party, Service, Territory
from casework.cases import services
from casework.cases.directory import DirectoryError
from casework.cases.labels import refusal_message
from casework.cases.models import Case, Court, CourtRecord
from casework.documents import russian as ru
from casework.documents.context import load_common
from casework.documents.models import Document, DocumentCounter
from casework.documents.rendering import docx_text
from casework.documents.services import (
    DocumentError,
    LetterRefused,
    document_file,
    issue_document,
    prepare,
    record_delivery,
)
from casework.domain.claim import ClaimRefused
from casework.domain.stages import TransitionNotAllowed
from casework.enterprise.models import get_enterprise
from casework.extensions import db

TODAY = date(2026, 12, 4)
MONTHLY = 1_500_000  # 15 000 ₽ a month
FIRST, LAST = date(2021, 1, 1), date(2026, 11, 1)  # 71 months: 2021-01 … 2023-10 barred on 04.12.2026, 2026-11 not due


def _court(code, kind, name, territory=None, oktmo="98627101"):
    c = Court(code=code, kind=kind, name=name, address=f"{name}, адрес", oktmo=oktmo,
              territory_id=territory.id if territory is not None else None)
    db.session.add(c)
    db.session.flush()
    return c


@pytest.fixture()
def world(app):
    """Ленский район: a magistrate sector linked to the building and the district court of the territory."""
    ent = get_enterprise()
    ent.name = ent.short_name = "МУП «Ленатеплосеть»"
    ent.inn, ent.ogrn, ent.signatory_name = "1414000001", "1021400000001", "Петров Пётр Петрович"
    ent.legal_address = "678144, г. Ленск, ул. Ленина, д. 1"
    lensk = Territory(name="Ленский район")
    db.session.add(lensk)
    db.session.flush()
    magistrate = _court("LEN-MS22", "magistrate", "Мировой судья судебного участка № 22 Ленского района")
    district = _court("LEN-RS", "district", "Ленский районный суд Республики Саха (Якутия)", lensk)
    return {"territory": lensk, "magistrate": magistrate, "district": district}


def make_debtor(world, *, first=FIRST, last=LAST, monthly=MONTHLY, territory=True):
    tag = uuid.uuid4().hex[:8]
    b = Building(address=f"г. Ленск, ул. Ленина, {tag}", court_id=world["magistrate"].id,
                 territory_id=world["territory"].id if territory else None)
    db.session.add(b)
    db.session.flush()
    acc = Account(number=f"L{tag}", category="population", debtor_name="Сидорова Анна Петровна",
                  address=f"{b.address}, кв. 7", apartment="7", building_id=b.id)
    db.session.add(acc)
    db.session.flush()
    p = Party(kind="person", full_name="Сидорова Анна Петровна", gender="f", birth_date=date(1975, 4, 1),
              birth_place="г. Ленск", snils="111-222-333 44")
    db.session.add(p)
    db.session.flush()
    db.session.add(AccountParty(account_id=acc.id, party_id=p.id, role="owner"))
    svc = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    rows, d, i = [], first, 0
    while d <= last:
        rows.append(dict(account_id=acc.id, service_id=svc, period=d, kind="charge", amount_kop=monthly,
                         entry_key=f"{tag}-{i}"))
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        i += 1
    db.session.execute(insert(LedgerEntry), rows)
    db.session.flush()
    return acc


@pytest.fixture()
def lawyer(make_user):
    return make_user("lawyer")


def _prep(code, acc, params=None, today=TODAY, **kw):
    return prepare(code, account_id=acc.id, common=load_common(dict(params or {}), today), **kw)


def _issue(code, acc, params=None, today=TODAY, **kw):
    doc = issue_document(_prep(code, acc, params, today, **kw))
    db.session.commit()
    return doc, docx_text(document_file(doc).read_bytes())


def _documents():
    return db.session.scalar(select(func.count()).select_from(Document))


# ------------------------------------------------------------------------------------------- the issue's example

def test_the_issue_example_order_refused_claim_to_the_district_court_with_due_months(world, lawyer):
    acc = make_debtor(world)
    default = services.claim_for(acc.id, TODAY)
    months = [p.period for p in default.rows]
    assert str(months[0]) == "2023-11" and str(months[-1]) == "2026-10" and len(months) == 36
    barred = [p for p in default.periods if p.time_barred]
    assert len(barred) == 34 and all(p.period not in default.selected for p in barred)
    not_due = [p for p in default.periods if not p.due]
    assert [str(p.period) for p in not_due] == ["2026-11"] and not_due[0].due_date == date(2026, 12, 15)
    assert default.debt_kop == 36 * MONTHLY and default.total_kop > 500_000_00

    # the court-order application is refused, with the reason in Russian and the claim offered; no number is taken
    with pytest.raises(LetterRefused) as exc:
        _prep("court_order_application", acc)
    text = str(exc.value)
    assert exc.value.code == "order_limit" and exc.value.offer == "claim_after_cancel"
    assert "500\u00a0000,00" in text and "исковое заявление" in text and "Исковое заявление о взыскании задолженности" in text
    assert _documents() == 0 and (db.session.scalar(select(DocumentCounter.last_seq)) or 0) == 0

    # the claim: the district court, only the due, not time-barred months
    doc, text = _issue("claim_after_cancel", acc)
    assert "Ленский районный суд Республики Саха (Якутия)" in text
    assert "судебного участка № 22" not in text
    assert "с 01.11.2023 по 31.10.2026" in text
    assert ru.money(default.debt_kop) in text and ru.money(default.total_kop) in text
    assert "Цена иска превышает пятьсот тысяч рублей" in text and "отменён определением" not in text
    assert "16.12.2026" not in text and "2021" not in text
    assert doc.amount_kop == default.debt_kop and doc.addressee == world["district"].name

    # the calculation attached: the same months only, no «Просрочка с 16.12.2026 по 04.12.2026»
    _doc, calc = _issue("debt_calculation", acc)
    assert "16.12.2026" not in calc and "ноябрь 2026" not in calc and "январь 2021" not in calc
    assert "ноябрь 2023" in calc and ru.money(default.total_kop) in calc

    # ticking the time-barred months (an explicit choice) adds them
    everything = [str(p.period) for p in default.periods if p.due]
    full = services.claim_for(acc.id, TODAY, everything)
    assert full.debt_kop == 70 * MONTHLY and full.time_barred_chosen
    _doc, text = _issue("claim_after_cancel", acc, {"claim_periods": everything})
    assert "с 01.01.2021 по 31.10.2026" in text and ru.money(full.total_kop) in text

    # a month not yet due cannot be ticked
    with pytest.raises(DocumentError) as exc:
        _prep("claim_after_cancel", acc, {"claim_periods": everything + ["2026-11"]})
    assert "не наступил" in str(exc.value) or "ещё не" in str(exc.value)


def test_the_case_filing_takes_the_same_months_and_the_same_guard(world, lawyer):
    acc = make_debtor(world)
    case = services.open_case(acc.id, lawyer, TODAY - timedelta(days=10))
    ticked = [str(p) for p in services.claim_checklist_for(acc.id, TODAY).selected]
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="order", periods=ticked, duty_kop=None)
    assert exc.value.code == "order_limit" and "исковое заявление" in refusal_message(exc.value)
    assert case.stage == "debt_detected" and db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0
    with pytest.raises(ClaimRefused) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="claim", periods=ticked + ["2026-11"])
    assert exc.value.code == "claim_period_not_due"
    rec = services.record_court_filing(case, lawyer, TODAY, kind="claim", periods=ticked, duty_kop=None)
    default = services.claim_for(acc.id, TODAY)
    assert rec.court_id == world["district"].id
    assert (rec.principal_kop, rec.penalty_kop) == (default.debt_kop, default.penalty_kop)
    assert (rec.period_from, rec.period_to) == (date(2023, 11, 1), date(2026, 10, 1))
    assert case.stage == "court"


def test_setting_ticks_the_time_barred_months_by_default(world, app):
    acc = make_debtor(world)
    app.config["CLAIM_TIME_BARRED_DEFAULT"] = True
    try:
        sel = services.claim_for(acc.id, TODAY)
        assert sel.debt_kop == 70 * MONTHLY and sel.time_barred_chosen
    finally:
        app.config["CLAIM_TIME_BARRED_DEFAULT"] = False
    assert services.claim_for(acc.id, TODAY).debt_kop == 36 * MONTHLY


def test_a_small_order_goes_through_and_its_months_are_not_ordered_twice(world, lawyer):
    """A 30 000 ₽ debt: the order application goes to the magistrate; after the order is cancelled the same months
    go by claim (ГПК 129) — to the magistrate, 30 000 ₽ being under the ceiling — and a new order is refused."""
    acc = make_debtor(world, first=date(2026, 8, 1), last=date(2026, 9, 1))  # 2 × 15 000 ₽, both due
    doc, text = _issue("court_order_application", acc, today=date(2026, 10, 20))
    assert "Мировой судья судебного участка № 22 Ленского района" in text and "30 000 руб. 00 коп." in text
    # the issued application is the case's filing (one record per event): a case opened, the filing recorded
    case = db.session.scalar(select(Case).where(Case.account_id == acc.id))
    ticked = [str(p) for p in services.claim_checklist_for(acc.id, date(2026, 10, 20)).selected]
    order = db.session.scalar(select(CourtRecord).where(CourtRecord.case_id == case.id))
    assert order.document_id == doc.id and order.filed_on == date(2026, 10, 20) and case.stage == "court"
    assert order.court_id == world["magistrate"].id and order.principal_kop == 30_000_00
    services.update_court_record(order, lawyer, date(2026, 11, 20), outcome="issued", issued_on=date(2026, 10, 27),
                                 received_on=date(2026, 11, 2), objection_on=date(2026, 11, 9),
                                 cancelled_on=date(2026, 11, 16))
    db.session.commit()
    with pytest.raises(LetterRefused) as exc:
        _prep("court_order_application", acc, case_id=case.id)
    assert exc.value.code == "order_after_cancel" and "08.2026" in str(exc.value)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="order", periods=ticked)
    assert exc.value.code == "order_after_cancel"
    _doc, text = _issue("claim_after_cancel", acc, case_id=case.id)
    assert "Мировой судья судебного участка № 22 Ленского района" in text and "районный суд" not in text
    assert "отменён определением от «16» ноября 2026 г." in text
    claim = services.record_court_filing(case, lawyer, TODAY, kind="claim", periods=ticked)
    assert claim.court_id == world["magistrate"].id


def test_no_district_court_in_the_directory_is_refused_in_russian(world, lawyer):
    world["district"].is_active = False
    acc = make_debtor(world)
    with pytest.raises(LetterRefused) as exc:
        _prep("claim_after_cancel", acc)
    text = str(exc.value)
    assert exc.value.code == "district_court_missing"
    assert "нет действующего районного суда" in text and "100\u00a0000,00" in text and "Ленский район" in text
    case = services.open_case(acc.id, lawyer, TODAY - timedelta(days=10))
    ticked = [str(p) for p in services.claim_checklist_for(acc.id, TODAY).selected]
    with pytest.raises(DirectoryError) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="claim", periods=ticked)
    assert exc.value.code == "district_court_missing"
    with pytest.raises(DirectoryError) as exc:  # never the magistrate instead, even chosen by hand
        services.record_court_filing(case, lawyer, TODAY, kind="claim", periods=ticked,
                                     court_id=world["magistrate"].id)
    assert exc.value.code == "district_court_required"
    assert "подсуден районному суду" in refusal_message(exc.value)
    assert db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0
    # a court's name typed on the form is the lawyer's choice by hand
    _doc, text = _issue("claim_after_cancel", acc, {"court_name": "Ленский районный суд (введено вручную)"})
    assert "Ленский районный суд (введено вручную)" in text


def test_the_ceiling_is_a_dated_reference_value(world, lawyer):
    """75 000 ₽: the district court under the 50 000 ₽ wording (before 01.10.2019), the magistrate under 451-ФЗ."""
    acc = make_debtor(world)
    old = services.court_choice(acc, kind="claim", claim_kop=75_000_00, on=date(2019, 9, 30))
    new = services.court_choice(acc, kind="claim", claim_kop=75_000_00, on=date(2019, 10, 1))
    assert old.court == world["district"] and new.court == world["magistrate"]


# ------------------------------------------------------------------------------------------- dates

def _order_case(world, lawyer, acc=None):
    acc = acc or make_debtor(world, first=date(2026, 6, 1), last=date(2026, 9, 1))
    case = services.open_case(acc.id, lawyer, date(2026, 10, 1))
    rec = services.record_court_filing(case, lawyer, date(2026, 10, 20), kind="order", principal_kop=60_000_00)
    db.session.commit()
    return acc, case, rec


def test_an_order_is_not_issued_before_its_filing_in_both_paths(world, lawyer):
    acc, case, rec = _order_case(world, lawyer)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.update_court_record(rec, lawyer, TODAY, outcome="issued", issued_on=date(2026, 10, 19))
    assert exc.value.code == "order_before_filing" and "20.10.2026" in refusal_message(exc.value)
    with pytest.raises(LetterRefused) as exc:  # the claim stating an order of a date before its application
        _prep("claim_after_cancel", acc, {"writ_date": date(2026, 10, 19), "order_cancelled_on": date(2026, 11, 5)},
              case_id=case.id)
    assert exc.value.code == "order_before_filing"
    with pytest.raises(TransitionNotAllowed) as exc:
        services.update_court_record(rec, lawyer, TODAY, outcome="issued", issued_on=date(2026, 10, 27),
                                     received_on=date(2026, 10, 25))
    assert exc.value.code == "received_before_issue"
    with pytest.raises(TransitionNotAllowed) as exc:
        services.update_court_record(rec, lawyer, TODAY, outcome="issued", issued_on=date(2026, 10, 27),
                                     objection_on=date(2026, 11, 10), cancelled_on=date(2026, 11, 9))
    assert exc.value.code == "cancelled_before_objection"
    assert rec.issued_on is None  # nothing was written by the refused updates


def test_a_decision_does_not_precede_the_claim_in_both_paths(world, lawyer):
    acc = make_debtor(world, first=date(2023, 12, 1), last=date(2026, 9, 1))  # 510 000 ₽: a claim, district court
    case = services.open_case(acc.id, lawyer, date(2026, 10, 1))
    rec = services.record_court_filing(case, lawyer, date(2026, 10, 20), kind="claim", principal_kop=510_000_00)
    assert rec.court_id == world["district"].id
    with pytest.raises(TransitionNotAllowed) as exc:
        services.update_court_record(rec, lawyer, TODAY, outcome="satisfied", issued_on=date(2026, 10, 2))
    assert exc.value.code == "decision_before_claim"
    db.session.commit()
    with pytest.raises(DocumentError) as exc:  # a writ dated before the claim was filed
        _prep("enforcement_application", acc, {"bailiff_unit": "ОСП по Ленскому району", "writ_number": "2-5/2026",
                                               "writ_date": date(2026, 10, 2)}, case_id=case.id)
    assert "подачи иска" in str(exc.value) or "20.10.2026" in str(exc.value)


def test_no_court_date_in_the_future_in_both_paths(world, lawyer):
    acc = make_debtor(world, first=date(2026, 6, 1), last=date(2026, 9, 1))
    case = services.open_case(acc.id, lawyer, date(2026, 10, 1))
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="order", principal_kop=60_000_00,
                                     filed_on=TODAY + timedelta(days=1))
    assert exc.value.code == "date_in_future" and "05.12.2026" in refusal_message(exc.value)
    rec = services.record_court_filing(case, lawyer, date(2026, 10, 20), kind="order", principal_kop=60_000_00)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.update_court_record(rec, lawyer, TODAY, outcome="issued", issued_on=TODAY + timedelta(days=3))
    assert exc.value.code == "date_in_future"
    with pytest.raises(LetterRefused) as exc:
        _prep("claim_after_cancel", acc, {"writ_date": date(2026, 10, 27), "order_cancelled_on": TODAY + timedelta(days=1)})
    assert exc.value.code == "date_in_future"
    with pytest.raises(DocumentError):
        _prep("employer_letter", acc, {"employer_name": "ООО «Алроса»", "writ_number": "2-7/2026",
                                       "writ_date": TODAY + timedelta(days=2)})


def test_no_delivery_before_the_document_existed_in_both_paths(world, lawyer):
    acc = make_debtor(world, first=date(2026, 6, 1), last=date(2026, 9, 1))
    case = services.open_case(acc.id, lawyer, date(2026, 10, 1))
    doc, _text = _issue("warning_restriction", acc, {"restriction_service": "отопление"}, case_id=case.id)
    with pytest.raises(DocumentError) as exc:
        record_delivery(doc, TODAY - timedelta(days=1), "hand", "подпись", today=TODAY)
    assert "04.12.2026" in str(exc.value)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_warning_delivered(case, TODAY - timedelta(days=1), lawyer, document_id=doc.id, today=TODAY)
    assert exc.value.code == "delivery_before_document"
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_warning_delivered(case, TODAY + timedelta(days=1), lawyer, today=TODAY)
    assert exc.value.code == "date_in_future"
    with pytest.raises(DocumentError):
        record_delivery(doc, TODAY + timedelta(days=1), "hand", "подпись", today=TODAY)


def test_the_restriction_act_uses_the_stage_guard(world, lawyer):
    """The act of restriction cannot state that the 20-day term ran out when it has not: refused with the same
    reason as the move to the restriction stage; possible from the day the stage move is."""
    acc = make_debtor(world, first=date(2026, 6, 1), last=date(2026, 10, 1), monthly=800_000)
    svc = db.session.scalar(select(Service).where(Service.code == "heating"))
    hot = db.session.scalar(select(Service).where(Service.code == "hot_water"))
    hot.norm_monthly_kop = 300_000
    db.session.execute(insert(LedgerEntry), [dict(account_id=acc.id, service_id=hot.id, period=date(2026, m, 1),
                                                  kind="charge", amount_kop=400_000, entry_key=f"hw-{acc.id}-{m}")
                                             for m in (7, 8, 9)])
    case = services.open_case(acc.id, lawyer, date(2026, 11, 1))
    services.change_stage(case, "notice", lawyer, date(2026, 11, 1))
    delivered = date(2026, 11, 20)
    services.record_warning_delivered(case, delivered, lawyer, service_id=hot.id, today=TODAY)
    db.session.commit()
    params = {"restriction_service": "Горячее водоснабжение", "restriction_date": TODAY}
    with pytest.raises(LetterRefused) as doc_exc:
        _prep("restriction_act", acc, params, case_id=case.id)
    with pytest.raises(TransitionNotAllowed) as move_exc:
        services.change_stage(case, "restriction", lawyer, TODAY, service_id=hot.id)
    assert doc_exc.value.code == move_exc.value.code == "warning_term"
    assert str(doc_exc.value) == refusal_message(move_exc.value) and "11.12.2026" in str(doc_exc.value)
    db.session.rollback()
    later = date(2026, 12, 11)  # day 21 after delivery (ГК 191): both possible
    _doc, text = _issue("restriction_act", acc, dict(params, restriction_date=later), today=later, case_id=case.id)
    assert "20-дневный срок со дня доставки истёк" in text
    services.change_stage(case, "restriction", lawyer, later, service_id=hot.id)
    assert case.stage == "restriction" and svc is not None
    # an act dated in the future is refused as well
    with pytest.raises(LetterRefused) as exc:
        _prep("restriction_act", acc, dict(params, restriction_date=later + timedelta(days=1)), today=later,
              case_id=case.id)
    assert exc.value.code == "date_in_future"
