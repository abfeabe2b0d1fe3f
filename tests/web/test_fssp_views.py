"""The bailiffs' reconciliation pages: a lawyer uploads the ОСП's register, sees matched, ambiguous and unmatched
rows, picks the writ for the ambiguous one, ticks a receipt and confirms; a collector may not open the pages."""
import io
import re

from sqlalchemy import select

from casework.accounts.models import LedgerEntry
from casework.cases.models import Case, Enforcement
from casework.extensions import db
from tests.fssp_data import KUZNETSOV_B, PETROV, SMIRNOVA, make_world, reconciliation_xlsx


def test_lawyer_uploads_reviews_and_confirms(client, login):
    writs = make_world()
    login("lawyer")
    assert client.get("/fssp/").status_code == 200
    resp = client.post("/fssp/", data={"files": [(io.BytesIO(reconciliation_xlsx()), "Реестр ИП.xlsx")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    review_url = resp.headers["Location"]
    html = client.get(review_url).get_data(as_text=True)
    assert html.count("fssp-row fssp-matched") == 3 and "fssp-row fssp-ambiguous" in html
    assert "fssp-row fssp-unmatched" in html and "2-9999/2026" in html
    assert "уже в учёте" in html or "already in the ledger" in html
    assert "20.05.2027" in html and "20.11.2029" in html  # re-presentation (ст.46 ч.5) and the writ's term
    assert db.session.get(Enforcement, writs[PETROV].id).proceedings_number is None

    # the lawyer picks the writ of the ambiguous row (a GET of the review with the choice)
    amb = re.search(r'id="row-(\d+)"[^>]*>\s*<h2>34567', html) or re.search(r'fssp-ambiguous" id="row-(\d+)"', html)
    index = amb.group(1)
    html = client.get(review_url, query_string={f"pick-{index}": writs[KUZNETSOV_B].id}).get_data(as_text=True)
    assert "fssp-ambiguous" not in html and html.count("fssp-row fssp-matched") == 4
    rows = re.findall(r'name="row" value="(\d+)"', html)
    receipts = re.findall(r'name="receipt" value="([\d:]+)"', html)
    assert len(receipts) == 2  # Смирнова's second transfer and Ковалёва's; the first of Смирнова is in the ledger
    smirnova_receipt = [r for r in receipts if r.split(":")[1] == "1"]
    resp = client.post(review_url, data={"row": rows, "receipt": smirnova_receipt,
                                         f"pick-{index}": str(writs[KUZNETSOV_B].id)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enforcement, writs[PETROV].id).end_article == "п. 4 ч. 1 ст. 46"
    assert db.session.get(Enforcement, writs[KUZNETSOV_B].id).proceedings_number == "34567/26/14021-ИП"
    account_id = db.session.get(Case, writs[SMIRNOVA].case_id).account_id
    got = db.session.scalars(select(LedgerEntry.amount_kop).where(LedgerEntry.account_id == account_id,
                                                                  LedgerEntry.source == "enforcement")).all()
    assert got == [300_000]
    page = client.get(f"/cases/{writs[PETROV].case_id}").get_data(as_text=True)
    assert "12345/26/14021-ИП" in page and "20.05.2027" in page


def test_a_collector_may_not_open_the_reconciliation(client, login):
    login("collector")
    assert client.get("/fssp/").status_code == 403


def test_a_file_without_the_table_is_refused(client, login):
    login("lawyer")
    resp = client.post("/fssp/", data={"files": [(io.BytesIO(b"just,some\n1,2\n"), "x.csv")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "Номер ИП" in resp.get_data(as_text=True)
    assert client.get("/fssp/review/" + "0" * 64).status_code == 404
