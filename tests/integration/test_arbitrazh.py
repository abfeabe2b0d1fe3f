"""Organisation and entrepreneur debtors go to the arbitrazh court (АПК): the court from the directory, the duty by
НК 333.21, the order limit and the pre-claim term in the stage machine, the court-order application read back."""
from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

import pytest
from docx import Document as Docx
from sqlalchemy import func, insert, select

from casework.accounts.models import Account, AccountParty, Building, LedgerEntry, Party, Service
from casework.cases import services
from casework.cases.directory import DirectoryError
from casework.cases.labels import refusal_message
from casework.cases.models import Court, CourtRecord
from casework.documents import russian as ru
from casework.documents.context import load_common
from casework.documents.models import Document
from casework.documents.services import DocumentError, document_file, issue_document, prepare
from casework.domain.stages import TransitionNotAllowed
from casework.enterprise.models import get_enterprise
from casework.extensions import db

TODAY = date(2026, 6, 15)
MAGISTRATE_HEADING = "Мировому судье судебного участка № 22 Ленского района Республики Саха (Якутия)"
ORG_INN, ORG_OGRN = "1435000001", "1021401000001"
IP_OGRNIP = "314143500000012"


def _court(code, kind, name, oktmo):
    c = Court(code=code, kind=kind, name=name, oktmo=oktmo, address=f"{name}, адрес")
    db.session.add(c)
    db.session.flush()
    return c


@pytest.fixture()
def directory(app):
    """Yakutia: a magistrate sector and the arbitrazh court; Krasnoyarsk krai: a magistrate sector only."""
    ent = get_enterprise()
    ent.name = ent.short_name = "МУП «Ленатеплосеть»"
    ent.inn, ent.ogrn, ent.signatory_name = "1414000001", "1021400000001", "Петров Пётр Петрович"
    return {
        "len": _court("LEN-MS22", "magistrate", "Судебный участок № 22 Ленского района Республики Саха (Якутия)",
                      "98627101"),
        "asrsya": _court("ASRSYA", "arbitrazh", "Арбитражный суд Республики Саха (Якутия)", "98701000"),
        "sen": _court("SEN-MS164", "magistrate", "Судебный участок № 164 в Северо-Енисейском районе", "04649151"),
    }


def make_debtor(court: Court, *, kind="organization", category="other", months=12, monthly_kop=300_000,
                name="ООО «Ленторг»", inn=ORG_INN, ogrn=ORG_OGRN, last_period=date(2026, 5, 1)):
    """An account of `kind` in a building linked to `court`, billed `months` months up to `last_period`."""
    tag = uuid.uuid4().hex[:8]
    b = Building(address=f"г. Ленск, ул. Ленина, {tag}", court_id=court.id)
    db.session.add(b)
    db.session.flush()
    acc = Account(number=f"A{tag}", category=category, tenure="other" if category == "other" else "owner",
                  debtor_name=name, address=f"{b.address}, пом. 1", building_id=b.id)
    db.session.add(acc)
    db.session.flush()
    party = Party(kind=kind, full_name=name, inn=inn, ogrn=ogrn, registration_address="678144, г. Ленск, ул. Ленина, 1",
                  gender="m" if kind == "person" else None)
    db.session.add(party)
    db.session.flush()
    db.session.add(AccountParty(account_id=acc.id, party_id=party.id, role="owner"))
    svc = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    rows = []
    y, m = last_period.year, last_period.month
    for i in range(months):
        mm = m - i
        yy, mm = y + (mm - 1) // 12, (mm - 1) % 12 + 1
        rows.append(dict(account_id=acc.id, service_id=svc, period=date(yy, mm, 1), kind="charge",
                         amount_kop=monthly_kop, entry_key=f"{tag}-c{i}"))
    db.session.execute(insert(LedgerEntry), rows)
    db.session.flush()
    return acc


@pytest.fixture()
def lawyer(make_user):
    return make_user("lawyer")


