"""The enterprise page: saving its details with an e-mail address, refusing a wrong one in Russian, the time zone."""
from __future__ import annotations

import tomllib
from pathlib import Path

from casework.enterprise.models import Enterprise, get_enterprise
from casework.extensions import db

FORM = {
    "name": "МУП «Теплоэнергосервис»", "short_name": "МУП «ТЭС»", "kind": "resource_supplier",
    "inn": "7707083893", "legal_address": "678144, г. Ленск, ул. Ленина, д. 65", "signatory_name": "Ковалёв А. Н.",
    "signatory_position": "Директор", "timezone": "Asia/Yakutsk",
}


def test_email_validator_is_a_declared_dependency():
    """WTForms' Email() imports email_validator on every form with an e-mail: without it every save is a 500."""
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    names = {d.split(">")[0].split("=")[0].split("[")[0].strip().lower().replace("_", "-")
             for d in pyproject["project"]["dependencies"]}
    assert "email-validator" in names


def test_admin_saves_the_details_with_an_email_and_the_time_zone(client, login):
    login("admin")
    resp = client.post("/enterprise/edit", data={**FORM, "email": "abon@tes-lensk.ru"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    ent = db.session.get(Enterprise, 1)
    assert (ent.email, ent.timezone) == ("abon@tes-lensk.ru", "Asia/Yakutsk")
    page = client.get("/enterprise/").get_data(as_text=True)
    assert "abon@tes-lensk.ru" in page
    assert "Часовой пояс" in page and "Якутск (Ленск), UTC+9" in page


def test_a_wrong_email_is_refused_in_russian(client, login):
    login("admin")
    resp = client.post("/enterprise/edit", data={**FORM, "email": "abon@@tes-lensk"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Введите правильный адрес электронной почты" in page
    assert "Invalid email" not in page
    db.session.expire_all()
    assert db.session.get(Enterprise, 1).email in (None, "")


def test_the_edit_page_offers_the_zones_of_russia(client, login):
    login("admin")
    page = client.get("/enterprise/edit").get_data(as_text=True)
    for text in ("Калининград, UTC+2", "Москва, UTC+3", "Якутск (Ленск), UTC+9", "Камчатка, UTC+12"):
        assert text in page, text
    assert '<option selected value="Europe/Moscow">' in page or 'value="Europe/Moscow" selected' in page
    # a zone that is not in the list is refused
    resp = client.post("/enterprise/edit", data={**FORM, "timezone": "America/New_York"})
    assert resp.status_code == 200
    db.session.expire_all()
    assert get_enterprise().timezone != "America/New_York"


def test_a_new_enterprise_starts_with_the_default_zone(app):
    app.config["DEFAULT_TIMEZONE"] = "Asia/Irkutsk"
    try:
        assert get_enterprise().timezone == "Asia/Irkutsk"
    finally:
        app.config["DEFAULT_TIMEZONE"] = "Europe/Moscow"
