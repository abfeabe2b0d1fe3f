"""Build the deterministic demo enterprise: details, territories, buildings, accounts, debtors, 36 months of ledger.

Everything comes from one `random.Random(seed)`, and `today` only fixes where the history ends, so two builds on
the same month give the same figures. Bulk rows go in with SQLAlchemy Core (`insert(table)` executemany);
only the handful of users and the enterprise row are ORM objects (they are audited).

Ledger shape (documented for whoever reads the demo):
* charges for the 36 billing months before the current one (the current month is not billed yet), with seasonal
  heating (September–May), water by residents or meter, tariffs indexed every 1 July;
* recalculations now and then (mostly negative: temporary absence, service quality; some positive corrections);
* opening balances on the first month; chronic debtors' openings are broken down by the period the debt arose in
  (billing's «сальдо по периодам возникновения»), up to 2½ years before the history, so part of it is beyond
  limitation; chronic debtors then pay only now and then, ending 1–5 years in arrears;
* payments up to today: most pay on time, some late, some partially, some stopped paying, a chronic tail,
  a few with enforcement receipts (source ``enforcement``) or employer deductions (``employer``).
"""
from __future__ import annotations

import importlib
import inspect
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func, insert, select, text

from ..extensions import db
from ..timeutil import utcnow
from . import data
from .identifiers import correspondent_account, ogrn, org_inn, person_inn, settlement_account, snils

SEED = 2026
HISTORY_MONTHS = 36

# later areas add their demo parts here: functions `extend_demo(rng, today)`, skipped while the module is missing
DEMO_EXTENSIONS = [
    "casework.cases.demo",
    "casework.contacts.demo",
    "casework.documents.demo",
    "casework.reports.demo",
]

# role: (login, full name, position, password) — the passwords follow the password rules (≥ 10, letters and digits)
DEMO_USERS = {
    "collector": ("collector", "Саввинова Надежда Петровна", "Инспектор абонентского отдела", "Vzyskanie-2026"),
    "lawyer": ("lawyer", "Григорьев Максим Олегович", "Юрисконсульт", "Pravo-Sud-2026"),
    "manager": ("manager", "Захарова Ирина Викторовна", "Начальник абонентского отдела", "Otchet-Mesyac-2026"),
    "admin": ("admin", "Кузнецов Дмитрий Сергеевич", "Инженер-программист", "Nastroyka-2026"),
}

BIK = "049805609"  # Якутское отделение № 8603 ПАО Сбербанк
DEMO_TIMEZONE = "Asia/Yakutsk"  # Lensk, UTC+9

# tariff indexation on 1 July of each year (per cent); years not listed use DEFAULT_INDEXATION
INDEXATION = {2022: Decimal("9.0"), 2023: Decimal("9.0"), 2024: Decimal("9.8"), 2025: Decimal("11.9"),
              2026: Decimal("11.7"), 2027: Decimal("9.9")}
DEFAULT_INDEXATION = Decimal("9.5")

# heating consumption by calendar month, per mille of the monthly norm (no heating June–August)
HEATING_SEASON = {1: 1400, 2: 1250, 3: 1100, 4: 800, 5: 450, 6: 0, 7: 0, 8: 0, 9: 500, 10: 900, 11: 1150, 12: 1350}

# base tariffs in kopecks per unit, before the first indexation of the history; units in comments
BASE_TARIFF_KOP = {
    "heating": 9240,       # per m² of area at the norm (population tariff)
    "hot_water": 24560,    # per m³
    "cold_water": 7230,    # per m³ (piped)
    "sewage": 5810,        # per m³
    "electricity": 594,    # per kWh (isolated diesel grids of the villages)
    "solid_waste": 16850,  # per resident
}
ORG_TARIFF_FACTOR = Decimal("1.9")  # organizations pay the economically justified tariff
VILLAGE_WATER_FACTOR = Decimal("2.3")  # water delivered by truck in villages

PAYMENT_SOURCES = [("bank", 34), ("online", 33), ("cash_desk", 30), ("other", 3)]


