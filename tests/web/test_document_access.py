"""Who may preview, issue and download each letter (letters.LETTERS[…].access), through the real app: court, bailiff
and employer letters are the lawyer's and the manager's; identifiers are masked for a collector (preview and .docx);
every full view is logged as `pii.view`; an issue form sent twice issues one document (its one-time token)."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from casework.access import ALL_ROLES
from casework.audit.models import AuditEvent
from casework.documents.letters import ACTIONS, LETTERS, Letter
from casework.documents.models import Document, DocumentBatch, DocumentCounter
from casework.documents.rendering import docx_text
from casework.extensions import db
from tests.factories import owned_flat

from ..conftest import PASSWORD
from .test_csrf import Browser

SNILS = "123-456-789 01"  # the first owner's, in tests.factories.owned_flat
BIRTH = "08.03.1970"
COURT = {"court_name": "Мировому судье судебного участка № 166", "court_address": "ул. Суворова, д. 2"}
TOKEN_RE = re.compile(r'name="issue_token" value="([^"]*)"')


# --------------------------------------------------------------------------- the declaration itself

def test_every_letter_declares_who_may_preview_issue_and_download_it():
    """The rule for new letters (docs/DEVELOPING.md): a letter without `access` fails here (and refuses everyone)."""
    for code, letter in LETTERS.items():
        assert letter.access is not None, f"letter {code} declares no access (who may preview/issue/download it)"
        for action in ACTIONS:
            roles = letter.access.roles_for(action)
            assert roles and roles <= ALL_ROLES, (code, action, roles)
        assert letter.access.issue <= letter.access.preview, code  # whoever issues has seen the preview
        assert letter.access.issue <= letter.access.download, code  # and may open what they issued
    for code in ("court_order_application", "claim_after_cancel", "enforcement_application", "employer_letter"):
        assert LETTERS[code].access.roles_for("issue") == {"lawyer", "manager"}, code
        assert not LETTERS[code].allows("download", "collector"), code
    for code in ("notice_debt", "warning_restriction", "pretrial_claim", "payment_agreement"):
        assert LETTERS[code].allows("issue", "collector"), code


def test_readme_shows_the_declared_letter_rules(runner):
    from pathlib import Path

    from casework.documents.letters import LETTER_ACCESS_BEGIN, LETTER_ACCESS_END, letter_access_markdown

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = text.split(LETTER_ACCESS_BEGIN, 1)[1].split(LETTER_ACCESS_END, 1)[0].lstrip("\n")
    assert runner.invoke(args=["documents", "letter-access"]).output == letter_access_markdown()
    assert block == letter_access_markdown(), "run `casework documents letter-access --write-readme`"
    assert "| Заявление о вынесении судебного приказа | `court_order_application` | — |" in block


def test_an_undeclared_letter_refuses_everyone():
    letter = Letter("x", "x.docx", "X", "X", ())
    assert not any(letter.allows(a, r) for a in ACTIONS for r in ALL_ROLES)


# --------------------------------------------------------------------------- helpers

def _browser(app, user) -> Browser:
    b = Browser(app)
    assert b.post("/auth/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return b


def _form_token(b: Browser, url: str) -> str:
    resp = b.get(url)
    assert resp.status_code == 200, url
    m = TOKEN_RE.search(resp.get_data(as_text=True))
    return m.group(1) if m else ""


def _issue(b: Browser, acc, code: str, **params):
    token = _form_token(b, f"/documents/new?account_id={acc.id}&code={code}")
    data = {"account_id": acc.id, "code": code, "action": "issue", "issue_token": token}
    data.update({f"p_{k}": v for k, v in params.items()})
    return b.post("/documents/new", data=data), token


def _download(b: Browser, doc_id: int) -> tuple[int, bytes]:
    resp = b.get(f"/documents/{doc_id}/download")
    data = resp.data
    resp.close()
    return resp.status_code, data


def _pii_rows(user_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pii.view",
                                                       AuditEvent.user_id == user_id).order_by(AuditEvent.id)).all()


def _documents() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Document))


@pytest.fixture()
def people(app, make_user):
    acc = owned_flat()
    db.session.commit()
    return {"account": acc, "collector": make_user("collector"), "lawyer": make_user("lawyer"),
            "admin": make_user("admin")}


@pytest.fixture()
def court_doc(app, people):
    """A court-order application issued by the lawyer (the issue through the app: test_lawyer_… below)."""
    from casework.documents.services import issue_document, prepare

    doc = issue_document(prepare("court_order_application", account_id=people["account"].id, params=COURT),
                         user=people["lawyer"])
    db.session.commit()
    return doc


# --------------------------------------------------------------------------- collectors and court letters

def test_collector_may_not_prepare_issue_or_open_a_court_letter(app, people, court_doc):
    b = _browser(app, people["collector"])
    acc = people["account"]
    url = f"/documents/new?account_id={acc.id}&code=court_order_application"
    assert b.get(url).status_code == 403
    # the choose list offers no court letter either
    html = b.get(f"/documents/new?account_id={acc.id}").get_data(as_text=True)
    assert 'value="notice_debt"' in html and 'value="court_order_application"' not in html
    token = _form_token(b, f"/documents/new?account_id={acc.id}&code=notice_debt")
    data = {"account_id": acc.id, "code": "court_order_application", "issue_token": token,
            **{f"p_{k}": v for k, v in COURT.items()}}
    resp = b.post("/documents/new", data=dict(data, action="preview"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403 and SNILS not in html and BIRTH not in html
    before = _documents()
    assert b.post("/documents/new", data=dict(data, action="issue")).status_code == 403
    assert _documents() == before
    # the lawyer's court document by its id: neither its file nor its card, nor its registry row
    assert _download(b, court_doc.id)[0] == 403
    assert b.get(f"/documents/{court_doc.id}").status_code == 403
    assert court_doc.number not in b.get("/documents/").get_data(as_text=True)
    assert b.post(f"/documents/{court_doc.id}/delivery", data={"delivered_on": "2026-01-01",
                                                               "method": "court_office"}).status_code == 403
    # nor through the bulk path
    resp = b.post("/documents/bulk", data={"code": "court_order_application", "building_id": acc.building_id,
                                           "territory_id": 0, "min_debt": 1, "output": "zip",
                                           "issue_token": "t" * 32})
    assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(DocumentBatch)) == 0
    assert _pii_rows(people["collector"].id) == []


def test_admin_opens_no_letter(app, people, court_doc):
    b = _browser(app, people["admin"])
    assert _download(b, court_doc.id)[0] == 403


def test_the_services_refuse_too(app, people, court_doc):
    from casework.documents import bulk
    from casework.documents.services import (
        DocumentRefused,
        file_for_download,
        issue_document,
        prepare,
        preview_context,
        record_delivery,
    )

    collector, acc = people["collector"], people["account"]
    prep = prepare("court_order_application", account_id=acc.id, params=COURT)
    with pytest.raises(DocumentRefused):
        preview_context(prep, user=collector)
    with pytest.raises(DocumentRefused):
        issue_document(prep, user=collector)
    with pytest.raises(DocumentRefused):
        file_for_download(court_doc, collector)
    with pytest.raises(DocumentRefused):
        record_delivery(court_doc, court_doc.issued_on, "court_office", None, user=collector)
    with pytest.raises(DocumentRefused):
        bulk.create_batch("court_order_application", [acc.id], "zip", user=collector)
    db.session.rollback()
    # a batch started for a user who may not issue the letter fails before taking any number
    batch = bulk.create_batch("court_order_application", [acc.id], "zip")
    db.session.commit()
    batch = bulk.run_batch(batch.id, [acc.id], COURT, user_id=collector.id)
    assert batch.status == "failed" and batch.done == 0
    assert _documents() == 1


# --------------------------------------------------------------------------- masking and the pii.view log

def test_lawyer_sees_the_court_letter_in_full_and_every_full_view_is_logged(app, people, court_doc):
    lawyer, acc = people["lawyer"], people["account"]
    b = _browser(app, lawyer)
    token = _form_token(b, f"/documents/new?account_id={acc.id}&code=court_order_application")
    html = b.post("/documents/new", data={"account_id": acc.id, "code": "court_order_application", "action": "preview",
                                          "issue_token": token, **{f"p_{k}": v for k, v in COURT.items()}}
                  ).get_data(as_text=True)
    assert SNILS in html and BIRTH in html
    rows = _pii_rows(lawyer.id)
    assert [(r.entity, r.entity_id, r.changes.get("letter")) for r in rows] == \
        [("accounts", acc.id, "court_order_application")]
    status, data = _download(b, court_doc.id)
    assert status == 200 and SNILS in docx_text(data)
    rows = _pii_rows(lawyer.id)
    assert (rows[-1].entity, rows[-1].entity_id) == ("documents", court_doc.id)
    # and the lawyer issues it from the same form
    resp = b.post("/documents/new", data={"account_id": acc.id, "code": "court_order_application", "action": "issue",
                                          "issue_token": token, **{f"p_{k}": v for k, v in COURT.items()}})
    assert resp.status_code == 302 and _documents() == 2


def test_collector_agreement_is_masked_on_screen_and_in_the_docx(app, people):
    collector, lawyer, acc = people["collector"], people["lawyer"], people["account"]
    b = _browser(app, collector)
    token = _form_token(b, f"/documents/new?account_id={acc.id}&code=payment_agreement")
    html = b.post("/documents/new", data={"account_id": acc.id, "code": "payment_agreement", "action": "preview",
                                          "issue_token": token}).get_data(as_text=True)
    assert SNILS not in html and BIRTH not in html
    assert "•89 01" in html  # the last digits only, as on the account page
    resp = b.post("/documents/new", data={"account_id": acc.id, "code": "payment_agreement", "action": "issue",
                                          "issue_token": token})
    assert resp.status_code == 302
    db.session.expire_all()
    doc = db.session.scalar(select(Document).where(Document.kind == "payment_agreement"))
    assert doc.carries_pii and doc.masked_path
    text = docx_text(_download(b, doc.id)[1])
    assert "Соглашение" in text and SNILS not in text and BIRTH not in text and "•89 01" in text
    assert _pii_rows(collector.id) == []
    # the stored document itself is whole: the lawyer gets it, and that view is logged
    text = docx_text(_download(_browser(app, lawyer), doc.id)[1])
    assert SNILS in text and BIRTH in text
    assert [(r.entity, r.entity_id) for r in _pii_rows(lawyer.id)] == [("documents", doc.id)]


def test_a_letter_without_identifiers_is_not_logged(app, people):
    collector, acc = people["collector"], people["account"]
    b = _browser(app, collector)
    resp, _token = _issue(b, acc, "notice_debt")
    assert resp.status_code == 302
    db.session.expire_all()
    doc = db.session.scalar(select(Document))
    assert doc.carries_pii is False and doc.masked_path is None
    assert _download(b, doc.id)[0] == 200
    assert _pii_rows(collector.id) == []


# --------------------------------------------------------------------------- one-time issue token

def test_an_issue_form_sent_twice_issues_one_document(app, people):
    b = _browser(app, people["collector"])
    acc = people["account"]
    token = _form_token(b, f"/documents/new?account_id={acc.id}&code=notice_debt")
    data = {"account_id": acc.id, "code": "notice_debt", "action": "issue", "issue_token": token}
    first = b.post("/documents/new", data=data)
    second = b.post("/documents/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _documents() == 1
    assert db.session.scalar(select(DocumentCounter.last_seq)) == 1  # no second number taken
    # a new form is a new document
    resp, _t = _issue(b, acc, "notice_debt")
    assert resp.status_code == 302 and _documents() == 2
    # a post without the form's token issues nothing
    resp = b.post("/documents/new", data=dict(data, issue_token=""))
    assert resp.status_code == 200 and _documents() == 2


def test_the_same_form_sent_twice_at_once_issues_one_document(app, people):
    """Two requests with one token at the same moment (a double click): one number, one document, both answers
    lead to it. The second waits on the counter lock and then finds the first's document."""
    acc = people["account"]
    browsers = [_browser(app, people["collector"]) for _ in range(2)]
    token = _form_token(browsers[0], f"/documents/new?account_id={acc.id}&code=notice_debt")
    data = {"account_id": acc.id, "code": "notice_debt", "action": "issue", "issue_token": token}
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def post(i):
        try:
            barrier.wait()
            results[i] = browsers[i].post("/documents/new", data=data)
        except BaseException as exc:  # asserted below
            results[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert [getattr(r, "status_code", r) for r in results] == [302, 302]
    assert results[0].headers["Location"] == results[1].headers["Location"]
    assert _documents() == 1
    assert db.session.scalar(select(DocumentCounter.last_seq)) == 1


def test_the_unique_token_is_the_last_guard(app, people):
    """Even past the look-ups, the database refuses a second document with the same token."""
    from sqlalchemy.exc import IntegrityError

    from casework.documents.services import issue_document, prepare

    acc = people["account"]
    doc = issue_document(prepare("notice_debt", account_id=acc.id), issue_token="x" * 32)
    db.session.commit()
    twin = Document(**{c.key: getattr(doc, c.key) for c in Document.__table__.columns if c.key != "id"})
    twin.seq, twin.number = doc.seq + 1, f"{doc.seq + 1}/{doc.year}"
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_bulk_and_register_forms_sent_twice_start_one_batch_and_one_register(app, people):
    import time

    b = _browser(app, people["collector"])
    acc = people["account"]
    html = b.get("/documents/bulk").get_data(as_text=True)
    token = TOKEN_RE.search(html).group(1)
    data = {"code": "notice_debt", "building_id": acc.building_id, "territory_id": 0, "min_debt": 1, "output": "zip",
            "issue_token": token}
    first, second = b.post("/documents/bulk", data=data), b.post("/documents/bulk", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(DocumentBatch)) == 1
    batch_id = db.session.scalar(select(DocumentBatch.id))
    for _ in range(100):
        if b.get(f"/documents/batches/{batch_id}/status").get_json()["finished"]:
            break
        time.sleep(0.1)
    token = _form_token(b, f"/documents/batches/{batch_id}")
    for _ in range(2):
        resp = b.post(f"/documents/batches/{batch_id}/register", data={"recipient": "АО «Почта России»",
                                                                       "issue_token": token})
        assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Document)
                             .where(Document.kind == "dispatch_register")) == 1


