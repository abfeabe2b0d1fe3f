"""The bailiffs' reconciliation on a real database: an ОСП sheet with title rows and merged headers, the CSV act,
the ЕПГУ XML notice, matching (by writ, by debtor, ambiguous → the lawyer's pick, unmatched), the update of the
enforcement records, receipts without double counting, the silence alert and the complaint."""
import io
from datetime import date, timedelta

import pytest
from docx import Document as Docx
from sqlalchemy import select

from casework.accounts.models import LedgerEntry
from casework.cases.models import Alert, Enforcement
from casework.cases.services import raise_enforcement_silence
from casework.documents import services as docs
from casework.documents.context import load_common
from casework.domain import enforcement as enf
from casework.enterprise.models import get_enterprise
from casework.extensions import db
from casework.fssp import parser, services
from casework.timeutil import today
from tests.fssp_data import (
    KOVALEVA,
    KUZNETSOV_A,
    KUZNETSOV_B,
    PETROV,
    SMIRNOVA,
    bank_csv,
    make_world,
    notice_xml,
    reconciliation_csv,
    reconciliation_xlsx,
)


def payments(enforcement_id):
    from casework.cases.models import Case

    account_id = db.session.get(Case, db.session.get(Enforcement, enforcement_id).case_id).account_id
    return sorted((r.paid_on, r.amount_kop, r.source) for r in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.account_id == account_id, LedgerEntry.kind == "payment")))


def test_the_sheet_with_title_rows_and_merged_headers_is_read():
    procs = parser.parse_sheet(reconciliation_xlsx(), "reestr.xlsx")
    assert [p.ip_number for p in procs] == ["12345/26/14021-ИП", "23456/26/14021-ИП", "34567/26/14021-ИП",
                                            "45678/26/14021-ИП", "56789/26/14021-ИП"]  # no «Итого», no signature
    petrov, smirnova, _k, _u, kovaleva = procs
    assert (petrov.writ_number, petrov.writ_date, petrov.debtor_birth) == ("ВС № 012345678", date(2026, 2, 10),
                                                                           date(1975, 4, 12))
    assert (petrov.status, petrov.ended_on, petrov.ground.ref, petrov.ground.reason) == (
        enf.ENDED, date(2026, 11, 20), "п. 4 ч. 1 ст. 46", "impossible")
    assert petrov.debt_kop == 4_520_000 and petrov.bailiff_name == "Иванова А. А."
    assert smirnova.status == enf.IN_PROGRESS and smirnova.ground is None
    assert smirnova.payments == [(date(2026, 6, 15), 300_000), (date(2026, 9, 20), 300_000)]  # continuation row
    assert (kovaleva.ground.ref, kovaleva.ground.reason) == ("п. 1 ч. 1 ст. 47", "paid")


def test_the_csv_act_in_windows_1251_is_read():
    (p,) = parser.parse_sheet(reconciliation_csv(), "akt.csv")
    assert (p.ip_number, p.unit_name, p.writ_number, p.status) == ("12345/26/14021-ИП", "Ленское РОСП",
                                                                   "ВС012345678", enf.ENDED)
    assert p.ground.ref == "п. 4 ч. 1 ст. 46" and p.transferred_kop == 0


def test_the_xml_notice_is_read_and_refuses_entities():
    p = parser.parse_notice(notice_xml(), "notice.xml")
    assert (p.ip_number, p.ip_opened_on, p.writ_number, p.writ_date) == (
        "12345/26/14021-ИП", date(2026, 3, 5), "ВС № 012345678", date(2026, 2, 10))
    assert (p.debtor_name, p.debtor_birth, p.bailiff_name, p.debt_kop, p.status) == (
        "Петров Иван Сергеевич", date(1975, 4, 12), "Иванова Анна Андреевна", 4_520_000, enf.IN_PROGRESS)
    end = parser.parse_notice(notice_xml(DocType="O_IP_ACT_END_END", DocDate="2026-11-20",
                                         DocName="Постановление об окончании исполнительного производства",
                                         ResolutionText="Окончить исполнительное производство на основании п. 3 ч. 1 "
                                                        "ст. 46 ФЗ «Об исполнительном производстве»"), "end.xml")
    assert (end.status, end.ended_on, end.ground.ref, end.ground.impossible) == (
        enf.ENDED, date(2026, 11, 20), "п. 3 ч. 1 ст. 46", True)
    evil = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><f:OIp xmlns:f="' + parser.FSSP_NS.encode() + \
        b'order/2017/2"><f:IpNo>&x;</f:IpNo></f:OIp>'
    with pytest.raises(parser.ReconciliationError):
        parser.parse_notice(evil, "evil.xml")
    with pytest.raises(parser.ReconciliationError):
        parser.parse_notice(b'<x:Doc xmlns:x="urn:other"/>', "other.xml")
    with pytest.raises(parser.ReconciliationError):  # an application *to* ФССП is not a постановление
        parser.parse_notice(b'<f:IRequest xmlns:f="http://www.fssprus.ru/namespace/incoming/2019/1">'
                            b'<f:IpNo>1/26/14021-\xd0\x98\xd0\x9f</f:IpNo></f:IRequest>', "request.xml")