def test_organisation_gets_the_arbitrazh_court_of_its_region_a_citizen_the_magistrate(directory):
    org = make_debtor(directory["len"])
    ip = make_debtor(directory["len"], kind="person", name="Сидоров Иван Петрович", inn="143500000012",
                     ogrn=IP_OGRNIP)
    citizen = make_debtor(directory["len"], kind="person", category="population", name="Иванов Иван Иванович",
                          inn=None, ogrn=None)
    assert services.court_choice(org).track == "arbitrazh"
    assert services.court_for_account(org) == directory["asrsya"]
    assert services.court_for_account(ip) == directory["asrsya"]
    assert services.court_choice(citizen).track == "general"
    assert services.court_for_account(citizen) == directory["len"]


def test_no_arbitrazh_court_in_the_directory_is_said_not_papered_over(directory, lawyer):
    org = make_debtor(directory["sen"])  # Krasnoyarsk krai: the directory has no arbitrazh court there
    choice = services.court_choice(org)
    assert choice.court is None and choice.problem == "arbitrazh_court_missing"
    assert choice.params == {"court": directory["sen"].name, "region": "04"}
    case = services.open_case(org.id, lawyer, TODAY)
    with pytest.raises(DirectoryError) as exc:
        services.record_court_filing(case, lawyer, TODAY, principal_kop=3_600_000)
    assert exc.value.code == "arbitrazh_court_missing"
    assert directory["sen"].name in refusal_message(exc.value)
    assert case.stage == "debt_detected"
    assert db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0
    # an arbitrazh court chosen by hand is accepted
    rec = services.record_court_filing(case, lawyer, TODAY, principal_kop=3_600_000, court_id=directory["asrsya"].id)
    assert rec.court_id == directory["asrsya"].id


def test_building_without_court_or_region_is_explained(directory):
    org = make_debtor(directory["len"])
    db.session.get(Building, org.building_id).court_id = None
    assert services.court_choice(org).problem == "arbitrazh_no_building_court"
    db.session.get(Building, org.building_id).court_id = directory["len"].id
    directory["len"].oktmo = None
    assert services.court_choice(org).problem == "arbitrazh_no_region"


def test_court_of_the_wrong_system_is_refused(directory, lawyer):
    org = make_debtor(directory["len"])
    case = services.open_case(org.id, lawyer, TODAY)
    with pytest.raises(DirectoryError) as exc:
        services.record_court_filing(case, lawyer, TODAY, principal_kop=3_600_000, court_id=directory["len"].id)
    assert exc.value.code == "arbitrazh_court_required"
    citizen = make_debtor(directory["len"], kind="person", category="population", name="Иванов Иван Иванович",
                          inn=None, ogrn=None)
    case2 = services.open_case(citizen.id, lawyer, TODAY)
    with pytest.raises(DirectoryError) as exc:
        services.record_court_filing(case2, lawyer, TODAY, principal_kop=3_600_000, court_id=directory["asrsya"].id)
    assert exc.value.code == "general_court_required"


