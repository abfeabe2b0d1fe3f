"""Every letter rendered from real rows and read back with python-docx: amounts, words, dates, names, numbers."""
from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as Docx
from sqlalchemy import func, select

from casework.accounts.models import Building, Service
from casework.documents import russian as ru
from casework.documents.letters import LETTERS
from casework.documents.models import Document, DocumentCounter
from casework.documents.queries import warning_delivered_on
from casework.documents.rendering import docx_text
from casework.documents.services import (
    DocumentError,
    activate_template_version,
    active_template,
    add_template_version,
    document_file,
    issue_document,
    prepare,
    record_delivery,
    validate_template,
    verify_file,
)
from casework.extensions import db
from tests.factories import owned_flat

TODAY = date(2026, 11, 22)


PARAMS = {"court_name": "Мировому судье судебного участка № 166", "court_address": "ул. Суворова, д. 2",
          "bailiff_unit": "ОСП по Северо-Енисейскому району", "writ_number": "2-1234/2026", "writ_date": date(2026, 6, 1),
          "writ_court": "мировым судьёй судебного участка № 166", "employer_name": "ООО «Прииск & К»",
          "restriction_service": "горячее водоснабжение", "restriction_date": date(2026, 11, 20),
          "writeoff_ground": "истечение срока исковой давности", "statement_from": date(2026, 1, 1),
          "statement_to": date(2026, 10, 31), "agreement_months": 4, "agreement_first_date": date(2026, 12, 15),
          "order_cancelled_on": date(2026, 8, 1), "enforce_kop": 5_000_000}


def _issue(code, acc=None, params=None, link=True, **kw):
    from casework.documents.context import load_common

    common = load_common(dict(PARAMS, **(params or {})), TODAY)
    prep = prepare(code, account_id=acc.id if acc is not None else None, common=common, **kw)
    doc = issue_document(prep, link=link)
    db.session.commit()
    return doc, docx_text(document_file(doc).read_bytes())


def _warning_delivered(acc, delivered_on, norm_kop=50_000):
    """A case whose restriction warning (hot water, at the norm `norm_kop` a month) was delivered on that day: what
    the restriction act's guard needs (ПП 354 пп.118–119)."""
    from casework.cases import services as cases

    svc = db.session.scalar(select(Service).where(Service.code == "hot_water"))
    svc.norm_monthly_kop = norm_kop
    case = cases.open_case(acc.id, None, delivered_on)
    cases.record_warning_delivered(case, delivered_on, None, service_id=svc.id, today=TODAY)
    db.session.commit()
    return case


def test_every_account_letter_states_the_facts(app):
    acc = owned_flat()
    _warning_delivered(acc, date(2026, 10, 20))  # the act of 20.11.2026: the 20 days ran out on 09.11
    debt = 10 * (300000 + 120000) - 500000  # 37 000,00 ₽
    # the complaint about a bailiff needs a writ at the bailiffs (tests/integration/test_fssp.py)
    for i, code in enumerate(c for c, l in LETTERS.items() if l.subject == "account"
                             and c != "bailiff_inaction_complaint"):
        # the court history is the one typed in PARAMS (an order of 01.06 cancelled on 01.08): the applications are
        # not recorded as the case's filings of today (test_case_flow.py checks that they are)
        doc, text = _issue(code, acc, link=False)
        assert doc.number == f"{i + 1}/2026", code
        assert verify_file(doc)
        if code not in ("restriction_act", "payment_agreement", "employer_letter", "enforcement_application"):
            assert ru.money(debt) in text, code
        assert "{{" not in text and "{%" not in text, code
        if code in ("notice_debt", "warning_restriction", "pretrial_claim", "account_statement"):
            assert "Ивановой Марии Петровне" in text, code  # dative: addressed to the person
        if code in ("notice_debt", "pretrial_claim", "warning_restriction"):
            assert ru.amount_in_words(debt) in text and "тридцать семь тысяч рублей 00 копеек" in text
            assert "Уважаемая Мария Петровна!" in text
        if code in ("notice_debt", "pretrial_claim", "account_statement"):
            assert f"Исх. № {doc.number} от 22.11.2026" in text
    assert db.session.scalar(select(func.count()).select_from(Document)) == 12