def test_the_bank_of_enforcement_proceedings_table_is_read():
    """The «Банк данных исполнительных производств» combines values in its cells; each is split."""
    petrov, smirnova = parser.parse_sheet(bank_csv(), "bank.csv")
    assert (petrov.ip_number, petrov.ip_opened_on, petrov.writ_number, petrov.writ_date) == (
        "12345/26/14021-ИП", date(2026, 3, 5), "ВС 012345678", date(2026, 2, 10))
    assert (smirnova.writ_number, smirnova.writ_date) == ("2-1234/2026", date(2026, 3, 15))
    assert (petrov.debtor_name, petrov.debtor_birth, petrov.unit_name, petrov.bailiff_name) == (
        "ПЕТРОВ ИВАН СЕРГЕЕВИЧ", date(1975, 4, 12), "Ленское РОСП", "ИВАНОВА А. А.")
    assert (petrov.status, petrov.ended_on, petrov.ground.ref, petrov.rest_kop) == (
        enf.ENDED, date(2026, 11, 20), "п. 4 ч. 1 ст. 46", 4_520_000)
    assert (smirnova.ip_number, smirnova.status, smirnova.ended_on, smirnova.rest_kop) == (
        "23456/26/14021-ИП", enf.IN_PROGRESS, None, 1_270_050)
    (written,) = parser.parse_sheet(bank_csv().replace("2026-11-20, 46, 1, 4".encode(),
                                                        "20.11.2026 ст. 46 ч. 1 п. 3".encode()), "bank.csv")[:1]
    assert (written.ended_on, written.ground.ref) == (date(2026, 11, 20), "п. 3 ч. 1 ст. 46")


def test_the_bank_table_is_matched_to_the_writs(app):
    writs = make_world()
    _token, rows = services.review_upload([("bank.csv", bank_csv())])
    by_ip = {r.p.ip_number: r for r in rows}
    assert (by_ip["12345/26/14021-ИП"].state, by_ip["12345/26/14021-ИП"].enforcement_id) == ("matched", writs[PETROV].id)
    assert (by_ip["23456/26/14021-ИП"].state, by_ip["23456/26/14021-ИП"].enforcement_id) == ("matched",
                                                                                          writs[SMIRNOVA].id)