@pytest.mark.parametrize("claim_kop,expected_kop", [(5_000_000, 800_000), (30_000_000, 1_000_000)])
def test_filing_duty_follows_the_arbitrazh_scale_with_the_order_minimum(directory, lawyer, claim_kop, expected_kop):
    """DUTY-10: arbitrazh order, new scale — 50,000 → 8,000 ₽ (minimum), 300,000 → 10,000 ₽ (НК 333.21)."""
    org = make_debtor(directory["len"], months=12, monthly_kop=claim_kop // 12 + 1)
    case = services.open_case(org.id, lawyer, TODAY)
    rec = services.record_court_filing(case, lawyer, TODAY, principal_kop=claim_kop, duty_kop=None)
    assert rec.duty_kop == expected_kop and rec.court_id == directory["asrsya"].id


def test_citizen_filing_duty_stays_on_the_general_scale(directory, lawyer):
    citizen = make_debtor(directory["len"], kind="person", category="population", name="Иванов Иван Иванович",
                          inn=None, ogrn=None)
    case = services.open_case(citizen.id, lawyer, TODAY)
    rec = services.record_court_filing(case, lawyer, TODAY, principal_kop=5_000_000, duty_kop=None)
    assert rec.duty_kop == 200_000 and rec.court_id == directory["len"].id  # НК 333.19: 50 % of 4,000 ₽


def _pretrial_claim(acc, on):
    prep = prepare("pretrial_claim", account_id=acc.id, common=load_common({}, on))
    return issue_document(prep)


def test_above_500000_the_order_is_refused_and_the_claim_waits_30_days_after_the_pre_claim(directory, lawyer):
    org = make_debtor(directory["len"], months=24, monthly_kop=2_600_000)  # 624,000 ₽
    case = services.open_case(org.id, lawyer, TODAY)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="order", principal_kop=62_400_000)
    assert exc.value.code == "arbitrazh_order_limit"
    assert "500" in refusal_message(exc.value)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="claim", principal_kop=62_400_000)
    assert exc.value.code == "no_pretrial_claim"
    _pretrial_claim(org, TODAY - timedelta(days=20))
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(case, lawyer, TODAY, kind="claim", principal_kop=62_400_000)
    assert exc.value.code == "pretrial_claim_term"
    assert exc.value.params["sent_on"] == TODAY - timedelta(days=20)
    _pretrial_claim(org, TODAY - timedelta(days=45))  # an older letter does not shorten the newest one's term
    assert services.pretrial_claim_sent_on(case) == TODAY - timedelta(days=20)
    rec = services.record_court_filing(case, lawyer, TODAY + timedelta(days=11), kind="claim",
                                       principal_kop=62_400_000, duty_kop=None)
    assert case.stage == "court" and rec.kind == "claim"
    assert rec.duty_kop == 3_620_000  # НК 333.21 new scale, claim: 10,000 + 5 % × (624,000 − 100,000) = 36,200 ₽


def test_gather_facts_names_the_organisation(directory, lawyer):
    org = make_debtor(directory["len"])
    case = services.open_case(org.id, lawyer, TODAY)
    facts = services.gather_facts(case, TODAY, with_limitation=False)
    assert (facts.debtor_kind, facts.court_track) == ("organization", "arbitrazh")


# ------------------------------------------------------------------------------------------- the application

def _render(acc, params=None):
    prep = prepare("court_order_application", account_id=acc.id, common=load_common(params or {}, TODAY))
    doc = issue_document(prep)
    d = Docx(io.BytesIO(document_file(doc).read_bytes()))
    return doc, prep.source, [p.text for p in d.paragraphs]


def test_court_order_application_for_an_organisation_reads_as_arbitrazh(directory):
    org = make_debtor(directory["len"], months=6, monthly_kop=800_000)   # 48,000 ₽
    doc, src, paras = _render(org)
    text = "\n".join(paras)
    assert src.duty_kop == 800_000                                         # НК 333.21: order minimum 8,000 ₽
    assert "В Арбитражный суд Республики Саха (Якутия)" in paras
    assert "о выдаче судебного приказа о взыскании задолженности за коммунальные услуги" in paras
    assert "ст.229.1–229.3 Арбитражного процессуального кодекса РФ" in text and "п.1 ст.229.2" in text
    assert f"ИНН {ORG_INN}, ОГРН {ORG_OGRN}" in paras
    assert f"Госпошлина: {ru.money(800_000)}" in paras
    assert f"уплачена в размере {ru.money(800_000)} (восемь тысяч рублей 00 копеек) по ст.333.21 НК РФ" in text
    assert "ГПК" not in text and "333.19" not in text and "дата рождения" not in text and "паспорт" not in text
    assert "{{" not in text and "{%" not in text
    assert doc.title == "Заявление о выдаче судебного приказа (арбитражный суд)"
    assert doc.addressee == "Арбитражный суд Республики Саха (Якутия)"


def test_court_order_application_for_an_entrepreneur_names_the_ogrnip(directory):
    ip = make_debtor(directory["len"], kind="person", name="Сидоров Иван Петрович", inn="143500000012",
                     ogrn=IP_OGRNIP, months=6, monthly_kop=800_000)
    _doc, _src, paras = _render(ip)
    text = "\n".join(paras)
    assert f"ИНН 143500000012, ОГРНИП {IP_OGRNIP}" in paras
    assert "Должник: индивидуальный предприниматель Сидоров Иван Петрович" in paras
    assert "с индивидуального предпринимателя Сидорова Ивана Петровича (ИНН 143500000012" in text
    assert "ст.333.21 НК РФ" in text and "дата рождения" not in text


