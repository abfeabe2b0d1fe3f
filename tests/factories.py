"""Test data, in one place (in the style of GOV.UK Notify's tests/app/db.py and indico's fixtures): small makers of one
record each — `service`, `make_building`, `account`, `person`, `ledger`, `balance`, `papers_enterprise` — and the named
accounts the suites share, built from them. Each writes to the real database of the `app` fixture and flushes; none
commits but `egrn_flat` (the ЕГРН tests read it from other sessions). Tests import accounts from here, never from
another test module."""
from __future__ import annotations

import itertools
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from casework.accounts.models import (
    Account,
    AccountBalance,
    AccountParty,
    Building,
    LedgerEntry,
    Party,
    Premises,
    Service,
)
from casework.accounts.services import refresh_account_figures
from casework.cases.models import Case
from casework.enterprise.models import get_enterprise
from casework.extensions import db

_seq = itertools.count(1)

#: the day the billed accounts' balances are as of (the case, queue and daily tests judge on it)
BILLED_DAY = date(2026, 6, 15)
#: the ЕГРН samples' cadastral number (tests/data/egrn)
EGRN_CAD = "14:14:050101:123"


# ------------------------------------------------------------------------------------------------ one record each

def service(code: str) -> Service:
    """The seeded service with this code."""
    return db.session.scalar(select(Service).where(Service.code == code))


def make_building(address: str, **kw) -> Building:
    b = Building(address=address, **kw)
    db.session.add(b)
    db.session.flush()
    return b


def account(*, number: str | None = None, debtor_name: str, address: str, category: str = "population",
            **kw) -> Account:
    acc = Account(number=number or f"F{next(_seq):06d}", category=category, debtor_name=debtor_name, address=address,
                  **kw)
    db.session.add(acc)
    db.session.flush()
    return acc


def person(acc: Account, full_name: str, *, role: str = "owner", share: tuple[int, int] | None = None,
           since: date | None = None, until: date | None = None, party: Party | None = None, **party_kw) -> Party:
    """A person linked to the account (a new Party unless `party` is given) in a role, with a share (num, den)."""
    if party is None:
        party = Party(full_name=full_name, **party_kw)
        db.session.add(party)
        db.session.flush()
    db.session.add(AccountParty(account_id=acc.id, party_id=party.id, role=role,
                                share_num=share[0] if share else None, share_den=share[1] if share else None,
                                since=since, until=until))
    db.session.flush()
    return party


def ledger(rows: list[dict]) -> None:
    """Ledger rows as given (Core executemany); a row without `entry_key` gets a unique one."""
    for r in rows:
        r.setdefault("entry_key", f"f-{next(_seq)}")
    db.session.execute(insert(LedgerEntry), rows)
    db.session.flush()