def test_what_a_notice_does_to_the_proceeding_comes_from_its_doctype():
    """Only «об окончании», «о прекращении» and «об окончании и возвращении ИД» end a proceeding; lifting an arrest
    (O_IP_ACT_ENDARREST) or a ban (O_IP_ACT_ENDBAN_GIBDD) — issued when a proceeding ends, too — says nothing of its
    state; «об отмене окончания» puts it back in progress; «об отказе в возбуждении» changes nothing."""
    measure = parser.parse_notice(notice_xml(DocType="O_IP_ACT_ENDARREST", DocDate="2026-11-21",
                                             DocName="Постановление о снятии ареста с имущества"), "lift.xml")
    assert (measure.status, measure.ended_on) == (None, None)
    ban = parser.parse_notice(notice_xml(DocType="O_IP_ACT_ENDBAN_GIBDD", DocName="Постановление о снятии запрета на "
                                         "регистрационные действия в отношении транспортных средств"), "ban.xml")
    assert ban.status is None
    stop = parser.parse_notice(notice_xml(DocType="O_IP_ACT_END_STOP", DocDate="2026-11-22", DocName=None,
                                          ResolutionText="Прекратить исполнительное производство на основании п. 1 "
                                                         "ч. 2 ст. 43"), "stop.xml")
    assert (stop.status, stop.ended_on, stop.ground.ref) == (enf.TERMINATED, date(2026, 11, 22), "п. 1 ч. 2 ст. 43")
    back = parser.parse_notice(notice_xml(DocType="O_IP_ACT_RETURN", DocDate="2026-11-23",
                                          DocName="Постановление об окончании ИП и возвращении ИД взыскателю",
                                          ResolutionText="на основании п. 4 ч. 1 ст. 46"), "return.xml")
    assert (back.status, back.ended_on, back.ground.ref) == (enf.ENDED, date(2026, 11, 23), "п. 4 ч. 1 ст. 46")
    resumed = parser.parse_notice(notice_xml(DocType="O_IP_ACT_END_CANCEL", DocDate="2026-11-24",
                                             DocName="Постановление об отмене окончания (прекращения) ИП"), "re.xml")
    assert (resumed.status, resumed.ended_on) == (enf.IN_PROGRESS, None)
    refused = parser.parse_notice(notice_xml(DocType="O_IP_ACT_REOPEN_CANCEL", IpNo=None, IpRiseDate=None,
                                             DocName="Постановление об отказе в возбуждении ИП"), "refused.xml")
    assert refused.status is None and refused.problems and refused.writ_number == "ВС № 012345678"
    unknown = parser.parse_notice(notice_xml(DocType="O_IP_ACT_SOMETHING_NEW",
                                             DocName="Постановление об отмене постановления об окончании ИП"), "x.xml")
    assert unknown.status is None  # a code not listed: by its name, and «об отмене …» is not an end
    assert parser.notice_kind("O_IP_ACT_NEW", "Постановление об окончании исполнительного производства") == "ends"


def test_the_2022_namespace_is_read_and_a_nested_proceeding_does_not_override_the_notice():
    nested = ("<f:IP><f:IpNo>99999/25/14021-ИП</f:IpNo><f:DbtrName>Другой Должник Иванович</f:DbtrName></f:IP>")
    p = parser.parse_notice(notice_xml(_ns="http://www.fssp.gov.ru/namespace/order_fssp/2022/1", _nested=nested,
                                       DbtrName=None), "svod.xml")
    assert p.ip_number == "12345/26/14021-ИП"  # the notice's own IpNo, not the nested block's
    assert p.debtor_name == "Другой Должник Иванович"  # what the notice lacks is taken from the nested block
    assert (p.status, p.ip_opened_on) == (enf.IN_PROGRESS, date(2026, 3, 5))