def test_court_order_application_for_a_citizen_stays_with_the_magistrate(directory):
    citizen = make_debtor(directory["len"], kind="person", category="population", name="Иванов Иван Иванович",
                          inn="143500000099", ogrn=None, months=6, monthly_kop=800_000)
    doc, src, paras = _render(citizen)
    text = "\n".join(paras)
    assert src.duty_kop == 200_000                                         # НК 333.19: 50 % of 4,000 ₽
    assert MAGISTRATE_HEADING in paras  # the sector's magistrate, addressed in the dative
    assert "о вынесении судебного приказа о взыскании задолженности за жилищно-коммунальные услуги" in paras
    assert "ст.121–124 ГПК РФ" in text and "по пп.2 п.1 ст.333.19 НК РФ" in text
    assert f"Госпошлина: {ru.money(200_000)}" in paras
    assert "Арбитраж" not in text and "АПК" not in text and "333.21" not in text
    assert doc.title == "Заявление о вынесении судебного приказа"


def test_application_without_an_arbitrazh_court_is_refused_unless_typed(directory):
    org = make_debtor(directory["sen"], months=6, monthly_kop=800_000)
    with pytest.raises(DocumentError) as exc:
        prepare("court_order_application", account_id=org.id, common=load_common({}, TODAY))
    assert directory["sen"].name in str(exc.value)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    _doc, _src, paras = _render(org, {"court_name": "Арбитражный суд Красноярского края"})
    assert "В Арбитражный суд Красноярского края" in paras


def test_pre_claim_letter_to_an_organisation_names_the_30_days(directory):
    org = make_debtor(directory["len"], months=6, monthly_kop=800_000)
    doc = _pretrial_claim(org, TODAY)
    d = Docx(io.BytesIO(document_file(doc).read_bytes()))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "ч.5 ст.4 Арбитражного процессуального кодекса РФ" in text and "30 календарных дней" in text
    assert "ГПК" not in text


# ------------------------------------------------------------------------------------------- the claim (08)

def _cancelled_order(case, lawyer, principal_kop, number):
    """A court order filed with the engine's duty, issued, received and cancelled on the debtor's objection."""
    rec = services.record_court_filing(case, lawyer, TODAY - timedelta(days=90), principal_kop=principal_kop,
                                       duty_kop=None)
    services.update_court_record(rec, lawyer, TODAY - timedelta(days=60), case_number=number, outcome="issued",
                                 issued_on=TODAY - timedelta(days=80), received_on=TODAY - timedelta(days=70))
    services.update_court_record(rec, lawyer, TODAY - timedelta(days=60), objection_on=TODAY - timedelta(days=65),
                                 cancelled_on=TODAY - timedelta(days=60))
    assert rec.outcome == "cancelled"
    return rec


def _render_claim(acc, params=None):
    prep = prepare("claim_after_cancel", account_id=acc.id, common=load_common(params or {}, TODAY))
    doc = issue_document(prep)
    d = Docx(io.BytesIO(document_file(doc).read_bytes()))
    paras = [p.text for p in d.paragraphs]
    return doc, prep.source, paras, "\n".join(paras)


def _arbitrazh_claim_duty_kop(claim_kop: int) -> int:
    """НК 333.21 п.1 пп.1, 259-ФЗ scale up to 1 million: 10,000 ₽, above 100,000 ₽ plus 5 %; whole rubles (НК 52)."""
    from decimal import ROUND_HALF_UP, Decimal

    rub = Decimal(claim_kop) / 100
    duty = Decimal(10_000) if rub <= 100_000 else Decimal(10_000) + (rub - 100_000) * Decimal("0.05")
    return int(duty.quantize(Decimal(1), ROUND_HALF_UP)) * 100