def test_court_order_application_splits_by_shares_and_names_identifiers(app):
    acc = owned_flat()
    doc, text = _issue("court_order_application", acc)
    src = prepare("court_order_application", account_id=acc.id,
                  common=__import__("casework.documents.context", fromlist=["x"]).load_common(PARAMS, TODAY)).source
    debt, pen, duty = src.debt_kop, src.penalty_kop, src.duty_kop
    assert debt == 3_700_000 and pen > 0
    assert duty == 200_000  # new scale: order = 50 % of 4 000 ₽ (НК 333.19, claim ≤ 100 000 ₽)
    half = ru.split_by_shares(debt, [(1, 2), (1, 2)])
    assert ("с Ивановой Марии Петровны (1/2 доли в праве собственности)" in text
            and "с Иванова Сергея Андреевича (1/2 доли в праве собственности)" in text)
    # the March payment closed January and part of February (ГК 319.1), so the open period starts in February
    assert f"задолженности за период с 01.02.2026 по 31.10.2026 — {ru.money(half[0])}" in text, text
    assert "СНИЛС 123-456-789 01" in text and "ИНН 246500000001" in text
    assert "08.03.1970" in text and "гп Северо-Енисейский" in text
    assert ru.money(duty) in text and "Мировому судье судебного участка № 166" in text
    assert ru.money(debt + pen + duty) in text


def test_calculation_rows_come_from_the_penalty_engine(app):
    acc = owned_flat()
    doc, text = _issue("debt_calculation", acc)
    from casework.documents.context import load_common, load_source

    src = load_source(acc.id, load_common({}, TODAY))
    res = src.penalty
    assert res is not None and len(res.rows) >= 10
    d = Docx(io.BytesIO(document_file(doc).read_bytes()))
    table = d.tables[0]
    body = [[c.text for c in r.cells] for r in table.rows[1:-1]]
    assert len(body) == len(res.rows)
    assert body[0][0] == "январь 2026" and body[0][5].startswith("оплата 20.03.2026")
    assert [r[9] for r in body] == [ru.number_rub(int(r.penalty * 100)) for r in res.rows]
    assert table.rows[-1].cells[9].text == ru.money(int(res.total * 100))
    assert "9,50 %" in body[-1][8]


def test_warning_delivery_starts_the_term_and_is_validated(app):
    acc = owned_flat()
    doc, text = _issue("warning_restriction", acc)
    assert "20 (двадцати) дней со дня доставки" in text and "горячее водоснабжение" in text
    assert warning_delivered_on(account_id=acc.id) is None
    with pytest.raises(DocumentError):
        record_delivery(doc, date(2026, 11, 21), "hand", "подпись", today=TODAY)  # before issue
    with pytest.raises(DocumentError):
        record_delivery(doc, date(2026, 11, 22), "registered_mail", "", today=TODAY)  # no proof
    record_delivery(doc, date(2026, 11, 22), "registered_mail", "80080012345678", today=TODAY)
    db.session.commit()
    assert warning_delivered_on(account_id=acc.id) == date(2026, 11, 22)


def test_employer_letter_refused_above_100000(app):
    acc = owned_flat()
    with pytest.raises(DocumentError) as exc:
        _issue("employer_letter", acc, params={"enforce_kop": 10_000_001})
    assert "100" in str(exc.value)
    assert db.session.scalar(select(DocumentCounter.last_seq)) in (None, 0)  # refused before a number was taken
    doc, text = _issue("employer_letter", acc, params={"enforce_kop": 9_999_999})
    assert doc.number == "1/2026" and "99 999 руб. 99 коп." in text and "ООО «Прииск & К»" in text


def test_enforcement_travel_ban_only_above_10000(app):
    acc = owned_flat()
    _doc, text = _issue("enforcement_application", acc, params={"enforce_kop": 1_000_000})
    assert "ограничении на выезд" not in text
    _doc, text = _issue("enforcement_application", acc, params={"enforce_kop": 1_500_000})
    assert "ограничении на выезд" in text and "10 000" in text and "двух месяцев" in text
    _doc, text = _issue("enforcement_application", acc, params={"enforce_kop": 4_000_000})
    assert "30 000" in text and "двух месяцев" not in text


def test_agreement_schedule_adds_up(app):
    acc = owned_flat()
    _doc, text = _issue("payment_agreement", acc)
    assert "15.12.2026" in text and "15.03.2027" in text
    assert "925 000" not in text and ru.money(925000) in text  # 37 000 / 4
    assert "Итого | " + ru.money(3_700_000) in text


