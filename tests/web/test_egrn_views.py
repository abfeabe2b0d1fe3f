"""ЕГРН pages: a manager uploads extracts (several files at once), sees the differences per file, confirms."""
import io

from sqlalchemy import select

from casework.accounts.models import AccountParty, Party
from casework.extensions import db
from tests.egrn_data import CAD, sample
from tests.factories import egrn_flat


def upload(client, *files):
    return client.post("/egrn/", data={"files": [(io.BytesIO(sample(n)), n) for n in files]},
                       content_type="multipart/form-data")


def owner_names(account_id):
    db.session.expire_all()
    return sorted(db.session.scalars(select(Party.full_name).join(AccountParty)
                                     .where(AccountParty.account_id == account_id, AccountParty.role == "owner",
                                            AccountParty.until.is_(None))))


def test_manager_previews_and_confirms(client, login):
    account = egrn_flat()
    login("manager")
    assert client.get("/egrn/").status_code == 200
    resp = upload(client, "room_two_owners.xml", "billion_laughs.xml")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert CAD in html and "Петрова Алина Сергеевна" in html and "badge minor" in html
    assert "billion_laughs.xml" in html and 'class="error"' in html  # the bomb is listed as not read
    assert "egrn-missing" in html and "Сидоров Павел Андреевич" in html
    assert owner_names(account.id) == ["Сидоров Павел Андреевич"]  # the preview wrote nothing
    resp = client.post(resp.headers["Location"])
    assert resp.status_code == 302
    assert owner_names(account.id) == ["Петров Сергей Иванович", "Петрова Алина Сергеевна",
                                       "Сидоров Павел Андреевич"]
    again = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "no-changes" in again and "egrn-new_owner" not in again
    resp = upload(client, "transfer_rights.xml")
    client.post(resp.headers["Location"])
    assert owner_names(account.id) == ["Петров Сергей Иванович", "Петрова Алина Сергеевна"]


def test_collector_is_refused(client, login):
    login("collector")
    assert client.get("/egrn/").status_code == 403


def test_unknown_token_is_404(client, login):
    login("manager")
    assert client.get("/egrn/preview/" + "0" * 64).status_code == 404
    assert client.get("/egrn/preview/nonsense").status_code == 404


def test_a_file_that_is_not_an_extract_is_refused(client, login):
    login("manager")
    resp = client.post("/egrn/", data={"files": [(io.BytesIO(b"<a/>"), "a.txt")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 400