def test_claim_against_an_organisation_reads_as_an_arbitrazh_claim_with_the_order_duty_credited(directory, lawyer):
    org = make_debtor(directory["len"], months=6, monthly_kop=800_000)   # 48,000 ₽
    case = services.open_case(org.id, lawyer, TODAY - timedelta(days=120))
    claim_letter = _pretrial_claim(org, TODAY - timedelta(days=100))
    order = _cancelled_order(case, lawyer, 4_800_000, "А58-1234/2026")
    assert order.duty_kop == 800_000                                       # НК 333.21: order minimum 8,000 ₽
    doc, src, paras, text = _render_claim(org)
    claim_kop = src.debt_kop + src.penalty_kop
    assert claim_kop < 10_000_000
    assert src.duty_gross_kop == 1_000_000 == _arbitrazh_claim_duty_kop(claim_kop)   # the claim scale, not 50 %
    assert src.duty_kop == 200_000                                          # 10,000 − 8,000 paid for the order
    assert "В Арбитражный суд Республики Саха (Якутия)" in paras
    assert f"ИНН {ORG_INN}, ОГРН {ORG_OGRN}" in paras and "Ответчик: ООО «Ленторг»" in paras
    assert "ИСКОВОЕ ЗАЯВЛЕНИЕ" in paras
    assert f"Цена иска: {ru.money(claim_kop)}" in paras and f"Госпошлина: {ru.money(1_000_000)}" in paras
    assert "ст.4, 125, 126 Арбитражного процессуального кодекса РФ" in text
    assert (f"направлена претензия № {claim_letter.number} от {ru.short_date(claim_letter.issued_on)}" in text
            and "30 календарных дней" in text and "(ч.5 ст.4 АПК РФ)" in text)
    assert "Судебный приказ №\u00a0А58-1234/2026 от" in text and "ч.4 ст.229.5" in text
    assert "по пп.1 п.1 ст.333.21 Налогового кодекса РФ и составляет 10 000 руб. 00 коп. (десять тысяч" in text
    assert (f"Государственная пошлина в размере {ru.money(800_000)}, уплаченная за выдачу судебного приказа, "
            f"засчитывается" in text and f"доплачено {ru.money(200_000)}" in text)
    # the whole duty is claimed back as costs; the total adds it up
    assert (f"расходы по уплате государственной пошлины — {ru.money(1_000_000)}, всего "
            f"{ru.money(claim_kop + 1_000_000)}" in text)
    assert "(п.1 ч.1 ст.126 АПК РФ)" in text and "копия определения арбитражного суда об отмене" in text
    assert "ГПК" not in text and "333.19" not in text and "333.20" not in text and "мирово" not in text.lower()
    assert "дата и место рождения" not in text and "{{" not in text and "{%" not in text
    assert doc.title == "Исковое заявление о взыскании задолженности (арбитражный суд)"


def test_claim_against_an_entrepreneur_above_500000_names_the_ogrnip_and_needs_no_order(directory, lawyer):
    ip = make_debtor(directory["len"], kind="person", name="Сидоров Иван Петрович", inn="143500000012",
                     ogrn=IP_OGRNIP, months=24, monthly_kop=2_600_000)     # 624,000 ₽
    services.open_case(ip.id, lawyer, TODAY - timedelta(days=60))
    claim_letter = _pretrial_claim(ip, TODAY - timedelta(days=40))
    _doc, src, paras, text = _render_claim(ip)
    claim_kop = src.debt_kop + src.penalty_kop
    expected = _arbitrazh_claim_duty_kop(claim_kop)
    assert src.duty_kop == src.duty_gross_kop == expected and expected > 3_620_000  # no order, nothing credited
    assert "Ответчик: индивидуальный предприниматель Сидоров Иван Петрович" in paras
    assert f"ИНН 143500000012, ОГРНИП {IP_OGRNIP}" in paras
    assert "с индивидуального предпринимателя Сидорова Ивана Петровича (ИНН 143500000012" in text
    assert "Цена иска превышает пятьсот тысяч рублей" in text and "п.1 ст.229.2" in text
    assert f"претензия № {claim_letter.number} от {ru.short_date(claim_letter.issued_on)}" in text
    assert f"Госпошлина: {ru.money(expected)}" in paras and "пп.1 п.1 ст.333.21" in text
    assert "засчитывается" not in text and "Судебный приказ №" not in text and "об отмене судебного приказа" not in text
    assert "ГПК" not in text and "{{" not in text