# --------------------------------------------------------------------------- «show phone»

PHONE = "+7 914 555-12-34"


def test_collector_reveals_the_phone_on_request_and_it_is_logged(app, people, make_user):
    from casework.cases import services as case_services
    from casework.timeutil import today

    acc, collector = people["account"], people["collector"]
    acc.phone = PHONE
    case = case_services.open_case(acc.id, collector, today(), assignee_id=collector.id)
    db.session.commit()
    b = _browser(app, collector)
    html = b.get(f"/contacts/case/{case.id}").get_data(as_text=True)
    assert PHONE not in html and "12-34" in html and f'action="/contacts/case/{case.id}/phone"' in html
    assert _pii_rows(collector.id) == []
    resp = b.post(f"/contacts/case/{case.id}/phone")
    assert resp.status_code == 200 and PHONE in resp.get_data(as_text=True)
    rows = _pii_rows(collector.id)
    assert [(r.entity, r.entity_id, r.changes.get("on_request")) for r in rows] == [("accounts", acc.id, True)]
    resp = b.post(f"/contacts/account/{acc.id}/phone", headers={"Accept": "application/json"})
    assert resp.get_json() == {"phone": PHONE} and len(_pii_rows(collector.id)) == 2
    # the page itself stays masked afterwards
    assert PHONE not in b.get(f"/contacts/account/{acc.id}").get_data(as_text=True)
    # a lawyer sees the phone anyway (no button); an admin does not call debtors
    lawyer_html = _browser(app, people["lawyer"]).get(f"/contacts/case/{case.id}").get_data(as_text=True)
    assert PHONE in lawyer_html and "/phone\"" not in lawyer_html
    assert _browser(app, people["admin"]).post(f"/contacts/account/{acc.id}/phone").status_code == 403
