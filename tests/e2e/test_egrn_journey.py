"""A manager loads the ЕГРН extract of an apartment (the zip as Госуслуги sends it), sees on the check page the new
co-owners with their shares (one a minor) and the seller the register no longer names, applies the changes, then
loads the extract about the transfer of rights and the seller's ownership ends on the day of the sale."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ..egrn_data import CAD, sample
from .helpers import login, shot

pytestmark = pytest.mark.e2e
NUMBER = "0077005"


def _account(db_read):
    from casework.accounts.models import Account, AccountParty, Building, Party, Premises

    with db_read() as db:
        building = Building(address="г. Ленск, ул. Мира, д. 1")
        account = Account(number=NUMBER, category="population", debtor_name="Сидоров Павел Андреевич",
                          address="г. Ленск, ул. Мира, д. 1, кв. 5", apartment="5",
                          premises=Premises(building=building, number="5", cadastral_number=CAD))
        seller = Party(full_name="Сидоров Павел Андреевич", birth_date=date(1955, 1, 20))
        db.session.add_all([account, seller])
        db.session.flush()
        db.session.add(AccountParty(account_id=account.id, party_id=seller.id, role="owner", since=date(2013, 6, 14)))
        db.session.commit()
        return account.id


def _upload(page, path) -> None:
    page.goto("/imports/")
    with page.expect_navigation():
        page.get_by_role("link", name="Собственники из ЕГРН").click()
    page.get_by_label("Выписки (файлы .xml, можно несколько, или архив .zip)").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Сравнить с лицевыми счетами").click()


def test_manager_brings_owners_from_egrn(page, db_read, tmp_path):
    from casework.accounts.models import AccountParty, Party

    account_id = _account(db_read)
    archive = tmp_path / "Выписка из ЕГРН.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("report-a1b2.xml", sample("room_two_owners.xml"))
        z.writestr("report-a1b2.xml.sig", b"signature")
    archive.write_bytes(buf.getvalue())
    login(page, "manager")
    _upload(page, archive)
    section = page.locator("section.egrn-file")
    expect(section).to_contain_text(CAD)
    expect(section).to_contain_text(NUMBER)
    expect(section.locator("tr.egrn-new_owner")).to_have_count(2)
    expect(section.locator("tr", has_text="Петрова Алина Сергеевна")).to_contain_text("несовершеннолетний")
    expect(section.locator("tr", has_text="Петров Сергей Иванович")).to_contain_text("1/2")
    expect(section.locator(".egrn-missing")).to_contain_text("Сидоров Павел Андреевич")
    shot(page, "egrn preview")
    with page.expect_navigation():
        page.get_by_role("button", name="Применить изменения").click()
    expect(page.get_by_text("добавлено собственников: 2")).to_be_visible()
    expect(section.locator(".no-changes")).to_be_visible()

    transfer = tmp_path / "переход прав.xml"
    transfer.write_bytes(sample("transfer_rights.xml"))
    _upload(page, transfer)
    row = page.locator("tr.egrn-ended", has_text="Сидоров Павел Андреевич")
    expect(row).to_contain_text("10.05.2019")
    shot(page, "egrn transfer preview")
    with page.expect_navigation():
        page.get_by_role("button", name="Применить изменения").click()
    with db_read() as db:
        links = db.session.execute(select(Party.full_name, AccountParty.share_num, AccountParty.until)
                                   .join(Party).where(AccountParty.account_id == account_id,
                                                      AccountParty.role == "owner")
                                   .order_by(Party.full_name)).all()
    assert [tuple(r) for r in links] == [("Петров Сергей Иванович", 1, None), ("Петрова Алина Сергеевна", 1, None),
                                         ("Сидоров Павел Андреевич", None, date(2019, 5, 10))]