def test_matching_updates_and_receipts_without_double_counting(app):
    writs = make_world()
    token, rows = services.review_upload([("reestr.xlsx", reconciliation_xlsx())])
    by_ip = {r.p.ip_number: r for r in rows}
    petrov, smirnova, amb, unknown, kovaleva = (by_ip[f"{n}/26/14021-ИП"] for n in (12345, 23456, 34567, 45678, 56789))
    assert (petrov.state, petrov.how, petrov.enforcement_id) == ("matched", "writ", writs[PETROV].id)
    assert (kovaleva.state, kovaleva.how, kovaleva.enforcement_id) == ("matched", "debtor", writs[KOVALEVA].id)
    assert amb.state == "ambiguous" and {c["id"] for c in amb.candidates} == {writs[KUZNETSOV_A].id,
                                                                              writs[KUZNETSOV_B].id}
    assert unknown.state == "unmatched" and "2-9999/2026" in unknown.reason
    assert [(r["paid_on"], r["amount_kop"], r["state"]) for r in smirnova.receipts] == [
        ("2026-06-15", 300_000, "in_ledger"), ("2026-09-20", 300_000, "new")]  # billing split it 2 000 + 1 000
    assert petrov.re_present_on == date(2027, 5, 20) and petrov.writ_term_end == date(2029, 11, 20)
    # Кузнецовы: presented in May, nothing received, no status change → silent (60 days); Смирнова received in
    # September per the report; Петров's proceeding ended
    assert [r.silent_days is not None for r in (petrov, smirnova, unknown)] == [
        False, (today() - date(2026, 9, 20)).days >= 60, False]
    if smirnova.silent_days:
        assert smirnova.complaint_by > today()
    assert amb.silent_days is None  # not matched yet
    assert db.session.get(Enforcement, writs[PETROV].id).proceedings_number is None  # the review wrote nothing

    # the lawyer picks Кузнецова for the ambiguous row, ticks every row and only Смирнова's new receipt
    picks = {amb.index: writs[KUZNETSOV_B].id}
    totals = services.apply_review(token, None, picks=picks, rows={r.index for r in rows},
                                   receipts={(smirnova.index, 1)})
    db.session.commit()
    assert (totals["rows"], totals["receipts"], totals["receipts_kop"]) == (4, 1, 300_000)
    db.session.expire_all()
    e = db.session.get(Enforcement, writs[PETROV].id)
    assert (e.proceedings_number, e.proceedings_opened_on, e.proceedings_status, e.ended_on, e.end_reason,
            e.end_article, e.bailiff_name) == ("12345/26/14021-ИП", date(2026, 3, 5), "ended", date(2026, 11, 20),
                                               "impossible", "п. 4 ч. 1 ст. 46", "Иванова А. А.")
    assert e.status_changed_on == date(2026, 11, 20) and e.reconciled_on == today()  # ended on the постановление's day
    assert db.session.get(Enforcement, writs[KUZNETSOV_B].id).proceedings_number == "34567/26/14021-ИП"
    assert db.session.get(Enforcement, writs[KUZNETSOV_A].id).proceedings_number is None
    k = db.session.get(Enforcement, writs[KOVALEVA].id)
    assert (k.end_reason, k.end_article, k.proceedings_status) == ("paid", "п. 1 ч. 1 ст. 47", "ended")
    assert payments(writs[SMIRNOVA].id) == [(date(2026, 6, 15), 100_000, "bank"), (date(2026, 6, 15), 200_000, "bank"),
                                            (date(2026, 9, 20), 300_000, "enforcement")]
    assert payments(writs[KOVALEVA].id) == []  # not ticked: no receipt without the lawyer's confirmation

    # the same reconciliation again: nothing new, the added receipt is now «уже в учёте», nothing doubles
    rows2 = services.load_review(token, picks)
    sm2 = next(r for r in rows2 if r.p.ip_number == "23456/26/14021-ИП")
    assert [r["state"] for r in sm2.receipts] == ["in_ledger", "in_ledger"]
    assert next(r for r in rows2 if r.p.ip_number == "12345/26/14021-ИП").changes == []
    totals = services.apply_review(token, None, picks=picks, rows={r.index for r in rows2},
                                   receipts={(sm2.index, 0), (sm2.index, 1)})
    db.session.commit()
    assert totals["receipts"] == 0
    assert len(payments(writs[SMIRNOVA].id)) == 3


def test_the_xml_notice_updates_the_writ(app):
    writs = make_world()
    token, (row,) = services.review_upload([("notice.xml", notice_xml())])
    assert (row.state, row.how) == ("matched", "writ")
    assert {c["field"] for c in row.changes} == {"proceedings_number", "proceedings_opened_on", "proceedings_status",
                                                 "bailiff_name", "bailiff_unit"}
    services.apply_review(token, None, picks={}, rows={0}, receipts=set())
    db.session.commit()
    e = db.session.get(Enforcement, writs[PETROV].id)
    assert e.bailiff_unit.name == "Ленское РОСП УФССП России по Республике Саха (Якутия)"
    assert e.proceedings_opened_on == date(2026, 3, 5) and e.bailiff_name == "Иванова Анна Андреевна"


def _text(data: bytes) -> str:
    d = Docx(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts).replace("\u00a0", " ")


