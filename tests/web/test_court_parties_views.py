"""The defendants form of the court letters' issue page: a minor co-owner refused until the lawyer marks the
parent, a family member left out by unticking; the issued .docx names whom the form chose."""
from __future__ import annotations

import io
import re
from datetime import date

from docx import Document as Docx
from sqlalchemy import select

from casework.documents.models import Document
from casework.documents.services import document_file
from casework.extensions import db
from tests.factories import flat_with_persons

TOKEN_RE = re.compile(r'name="issue_token" value="([^"]+)"')


def _token(client, url):
    html = client.get(url).get_data(as_text=True)
    return html, TOKEN_RE.search(html).group(1)


def test_the_lawyer_marks_the_parent_of_a_minor_co_owner_and_issues(client, login):
    acc, ids = flat_with_persons("7101", [
        ("Петрова Анна Ивановна", "f", date(1985, 4, 1), "owner", (1, 2), None, None),
        ("Петров Иван Сергеевич", "m", date(2014, 3, 10), "owner", (1, 2), None, None)])
    db.session.commit()
    mother, child = ids["Петрова Анна Ивановна"], ids["Петров Иван Сергеевич"]
    login("lawyer")
    url = f"/documents/new?account_id={acc.id}&code=court_order_application"
    html, token = _token(client, url)
    assert "Ответчики" in html and "несовершеннолетний" in html
    assert f'name="rep_{child}" value="{mother}"' in html
    form = {"account_id": acc.id, "code": "court_order_application", "issue_token": token,
            "p_court_name": "Мировому судье судебного участка № 166", "parties_shown": "1",
            "party_shown": [mother, child], "party_include": [mother, child], "minor_shown": [child]}
    text = client.post("/documents/new", data=dict(form, action="preview")).get_data(as_text=True)
    assert "Несовершеннолетний никогда не бывает должником сам" in text and "Петров Иван Сергеевич" in text
    assert db.session.scalar(select(Document.id)) is None
    form[f"rep_{child}"] = [mother]
    text = client.post("/documents/new", data=dict(form, action="preview")).get_data(as_text=True)
    assert "Предварительный просмотр" in text or "Предпросмотр" in text, text
    assert re.search(rf'name="rep_{child}" value="{mother}" checked', text)
    assert "законный представитель несовершеннолетнего собственника Петрова Ивана Сергеевича" in text
    r = client.post("/documents/new", data=dict(form, action="issue"))
    assert r.status_code == 302
    doc = db.session.scalar(select(Document))
    paras = [p.text for p in Docx(io.BytesIO(document_file(doc).read_bytes())).paragraphs]
    assert "Должник: Петрова Анна Ивановна" in paras and "Должник: Петров Иван Сергеевич" not in paras
    assert any("в лице законного представителя Петровой Анны Ивановны" in p for p in paras)


def test_a_family_member_left_out_on_the_form_is_not_a_defendant(client, login):
    acc, ids = flat_with_persons("7102", [
        ("Сидоров Пётр Иванович", "m", date(1970, 1, 1), "tenant", None, None, None),
        ("Сидорова Анна Петровна", "f", date(1972, 6, 1), "registered", None, None, None)], tenure="social_tenancy")
    db.session.commit()
    tenant, wife = ids["Сидоров Пётр Иванович"], ids["Сидорова Анна Петровна"]
    login("lawyer")
    html, token = _token(client, f"/documents/new?account_id={acc.id}&code=court_order_application")
    assert "Сидорова Анна Петровна" in html and "солидарно" in html  # the default: both, jointly
    form = {"account_id": acc.id, "code": "court_order_application", "issue_token": token,
            "p_court_name": "Мировому судье судебного участка № 166", "parties_shown": "1",
            "party_shown": [tenant, wife], "party_include": [tenant], "action": "issue"}
    assert client.post("/documents/new", data=form).status_code == 302
    doc = db.session.scalar(select(Document))
    text = "\n".join(p.text for p in Docx(io.BytesIO(document_file(doc).read_bytes())).paragraphs)
    assert "Должник: Сидоров Пётр Иванович" in text and "Анна" not in text and "Сидоровой" not in text
    assert "солидарно" not in text and "с Сидорова Петра Ивановича: задолженности" in text
