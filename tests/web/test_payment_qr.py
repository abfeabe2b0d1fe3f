"""The payment QR code (ГОСТ Р 56042-2014) on the letters that ask the debtor to pay: issued through the page,
downloaded, the picture taken out of the .docx and decoded by a real QR reader (zxing-cpp), every requisite checked
against the enterprise's details and the account's debt; the note and the page's warning without bank details;
each letter of a batch with its own code only; the sandbox lets a template place the picture but not look into it."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
import zxingcpp
from docx import Document as NewDoc
from PIL import Image
from sqlalchemy import select

from casework import storage
from casework.accounts.models import Building
from casework.documents.models import Document
from casework.documents.rendering import docx_text
from casework.documents.services import add_template_version, document_file, validate_template
from casework.domain.payment_qr import parse_payload
from casework.enterprise.models import get_enterprise
from casework.extensions import db
from tests.factories import owned_flat
from tests.integration.test_documents import TODAY

from .test_documents_views import issue

QR_LETTERS = ("notice_debt", "warning_restriction", "pretrial_claim")
BANK = {"bank_name": "ПАО Сбербанк", "bik": "044525225", "settlement_account": "40702810938000000001",
        "correspondent_account": "30101810400000000225"}
EMU_PER_MM = 36000


def with_bank_details(**over):
    ent = get_enterprise()
    for k, v in {**BANK, "kpp": "243401001", **over}.items():
        setattr(ent, k, v)
    return ent


def media(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("word/media/")}


def decode_qr(png: bytes):
    """The one QR symbol of a picture, read by zxing-cpp."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    return found[0]


def expected_fields(acc, debt_kop: int) -> dict[str, str]:
    ent = get_enterprise()
    return {"Name": ent.short_name, "PersonalAcc": ent.settlement_account, "BankName": ent.bank_name,
            "BIC": ent.bik, "CorrespAcc": ent.correspondent_account, "PayeeINN": ent.inn, "KPP": ent.kpp,
            "Sum": str(debt_kop), "Purpose": f"Оплата задолженности за ЖКУ, л/с {acc.number}", "PersAcc": acc.number}


def test_every_letter_asking_for_payment_carries_a_qr_code_with_every_requisite(client, login):
    login("collector")
    acc = owned_flat()
    with_bank_details()
    db.session.commit()
    debt_kop = 10 * (300000 + 120000) - 500000  # 37 000,00 ₽
    for code in QR_LETTERS:
        r = issue(client, acc.id, code)
        assert r.status_code == 302, code
        doc = db.session.scalar(select(Document).where(Document.kind == code))
        r = client.get(f"/documents/{doc.id}/download")
        data = r.data
        r.close()
        pictures = media(data)
        assert len(pictures) == 1, (code, list(pictures))
        symbol = decode_qr(next(iter(pictures.values())))
        assert symbol.symbology_identifier == "]Q1"  # one plain byte segment: no ECI, the header names the set
        assert symbol.bytes.startswith(b"ST00012|")  # ГОСТ Р 56042-2014, UTF-8
        assert parse_payload(symbol.bytes) == expected_fields(acc, debt_kop), code
        assert symbol.text == symbol.bytes.decode("utf-8")  # a generic reader shows the same text
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            body = zf.read("word/document.xml").decode("utf-8")
        extent = re.search(r'<wp:extent cx="(\d+)" cy="(\d+)"/>', body)
        assert extent and int(extent[1]) == int(extent[2]) == 35 * EMU_PER_MM  # 3.5 cm square
        text = docx_text(data)
        assert "Оплатите по QR-коду в приложении банка" in text and "37 000 руб. 00 коп." in text
        assert "QR-код для оплаты не приведён" not in text


