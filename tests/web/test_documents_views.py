"""Documents through the browser: choose → preview → issue → download, registry, delivery, templates, bulk, help."""
from __future__ import annotations

import io
import re
import time
from datetime import date

import pytest
from docx import Document as NewDoc
from sqlalchemy import select

from casework.documents.models import Document, TemplateVersion
from casework.documents.rendering import docx_text
from casework.extensions import db
from tests.factories import owned_flat


@pytest.fixture(autouse=True)
def _same_day(same_day_clock):
    """The tests below write `date.today()`; the app judges dates by the enterprise's day: pin both to one date."""


TOKEN_RE = re.compile(r'name="issue_token" value="([^"]+)"')


def _token(client, url: str) -> str:
    """The one-time token of the issue form on the page (a form is issued once, however often it is sent)."""
    return TOKEN_RE.search(client.get(url).get_data(as_text=True)).group(1)


def issue(client, account_id: int, code: str, **fields):
    """Issue a letter through the page as a user does: open the form (it carries a one-time token), then send it."""
    token = _token(client, f"/documents/new?account_id={account_id}")
    return client.post("/documents/new", data={"account_id": account_id, "code": code, "action": "issue",
                                               "issue_token": token, **fields})


def test_preview_then_issue_then_download(client, login):
    login("collector")
    acc = owned_flat()
    db.session.commit()
    r = client.get(f"/documents/new?account_id={acc.id}&code=pretrial_claim")
    assert r.status_code == 200 and "Досудебная претензия" in r.get_data(as_text=True)
    token = TOKEN_RE.search(r.get_data(as_text=True)).group(1)
    r = client.post("/documents/new", data={"account_id": acc.id, "code": "pretrial_claim", "action": "preview",
                                            "p_settle_days": "15", "issue_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Ивановой Марии Петровне" in html and "37 000 руб. 00 коп." in html
    assert db.session.scalar(select(Document.id)) is None  # preview issues nothing
    r = client.post("/documents/new", data={"account_id": acc.id, "code": "pretrial_claim", "action": "issue",
                                            "p_settle_days": "15", "issue_token": token})
    assert r.status_code == 302
    doc = db.session.scalar(select(Document))
    assert doc.number == "1/2026" or doc.number.startswith("1/")
    r = client.get(f"/documents/{doc.id}/download")
    text = docx_text(r.data)
    r.close()
    assert "в течение 15 дней" in text and f"Исх. № {doc.number}" in text


def test_bad_parameter_is_explained(client, login):
    login("lawyer")
    acc = owned_flat(monthly=(1_000_000, 500_000))  # 145 000 ₽: above the 229-FZ art.9 limit
    db.session.commit()
    r = client.post("/documents/new", data={"account_id": acc.id, "code": "payment_agreement", "action": "preview",
                                            "p_agreement_months": "много"})
    assert "1 to 120" in r.get_data(as_text=True) or "от 1 до 120" in r.get_data(as_text=True)
    r = client.post("/documents/new", data={"account_id": acc.id, "code": "employer_letter", "action": "issue",
                                            "p_employer_name": "ООО «Прииск»", "p_writ_number": "2-1/2026",
                                            "issue_token": _token(client, f"/documents/new?account_id={acc.id}")})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and ("100" in html) and db.session.scalar(select(Document.id)) is None


def test_registry_filter_export_and_delivery(client, login):
    login("manager")
    acc = owned_flat()
    db.session.commit()
    for code in ("warning_restriction", "notice_debt"):
        client.post("/documents/new", data={"account_id": acc.id, "code": code, "action": "issue",
                                            "issue_token": _token(client, f"/documents/new?account_id={acc.id}")})
    r = client.get("/documents/?kind=warning_restriction")
    html = r.get_data(as_text=True)
    assert "<td>Предупреждение об ограничении" in html and "<td>Уведомление о задолженности</td>" not in html
    r = client.get("/documents/export.xlsx?q=" + acc.number)
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 3 and {rows[1][0], rows[2][0]} == {d.number for d in db.session.scalars(select(Document))}
    warn = db.session.scalar(select(Document).where(Document.kind == "warning_restriction"))
    future = date.today().replace(year=date.today().year + 1).isoformat()
    r = client.post(f"/documents/{warn.id}/delivery", data={"delivered_on": future, "method": "sms"})
    assert r.status_code == 400
    r = client.post(f"/documents/{warn.id}/delivery", data={"delivered_on": date.today().isoformat(),
                                                            "method": "registered_mail", "proof": "80080012345678"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, warn.id).delivered_on == date.today()


def _docx(text: str) -> bytes:
    d = NewDoc()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_admin_uploads_a_template_broken_one_is_refused(client, login):
    login("admin")
    r = client.post("/documents/templates/notice_debt", data={"file": (io.BytesIO(_docx("{{ debt_totall }}")), "bad.docx")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "debt_totall" in r.get_data(as_text=True)
    assert db.session.scalar(select(TemplateVersion.id)) is None
    r = client.post("/documents/templates/notice_debt", data={"file": (io.BytesIO(_docx("{{ debt_total }}")), "ok.docx"),
                                                              "note": "v1"}, content_type="multipart/form-data")
    assert r.status_code == 302
    tv = db.session.scalar(select(TemplateVersion))
    assert tv.is_active and tv.version == 1
    r = client.post("/documents/templates/notice_debt/activate", data={})
    db.session.expire_all()
    assert r.status_code == 302 and not db.session.get(TemplateVersion, tv.id).is_active
    assert client.get("/documents/templates").status_code == 200


def test_collector_cannot_admin_templates(client, login):
    login("collector")
    assert client.get("/documents/templates").status_code == 403


def test_bulk_page_runs_a_batch_with_progress(client, login, app):
    login("collector")
    acc = owned_flat()
    db.session.commit()
    r = client.post("/documents/bulk", data={"code": "notice_debt", "building_id": acc.building_id, "territory_id": 0,
                                             "min_debt": 1, "output": "zip",
                                             "issue_token": _token(client, "/documents/bulk")})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    batch_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    for _ in range(100):
        s = client.get(f"/documents/batches/{batch_id}/status").get_json()
        if s["finished"]:
            break
        time.sleep(0.1)
    assert s["finished"] and s["done"] == s["total"] == 1 and s["redirect"]
    r = client.get(f"/documents/batches/{batch_id}/download")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    r.close()
    r = client.post(f"/documents/batches/{batch_id}/register", data={
        "recipient": "АО «Почта России»", "issue_token": _token(client, f"/documents/batches/{batch_id}")})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Document).where(Document.kind == "dispatch_register")) is not None


def test_fields_help_lists_every_declared_field(client, login):
    from casework.documents.fields import FIELDS

    login("collector")
    html = client.get("/documents/fields").get_data(as_text=True)
    for f in FIELDS:
        assert f.name in html
