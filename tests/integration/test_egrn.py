"""ЕГРН extracts on a real database: owners and shares from «выписка об объекте», ended rights from «выписка о
переходе прав», unmatched objects, refused entity expansion, and a re-import that changes nothing."""
import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from casework.accounts.models import AccountParty, Party
from casework.audit.models import AuditEvent
from casework.egrn import parser, services
from casework.extensions import db
from tests.egrn_data import CAD, sample
from tests.factories import egrn_flat


def owners(account_id):
    db.session.expire_all()
    rows = db.session.execute(select(Party.full_name, AccountParty.share_num, AccountParty.share_den,
                                     AccountParty.since, AccountParty.until)
                              .join(Party, Party.id == AccountParty.party_id)
                              .where(AccountParty.account_id == account_id, AccountParty.role == "owner")
                              .order_by(Party.full_name)).all()
    return [tuple(r) for r in rows]


def snapshot():
    db.session.expire_all()
    return (db.session.execute(select(Party.__table__).order_by(Party.id)).all(),
            db.session.execute(select(AccountParty.__table__).order_by(AccountParty.id)).all())


def load(*files):
    token, reviews = services.review_upload([(n, sample(n)) for n in files])
    totals = services.apply_upload(token)
    db.session.commit()
    return reviews, totals


def test_parser_reads_the_extract_of_a_room():
    ex = parser.parse_extract(sample("room_two_owners.xml"))
    assert (ex.kind, ex.cad_number) == ("object", CAD)
    assert ex.address.endswith("г. Ленск, ул. Мира, д. 1, кв. 5")
    (a, b) = ex.rights
    assert (a.holder.full_name, a.holder.birth_date, a.holder.snils) == ("Петров Сергей Иванович", date(1980, 3, 15),
                                                                       "12345678964")
    assert (a.share_num, a.share_den, a.type_code, a.number) == (1, 2, "001002", "14:14:050101:123-14/024/2019-3")
    assert (a.registered_on, a.ended_on) == (date(2019, 5, 10), None)
    assert b.holder.last_name == "Петрова"


def test_parser_reads_every_kind_of_owner_of_the_base_params_extract():
    """«Выписка об основных характеристиках…» (extract_base_params_room, Росреестр v01): a citizen, the town
    (public_formation/public_formation_type/municipality, its share only in share_description), a company
    (legal_entity/entity/resident); operative management of a state body is not ownership."""
    ex = parser.parse_extract(sample("base_params_room_mixed_owners.xml"))
    assert (ex.kind, ex.root, ex.cad_number, ex.formed_on) == ("object", "extract_base_params_room",
                                                              "14:14:050101:777", date(2026, 11, 21))
    assert ex.address.endswith("г. Ленск, ул. Ленина, д. 3, кв. 8")
    got = [(r.holder.kind, r.holder.full_name, r.share_num, r.share_den, r.registered_on) for r in ex.rights]
    assert got == [("person", "Кузнецова Мария Олеговна", 1, 2, date(2015, 9, 1)),
                   ("organization", "Муниципальное образование «Город Ленск»", 1, 4, date(2012, 2, 7)),
                   ("organization", "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «СЕВЕРНЫЙ ДОМ»", 1, 4,
                    date(2021, 3, 15))]
    assert (ex.rights[2].holder.inn, ex.rights[2].holder.ogrn) == ("1414000000", "1021400000000")
    assert ex.skipped_rights == 1


def test_the_owners_of_a_base_params_extract_are_offered(app):
    account = egrn_flat(cadastral="14:14:050101:777")
    _token, (fr,) = services.review_upload([("base.xml", sample("base_params_room_mixed_owners.xml"))])
    assert fr.account_id == account.id and fr.error is None
    assert {c["name"]: c["what"] for c in fr.changes} == {
        "Кузнецова Мария Олеговна": "new_owner", "Муниципальное образование «Город Ленск»": "new_owner",
        "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «СЕВЕРНЫЙ ДОМ»": "new_owner"}


def test_right_type_codes_are_read_in_both_lengths():
    """The extracts write the dictionary's 12 digits (001002000000); the six that name the right decide."""
    assert [parser.right_code(c) for c in ("001002000000", "001002", " 001001000000 ", "001005000000", "0010",
                                           "001002000001", None)] == ["001002", "001002", "001001", "001005", "", "",
                                                                      ""]