def test_claim_against_a_citizen_stays_under_the_gpk_with_the_order_duty_credited(directory, lawyer):
    citizen = make_debtor(directory["len"], kind="person", category="population", name="Иванов Иван Иванович",
                          inn="143500000099", ogrn=None, months=6, monthly_kop=800_000)
    case = services.open_case(citizen.id, lawyer, TODAY - timedelta(days=120))
    order = _cancelled_order(case, lawyer, 4_800_000, "2-777/2026")
    assert order.duty_kop == 200_000                                        # НК 333.19: 50 % of 4,000 ₽
    doc, src, paras, text = _render_claim(citizen)
    claim_kop = src.debt_kop + src.penalty_kop
    assert (src.duty_gross_kop, src.duty_kop) == (400_000, 200_000)         # 4,000 ₽ less the 2,000 ₽ credited
    assert MAGISTRATE_HEADING in paras and "Ответчик: Иванов Иван Иванович" in paras
    assert f"Госпошлина: {ru.money(400_000)}" in paras
    assert "Судебный приказ №\u00a02-777/2026 от" in text and "ст.131, 132 ГПК РФ" in text
    assert (f"пошлина в размере {ru.money(200_000)}, уплаченная за выдачу судебного приказа, засчитывается в счёт "
            f"пошлины за подачу иска (пп.13 п.1 ст.333.20 НК РФ); к доплате — {ru.money(200_000)}" in text)
    assert f"расходы по государственной пошлине {ru.money(400_000)}, всего {ru.money(claim_kop + 400_000)}" in text
    assert "АПК" not in text and "Арбитраж" not in text and "333.21" not in text and "претензи" not in text
    assert doc.title == "Исковое заявление о взыскании задолженности"


# ------------------------------------------------------------------------------------------- the objection term

def _issued_order(acc, lawyer, received_on):
    case = services.open_case(acc.id, lawyer, received_on - timedelta(days=30))
    rec = services.record_court_filing(case, lawyer, received_on - timedelta(days=20), principal_kop=4_800_000)
    services.update_court_record(rec, lawyer, received_on, outcome="issued", issued_on=received_on - timedelta(days=10),
                                 received_on=received_on)
    return case


def test_objection_window_of_an_arbitrazh_order_counts_ten_working_days(directory, lawyer):
    """Received Wednesday 03.06.2026: АПК — 10 working days (12.06 and two weekends skipped) end Thursday 18.06, the
    writ from 19.06; ГПК — 10 calendar days end Saturday 13.06 → Monday 15.06, the writ from 16.06."""
    from casework.cases.models import Deadline

    received = date(2026, 6, 3)
    org_case = _issued_order(make_debtor(directory["len"], months=6, monthly_kop=800_000), lawyer, received)
    citizen_case = _issued_order(make_debtor(directory["len"], kind="person", category="population",
                                             name="Иванов Иван Иванович", inn=None, ogrn=None, months=6,
                                             monthly_kop=800_000), lawyer, received)
    due = dict(db.session.execute(select(Deadline.case_id, Deadline.due_on).where(
        Deadline.kind == "objection_window")).all())
    assert due == {org_case.id: date(2026, 6, 19), citizen_case.id: date(2026, 6, 16)}
    with pytest.raises(TransitionNotAllowed) as exc:
        services.send_writ(org_case, lawyer, date(2026, 6, 18), writ_number="А58-1/2026", writ_date=received,
                           amount_kop=4_800_000)
    assert exc.value.code == "not_in_force" and exc.value.params["in_force_on"] == date(2026, 6, 19)
    services.send_writ(org_case, lawyer, date(2026, 6, 19), writ_number="А58-1/2026", writ_date=received,
                       amount_kop=4_800_000)
    assert org_case.stage == "enforcement"