def test_without_bank_details_the_letter_prints_a_note_and_the_page_warns(client, login):
    login("collector")
    acc = owned_flat()
    with_bank_details(settlement_account="40702810038000000001")  # one digit off: fails the key against the BIC
    db.session.commit()
    r = client.post("/documents/new", data={"account_id": acc.id, "code": "notice_debt", "action": "preview"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="payment-qr-warning"' in html
    assert "Письмо будет без QR-кода для оплаты" in html and "<img" not in html
    r = issue(client, acc.id, "notice_debt")
    doc = db.session.scalar(select(Document))
    data = document_file(doc).read_bytes()
    assert media(data) == {}
    text = docx_text(data)
    assert ("QR-код для оплаты не приведён: в банковских реквизитах получателя не заполнены или неверны "
            "расчётный счёт.") in text
    assert "Оплатите по QR-коду" not in text and "{{" not in text


def test_the_preview_shows_the_code_and_its_text(client, login):
    login("collector")
    acc = owned_flat()
    with_bank_details()
    db.session.commit()
    r = client.post("/documents/new", data={"account_id": acc.id, "code": "warning_restriction", "action": "preview"})
    html = r.get_data(as_text=True)
    assert 'id="payment-qr-warning"' not in html
    src = re.search(r'<img class="payment-qr" src="data:image/png;base64,([^"]+)"', html)
    import base64

    symbol = decode_qr(base64.b64decode(src[1]))
    assert parse_payload(symbol.bytes)["PersAcc"] == acc.number
    assert "ST00012|Name=МУП «Теплоэнерго»|PersonalAcc=40702810938000000001" in html.replace("&#34;", '"')


def _header_template() -> bytes:
    """A notice template with a merge field in its header (docxtpl's full path, not the fast one) and the code."""
    d = NewDoc()
    d.sections[0].header.paragraphs[0].text = "{{ org_short_name }}"
    d.add_paragraph("Долг {{ debt_total }} по л/с {{ account_number }}")
    d.add_paragraph("{{ payment_qr }}")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("template", ["shipped", "header"])
def test_each_letter_of_a_batch_carries_its_own_code_only(app, template):
    from casework.documents import bulk

    b = Building(address="ул. Мира, д. 3")
    db.session.add(b)
    db.session.flush()
    accounts = [owned_flat(f"3000{i}", apartment=str(i), building=b, owners=1, months=i + 1) for i in range(1, 4)]
    with_bank_details()
    if template == "header":
        add_template_version("notice_debt", _header_template(), "header.docx", None)
    db.session.commit()
    ids = [a.id for a in accounts]
    batch = bulk.create_batch("notice_debt", ids, "merged")
    db.session.commit()
    batch = bulk.run_batch(batch.id, ids, {}, today=TODAY)
    assert batch.status == "done", batch.message
    docs = db.session.scalars(select(Document).where(Document.batch_id == batch.id).order_by(Document.seq)).all()
    assert [d.account_id for d in docs] == ids
    seen = set()
    for doc, acc in zip(docs, accounts):
        pictures = media(document_file(doc).read_bytes())
        assert len(pictures) == 1, (acc.number, list(pictures))  # not the codes of the letters before it
        fields = parse_payload(decode_qr(next(iter(pictures.values()))).bytes)
        assert fields == expected_fields(acc, doc.amount_kop)
        seen.add(fields["Sum"])
    assert len(seen) == 3  # three debts, three codes
    merged = storage.Stored("documents", batch.file_path).read_bytes()
    sums = sorted(parse_payload(decode_qr(png).bytes)["Sum"] for png in media(merged).values())
    assert sums == sorted(seen)


def test_a_template_may_place_the_code_but_not_look_into_it(app, tmp_path):
    def docx(body: str) -> bytes:
        d = NewDoc()
        d.add_paragraph(body)
        buf = io.BytesIO()
        d.save(buf)
        return buf.getvalue()

    ok = validate_template("notice_debt", docx("Оплата: {{ payment_qr }}, {{ payment_qr_ready }}"))
    assert ok.ok, ok.errors
    assert "payment_qr" in ok.used
    target = tmp_path / "written.docx"
    for body in ("{{ payment_qr.tpl }}", "{{ payment_qr['tpl'].docx }}", "{{ payment_qr|attr('image_descriptor') }}",
                 "{{ payment_qr.tpl.save('%s') }}" % target):
        res = validate_template("notice_debt", docx(body))
        assert not res.ok, body
        assert "tpl" in res.errors[0] or "image_descriptor" in res.errors[0], res.errors
    assert not target.exists()