def test_co_owners_are_added_with_shares_and_the_minor_is_flagged(app):
    account = egrn_flat()
    token, reviews = services.review_upload([("room.xml", sample("room_two_owners.xml"))])
    (fr,) = reviews
    assert fr.account_id == account.id and fr.error is None and fr.unmatched is None
    new = {c["name"]: c for c in fr.changes}
    assert set(new) == {"Петров Сергей Иванович", "Петрова Алина Сергеевна"}
    assert all(c["what"] == "new_owner" for c in new.values())
    assert new["Петрова Алина Сергеевна"]["minor"] and not new["Петров Сергей Иванович"]["minor"]
    assert new["Петров Сергей Иванович"]["party_id"] is not None  # the registered person, found by name + birth date
    assert [m["name"] for m in fr.missing] == ["Сидоров Павел Андреевич"]
    assert owners(account.id) == [("Сидоров Павел Андреевич", None, None, date(2013, 6, 14), None)]  # review wrote nothing

    totals = services.apply_upload(token)
    db.session.commit()
    assert totals == {"files": 1, "new_owners": 2, "changed": 0, "ended": 0}
    assert owners(account.id) == [
        ("Петров Сергей Иванович", 1, 2, date(2019, 5, 10), None),
        ("Петрова Алина Сергеевна", 1, 2, date(2019, 5, 10), None),
        ("Сидоров Павел Андреевич", None, None, date(2013, 6, 14), None),  # missing from ЕГРН: reported, kept
    ]
    petrov = db.session.scalar(select(Party).where(Party.full_name == "Петров Сергей Иванович"))
    assert petrov.snils == "12345678964"  # filled in, the person was not duplicated
    assert db.session.query(Party).count() == 3
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "egrn_import")).all()
    assert [(e.entity_id, e.changes["new_owners"]) for e in events] == [(account.id, 2)]
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "account_parties",
                                                       AuditEvent.action == "insert")).all()


def test_a_changed_share_is_updated(app):
    account = egrn_flat()
    load("room_two_owners.xml")
    link = db.session.scalar(select(AccountParty).join(Party).where(Party.full_name == "Петров Сергей Иванович",
                                                                    AccountParty.role == "owner"))
    link.share_num, link.share_den = 1, 3
    db.session.commit()
    reviews, totals = load("room_two_owners.xml")
    assert [(c["what"], c["diffs"]) for c in reviews[0].changes] == [("changed", {"share": ["1/3", "1/2"]})]
    assert totals["changed"] == 1
    assert ("Петров Сергей Иванович", 1, 2, date(2019, 5, 10), None) in owners(account.id)


def test_transfer_of_rights_ends_the_previous_owner(app):
    account = egrn_flat()
    load("room_two_owners.xml")
    token, (fr,) = services.review_upload([("transfer.xml", sample("transfer_rights.xml"))])
    assert fr.kind == "transfer" and fr.missing == []
    assert [(c["what"], c["name"], c["diffs"]) for c in fr.changes] == [
        ("ended", "Сидоров Павел Андреевич", {"until": [None, "2019-05-10"]})]
    services.apply_upload(token)
    db.session.commit()
    assert ("Сидоров Павел Андреевич", None, None, date(2013, 6, 14), date(2019, 5, 10)) in owners(account.id)
    before = snapshot()
    reviews, totals = load("transfer_rights.xml", "room_two_owners.xml")
    assert totals == {"files": 0, "new_owners": 0, "changed": 0, "ended": 0}
    assert all(not r.changes for r in reviews) and all(not r.missing for r in reviews)
    assert snapshot() == before


def test_transfer_adds_a_former_owner_the_app_never_had(app):
    account = egrn_flat()
    db.session.execute(AccountParty.__table__.delete())
    db.session.commit()
    load("transfer_rights.xml")
    assert owners(account.id) == [
        ("Петров Сергей Иванович", 1, 2, date(2019, 5, 10), None),
        ("Петрова Алина Сергеевна", 1, 2, date(2019, 5, 10), None),
        ("Сидоров Павел Андреевич", None, None, date(2013, 6, 14), date(2019, 5, 10)),
    ]