def months_back(last_period: date, months: int) -> list[date]:
    """The `months` billing months ending with `last_period`, newest first."""
    out = []
    for i in range(months):
        mm = last_period.month - i
        out.append(date(last_period.year + (mm - 1) // 12, (mm - 1) % 12 + 1, 1))
    return out


def balance(acc: Account, balance_kop: int, *, as_of: date, **kw) -> None:
    db.session.execute(insert(AccountBalance.__table__), [dict(account_id=acc.id, as_of=as_of, balance_kop=balance_kop,
                                                               **kw)])


def papers_enterprise(**kw) -> None:
    """The enterprise as court papers name it: МУП «Теплоэнерго», its INN, OGRN and signatory."""
    ent = get_enterprise()
    ent.name, ent.short_name, ent.inn, ent.ogrn = "МУП «Теплоэнерго»", "МУП «Теплоэнерго»", "2434000001", "1022400000001"
    ent.signatory_name, ent.signatory_position = "Петров Пётр Петрович", "Директор"
    for k, v in kw.items():
        setattr(ent, k, v)


# ------------------------------------------------------------------------------------------------ shared accounts

def billed_account(months=12, monthly_kop=300_000, paid_kop=0, tenure="owner", apartment_building=True,
                   last_period=date(2026, 5, 1), service_code="hot_water", balance_row=True):
    """An account billed `months` months of `monthly_kop` for one service up to `last_period`, all overdue on
    BILLED_DAY; returns (account, service)."""
    tag = uuid.uuid4().hex[:8]
    b = make_building(f"ул. Ленина, {tag}", is_apartment_building=apartment_building)
    acc = account(number=f"A{tag}", tenure=tenure, debtor_name=f"Иванов {tag}", address=f"г. Ленск, ул. Ленина, {tag}",
                  building_id=b.id, search_text=f"a{tag} иванов")
    svc = service(service_code)
    rows = [dict(account_id=acc.id, service_id=svc.id, period=p, kind="charge", amount_kop=monthly_kop,
                 entry_key=f"{tag}-c{i}") for i, p in enumerate(months_back(last_period, months))]
    if paid_kop:
        rows.append(dict(account_id=acc.id, service_id=svc.id, period=last_period, kind="payment",
                         amount_kop=paid_kop, paid_on=last_period, source="bank", entry_key=f"{tag}-p"))
    ledger(rows)
    if balance_row:
        bal = months * monthly_kop - paid_kop
        balance(acc, bal, as_of=BILLED_DAY, overdue_kop=bal, months_in_arrears=months,
                oldest_debt_days=(BILLED_DAY - date(2026 - months // 12, 6, 10)).days)
    db.session.flush()
    return acc, svc


def plain_account(balance_kop=None, **kw) -> Account:
    """An account with no ledger (numbered T000001…, debtor «Иванов N»), with a balance row when `balance_kop`."""
    n = next(_seq)
    acc = account(number=kw.pop("number", f"T{n:06d}"), debtor_name=kw.pop("name", f"Иванов {n}"),
                  address=f"ул. Ленина, {n}", **kw)
    if balance_kop is not None:
        balance(acc, balance_kop, as_of=date(2026, 11, 1))
    return acc


def notice_case(acc: Account, assignee=None) -> Case:
    """An open case of the account at the notice stage since 01.10.2026."""
    case = Case(account_id=acc.id, stage="notice", stage_since=date(2026, 10, 1), opened_on=date(2026, 10, 1),
                assignee_id=assignee.id if assignee else None)
    db.session.add(case)
    db.session.flush()
    return case


def payment(acc: Account, paid_on: date, amount_kop: int) -> None:
    """A bank payment of the account on `paid_on` (its month's period, the first service)."""
    sid = db.session.scalar(select(Service.id).limit(1))
    ledger([{"account_id": acc.id, "service_id": sid, "period": paid_on.replace(day=1), "kind": "payment",
             "amount_kop": amount_kop, "paid_on": paid_on, "source": "bank"}])


def calc_account(number: str | None = None) -> Account:
    """A citizen's account (Иванов Иван Иванович, Ленск) with no ledger: the legal engine's tests add entries."""
    return account(number=number or f"L{next(_seq):06d}", debtor_name="Иванов Иван Иванович",
                   address="г. Ленск, ул. Ленина, д. 1, кв. 1")


def add_entries(account_id: int, rows: list[dict]) -> list[int]:
    """Insert ledger rows (kind, period 'YYYY-MM', amount rubles str, service code, paid_on, paid_period...)."""
    ids = []
    for r in rows:
        per = r.get("period")
        values = {
            "account_id": account_id, "service_id": service(r.get("service", "heating")).id,
            "period": date.fromisoformat(per + "-01") if per else date.fromisoformat(r["paid_on"]).replace(day=1),
            "kind": r["kind"], "amount_kop": int(Decimal(r["amount"]) * 100),
            "paid_on": date.fromisoformat(r["paid_on"]) if r.get("paid_on") else None,
            "paid_period": date.fromisoformat(r["paid_period"] + "-01") if r.get("paid_period") else None,
            "reverses_id": r.get("reverses_id"), "entry_key": f"t{next(_seq)}",
        }
        ids.append(db.session.execute(insert(LedgerEntry).values(**values).returning(LedgerEntry.id)).scalar_one())
    db.session.flush()
    return ids


def owned_flat(number="100005", owners=2, monthly=(300000, 120000), months=10, paid=500000, apartment="5",
               building=None) -> Account:
    """A flat of Северо-Енисейский owned in equal shares by Иванова М.П. (and Иванов С.А.), charged `months` months
    for heating and hot water from January 2026, with one payment in March; the enterprise as papers name it."""
    papers_enterprise(legal_address="663282, гп Северо-Енисейский, ул. Ленина, д. 1")
    if building is None:
        building = make_building("гп Северо-Енисейский, ул. Ленина, д. 10")
    acc = account(number=number, debtor_name="Иванова Мария Петровна", address=f"{building.address}, кв. {apartment}",
                  apartment=apartment, building_id=building.id)
    people = [dict(full_name="Иванова Мария Петровна", gender="f", birth_date=date(1970, 3, 8),
                   birth_place="гп Северо-Енисейский", snils="123-456-789 01"),
              dict(full_name="Иванов Сергей Андреевич", gender="m", birth_date=date(1968, 1, 2),
                   birth_place="г. Красноярск", inn="246500000001")][:owners]
    for p in people:
        person(acc, p.pop("full_name"), share=(1, len(people)), **p)
    svc = {s.code: s.id for s in db.session.scalars(select(Service))}
    rows = [dict(account_id=acc.id, service_id=svc[code], period=date(2026, m, 1), kind="charge", amount_kop=amount,
                 entry_key=f"{number}-{code}-{m}")
            for m in range(1, months + 1) for code, amount in zip(("heating", "hot_water"), monthly)]
    if paid:
        rows.append(dict(account_id=acc.id, service_id=svc["heating"], period=date(2026, 3, 1), kind="payment",
                         amount_kop=paid, paid_on=date(2026, 3, 20), source="bank", entry_key=f"{number}-pay"))
    ledger(rows)
    refresh_account_figures([acc.id])  # as every writer of the ledger does: the bulk filter reads the balance
    return acc


def flat_with_persons(number: str, people: list[tuple], tenure: str = "owner", months: int = 10,
                      monthly: int = 300_001):
    """An account billed `monthly` kopecks a month for heating from January 2026 with the persons given as
    (full name, gender, birth date, role, share (num, den) or None, since, until); returns (account, {name: party id})."""
    papers_enterprise()
    b = make_building(f"гп Северо-Енисейский, ул. Ленина, д. {number}")
    acc = account(number=number, tenure=tenure, debtor_name=people[0][0], address=f"{b.address}, кв. 1",
                  apartment="1", building_id=b.id)
    parties: dict[str, Party] = {}
    for name, gender, born, role, share, since, until in people:
        parties[name] = person(acc, name, role=role, share=share, since=since, until=until, party=parties.get(name),
                               gender=gender, birth_date=born, birth_place="г. Красноярск",
                               registration_address=f"{b.address}, кв. 1")
    svc = service("heating").id
    ledger([dict(account_id=acc.id, service_id=svc, period=date(2026, m, 1), kind="charge", amount_kop=monthly,
                 entry_key=f"{number}-c{m}") for m in range(1, months + 1)])
    refresh_account_figures([acc.id])  # as every writer of the ledger does: the bulk filter reads the balance
    return acc, {n: p.id for n, p in parties.items()}


def egrn_flat(*, cadastral: str | None = EGRN_CAD, number: str = "100005") -> Account:
    """Кв. 5, ул. Мира, 1, Ленск: the app still thinks the seller Сидоров owns it, and Петров is registered there
    (committed)."""
    b = Building(address="г. Ленск, ул. Мира, д. 1")
    premises = Premises(building=b, number="5", cadastral_number=cadastral)
    acc = Account(number=number, category="population", debtor_name="Сидоров Павел Андреевич",
                  address="г. Ленск, ул. Мира, д. 1, кв. 5", apartment="5", premises=premises)
    db.session.add(acc)
    db.session.flush()
    person(acc, "Сидоров Павел Андреевич", since=date(2013, 6, 14), last_name="Сидоров", first_name="Павел",
           middle_name="Андреевич", birth_date=date(1955, 1, 20))
    person(acc, "Петров Сергей Иванович", role="registered", birth_date=date(1980, 3, 15))
    db.session.commit()
    return acc
