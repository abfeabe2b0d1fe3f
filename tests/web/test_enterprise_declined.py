"""The enterprise page: the declined forms of the name and the signatory, pre-filled by the dictionary, the
suggestion shown, an administrator's own form kept and printed, a suggestion or a stale form not frozen."""
from __future__ import annotations

from html import unescape

from casework.enterprise.models import get_enterprise
from casework.extensions import db

FORM = {"name": "Муниципальное унитарное предприятие «Теплоэнергосервис»", "short_name": "МУП «Теплоэнергосервис»",
        "kind": "resource_supplier", "inn": "7707083893", "kpp": "", "ogrn": "", "legal_address": "678144, г. Ленск",
        "postal_address": "", "phone": "", "email": "", "bank_name": "", "bik": "", "settlement_account": "",
        "correspondent_account": "", "signatory_name": "Саввинова Мария Петровна", "signatory_position": "Директор",
        "signatory_basis": "Устава", "contract_due_day": ""}
GEN = "Муниципального унитарного предприятия «Теплоэнергосервис»"


def _value(html: str, name: str) -> str:
    i = html.index(f'name="{name}"')
    tag = html[html.rindex("<", 0, i):html.index(">", i)]
    return unescape(tag.split('value="', 1)[1].split('"', 1)[0]) if 'value="' in tag else ""


def test_declined_forms_prefilled_suggested_overridden_and_followed(client, login):
    ent = get_enterprise()
    ent.name, ent.inn, ent.legal_address = FORM["name"], FORM["inn"], FORM["legal_address"]
    ent.signatory_name, ent.signatory_position, ent.signatory_basis = "Саввинова Мария Петровна", "Директор", "Устава"
    db.session.commit()
    login("admin")
    html = client.get("/enterprise/edit").get_data(as_text=True)
    assert _value(html, "name_gen") == GEN
    assert _value(html, "name_dat") == "Муниципальному унитарному предприятию «Теплоэнергосервис»"
    assert _value(html, "name_ins") == "Муниципальным унитарным предприятием «Теплоэнергосервис»"
    assert _value(html, "signatory_position_gen") == "директора"
    assert _value(html, "signatory_name_gen") == "Саввиновой Марии Петровны"
    assert "Подсказка словаря: директора" in unescape(html)

    # saved as suggested: nothing frozen, the forms keep following the name
    resp = client.post("/enterprise/edit", data=dict(FORM, name_gen=GEN, name_dat="", name_ins="",
                                                     signatory_position_gen="директора",
                                                     signatory_name_gen="Саввиновой Марии Петровны"))
    assert resp.status_code == 302
    ent = db.session.get(type(ent), 1)
    assert (ent.name_gen, ent.signatory_position_gen, ent.signatory_name_gen) == ("", "", "")

    # an administrator's own form is stored, shown on the page and still offered with the suggestion
    client.post("/enterprise/edit", data=dict(FORM, name_gen="МУП «Теплоэнергосервис»",
                                              signatory_position_gen="генерального директора"))
    ent = db.session.get(type(ent), 1)
    assert (ent.name_gen, ent.signatory_position_gen) == ("МУП «Теплоэнергосервис»", "генерального директора")
    html = unescape(client.get("/enterprise/edit").get_data(as_text=True))
    assert _value(html, "name_gen") == "МУП «Теплоэнергосервис»" and f"Подсказка словаря: {GEN}" in html
    show = unescape(client.get("/enterprise/").get_data(as_text=True))
    assert "генерального директора Саввиновой Марии Петровны" in show

    # the name changes and the declined form is left as it was shown: it follows the new name
    html = client.get("/enterprise/edit").get_data(as_text=True)
    shown = {k: _value(html, k) for k in ("name_gen", "name_dat", "name_ins", "signatory_position_gen",
                                          "signatory_name_gen")}
    client.post("/enterprise/edit", data=dict(FORM, name="Акционерное общество «Ленатеплосеть»", **shown))
    ent = db.session.get(type(ent), 1)
    assert ent.name_gen == "" and ent.signatory_position_gen == "генерального директора"
    html = unescape(client.get("/enterprise/edit").get_data(as_text=True))
    assert _value(html, "name_gen") == "Акционерного общества «Ленатеплосеть»"


def test_only_the_administrator_edits_the_forms(client, login):
    login("lawyer")
    assert client.get("/enterprise/edit").status_code == 403
