"""Courts and bailiff units: list, add, edit, link buildings (chosen ones, all of a territory with a preview);
who may edit; refusals in Russian; the court a case gets from the debtor's building."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from casework.accounts.models import Building, Territory
from casework.audit.models import AuditEvent
from casework.cases import seed as cases_seed
from casework.cases import services
from casework.cases.models import BailiffUnit, Court
from casework.extensions import db
from tests.factories import billed_account

COURT = {"kind": "magistrate", "name": "Судебный участок № 22 Ленского района", "sector_number": "22",
         "judge_name": "Петрова А. И.", "territory_id": 0, "address": "678144, г. Ленск, ул. Ленина, д. 65",
         "phone": "8 (41137) 4-20-22", "email": "", "payee_name": "УФК по Республике Саха (Якутия)",
         "payee_inn": "1435054074", "payee_kpp": "143501001", "treasury_account": "03100643000000011600",
         "bik": "019805001", "kbk": "18210803010011050110", "oktmo": "98627101", "code": "", "is_active": "y"}


def _territory_with_buildings(n: int, street="ул. Ленина"):
    t = Territory(name=f"п. Тест-{uuid.uuid4().hex[:6]}")
    db.session.add(t)
    db.session.flush()
    bs = [Building(territory_id=t.id, address=f"{street}, д. {i + 1}") for i in range(n)]
    bs.append(Building(territory_id=t.id, address=f"ул. Другая, д. {n + 1}"))
    db.session.add_all(bs)
    db.session.commit()
    return t, bs


def test_seed_is_a_documented_noop(app):
    before = db.session.scalar(select(func.count()).select_from(Court))
    cases_seed.seed()
    cases_seed.seed()
    assert db.session.scalar(select(func.count()).select_from(Court)) == before
    assert "no-op" in (cases_seed.__doc__ or "")


def test_lawyer_adds_and_edits_a_court_collector_only_reads(client, login, make_user):
    login("lawyer")
    r = client.post("/cases/courts/new", data=COURT)
    assert r.status_code == 302
    court = db.session.scalar(select(Court).where(Court.name == COURT["name"]))
    assert court.code and court.kbk == COURT["kbk"] and court.is_active and court.territory_id is None
    page = client.get("/cases/courts").get_data(as_text=True)
    assert COURT["name"] in page and COURT["kbk"] in page and "Добавить суд" in page
    r = client.post(f"/cases/courts/{court.id}/edit", data=dict(COURT, judge_name="Сидорова Е. В."),
                    follow_redirects=True)
    assert r.status_code == 200
    db.session.expire_all()
    assert db.session.get(Court, court.id).judge_name == "Сидорова Е. В."
    # the edit is in the audit trail
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "courts")) >= 1
    # a collector sees the directory but may not edit it
    client.post("/auth/logout")
    login("collector")
    page = client.get("/cases/courts").get_data(as_text=True)
    assert COURT["name"] in page and "Добавить суд" not in page
    assert client.get(f"/cases/courts/{court.id}/edit").status_code == 403
    assert client.post("/cases/courts/new", data=COURT).status_code == 403
    assert client.get("/cases/courts/999999/edit").status_code in (403, 404)


def test_bad_details_are_refused_in_russian(client, login):
    login("manager")
    r = client.post("/cases/courts/new", data=dict(COURT, kbk="1821080301", bik="01980500X"))
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "только цифры" in text.lower()
    assert db.session.scalar(select(func.count()).select_from(Court)) == 0
    r = client.post("/cases/courts/new", data=dict(COURT, name=""))
    assert "Введите название суда" in r.get_data(as_text=True)
    # a duplicate code is refused with the reason
    client.post("/cases/courts/new", data=dict(COURT, code="MS22"))
    r = client.post("/cases/courts/new", data=dict(COURT, code="MS22", name="Другой"), follow_redirects=True)
    assert "MS22" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Court).where(Court.code == "MS22")) == 1


def test_bailiff_units_add_edit_and_unique_name(client, login):
    login("admin")
    data = {"name": "Ленское РОСП УФССП России по Республике Саха (Якутия)", "address": "г. Ленск, ул. Победы, 10",
            "phone": "", "email": "", "territory_id": 0}
    assert client.post("/cases/bailiffs/new", data=data).status_code == 302
    unit = db.session.scalar(select(BailiffUnit))
    r = client.post("/cases/bailiffs/new", data=data, follow_redirects=True)
    assert "уже есть" in r.get_data(as_text=True)
    assert client.post(f"/cases/bailiffs/{unit.id}/edit", data=dict(data, phone="8 (41137) 4-11-11")).status_code == 302
    db.session.expire_all()
    assert db.session.get(BailiffUnit, unit.id).phone == "8 (41137) 4-11-11"
    assert client.get("/cases/bailiffs/999999/edit").status_code == 404


def test_link_chosen_buildings_and_all_of_a_territory_with_preview(client, login):
    login("lawyer")
    t, bs = _territory_with_buildings(4)
    client.post("/cases/courts/new", data=COURT)
    court = db.session.scalar(select(Court))
    db.session.add(Court(code="X", name="Другой участок"))
    db.session.commit()
    other_court = db.session.scalar(select(Court).where(Court.code == "X"))
    bs[0].court_id = other_court.id
    db.session.commit()
    # filter by territory and street
    page = client.get(f"/cases/courts/{court.id}/buildings?territory={t.id}&street=Ленина").get_data(as_text=True)
    assert "ул. Ленина, д. 1" in page and "ул. Другая" not in page
    # link two chosen buildings
    r = client.post(f"/cases/courts/{court.id}/buildings",
                    data={"action": "link", "building_id": [str(bs[1].id), str(bs[2].id)]})
    assert r.status_code == 302
    db.session.expire_all()
    assert {b.id for b in db.session.scalars(select(Building).where(Building.court_id == court.id))} == \
        {bs[1].id, bs[2].id}
    # all of the territory: first a preview with the counts, nothing changed yet
    r = client.post(f"/cases/courts/{court.id}/buildings", data={"action": "link_all", "territory": t.id})
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Подтвердить" in text
    db.session.expire_all()
    assert db.session.get(Building, bs[0].id).court_id == other_court.id
    r = client.post(f"/cases/courts/{court.id}/buildings",
                    data={"action": "link_all", "territory": t.id, "confirm": "1"}, follow_redirects=True)
    assert r.status_code == 200
    db.session.expire_all()
    linked = db.session.scalar(select(func.count()).select_from(Building).where(Building.court_id == court.id))
    assert linked == len(bs)  # the one of another court moved too, as the preview said
    # unlink one
    client.post(f"/cases/courts/{court.id}/buildings", data={"action": "unlink", "building_id": [str(bs[3].id)]})
    db.session.expire_all()
    assert db.session.get(Building, bs[3].id).court_id is None
    # linking all without a territory or street is refused
    r = client.post(f"/cases/courts/{court.id}/buildings", data={"action": "link_all", "confirm": "1"},
                    follow_redirects=True)
    assert "территорию или улицу" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Building).where(Building.court_id.is_(None))) == 1
    # the case of a debtor living there gets this court
    acc, _svc = billed_account()
    db.session.get(Building, acc.building_id).court_id = court.id
    db.session.commit()
    assert services.court_for_account(acc).id == court.id
    # a collector reads the buildings page but cannot link
    client.post("/auth/logout")
    login("collector")
    assert client.get(f"/cases/courts/{court.id}/buildings").status_code == 200
    assert client.post(f"/cases/courts/{court.id}/buildings",
                       data={"action": "link", "building_id": [str(bs[3].id)]}).status_code == 403
    assert client.get("/cases/courts/999999/buildings").status_code == 404