def test_silence_raises_the_alert_and_the_complaint_is_drafted(app):
    writs = make_world()
    day = today()
    quiet, moved = writs[PETROV], writs[SMIRNOVA]
    quiet.sent_on = day - timedelta(days=90)
    quiet.proceedings_number, quiet.proceedings_opened_on = "12345/26/14021-ИП", day - timedelta(days=80)
    quiet.bailiff_name = "Иванова Анна Андреевна"
    from casework.cases.models import BailiffUnit
    quiet.bailiff_unit = BailiffUnit(name="Ленское РОСП УФССП России по Республике Саха (Якутия)",
                                     address="678144, г. Ленск, ул. Победы, д. 10")
    moved.sent_on = day - timedelta(days=200)
    moved.status_changed_on = day - timedelta(days=10)  # the bailiffs reported a change ten days ago
    db.session.commit()
    assert raise_enforcement_silence(day, days=60) >= 1
    alerts = db.session.scalars(select(Alert).where(Alert.kind == "enforcement_silence")).all()
    by_enf = {a.params["enforcement_id"]: a for a in alerts}
    assert quiet.id in by_enf and moved.id not in by_enf
    assert by_enf[quiet.id].params["days"] == 80 and by_enf[quiet.id].params["proceedings_number"] == \
        "12345/26/14021-ИП"
    assert raise_enforcement_silence(day, days=60) == 0  # one alert per silence

    ent = get_enterprise()
    ent.name = ent.short_name = "МУП «Теплоэнергосервис»"
    ent.inn, ent.ogrn, ent.phone, ent.email = "1414000001", "1021400000001", "+7 41137 2-00-00", "mup@example.ru"
    ent.legal_address = "678144, г. Ленск, ул. Ленина, д. 1"
    ent.signatory_name, ent.signatory_position = "Ковалёв Андрей Николаевич", "Директор"
    db.session.commit()
    prep = docs.prepare("bailiff_inaction_complaint", case_id=quiet.case_id, common=load_common(
        {"enforcement_id": quiet.id, "writ_court": "Мировой судья судебного участка № 12 Ленского района"}, day))
    doc = docs.issue_document(prep)
    db.session.commit()
    text = _text(docs.document_file(doc).read_bytes())
    assert "ЖАЛОБА" in text and "на бездействие судебного пристава-исполнителя" in text
    assert "старшему судебному приставу" in text and "Ленское РОСП УФССП России по Республике Саха (Якутия)" in text
    assert f"Исполнительное производство № 12345/26/14021-ИП возбуждено {(day - timedelta(days=80)):%d.%m.%Y}" in text
    assert "ВС № 012345678 от 10.02.2026, выданного мировым судьёй судебного участка № 12" in text
    assert "в пользу МУП «Теплоэнергосервис» задолженности" in text and "Этот срок истёк" in text
    assert "подразделении судебных приставов: Ленское РОСП" in text
    assert "судебный пристав-исполнитель Иванова Анна Андреевна" in text
    assert "(судебный пристав-исполнитель — Иванова Анна Андреевна)" in text
    assert "в течение 80 дней" in text and "не перечислено ни одного платежа" in text
    assert "45 200 руб. 00 коп." in text and "ст.121, 122, 123, 126" in text and "ч.1 ст.122" in text
    assert "с Петрова Ивана Сергеевича" in text
    assert "{{" not in text and "{%" not in text and "____" not in text.split("ПРОШУ")[0].replace(
        "____________________", "")  # every fact filled in above the demands
    assert doc.addressee == "Ленское РОСП УФССП России по Республике Саха (Якутия)"


def test_no_complaint_without_a_writ_at_the_bailiffs(app):
    writs = make_world()
    e = writs[PETROV]
    e.destination = "employer"
    db.session.commit()
    with pytest.raises(docs.DocumentError):
        docs.prepare("bailiff_inaction_complaint", case_id=e.case_id, common=load_common({}, today()))


def test_the_command_line_updates_records_but_adds_no_receipt(app, runner, tmp_path):
    writs = make_world()
    (tmp_path / "reestr.xlsx").write_bytes(reconciliation_xlsx())
    (tmp_path / "notes.txt").write_text("не сверка")
    result = runner.invoke(args=["fssp", "import", str(tmp_path), "--apply"])
    assert result.exit_code == 0, result.output
    assert "12345/26/14021-ИП / ВС № 012345678 → matched" in result.output and "unmatched" in result.output
    db.session.expire_all()
    assert db.session.get(Enforcement, writs[PETROV].id).end_article == "п. 4 ч. 1 ст. 46"
    assert payments(writs[SMIRNOVA].id) == [(date(2026, 6, 15), 100_000, "bank"), (date(2026, 6, 15), 200_000, "bank")]


def test_the_upload_is_kept_in_the_s3_bucket(s3_storage, s3_server):
    from casework import storage

    writs = make_world()
    token, _rows = services.review_upload([("notice.xml", notice_xml())])
    db.session.commit()
    assert storage.backend().kind == "s3"
    prefix = s3_storage.config["S3_PREFIX"]
    assert f"{prefix}imports/fssp/{token}.json" in s3_server.keys(prefix)
    assert services.apply_review(token, None, picks={}, rows={0}, receipts=set())["rows"] == 1  # read back
    db.session.commit()
    assert db.session.get(Enforcement, writs[PETROV].id).proceedings_number == "12345/26/14021-ИП"