@dataclass
class DemoSummary:
    accounts: int = 0
    persons: int = 0
    organizations: int = 0
    ledger_rows: int = 0
    charged_kop: int = 0
    paid_kop: int = 0
    balance_kop: int = 0
    first_period: date | None = None
    last_period: date | None = None
    users: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, login, password, full name
    extensions: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _months(first: date, count: int) -> list[date]:
    out, y, m = [], first.year, first.month
    for _ in range(count):
        out.append(date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def _add_months(d: date, n: int) -> date:
    idx = d.year * 12 + d.month - 1 + n
    return date(idx // 12, idx % 12 + 1, 1)


def _kop(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def weighted_choice(rng: random.Random, pairs):
    """One value of [(value, weight), …] drawn with rng (the demo's single deterministic weighted draw)."""
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for item, w in pairs:
        x -= w
        if x <= 0:
            return item
    return pairs[-1][0]


def tariff_factor(period: date, first: date) -> Decimal:
    """Cumulative indexation from the first month to `period`: tariffs rise on 1 July (ФЗ 210 / ПП РФ 1149)."""
    factor = Decimal(1)
    for year in range(first.year, period.year + 1):
        july = date(year, 7, 1)
        if first < july <= period:
            factor *= 1 + INDEXATION.get(year, DEFAULT_INDEXATION) / 100
    return factor


def feminine_surname(surname: str) -> str:
    """Russian surnames agree in gender: -ов/-ев/-ин/-ын → +а, -ский/-цкий → -ская/-цкая; others do not change."""
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def search_text(*parts: str | None) -> str:
    """Lower-cased number, name, address and the phone's digits, as the accounts list searches them."""
    words = []
    for p in parts:
        if p:
            words.append(p.lower())
            digits = "".join(c for c in p if c.isdigit())
            if digits and digits != p:
                words.append(digits)
    return " ".join(words)


# ---------------------------------------------------------------------------------------------------------------
# state checks


def demo_exists() -> bool:
    """True when the database already holds accounts (a demo or real data): the demo is not built over them."""
    from ..accounts.models import Account

    return bool(db.session.scalar(select(func.count()).select_from(Account)))


def wipe_data() -> None:
    """Delete every row of every table and seed the reference data again (for --reset; commits the deletion)."""
    from ..maintenance.setup import seed_reference

    meta = db.metadata
    db.session.commit()
    db.session.expunge_all()
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in meta.sorted_tables)
            with conn.begin():
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # foreign-key checks off (outside the transaction, where SQLite honours it): the unindexed
            # self-reference ledger_entries.reverses_id would make every deleted row scan the whole ledger
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            try:
                for table in reversed(meta.sorted_tables):
                    conn.execute(delete(table))
                conn.commit()
            finally:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    seed_reference()


# ---------------------------------------------------------------------------------------------------------------
# the build


class _Builder:
    def __init__(self, rng: random.Random, today: date, n_accounts: int):
        self.rng = rng
        self.today = today
        self.n_accounts = n_accounts
        self.current = date(today.year, today.month, 1)
        self.periods = _months(_add_months(self.current, -HISTORY_MONTHS), HISTORY_MONTHS)
        self.first = self.periods[0]
        self.factors = {p: tariff_factor(p, self.first) for p in self.periods}
        self.summary = DemoSummary(first_period=self.first, last_period=self.periods[-1])
        self.entry_seq = 0
        self.municipalities: dict[str, int] = {}  # tax office → index of the municipality's party row
        self.now = utcnow()
        self.occurrences: dict[tuple, int] = {}
        try:
            self.keys = importlib.import_module("casework.imports.keys")
        except ModuleNotFoundError:
            self.keys = None

    # -- people ---------------------------------------------------------------------------------------------------
    def person(self, *, gender: str | None = None, surname: str | None = None, adult: bool = True,
               born_after: date | None = None) -> dict:
        rng = self.rng
        gender = gender or rng.choice("mf")
        surname = surname or rng.choice(data.SURNAMES)
        father = rng.choice(data.MALE_NAMES)
        if adult:
            birth = date(rng.randint(1942, 2003), rng.randint(1, 12), rng.randint(1, 28))
            first = rng.choice(data.MALE_NAMES)[0] if gender == "m" else rng.choice(data.FEMALE_NAMES)
        else:
            start = born_after or _add_months(self.current, -12 * 17)
            span = max(1, (self.today - start).days - 400)
            birth = start + timedelta(days=rng.randrange(span))
            first = rng.choice(data.CHILD_MALE if gender == "m" else data.CHILD_FEMALE)
        last = surname if gender == "m" else feminine_surname(surname)
        middle = father[1] if gender == "m" else father[2]
        p = {
            "kind": "person", "gender": gender, "last_name": last, "first_name": first, "middle_name": middle,
            "full_name": f"{last} {first} {middle}", "birth_date": birth,
            "birth_place": rng.choice(data.BIRTH_PLACES),
        }
        age_years = (self.today - birth).days // 365
        if age_years >= 14:
            # passport issued at 14, replaced at 20 and 45 (Положение о паспорте, ПП РФ 828)
            issued_age = 45 if age_years >= 45 else (20 if age_years >= 20 else 14)
            issued = date(birth.year + issued_age, birth.month, min(birth.day, 28)) + timedelta(days=rng.randint(3, 60))
            region = self._region_code
            p.update(passport_series=f"{region} {issued.year % 100:02d}",
                     passport_number=f"{rng.randrange(10**6):06d}",
                     passport_issued_by=self._passport_office, passport_issued_on=issued)
        p["snils"] = snils(rng)
        if adult and rng.random() < 0.85:
            p["phone"] = self.mobile()
        return p

    def mobile(self) -> str:
        code = self.rng.choice(["914", "924", "984", "964"] if self._region_code == "98" else ["913", "923", "983"])
        n = self.rng.randrange(10**7)
        return f"+7 {code} {n // 10000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"

    # -- the enterprise ------------------------------------------------------------------------------------------
    def enterprise(self) -> None:
        from ..enterprise.models import get_enterprise

        rng = self.rng
        ent = get_enterprise()
        ent.name = "Муниципальное унитарное предприятие «Теплоэнергосервис» муниципального образования «Ленский район»"
        ent.short_name = "МУП «Теплоэнергосервис»"
        ent.kind = "resource_supplier"
        ent.inn = org_inn(rng, "1414")
        ent.kpp = "141401001"
        ent.ogrn = ogrn(rng, 2016, "14")
        ent.legal_address = "678144, Республика Саха (Якутия), Ленский р-н, г. Ленск, ул. Ленина, д. 65"
        ent.postal_address = ent.legal_address
        ent.phone = "8 (41137) 4-21-38"
        ent.email = "abon@tes-lensk.ru"
        ent.bank_name = "Якутское отделение № 8603 ПАО Сбербанк, г. Якутск"
        ent.bik = BIK
        ent.settlement_account = settlement_account(rng, BIK, "40702")
        ent.correspondent_account = correspondent_account(BIK)
        ent.signatory_name = "Ковалёв Андрей Николаевич"
        ent.signatory_position = "Директор"
        ent.signatory_basis = "Устава"
        ent.timezone = DEMO_TIMEZONE

    # -- users ---------------------------------------------------------------------------------------------------
    def users(self) -> None:
        from ..auth.models import User
        from ..auth.services import create_user

        for role, (login, name, position, password) in DEMO_USERS.items():
            user = create_user(login, name, role, password, email=f"{login}@tes-lensk.ru")
            user.position = position
            self.summary.users.append((role, login, password, name))
        db.session.flush()
        assert db.session.scalar(select(func.count()).select_from(User)) >= len(DEMO_USERS)

    # -- housing and accounts ------------------------------------------------------------------------------------
    def housing(self) -> None:
        from ..accounts.models import Account, AccountParty, Building, Party, Premises, Service, Territory

        rng = self.rng
        self.service_ids = dict(db.session.execute(select(Service.code, Service.id)).all())
        total_weight = sum(t[3] for t in data.TERRITORIES)
        # accounts per territory, largest remainder so that they add up to n_accounts
        quotas = [self.n_accounts * t[3] / total_weight for t in data.TERRITORIES]
        counts = [int(q) for q in quotas]
        for i in sorted(range(len(quotas)), key=lambda i: quotas[i] - counts[i], reverse=True)[
                :self.n_accounts - sum(counts)]:
            counts[i] += 1

        terr_rows = [{"name": t[0], "kind": "settlement"} for t in data.TERRITORIES]
        terr_ids = db.session.execute(insert(Territory.__table__).returning(
            Territory.__table__.c.id, sort_by_parameter_order=True), terr_rows).scalars().all()

        buildings, premises, accounts = [], [], []  # rows; premises/accounts refer to buildings by list index
        for t_index, (terr, count) in enumerate(zip(data.TERRITORIES, counts)):
            name, postcode, region, _w, kind, _tax = terr
            streets = data.TOWN_STREETS.get(name, data.VILLAGE_STREETS if kind == "village" else
                                            data.VILLAGE_STREETS[:6] + ["ул. Ленина", "ул. Кооперативная"])
            made = 0
            used = set()
            while made < count:
                street = rng.choice(streets)
                house = rng.randint(1, 60 if kind == "town" else 45)
                if (street, house) in used:
                    continue
                used.add((street, house))
                block = kind == "town" and rng.random() < 0.8 or kind == "village" and rng.random() < 0.12
                if not block:
                    flats = 1  # a private house: one account, no apartment number
                elif kind == "town":
                    flats = min(count - made, rng.choice([8, 12, 16, 18, 24, 27, 36, 45, 60]))
                else:
                    flats = min(count - made, rng.choice([4, 8, 12]))
                house_no = f"д. {house}" + (rng.choice(["", "", "", "А", "Б"]) if kind == "town" else "")
                b_index = len(buildings)
                buildings.append({"territory_id": terr_ids[t_index], "address": f"{street}, {house_no}",
                                  "is_apartment_building": block})
                for flat in range(1, flats + 1):
                    number = str(flat) if block else ""
                    area = Decimal(rng.randint(2800, 9200) if block else rng.randint(3800, 11000)) / 100
                    premises.append({"b": b_index, "number": number, "area_m2": area})
                    full = (f"{postcode}, {region}, {name}, {street}, {house_no}" + (f", кв. {flat}" if block else ""))
                    accounts.append({"t": t_index, "b": b_index, "p": len(premises) - 1, "block": block,
                                     "address": full, "apartment": number or None, "area": area,
                                     "settlement": name, "kind": kind})
                made += flats

        b_ids = db.session.execute(insert(Building.__table__).returning(
            Building.__table__.c.id, sort_by_parameter_order=True), buildings).scalars().all()

        # who lives where: category, tenure, parties; organizations take some premises of the towns
        rng.shuffle(accounts)
        n_orgs = round(len(accounts) * 0.07)
        other_idx = set(rng.sample(range(len(accounts)), n_orgs))
        party_rows, links = [], []  # links: (account index, party index, role, share_num, share_den, since)
        for i, acc in enumerate(accounts):
            terr = data.TERRITORIES[acc["t"]]
            self._region_code = "98" if terr[5] == "1414" else "04"
            self._passport_office = ("ТП УФМС России по Республике Саха (Якутия) в Ленском районе"
                                     if terr[5] == "1414" else
                                     "ТП УФМС России по Красноярскому краю в Северо-Енисейском районе")
            acc["number"] = f"{acc['t'] + 1:02d}{i + 1:06d}"
            acc["opened_on"] = self._opened_on()
            acc["closed_on"] = None
            acc["municipal"] = False
            if i in other_idx:
                self._organization(acc, party_rows, links, i)
            else:
                self._household(acc, party_rows, links, i)
            if rng.random() < 0.025 and acc["opened_on"] < self.periods[20]:
                acc["closed_on"] = self.periods[rng.randint(20, HISTORY_MONTHS - 2)] + timedelta(days=rng.randint(0, 27))
            acc["premises_municipal"] = acc["municipal"]

        p_ids = db.session.execute(insert(Premises.__table__).returning(
            Premises.__table__.c.id, sort_by_parameter_order=True),
            [{"building_id": b_ids[p["b"]], "number": p["number"], "area_m2": p["area_m2"],
              "is_municipal": False} for p in premises]).scalars().all()
        municipal_premises = [p_ids[a["p"]] for a in accounts if a["municipal"]]
        if municipal_premises:
            db.session.execute(Premises.__table__.update().where(Premises.__table__.c.id.in_(municipal_premises))
                               .values(is_municipal=True))

        acc_rows = []
        for a in accounts:
            acc_rows.append({
                "number": a["number"], "category": a["category"], "tenure": a["tenure"],
                "is_municipal": a["municipal"], "debtor_name": a["debtor_name"], "address": a["address"],
                "settlement": a["settlement"], "apartment": a["apartment"], "inn": a.get("inn"),
                "phone": a.get("phone"), "email": a.get("email"), "area_m2": a["area"],
                "opened_on": a["opened_on"], "closed_on": a["closed_on"], "territory_id": terr_ids[a["t"]],
                "building_id": b_ids[a["b"]], "premises_id": p_ids[a["p"]],
                "search_text": search_text(a["number"], a["debtor_name"], a["address"], a.get("phone")),
            })
        a_ids = db.session.execute(insert(Account.__table__).returning(
            Account.__table__.c.id, sort_by_parameter_order=True), acc_rows).scalars().all()
        columns = sorted({k for p in party_rows for k in p})
        party_rows = [{c: p.get(c) for c in columns} for p in party_rows]
        party_ids = db.session.execute(insert(Party.__table__).returning(
            Party.__table__.c.id, sort_by_parameter_order=True), party_rows).scalars().all()
        db.session.execute(insert(AccountParty.__table__), [
            {"account_id": a_ids[ai], "party_id": party_ids[pi], "role": role, "share_num": sn, "share_den": sd,
             "since": since} for ai, pi, role, sn, sd, since in links])
        for a, aid in zip(accounts, a_ids):
            a["id"] = aid
        self.accounts = accounts
        s = self.summary
        s.accounts = len(accounts)
        s.organizations = sum(1 for p in party_rows if p["kind"] == "organization")
        s.persons = len(party_rows) - s.organizations

    def _opened_on(self) -> date:
        rng = self.rng
        if rng.random() < 0.05:  # moved in during the history
            return self.periods[rng.randint(1, HISTORY_MONTHS - 3)] + timedelta(days=rng.randint(0, 27))
        return date(rng.randint(1998, self.first.year - 1), rng.randint(1, 12), rng.randint(1, 28))

    def _household(self, acc: dict, party_rows: list, links: list, i: int) -> None:
        rng = self.rng
        acc["category"] = "population"
        roll = rng.random()
        surname = rng.choice(data.SURNAMES)
        head = self.person(surname=surname)
        head["registration_address"] = acc["address"]
        family = []
        if rng.random() < 0.55 and acc["area"] > 33:
            spouse = self.person(gender="f" if head["gender"] == "m" else "m", surname=surname)
            spouse["registration_address"] = acc["address"]
            family.append(spouse)
        children = []
        if rng.random() < 0.22:
            for _ in range(rng.choice([1, 1, 2, 3])):
                child = self.person(surname=surname, adult=False)
                child["registration_address"] = acc["address"]
                children.append(child)
        acc["residents"] = 1 + len(family) + len(children)
        since = acc["opened_on"]

        def add(p: dict, role: str, share=(None, None)):
            party_rows.append(p)
            links.append((i, len(party_rows) - 1, role, share[0], share[1], since))

        if roll < 0.72:  # owners
            acc["tenure"] = "owner"
            owners = [head] + family
            if children and rng.random() < 0.4:  # a child co-owner (maternal capital purchase)
                owners.append(children[0])
            child_owner = False
            if len(owners) == 1 or rng.random() < 0.45:
                add(head, "owner", (1, 1))
                for p in owners[1:]:
                    add(p, "registered")
            else:
                owners = owners[:3]
                for p in owners:
                    add(p, "owner", (1, len(owners)))
                child_owner = bool(children) and any(children[0] is q for q in owners)
            for p in family + children:
                if not any(p is q for q in owners):
                    add(p, "registered")
            if child_owner:  # the parent represents the child co-owner (ГК ст.28, Пленум ВС РФ № 22 п.28)
                j = next(k for k in range(len(party_rows) - 1, -1, -1) if party_rows[k] is head)
                links.append((i, j, "representative", None, None, since))
            acc["debtor_name"] = head["full_name"]
        elif roll < 0.95:  # social tenancy in municipal housing (ЖК 153 ч.2 п.1)
            acc["tenure"] = "social_tenancy"
            acc["municipal"] = True
            add(head, "tenant")
            for p in family + children:
                add(p, "registered")
            acc["debtor_name"] = head["full_name"]
        else:  # vacant municipal flat: the municipality pays (ЖК 153 ч.3)
            acc["tenure"] = "other"
            acc["municipal"] = True
            acc["residents"] = 0
            tax = data.TERRITORIES[acc["t"]][5]
            if tax not in self.municipalities:
                name, address = data.MUNICIPALITIES[tax]
                party_rows.append({"kind": "organization", "full_name": name, "inn": org_inn(rng, tax),
                                   "ogrn": ogrn(rng, 2006, tax[:2]), "registration_address": address})
                self.municipalities[tax] = len(party_rows) - 1
            m = self.municipalities[tax]
            links.append((i, m, "owner", 1, 1, since))
            acc["debtor_name"] = party_rows[m]["full_name"]
            acc["inn"] = party_rows[m]["inn"]
            return
        acc["phone"] = head.get("phone")

    def _organization(self, acc: dict, party_rows: list, links: list, i: int) -> None:
        rng = self.rng
        terr = data.TERRITORIES[acc["t"]]
        acc["category"] = "other"
        acc["tenure"] = "other"
        acc["residents"] = 0
        acc["area"] = Decimal(int(rng.lognormvariate(5.0, 0.7) * 100)) / 100  # shops and offices ~150 m², a few large
        template = rng.choice(data.ORGANIZATIONS)
        place = acc["settlement"].split(" ", 1)[1]
        if "{person}" in template:
            person = self.person()
            name = template.format(person=person["full_name"])
            org = dict(person, inn=person_inn(rng, terr[5]),
                       ogrn=ogrn(rng, rng.randint(2005, 2022), terr[5][:2], sole_trader=True))
        else:
            name = template.format(place=place, n=rng.randint(1, 9))
            org = {"kind": "organization", "full_name": name, "inn": org_inn(rng, terr[5]),
                   "ogrn": ogrn(rng, rng.randint(2002, 2022), terr[5][:2])}
        org["registration_address"] = acc["address"]
        org["phone"] = f"8 ({'41137' if terr[5] == '1414' else '39160'}) {rng.randint(2, 6)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        org["email"] = f"info{i}@" + rng.choice(["mail.ru", "yandex.ru", "list.ru"])
        acc.update(debtor_name=name, inn=org["inn"], phone=org["phone"], email=org["email"],
                   budget=name.startswith(("М", "Г", "АО «Почта")))
        party_rows.append(org)
        links.append((i, len(party_rows) - 1, "owner" if rng.random() < 0.6 else "tenant", None, None,
                      acc["opened_on"]))

    # -- the ledger ----------------------------------------------------------------------------------------------
    def services_of(self, acc: dict) -> list[str]:
        rng = self.rng
        terr = data.TERRITORIES[acc["t"]]
        village = acc["kind"] == "village"
        if acc["category"] == "other":
            services = ["heating", "cold_water", "sewage"] + (["hot_water"] if not village else [])
        elif acc["block"] and not village:
            services = ["heating", "hot_water", "cold_water", "sewage"]
        elif acc["block"]:
            services = ["heating", "cold_water", "sewage"]
        else:
            services = ["heating"] + (["cold_water"] if rng.random() < 0.7 else [])
        if village and terr[0] in ("с. Турукта", "с. Орто-Нахара", "с. Натора", "с. Беченча", "с. Мурья",
                                   "с. Салдыкель", "с. Толон"):
            services.append("electricity")  # isolated diesel grids supplied by the enterprise
        if terr[5] == "2434" and acc["category"] == "population" and acc["residents"]:
            services.append("solid_waste")  # the regional operator's agent in the Krasnoyarsk settlements
        return services

    def monthly_charges(self, acc: dict) -> dict[date, dict[str, int]]:
        """Charges per period and service in kopecks (0 outside the account's open months)."""
        rng = self.rng
        services = self.services_of(acc)
        org = acc["category"] == "other"
        village = acc["kind"] == "village"
        residents = max(acc["residents"], 1) if not org else 0
        metered = rng.random() < 0.55
        volume = {  # monthly volumes (m³, kWh) before the month's variation
            "hot_water": Decimal(residents) * Decimal("2.9") if not org else Decimal(rng.randint(10, 120)),
            "cold_water": Decimal(residents) * Decimal("3.6") if not org else Decimal(rng.randint(15, 200)),
            "electricity": Decimal(rng.randint(140, 320)) if not org else Decimal(rng.randint(600, 4000)),
        }
        if acc["residents"] == 0 and not org:  # vacant flat: heating only is due in full (ПП 354 п.86)
            volume = {k: Decimal(0) for k in volume}
        out: dict[date, dict[str, int]] = {}
        opened = acc["opened_on"]
        closed = acc["closed_on"]
        for p in self.periods:
            if _add_months(p, 1) <= opened or (closed and p > closed):
                continue
            f = self.factors[p]
            row = {}
            for s in services:
                tariff = Decimal(BASE_TARIFF_KOP[s]) * f * (ORG_TARIFF_FACTOR if org else 1)
                vary = Decimal(rng.randint(85, 115)) / 100 if metered or org else Decimal(1)
                if s == "heating":
                    qty = acc["area"] * Decimal(HEATING_SEASON[p.month]) / 1000
                elif s == "sewage":
                    qty = (volume["cold_water"] + (volume["hot_water"] if "hot_water" in services else 0)) * vary
                elif s == "solid_waste":
                    qty = Decimal(residents)
                elif s == "electricity":
                    qty = volume["electricity"] * vary * (Decimal("1.3") if p.month in (11, 12, 1, 2) else 1)
                else:
                    qty = volume[s] * vary
                    if s == "cold_water" and village:
                        tariff *= VILLAGE_WATER_FACTOR
                amount = _kop(tariff * qty)
                if amount > 0:
                    row[s] = amount
            if row:
                out[p] = row
        return out

    def ledger(self) -> None:
        from ..accounts.models import LedgerEntry

        table = LedgerEntry.__table__
        rows: list[dict] = []
        total_rows = 0
        for acc in self.accounts:
            rows.extend(self.account_ledger(acc))
            if len(rows) >= 50_000:
                _bulk_insert(table, rows)
                total_rows += len(rows)
                rows = []
        if rows:
            _bulk_insert(table, rows)
            total_rows += len(rows)
        self.summary.ledger_rows = total_rows

    def _entry(self, acc: dict, service: str, period: date, kind: str, amount: int, **extra) -> dict:
        row = {"account_id": acc["id"], "service_id": self.service_ids[service], "period": period, "kind": kind,
               "amount_kop": amount, "paid_on": None, "source": None, "paid_period": None, "reference": None,
               "created_at": self.now}
        row.update(extra)
        row["entry_key"] = self._key(row)
        return row

    def _key(self, row: dict) -> str:
        """The import area's dedup key, so that a billing export of the same lines would not double-count."""
        self.entry_seq += 1
        if self.keys is None:
            return f"demo:{self.entry_seq:010d}"
        aid, sid, kind = row["account_id"], row["service_id"], row["kind"]
        if kind in ("opening", "charge"):
            return self.keys.charge_key(aid, sid, row["period"].isoformat(), kind)
        if kind == "recalculation":
            return self.keys.recalculation_key(aid, sid, row["period"].isoformat(), row["amount_kop"], "#1")
        ident = (aid, sid, row["paid_on"], row["amount_kop"], row["source"], row["reference"] or "")
        occurrence = self.occurrences.get(ident, 0) + 1
        self.occurrences[ident] = occurrence
        return self.keys.payment_key(aid, sid, row["paid_on"].isoformat(), row["amount_kop"], row["source"],
                                     row["reference"] or "", occurrence)

    def _profile(self, acc: dict) -> str:
        rng = self.rng
        if acc["category"] == "other":
            if acc.get("budget"):
                return weighted_choice(rng, [("punctual", 40), ("late", 45), ("partial", 10), ("chronic", 5)])
            return weighted_choice(rng, [("punctual", 45), ("late", 25), ("partial", 10), ("stopped", 8),
                                          ("chronic", 12)])
        if acc["tenure"] == "other":  # municipality pays late, by budget
            return "late"
        return weighted_choice(rng, [("punctual", 55), ("late", 14), ("partial", 12), ("stopped", 8),
                                      ("chronic", 11 if acc["tenure"] == "social_tenancy" else 7)])

    def account_ledger(self, acc: dict) -> list[dict]:
        rng = self.rng
        self.occurrences.clear()
        charges = self.monthly_charges(acc)
        rows: list[dict] = []
        if not charges:
            return rows
        profile = self._profile(acc)
        acc["profile"] = profile
        periods = sorted(charges)
        first = periods[0]
        bill: dict[date, int] = {}
        composition: dict[date, dict[str, int]] = {}
        summary = self.summary

        # opening balances: on the first month, or broken down by the period of origin for the chronic tail
        avg = {s: sum(c.get(s, 0) for c in charges.values()) // len(charges) for s in charges[first]}
        debt = 0
        if first == self.first:
            if profile == "chronic":
                months_back = rng.randint(3, 30)
                start = _add_months(self.first, -months_back)
                chunk = start
                while chunk < self.first:
                    end = min(_add_months(chunk, 12), self.first)
                    n = (end.year - chunk.year) * 12 + end.month - chunk.month
                    for s, a in avg.items():
                        amount = _kop(Decimal(a * n) / self.factors[self.periods[-1]] * Decimal("0.85"))
                        if amount > 0:
                            rows.append(self._entry(acc, s, chunk, "opening", amount))
                            debt += amount
                    chunk = end
            else:
                months_owed = {"punctual": rng.choice([0, 0, 0, 1]), "late": rng.randint(1, 2),
                               "partial": rng.randint(1, 8), "stopped": rng.choice([0, 1])}[profile]
                if months_owed:
                    for s, a in avg.items():
                        amount = _kop(Decimal(a * months_owed) / self.factors[self.periods[-1]])
                        if amount > 0:
                            rows.append(self._entry(acc, s, self.first, "opening", amount))
                            debt += amount
        acc["opening_kop"] = debt

        for p in periods:
            comp = dict(charges[p])
            for s, a in comp.items():
                rows.append(self._entry(acc, s, p, "charge", a))
            summary.charged_kop += sum(comp.values())
            if rng.random() < 0.015:  # recalculation: absence or quality (−), meter correction (+)
                s = rng.choice(list(comp))
                if rng.random() < 0.7:
                    amount = -_kop(Decimal(comp[s]) * Decimal(rng.randint(10, 100)) / 100)
                else:
                    amount = _kop(Decimal(comp[s]) * Decimal(rng.randint(5, 30)) / 100)
                if amount:
                    rows.append(self._entry(acc, s, p, "recalculation", amount))
                    comp[s] += amount
                    summary.charged_kop += amount
            bill[p] = sum(comp.values())
            composition[p] = {s: max(a, 0) for s, a in charges[p].items()}

        rows.extend(self.payments(acc, profile, periods, bill, composition, debt))
        return rows

    def payments(self, acc, profile, periods, bill, composition, opening) -> list[dict]:
        """Payments month by month after each bill, by the account's behaviour, up to today."""
        rng = self.rng
        rows: list[dict] = []
        outstanding = opening
        stop_at = _add_months(self.current, -rng.randint(3, 30)) if profile == "stopped" else None
        enforcement_from = enforcement_ref = None
        employer_from = employer_amount = None
        if profile in ("chronic", "stopped") and rng.random() < 0.3:
            enforcement_from = _add_months(self.current, -rng.randint(2, 20))
            enforcement_ref = f"{rng.randint(1000, 99999)}/{enforcement_from.year % 100}/14017-ИП"
            if profile == "stopped" and stop_at and enforcement_from < stop_at:
                enforcement_from = _add_months(stop_at, rng.randint(3, 8))
        elif profile == "chronic" and rng.random() < 0.12:
            employer_from = _add_months(self.current, -rng.randint(3, 14))
            employer_amount = rng.randint(40, 120) * 10000
        round_up = profile == "punctual" and rng.random() < 0.1
        pay_ratio = rng.uniform(0.0, 0.7) if profile == "chronic" else 0.0
        source_pref = weighted_choice(rng, PAYMENT_SOURCES)
        if acc["category"] == "other" or acc["tenure"] == "other":
            source_pref = "bank"
        last_comp = composition[periods[0]]
        months = periods[1:] + [self.current]
        for prev, month in zip(periods, months):
            outstanding += bill[prev]
            last_comp = composition[prev] or last_comp
            if (month.year, month.month) > (self.today.year, self.today.month):
                break
            pays: list[tuple[int, int, str, date | None, str | None]] = []  # day, amount, source, named period, ref
            if profile == "punctual":
                amount = outstanding
                if round_up and amount > 0:
                    amount = -(-amount // 10000) * 10000
                day = rng.randint(1, 10) if rng.random() < 0.93 else rng.randint(11, 27)
                pays.append((day, amount, source_pref, prev, None))
            elif profile == "late":
                if rng.random() < 0.55:
                    pays.append((rng.randint(5, 28), outstanding, source_pref, None, None))
            elif profile == "partial":
                if rng.random() < 0.08:
                    pays.append((rng.randint(1, 28), outstanding, source_pref, None, None))
                elif rng.random() < 0.85:
                    share = Decimal(rng.randint(40, 90)) / 100
                    amount = max(10000, _kop(Decimal(bill[prev]) * share / 10000) * 10000)
                    pays.append((rng.randint(1, 25), amount, source_pref, prev, None))
            elif profile == "stopped":
                if month < stop_at:
                    pays.append((rng.randint(1, 15), outstanding, source_pref, prev, None))
            elif profile == "chronic":  # pays a part now and then: the debt grows by (1 − pay_ratio) a month
                if rng.random() < pay_ratio:
                    amount = max(50000, _kop(Decimal(bill[prev]) * Decimal(rng.randint(60, 100)) / 10000) * 100)
                    pays.append((rng.randint(1, 28), amount, "cash_desk", None, None))
            if enforcement_from and month >= enforcement_from and rng.random() < 0.7:
                pays.append((rng.randint(3, 25), rng.randint(150, 900) * 1000, "enforcement", None, enforcement_ref))
            if employer_from and month >= employer_from:
                pays.append((rng.randint(5, 15), employer_amount, "employer", None,
                             f"удержание по с/п № 2-{rng.randint(100, 2999)}/{employer_from.year}"))
            for day, amount, source, named, ref in pays:
                paid_on = month.replace(day=min(day, 28))
                if paid_on > self.today or amount <= 0:
                    continue
                if acc["closed_on"] and paid_on > acc["closed_on"] + timedelta(days=120) and source not in (
                        "enforcement", "employer"):
                    continue
                comp = composition.get(named) if named else last_comp
                rows.extend(self._split_payment(acc, month, paid_on, amount, source, named, ref, comp or last_comp))
                outstanding -= amount
                self.summary.paid_kop += amount
        return rows

    def _split_payment(self, acc, month, paid_on, amount, source, named, ref, comp) -> list[dict]:
        """One payment split over the services in proportion to the bill it pays (largest remainder)."""
        total = sum(comp.values())
        services = [s for s in comp if comp[s] > 0] or list(comp)
        if total <= 0:
            parts = {services[0]: amount}
        else:
            parts = {s: amount * comp[s] // total for s in services}
            rest = amount - sum(parts.values())
            parts[services[0]] += rest
        return [self._entry(acc, s, month, "payment", a, paid_on=paid_on, source=source, paid_period=named,
                            reference=ref) for s, a in parts.items() if a > 0]


def _bulk_insert(table, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL, Core executemany on SQLite."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw = conn.connection.driver_connection  # psycopg 3, same transaction as the session
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _refresh_figures() -> None:
    """Recompute per-account monthly figures and balances with the accounts area's function, when it exists."""
    try:
        services = importlib.import_module("casework.accounts.services")
    except ModuleNotFoundError as exc:
        if exc.name in ("casework.accounts.services",):
            return
        raise
    refresh = getattr(services, "refresh_account_figures", None)
    if refresh is None:
        return
    params = inspect.signature(refresh).parameters
    required = [p for p in params.values() if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    refresh(*([None] * len(required)))


def run_extensions(rng: random.Random, today: date) -> list[str]:
    """Call every `extend_demo(rng, today)` of DEMO_EXTENSIONS whose module exists; return the names run."""
    ran = []
    for name in DEMO_EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise
        extend = getattr(module, "extend_demo", None)
        if extend is not None:
            extend(rng, today)
            db.session.flush()
            ran.append(name)
    return ran


def build_demo(*, accounts: int = 2000, today: date | None = None, seed: int = SEED) -> DemoSummary:
    """Build the demo enterprise on the current (schema-ready, data-empty) database; the caller commits."""
    from ..enterprise.models import get_enterprise
    from ..timeutil import forget_zone
    from ..timeutil import today as business_today

    started = time.perf_counter()
    get_enterprise().timezone = DEMO_TIMEZONE  # Lensk: «today» of the demo is the enterprise's local day
    forget_zone()
    today = today or business_today()
    rng = random.Random(seed)
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        # the unique index on entry_key takes random sha1 keys: keep the B-tree pages in memory while building
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
    b = _Builder(rng, today, accounts)
    phases = b.summary.phases

    def timed(name, fn, *args):
        t0 = time.perf_counter()
        result = fn(*args)
        db.session.flush()
        phases[name] = time.perf_counter() - t0
        return result

    timed("enterprise and housing", lambda: (b.enterprise(), b.housing()))
    timed("ledger", b.ledger)
    timed("users", b.users)
    timed("account figures", _refresh_figures)
    b.summary.balance_kop = b.summary.charged_kop + sum(a.get("opening_kop", 0) for a in b.accounts) \
        - b.summary.paid_kop
    b.summary.extensions = timed("other areas' demo parts", run_extensions, random.Random(seed + 1), today)
    b.summary.seconds = time.perf_counter() - started
    return b.summary