def test_reimport_changes_nothing(app):
    egrn_flat()
    load("room_two_owners.xml")
    before = snapshot()
    events = db.session.query(AuditEvent).count()
    reviews, totals = load("room_two_owners.xml")
    assert reviews[0].changes == [] and reviews[0].unchanged == 2
    assert totals["files"] == 0
    assert snapshot() == before
    assert db.session.query(AuditEvent).count() == events


def test_an_unknown_cadastral_number_and_address_is_reported(app):
    egrn_flat()
    other = (sample("room_two_owners.xml").decode().replace(CAD, "14:14:050101:999")
             .replace("ул. Мира, д. 1, кв. 5", "ул. Мира, д. 1, кв. 77").encode())
    before = snapshot()
    token, (fr,) = services.review_upload([("other.xml", other)])
    assert fr.account_id is None and "14:14:050101:999" in fr.unmatched
    assert services.apply_upload(token)["files"] == 0
    db.session.commit()
    assert snapshot() == before


def test_matched_by_address_when_the_premises_has_no_cadastral_number(app):
    account = egrn_flat(cadastral=None)
    token, (fr,) = services.review_upload([("room.xml", sample("room_two_owners.xml"))])
    assert fr.account_id == account.id and fr.learn_cadastral
    services.apply_upload(token)
    db.session.commit()
    db.session.expire_all()
    assert account.premises.cadastral_number == CAD  # learnt: the next extract is matched by it


def test_billion_laughs_is_refused(app):
    bomb = sample("billion_laughs.xml")
    with pytest.raises(parser.ExtractError):
        parser.parse_extract(bomb)
    egrn_flat()
    _token, (fr,) = services.review_upload([("bomb.xml", bomb)])
    assert fr.error and fr.account_id is None
    # even one harmless entity is refused: the parser never expands what the file declares
    tiny = sample("room_two_owners.xml").decode().replace(
        "<extract_about_property_room>", '<!DOCTYPE extract_about_property_room [<!ENTITY cad "14:14:050101:123">]>'
        "<extract_about_property_room>", 1).replace(f"<cad_number>{CAD}</cad_number>", "<cad_number>&cad;</cad_number>")
    with pytest.raises(parser.ExtractError, match="DTD"):
        parser.parse_extract(tiny.encode())


def test_a_zip_from_gosuslugi_is_unpacked(app):
    egrn_flat()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("report-1.xml", sample("room_two_owners.xml"))
        z.writestr("report-1.xml.sig", b"signature")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("Выписка.zip", inner.getvalue())
    files = parser.xml_files([("egrn.zip", outer.getvalue())])
    assert [n for n, _d in files] == ["report-1.xml"]


def test_cli_reads_a_folder_and_applies(app, runner, tmp_path):
    account = egrn_flat()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "room.xml").write_bytes(sample("room_two_owners.xml"))
    (tmp_path / "a" / "room.xml.sig").write_bytes(b"sig")
    result = runner.invoke(args=["egrn", "import", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "room.xml" in result.output and "100005" in result.output
    assert len(owners(account.id)) == 1  # shown only
    result = runner.invoke(args=["egrn", "import", str(tmp_path / "a"), "--apply"])
    assert result.exit_code == 0, result.output
    assert len(owners(account.id)) == 3


def test_the_upload_is_kept_in_the_s3_bucket(s3_storage, s3_server):
    from casework import storage

    account = egrn_flat()
    token, _reviews = services.review_upload([("room.xml", sample("room_two_owners.xml"))])
    db.session.commit()
    assert storage.backend().kind == "s3"
    prefix = s3_storage.config["S3_PREFIX"]
    assert f"{prefix}imports/egrn/{token}.json" in s3_server.keys(prefix)
    assert services.apply_upload(token)["new_owners"] == 2  # read back from the bucket
    db.session.commit()
    assert len(owners(account.id)) == 3


def test_a_person_known_elsewhere_is_found_by_snils(app):
    account = egrn_flat()
    known = Party(full_name="Петрова Алина", snils="987-654-321 00")  # spelled otherwise, on no account
    db.session.add(known)
    db.session.commit()
    load("room_two_owners.xml")
    link = db.session.scalar(select(AccountParty).where(AccountParty.account_id == account.id,
                                                        AccountParty.party_id == known.id))
    assert (link.role, link.share_num, link.share_den) == ("owner", 1, 2)
    assert db.session.query(Party).filter(Party.snils.is_not(None)).count() == 2  # Петров got his; no duplicate
