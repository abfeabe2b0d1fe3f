"""ЕГРН extract samples (tests/data/egrn, in the shape of Росреестр's XML) and an account they belong to."""
from datetime import date
from pathlib import Path

from casework.accounts.models import Account, AccountParty, Building, Party, Premises
from casework.extensions import db

DATA = Path(__file__).parent / "data" / "egrn"
CAD = "14:14:050101:123"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def make_account(*, cadastral: str | None = CAD, number: str = "100005") -> Account:
    """Кв. 5, ул. Мира, 1, Ленск: the app still thinks the seller Сидоров owns it, and Петров is registered there."""
    building = Building(address="г. Ленск, ул. Мира, д. 1")
    premises = Premises(building=building, number="5", cadastral_number=cadastral)
    account = Account(number=number, category="population", debtor_name="Сидоров Павел Андреевич",
                      address="г. Ленск, ул. Мира, д. 1, кв. 5", apartment="5", premises=premises)
    seller = Party(full_name="Сидоров Павел Андреевич", last_name="Сидоров", first_name="Павел",
                   middle_name="Андреевич", birth_date=date(1955, 1, 20))
    buyer = Party(full_name="Петров Сергей Иванович", birth_date=date(1980, 3, 15))
    db.session.add_all([account, seller, buyer])
    db.session.flush()
    db.session.add_all([AccountParty(account_id=account.id, party_id=seller.id, role="owner", since=date(2013, 6, 14)),
                        AccountParty(account_id=account.id, party_id=buyer.id, role="registered")])
    db.session.commit()
    return account