def test_building_notice_has_apartments_and_amounts_but_never_names(app):
    a1 = owned_flat("100005", apartment="5")
    owned_flat("100012", apartment="12", building=a1.building, paid=0, months=2)
    doc, text = _issue("building_notice", building_id=a1.building_id)
    assert "5 | 37 000 руб. 00 коп." in text and "12 | 8 400 руб. 00 коп." in text
    assert "Иванов" not in text and "Иванова" not in text and "100005" not in text
    assert doc.building_id == a1.building_id


def test_dispatch_register_lists_the_batch(app):
    acc = owned_flat()
    d1, _ = _issue("notice_debt", acc)
    d2, _ = _issue("pretrial_claim", acc)
    reg, text = _issue("dispatch_register", documents=[d1, d2], params={"register_recipient": "АО «Почта России»"})
    assert reg.number == "3/2026" and "1/2026" in text and "2/2026" in text and "Всего документов: 2." in text


def test_rollback_frees_nothing_and_leaves_no_gap(app):
    from casework.documents.context import load_common

    acc = owned_flat()
    db.session.commit()
    prep = prepare("notice_debt", account_id=acc.id, common=load_common({}, TODAY))
    issue_document(prep)
    db.session.rollback()  # the user's transaction failed after numbering
    prep = prepare("notice_debt", account_id=acc.id, common=load_common({}, TODAY))
    doc = issue_document(prep)
    db.session.commit()
    assert doc.number == "1/2026"


def test_template_validation_rejects_broken_uploads_and_keeps_versions(app, tmp_path):
    from docx import Document as NewDoc

    def docx_bytes(*lines):
        d = NewDoc()
        for line in lines:
            d.add_paragraph(line)
        buf = io.BytesIO()
        d.save(buf)
        return buf.getvalue()

    bad_syntax = docx_bytes("Долг {{ debt_total }", "{% if x %} без конца")
    res = validate_template("notice_debt", bad_syntax)
    assert not res.ok and ("syntax" in res.errors[0].lower() or "синтаксиса" in res.errors[0])
    unknown = docx_bytes("Долг {{ debt_totl }}")
    res = validate_template("notice_debt", unknown)
    assert not res.ok and res.unknown == ["debt_totl"]
    bad_attr = docx_bytes("{% for r in calc_rows %}{{ r.no_such }}{% endfor %}")
    assert not validate_template("debt_calculation", bad_attr).ok  # strict test render
    assert not validate_template("notice_debt", b"not a docx").ok
    with pytest.raises(DocumentError):
        add_template_version("notice_debt", unknown, "x.docx", None)
    good = docx_bytes("Уведомление № {{ doc_number }}: {{ debtor_name_dat }}, долг {{ debt_total_full }}")
    assert validate_template("notice_debt", good).ok
    tv = add_template_version("notice_debt", good, "new.docx", "короче")
    db.session.commit()
    acc = owned_flat()
    doc, text = _issue("notice_debt", acc)
    assert text.strip() == f"Уведомление № 1/2026: Ивановой Марии Петровне, долг {ru.money_full(3_700_000)}"
    assert doc.template_version_id == tv.id
    activate_template_version("notice_debt", None)  # back to the shipped one
    db.session.commit()
    assert active_template("notice_debt")[1] is None


def test_bulk_zip_and_merged_output(app):
    import zipfile

    from casework.documents import bulk

    b = Building(address="ул. Мира, д. 3")
    db.session.add(b)
    db.session.flush()
    ids = [owned_flat(f"2000{i}", apartment=str(i), building=b, owners=1).id for i in range(1, 6)]
    db.session.commit()
    batch = bulk.create_batch("warning_restriction", ids, "zip")
    db.session.commit()
    batch = bulk.run_batch(batch.id, ids, {}, today=TODAY)
    assert batch.status == "done", batch.message
    nums = db.session.scalars(select(Document.seq).where(Document.batch_id == batch.id).order_by(Document.seq)).all()
    assert nums == [1, 2, 3, 4, 5]
    with zipfile.ZipFile(io.BytesIO(bulk.batch_file_for_download(batch, None).read_bytes())) as zf:
        names = zf.namelist()
        assert len(names) == 5
        text = docx_text(zf.read(names[2]))
    assert "Исх. № 3/2026" in text and "Ивановой Марии Петровне" in text
    batch2 = bulk.create_batch("notice_debt", ids[:2], "merged")
    db.session.commit()
    batch2 = bulk.run_batch(batch2.id, ids[:2], {}, today=TODAY)
    merged = bulk.batch_file_for_download(batch2, None).read_bytes()
    t = docx_text(merged)
    assert "Исх. № 6/2026" in t and "Исх. № 7/2026" in t
