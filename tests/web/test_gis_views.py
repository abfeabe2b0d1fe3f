"""ГИС ЖКХ debt requests through the pages: a lawyer imports the exportDSRs message, reviews the ambiguous request,
confirms the answers and exports them; the administrator reads; a collector is refused."""
import io
import re
from datetime import date

from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from casework.extensions import db
from casework.gis.models import GisRequest
from tests.gis_data import EXECUTOR, ORG_PPA, S1, S3, court_record, make_world, sample

D = "{http://dom.gosuslugi.ru/schema/integration/drs/}"


def req(guid):
    db.session.expire_all()
    return db.session.scalar(select(GisRequest).where(GisRequest.subrequest_guid == guid))


def test_lawyer_imports_reviews_answers_and_exports(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "GIS_ORG_PPA_GUID", ORG_PPA)
    monkeypatch.setitem(app.config, "GIS_EXECUTOR_GUID", EXECUTOR)
    w = make_world()
    court_record(w["a5"], in_force=date(2025, 12, 5))
    login("lawyer")
    assert client.get("/gis/import").status_code == 200
    resp = client.post("/gis/import", data={"files": [(io.BytesIO(sample("exportDSRs_result.xml")), "dsr.xml")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    queue = client.get("/gis/?status=open").get_data(as_text=True)
    assert "00ЗН-0000000123" in queue and "00ЗН-0000000125" in queue

    r3 = req(S3)  # two accounts at Ленина 3 кв. 2: the review screen lists both
    page = client.get(f"/gis/{r3.id}").get_data(as_text=True)
    assert "100020" in page and "100021" in page and "Орлов Игорь Олегович" in page and 'name="party_id"' in page
    assert client.post(f"/gis/{r3.id}/answer", data={"has_debt": "no"}).status_code == 400  # not confirmed yet
    # «another account» takes the number the lawyer sees, not an internal id
    resp = client.post(f"/gis/{r3.id}/match", data={"account_number": "999999"})
    assert resp.status_code == 400 and "999999" in resp.get_data(as_text=True) and req(S3).account_id is None
    resp = client.post(f"/gis/{r3.id}/match", data={"account_number": " 100021 "})
    assert resp.status_code == 302 and req(S3).account_id == w["b2"].id
    resp = client.post(f"/gis/{r3.id}/answer", data={"has_debt": "no", "description": ""})
    assert resp.status_code == 302 and req(S3).status == "answered" and req(S3).has_debt is False

    from casework.documents.models import Document

    doc = Document(year=2025, seq=77, number="77/2025", kind="court_order_application", account_id=w["a5"].id,
                   title="Заявление о вынесении судебного приказа", file_path="x/77.docx", sha256="0" * 64,
                   issued_on=date(2025, 10, 20))
    db.session.add(doc)
    db.session.commit()
    r1 = req(S1)
    page = client.get(f"/gis/{r1.id}").get_data(as_text=True)
    assert "gis-act" in page and "2-1234/2025" in page and "Семёнова Алёна Петровна" in page
    assert f'href="/documents/{doc.id}"' in page
    answer = {"has_debt": "yes", "description": "Судебный приказ № 2-1234/2025 от 10.11.2025"}
    resp = client.post(f"/gis/{r1.id}/answer", data=answer)  # the message names nobody: the debtor is chosen first
    assert resp.status_code == 400 and req(S1).status == "matched"
    semenova = next(p for p in w["a5"].parties if p.party.full_name.startswith("Семёнова")).party_id
    assert client.post(f"/gis/{r1.id}/match", data={"account_id": w["a5"].id, "party_id": semenova}).status_code == 302
    resp = client.post(f"/gis/{r1.id}/answer", data=answer)
    assert resp.status_code == 302
    r1 = req(S1)
    assert (r1.status, r1.has_debt, r1.description) == ("answered", True, "Судебный приказ № 2-1234/2025 от 10.11.2025")
    again = client.post(f"/gis/{r1.id}/answer", data={"has_debt": "no"})
    assert again.status_code == 400 and req(S1).has_debt is True  # answered once

    resp = client.post("/gis/export")
    assert resp.status_code == 302
    queue = client.get("/gis/").get_data(as_text=True)
    link = re.search(r'href="(/gis/exports/\d+\.xml)"', queue).group(1)
    xml = client.get(link)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    root = fromstring(xml.data)
    subs = sorted(a.find(D + "subrequestGUID").text for a in root.iter(D + "action"))
    assert subs == sorted([S1, r3.subrequest_guid])
    assert client.get(link).data == xml.data  # re-download: the same answer, byte for byte


def test_not_our_subscriber_and_overdue_highlight(app, client, login):
    make_world()
    login("manager")
    client.post("/gis/import", data={"files": [(io.BytesIO(sample("exportDSRs_result.xml")), "dsr.xml")]},
                content_type="multipart/form-data")
    r = db.session.scalar(select(GisRequest).where(GisRequest.flat == "99"))
    assert client.post(f"/gis/{r.id}/match", data={"action": "not_ours"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(GisRequest, r.id).status == "not_ours"
    for x in db.session.scalars(select(GisRequest)):
        x.due_on = date(2020, 1, 10)  # long past
    db.session.commit()
    html = client.get("/gis/?overdue=1").get_data(as_text=True)
    assert 'class="overdue"' in html and "00ЗН-0000000126" in html
    from datetime import timedelta

    from casework.timeutil import today

    x.due_on = today() + timedelta(days=20)
    db.session.commit()
    html = client.get("/gis/").get_data(as_text=True)
    assert html.count('class="overdue"') == 3 and "gis-left" in html


def test_admin_reads_and_collector_is_refused(app, client, login):
    from casework.gis import services

    make_world()
    services.import_requests("dsr.xml", sample("exportDSRs_result.xml"), date(2026, 6, 11))
    db.session.commit()
    login("admin")
    assert client.get("/gis/").status_code == 200
    page = client.get(f"/gis/{req(S3).id}")
    assert page.status_code == 200 and "100021" in page.get_data(as_text=True)
    assert 'name="party_id"' not in page.get_data(as_text=True)  # no buttons for the reader
    assert client.post(f"/gis/{req(S3).id}/match", data={"action": "not_ours"}).status_code == 403
    assert client.get("/gis/import").status_code == 403
    client.post("/auth/logout")
    login("collector")
    assert client.get("/gis/").status_code == 403


def test_a_foreign_file_is_refused(app, client, login):
    login("lawyer")
    resp = client.post("/gis/import", data={"files": [(io.BytesIO(b"<a/>"), "a.xml")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 400
