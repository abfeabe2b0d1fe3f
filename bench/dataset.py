"""A large, deterministic enterprise for benchmarks: N accounts × M months, loaded with the bare driver.

    from bench.dataset import build_dataset
    stats = build_dataset("sqlite:////tmp/bench.sqlite3", 100_000, 36)          # or a fresh PostgreSQL database
    stats = build_dataset("postgresql://postgres@127.0.0.1:5432/casework_bench", 100_000, 36)

The database must exist and be empty; the schema comes from the models (`db.create_all()`) and the shipped
reference data is seeded. Then, with sqlite3 `executemany` in one transaction or psycopg `COPY`, it writes:
territories (the Lensk district's settlements), buildings, premises, accounts (with `search_text`), one
debtor party per account, the ledger (heating and hot water charges every month, payments by payer profile,
some opening balances, enforcement payments), `account_months` and `account_balances` consistent with that
ledger (computed here in Python with the same definitions as `casework.accounts.services`).
Only data independent of cases is generated; benchmarks of other areas add their own on top.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import make_url

TERRITORIES = [("г. Ленск", 0.45), ("п. Витим", 0.12), ("п. Пеледуй", 0.1), ("с. Нюя", 0.07),
               ("с. Ярославский", 0.05), ("с. Беченча", 0.04), ("с. Мурбай", 0.04), ("с. Натора", 0.03),
               ("с. Орто-Нахара", 0.03), ("с. Салдыкель", 0.03), ("с. Толон", 0.04)]
STREETS = ["Ленина", "Победы", "Советская", "Октябрьская", "Набережная", "Первомайская", "Комсомольская",
           "Речников", "Пионерская", "Лесная", "Северная", "Молодёжная", "Гагарина", "Кирова", "Чапаева",
           "Строительная", "Заводская", "Школьная", "Нефтяников", "Энергетиков"]
SURNAMES = ["Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов",
            "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов",
            "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев",
            "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин",
            "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков",
            "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов",
            "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоренко",
            "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников",
            "Денисов", "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
            "Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин",
            "Исаев", "Чернышёв", "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов",
            "Филатов", "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв",
            "Овчинников", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов",
            "Никифоров", "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев",
            "Панов", "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов",
            "Еремин", "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов", "Нестеров",
            "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков", "Левин", "Митрофанов", "Воронов",
            "Аксёнов", "Софронов", "Мальцев", "Логинов", "Горшков", "Савин", "Краснов", "Майоров", "Демидов",
            "Елисеев", "Рыбаков", "Сафонов", "Плотников", "Дёмин", "Хохлов", "Жданов", "Мухин", "Гоголев",
            "Саввинов", "Слепцов", "Охлопков", "Местников", "Готовцев", "Винокуров", "Павлов", "Аммосов"]
MALE = ["Александр", "Сергей", "Андрей", "Алексей", "Дмитрий", "Владимир", "Николай", "Иван", "Михаил",
        "Евгений", "Юрий", "Виктор", "Олег", "Павел", "Егор", "Айсен", "Семён", "Пётр"]
FEMALE = ["Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Анна", "Мария", "Галина", "Людмила",
          "Надежда", "Сардана", "Марина", "Валентина", "Айна", "Екатерина", "Любовь", "Нина"]
PATRONYMIC_M = ["Александрович", "Сергеевич", "Иванович", "Николаевич", "Петрович", "Викторович",
                "Михайлович", "Юрьевич", "Васильевич", "Семёнович"]
PATRONYMIC_F = ["Александровна", "Сергеевна", "Ивановна", "Николаевна", "Петровна", "Викторовна",
                "Михайловна", "Юрьевна", "Васильевна", "Семёновна"]
ORG_FORMS = ["ООО", "ИП", "МУП", "АО", "МКУ"]
ORG_WORDS = ["Север", "Лена", "Альянс", "Вектор", "Ромашка", "Строймонтаж", "Таёжный", "Якутия", "Полюс",
             "Мегаполис", "Фортуна", "Олимп", "Ресурс", "Партнёр", "Витязь", "Багульник"]
PROFILES = (("good", 0.55), ("irregular", 0.20), ("stopped", 0.15), ("never", 0.06), ("enforced", 0.04))
SOURCES = ("bank", "bank", "bank", "online", "online", "cash_desk", "employer")


@dataclass
class DatasetStats:
    url: str
    accounts: int
    months: int
    ledger_rows: int
    month_rows: int
    seconds: float


def _month_add(d: date, n: int) -> date:
    i = d.year * 12 + d.month - 1 + n
    return date(i // 12, i % 12 + 1, 1)


def _pick(rng: random.Random, weighted):
    x, acc = rng.random(), 0.0
    for value, w in weighted:
        acc += w
        if x < acc:
            return value
    return weighted[-1][0]


class _Loader:
    """Writes rows with the bare driver: sqlite3 executemany in one transaction, or psycopg COPY."""

    def __init__(self, url: str):
        u = make_url(url)
        self.pg = u.get_backend_name() == "postgresql"
        if self.pg:
            import psycopg

            self.conn = psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False))
        else:
            import sqlite3

            self.conn = sqlite3.connect(u.database, isolation_level=None)
            # a throw-away build: no rollback journal, a large page cache, one transaction
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA cache_size=-512000")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA foreign_keys=OFF")
            self.conn.execute("BEGIN")

    def write(self, table: str, columns: list[str], rows) -> int:
        n = 0
        if self.pg:
            with self.conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            return n
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        rows = list(rows)  # dates go through sqlite3's ISO adapters, the text SQLAlchemy reads back
        self.conn.executemany(sql, rows)
        return len(rows)

    def finish(self, tables_with_ids: list[str], index_ddl: list[str] = ()) -> None:
        if self.pg:
            with self.conn.cursor() as cur:
                cur.execute("SET maintenance_work_mem = '256MB'")
                for ddl in index_ddl:
                    cur.execute(ddl)
        else:
            for ddl in index_ddl:
                self.conn.execute(ddl)
        if self.pg:
            with self.conn.cursor() as cur:
                for t in tables_with_ids:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))")
            self.conn.commit()
            self.conn.autocommit = True
            self.conn.execute("VACUUM ANALYZE")
        else:
            self.conn.execute("COMMIT")
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("ANALYZE")
        self.conn.close()


BULK_TABLES = ("premises", "accounts", "parties", "account_parties", "ledger_entries", "account_months",
               "account_balances")


def _create_schema(url: str) -> tuple[dict[str, int], list[str]]:
    """Create the schema and seed reference data; drop the secondary indexes of the bulk tables and return the
    DDL that recreates them after the load (an index built once over sorted data beats one kept up row by row)."""
    from sqlalchemy import text
    from sqlalchemy.schema import CreateIndex

    from casework import create_app
    from casework.accounts.models import Service
    from casework.extensions import db
    from casework.maintenance.setup import seed_reference

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.create_all()
        seed_reference()
        db.session.commit()
        services = {s.code: s.id for s in db.session.query(Service)}
        db.session.remove()
        recreate = []
        with db.engine.begin() as conn:
            for name in BULK_TABLES:
                for ix in db.metadata.tables[name].indexes:
                    recreate.append(str(CreateIndex(ix).compile(dialect=db.engine.dialect)))
                    conn.execute(text(f"DROP INDEX {ix.name}"))
        db.engine.dispose()
    return services, recreate


def build_dataset(url: str, n_accounts: int = 100_000, months: int = 36, *, seed: int = 2026,
                  last_month: date = date(2026, 10, 1), as_of: date = date(2026, 11, 20), ledger: bool = True,
                  ledger_sample: int | None = None, log=print) -> DatasetStats:
    """Create the schema in the (empty) database at `url` and fill it; return what was written and how long it took.

    `ledger_sample`: write ledger_entries only for accounts 1..ledger_sample (account_months and account_balances
    are always written for all); None writes the whole ledger (about 85 rows per account for 36 months).
    """
    from casework.accounts.queries import search_text_for
    from casework.domain.periods import Period, nominal_due_date

    started = time.perf_counter()
    services, index_ddl = _create_schema(url)
    heating, hot_water = services["heating"], services["hot_water"]
    rng = random.Random(seed)
    first_month = _month_add(last_month, -(months - 1))
    month_list = [_month_add(first_month, i) for i in range(months)]
    due = [nominal_due_date(Period(m.year, m.month)) for m in month_list]
    now = datetime(2026, 11, 1, 9, 0)
    loader = _Loader(url)

    # territories, buildings, premises ----------------------------------------------------------------------
    loader.write("territories", ["id", "name", "kind"],
                 [(i + 1, name, "settlement") for i, (name, _w) in enumerate(TERRITORIES)])
    n_buildings = max(1, n_accounts // 24)
    buildings = []
    used = set()
    for b in range(1, n_buildings + 1):
        t = _pick(rng, [(i + 1, w) for i, (_n, w) in enumerate(TERRITORIES)])
        while True:
            street, house = rng.choice(STREETS), rng.randint(1, 140)
            if (t, street, house) not in used:
                used.add((t, street, house))
                break
        buildings.append((b, t, f"{TERRITORIES[t - 1][0]}, ул. {street}, д. {house}", rng.random() < 0.8))
    loader.write("buildings", ["id", "territory_id", "address", "is_apartment_building"], buildings)

    accounts, premises, parties, links = [], [], [], []
    profiles = []
    flat_counter: dict[int, int] = {}
    for a in range(1, n_accounts + 1):
        b_id, t_id, b_addr, apartment_building = buildings[rng.randrange(n_buildings)]
        flat_no = flat_counter.get(b_id, 0) + 1
        flat_counter[b_id] = flat_no
        flat = str(flat_no) if apartment_building else ""
        area = rng.randint(2500, 9000)  # hundredths of m²
        tenure = _pick(rng, [("owner", 0.76), ("social_tenancy", 0.14), ("commercial_tenancy", 0.05), ("other", 0.05)])
        municipal = tenure == "social_tenancy" or (tenure == "other" and rng.random() < 0.3)
        category = "other" if rng.random() < 0.06 else "population"
        number = f"{t_id:02d}{a:07d}"
        address = f"Республика Саха (Якутия), {b_addr}" + (f", кв. {flat}" if flat else "")
        if category == "population":
            female = rng.random() < 0.55
            last = rng.choice(SURNAMES) + ("а" if female else "")
            first = rng.choice(FEMALE if female else MALE)
            middle = rng.choice(PATRONYMIC_F if female else PATRONYMIC_M)
            name = f"{last} {first} {middle}"
            birth = date(1940, 1, 1) + timedelta(days=rng.randint(0, 22000))
            passport = (f"98{rng.randint(0, 99):02d}", f"{rng.randint(0, 999999):06d}")
            snils = f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)} {rng.randint(10, 99)}"
            party = (a, "person", name, last, first, middle, "f" if female else "m", birth, "г. Ленск",
                     passport[0], passport[1], None, snils, None, now)
        else:
            name = f"{rng.choice(ORG_FORMS)} «{rng.choice(ORG_WORDS)}-{a % 97}»"
            inn = f"14{rng.randint(0, 99_999_999):08d}"
            party = (a, "organization", name, None, None, None, None, None, None, None, None, None, None, inn, now)
        phone = None
        if rng.random() < 0.7:
            d = f"{rng.choice(('914', '924', '984', '964'))}{rng.randint(0, 9_999_999):07d}"
            phone = rng.choice((f"8 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}", f"+7({d[:3]}){d[3:]}", f"8{d}"))
        opened = first_month if rng.random() < 0.9 else _month_add(first_month, rng.randint(1, months - 1))
        premises.append((a, b_id, flat if flat else f"{a}", area, municipal))
        accounts.append((a, number, category, tenure, municipal, name, address, TERRITORIES[t_id - 1][0],
                         flat or None, party[13], phone, None, area, opened, None, t_id, b_id, a,
                         search_text_for(number, name, address, phone), None, now, now))
        parties.append(party)
        links.append((a, a, a, "owner", None, None))
        profiles.append((_pick(rng, PROFILES), opened, area, category))
    loader.write("premises", ["id", "building_id", "number", "area_m2", "is_municipal"], premises)
    loader.write("accounts", ["id", "number", "category", "tenure", "is_municipal", "debtor_name", "address",
                              "settlement", "apartment", "inn", "phone", "email", "area_m2", "opened_on", "closed_on",
                              "territory_id", "building_id", "premises_id", "search_text", "import_batch_id",
                              "created_at", "updated_at"], accounts)
    loader.write("parties", ["id", "kind", "full_name", "last_name", "first_name", "middle_name", "gender",
                             "birth_date", "birth_place", "passport_series", "passport_number", "registration_address",
                             "snils", "inn", "created_at"], parties)
    loader.write("account_parties", ["id", "account_id", "party_id", "role", "share_num", "share_den"], links)
    del accounts, premises, parties, links
    log(f"  {n_accounts} accounts written ({time.perf_counter() - started:.1f} s)")

    # ledger, account_months, account_balances --------------------------------------------------------------
    ledger_rows: list[tuple] = []
    month_rows: list[tuple] = []
    balance_rows: list[tuple] = []
    counts = {"ledger": 0, "months": 0}
    entry_id = 0
    L_COLS = ["id", "account_id", "service_id", "period", "kind", "amount_kop", "paid_on", "source", "paid_period",
              "reference", "reverses_id", "batch_id", "entry_key", "created_at"]
    M_COLS = ["account_id", "month", "opening_kop", "debt_start_kop", "charged_kop", "recalculated_kop", "paid_kop",
              "paid_enforcement_kop", "debt_end_kop"]
    B_COLS = ["account_id", "as_of", "balance_kop", "overdue_kop", "months_in_arrears", "avg_monthly_charge_kop",
              "oldest_debt_days", "aging_0_30_kop", "aging_31_90_kop", "aging_91_180_kop", "aging_181_365_kop",
              "aging_1_3y_kop", "aging_over_3y_kop", "last_payment_on", "last_period"]

    def flush(final=False):
        if ledger and (final or len(ledger_rows) >= 200_000):
            counts["ledger"] += loader.write("ledger_entries", L_COLS, ledger_rows)
            ledger_rows.clear()
        if final or len(month_rows) >= 200_000:
            counts["months"] += loader.write("account_months", M_COLS, month_rows)
            month_rows.clear()

    for a, (profile, opened, area, category) in enumerate(profiles, start=1):
        write_ledger = ledger and (ledger_sample is None or a <= ledger_sample)
        factor = 8 if category == "other" else 1
        hw = rng.randint(70_000, 160_000) * factor
        stop_at = rng.randint(months // 3, months - 2) if profile in ("stopped", "enforced") else months
        debt = 0
        charges: list[tuple[int, int]] = []  # (month index, debit) for FIFO aging
        last_paid = None
        last_period = None
        start_i = month_list.index(opened)
        for i in range(start_i, months):
            m = month_list[i]
            opening = 0
            if i == start_i and rng.random() < 0.1:
                opening = rng.randint(100_000, 3_000_000) * factor
                entry_id += 1
                if write_ledger:
                    ledger_rows.append((entry_id, a, heating, m, "opening", opening, None, None, None, None, None,
                                        None, f"bench-{entry_id:010d}", now))
                charges.append((i, opening))
            heat = 0 if m.month in (6, 7, 8) else area * 75 * factor // 1  # ₽75 per m² (area in 1/100 m² → kop)
            charged = heat + hw
            for service_id, amount in ((heating, heat), (hot_water, hw)):
                if amount:
                    entry_id += 1
                    if write_ledger:
                        ledger_rows.append((entry_id, a, service_id, m, "charge", amount, None, None, None, None, None,
                                            None, f"bench-{entry_id:010d}", now))
            charges.append((i, charged))
            last_period = m
            debt_start = debt + opening
            paid = enforced = 0
            if profile == "good" or (profile in ("stopped", "enforced") and i < stop_at):
                x = rng.random()  # most pay the whole bill in its month, some a month late, a few skip
                paid = max(debt_start + charged, 0) if x < 0.75 else max(debt_start, 0) if x < 0.95 else 0
            elif profile == "irregular" and rng.random() < 0.6:
                paid = charged * rng.randint(40, 130) // 100
            elif profile == "enforced" and i >= stop_at + 4 and rng.random() < 0.5:
                paid = enforced = min(max(debt_start, 0), rng.randint(200_000, 800_000))
            if paid > 0:
                paid_on = m.replace(day=rng.randint(3, 27))
                entry_id += 1
                if write_ledger:
                    ledger_rows.append((entry_id, a, heating, m, "payment", paid, paid_on,
                                        "enforcement" if enforced else rng.choice(SOURCES),
                                        _month_add(m, -1) if rng.random() < 0.3 else None,
                                        f"{rng.randint(1, 99999)}" if rng.random() < 0.5 else None, None, None,
                                        f"bench-{entry_id:010d}", now))
                last_paid = paid_on
            debt = debt_start + charged - paid
            month_rows.append((a, m, opening, debt_start, charged, 0, paid, enforced, debt))
        # FIFO: the debt is made of the most recent debits
        remaining, overdue, oldest = max(debt, 0), 0, None
        buckets = [0] * 6
        arrears_months = set()
        for i, amount in reversed(charges):
            if remaining <= 0:
                break
            r = min(amount, remaining)
            remaining -= r
            days = (as_of - due[i]).days
            if days > 0:
                overdue += r
                arrears_months.add(i)
            oldest = days if oldest is None or days > oldest else oldest
            k = 0 if days <= 30 else 1 if days <= 90 else 2 if days <= 180 else 3 if days <= 365 else \
                4 if days <= 1095 else 5
            buckets[k] += r
        recent = [c for (i, c) in charges if i >= months - 12]
        avg = sum(recent) // len(recent) if recent else 0
        balance_rows.append((a, as_of, debt, overdue, len(arrears_months), avg,
                             None if oldest is None else max(oldest, 0), *buckets, last_paid, last_period))
        flush()
    flush(final=True)
    loader.write("account_balances", B_COLS, balance_rows)
    log(f"  rows written ({time.perf_counter() - started:.1f} s); building indexes …")
    loader.finish(["territories", "buildings", "premises", "accounts", "parties", "account_parties",
                   "ledger_entries"], index_ddl)
    seconds = time.perf_counter() - started
    log(f"  ledger {counts['ledger']} rows, account_months {counts['months']} rows; built in {seconds:.1f} s")
    return DatasetStats(url, n_accounts, months, counts["ledger"], counts["months"], seconds)


# ------------------------------------------------------------------------------------------ cases and contacts

BENCH_PASSWORD = "Bench-pass-123"
BENCH_USERS = (("bench_collector", "Бенч Инспектор", "collector"), ("bench_collector2", "Бенч Инспектор 2", "collector"),
               ("bench_collector3", "Бенч Инспектор 3", "collector"), ("bench_lawyer", "Бенч Юрист", "lawyer"),
               ("bench_manager", "Бенч Руководитель", "manager"), ("bench_admin", "Бенч Администратор", "admin"))
CASE_STAGES = [("debt_detected", 30), ("notice", 25), ("payment_agreement", 6), ("restriction", 6), ("suspension", 2),
               ("court", 16), ("enforcement", 15)]


def add_casework(url: str, today: date, seed: int = 7, log=print) -> dict:
    """Bench users, one open case for every account above 5,000 ₽ spread across the stages (with its history,
    planned actions, deadlines, alerts, court records), contacts with next actions, promises and agreements —
    Core executemany, chunked. Returns counts and the timed collector's id."""
    from sqlalchemy import func, insert, select

    from casework import create_app
    from casework.accounts.models import AccountBalance
    from casework.auth.services import create_user
    from casework.cases.models import Alert, Case, CourtRecord, Deadline, StageChange
    from casework.contacts.models import AgreementInstalment, Contact, PaymentAgreement, Promise
    from casework.extensions import db

    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        users = {u: create_user(u, full, role, BENCH_PASSWORD) for u, full, role in BENCH_USERS}
        db.session.commit()
        collectors = [users[u].id for u in ("bench_collector", "bench_collector2", "bench_collector3")]
        lawyer = users["bench_lawyer"].id
        rows = db.session.execute(select(AccountBalance.account_id, AccountBalance.balance_kop)
                                  .where(AccountBalance.balance_kop > 5_000_00).order_by(AccountBalance.account_id)).all()
        now = datetime(today.year, today.month, today.day, 9, 0)
        cases, changes = [], []
        for i, (aid, bal) in enumerate(rows, start=1):
            stage = _pick_int(rng, CASE_STAGES)
            opened = today - timedelta(days=rng.randint(5, 400))
            assignee = lawyer if stage in ("court", "enforcement") else rng.choice(collectors + [None])
            nxt = today + timedelta(days=rng.randint(-10, 30)) if rng.random() < 0.6 else None
            hold = "dispute" if rng.random() < 0.03 else None
            cases.append({"id": i, "account_id": aid, "stage": stage, "stage_since": opened + timedelta(days=10),
                          "is_open": True, "assignee_id": assignee, "opened_on": opened, "debt_at_open_kop": bal,
                          "next_action_on": nxt, "next_action": "Позвонить должнику" if nxt else None,
                          "hold_reason": hold, "hold_until": today + timedelta(days=20) if hold else None,
                          "version_id": 1, "created_at": now})
            changes.append({"case_id": i, "from_stage": None, "to_stage": "debt_detected", "changed_on": opened,
                            "details": {}, "created_at": now})
            if stage != "debt_detected":
                changes.append({"case_id": i, "from_stage": "debt_detected", "to_stage": stage,
                                "changed_on": opened + timedelta(days=10), "details": {}, "created_at": now})
        deadlines, alerts, records = [], [], []
        contacts, promises, agreements, instalments = [], [], [], []
        contact_keys = ("id", "account_id", "case_id", "channel", "direction", "outcome", "contact_person",
                        "contact_point", "note", "contacted_at", "next_action_kind", "next_action_on", "author_id",
                        "created_at")
        for c in cases:
            cid, st, aid = c["id"], c["stage"], c["account_id"]
            if st == "notice" and rng.random() < 0.5:
                start = today - timedelta(days=rng.randint(1, 40))
                due = start + timedelta(days=21)
                deadlines.append({"case_id": cid, "kind": "warning_term", "starts_on": start, "due_on": due,
                                  "reached_on": due if due <= today else None, "params": {}})
            if st in ("court", "enforcement"):
                filed = c["stage_since"]
                records.append({"case_id": cid, "kind": "order", "principal_kop": c["debt_at_open_kop"],
                                "penalty_kop": 0, "duty_kop": 0, "filed_on": filed, "outcome": "issued",
                                "issued_on": filed + timedelta(days=10), "received_on": filed + timedelta(days=25),
                                "created_at": now})
                if st == "court":
                    deadlines.append({"case_id": cid, "kind": "objection_window", "starts_on": filed + timedelta(days=25),
                                      "due_on": filed + timedelta(days=36), "reached_on": today, "params": {}})
            if st in ("debt_detected", "notice", "payment_agreement"):
                deadlines.append({"case_id": cid, "kind": "limitation", "starts_on": c["opened_on"] - timedelta(days=900),
                                  "due_on": today + timedelta(days=rng.randint(-30, 400)), "reached_on": None,
                                  "params": {}})
            if rng.random() < 0.05:
                alerts.append({"case_id": cid, "kind": rng.choice(("enforcement_silence", "hold_review",
                                                                    "order_cancelled")),
                               "key": str(cid), "raised_on": today - timedelta(days=rng.randint(0, 20)), "params": {}})
            author = c["assignee_id"] or rng.choice(collectors)
            if rng.random() < 0.3:  # a short contact history, the latest possibly with a next action
                for k in range(rng.randint(1, 3)):
                    at = now - timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 8))
                    nxt = today + timedelta(days=rng.randint(-10, 14)) if rng.random() < 0.4 else None
                    contacts.append(dict(zip(contact_keys, (
                        len(contacts) + 1, aid, cid, rng.choice(("call", "call", "visit", "sms")), "outgoing",
                        rng.choice(("reached", "no_answer", "promised_to_pay", "not_at_home")), "", "",
                        "Беседа с должником", at, "call" if nxt else None, nxt, author, now))))
            if rng.random() < 0.05:
                status = rng.choice(("pending", "pending", "broken", "kept", "partly_kept"))
                due = today + timedelta(days=rng.randint(-20, 20))
                promises.append({"account_id": aid, "case_id": cid, "amount_kop": rng.randint(1000, 20000) * 100,
                                 "promised_on": due - timedelta(days=14), "due_on": due, "grace_days": 3,
                                 "status": status, "paid_kop": 0,
                                 "resolved_on": None if status == "pending" else due + timedelta(days=3),
                                 "note": "", "author_id": author, "created_at": now})
            if st == "payment_agreement" and rng.random() < 0.7:
                aid_ = len(agreements) + 1
                first = today - timedelta(days=rng.randint(10, 120))
                status = rng.choice(("on_track", "on_track", "late", "broken"))
                debt = c["debt_at_open_kop"]
                agreements.append({"id": aid_, "number": f"Б-{aid_}", "account_id": aid, "case_id": cid,
                                   "kind": "instalment", "status": status, "debt_kop": debt, "down_payment_kop": 0,
                                   "months": 6, "first_due_on": first, "day_of_month": first.day,
                                   "round_rubles": True, "remainder_on": "last", "grace_days": 5,
                                   "signed_on": first - timedelta(days=10), "debtor_signatory": "", "paid_kop": 0,
                                   "overdue_kop": debt // 6 if status != "on_track" else 0,
                                   "broken_on": today - timedelta(days=3) if status == "broken" else None,
                                   "is_void": False, "note": "", "author_id": author, "created_at": now})
                for n in range(1, 7):
                    d = _month_add(first.replace(day=1), n - 1).replace(day=min(first.day, 28))
                    instalments.append({"agreement_id": aid_, "number": n, "due_on": d,
                                        "amount_kop": debt // 6 + (debt % 6 if n == 6 else 0), "covered_kop": 0,
                                        "state": "overdue" if d < today and status != "on_track" else
                                        "covered" if d < today else "upcoming"})
        with db.engine.begin() as conn:
            for table, data in ((Case.__table__, cases), (StageChange.__table__, changes),
                                (Deadline.__table__, deadlines), (Alert.__table__, alerts),
                                (CourtRecord.__table__, records), (Contact.__table__, contacts),
                                (Promise.__table__, promises), (PaymentAgreement.__table__, agreements),
                                (AgreementInstalment.__table__, instalments)):
                for k in range(0, len(data), 20_000):
                    conn.execute(insert(table), data[k:k + 20_000])
            if conn.dialect.name == "postgresql":
                for t in ("cases", "contacts", "payment_agreements"):
                    conn.execute(select(func.setval(f"{t}_id_seq", func.greatest(
                        select(func.coalesce(func.max(db.metadata.tables[t].c.id), 0)).scalar_subquery(), 1))))
            _sync_derived(conn)
        out = {"cases": len(cases), "deadlines": len(deadlines), "alerts": len(alerts), "court_records": len(records),
               "contacts": len(contacts), "promises": len(promises), "agreements": len(agreements),
               "collector_id": users["bench_collector"].id}
        db.session.remove()
        db.engine.dispose()
    log(f"  casework: {out}")
    return out


def _pick_int(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


# ------------------------------------------------------------------------------------------ the cached dataset

CACHE_DIR = "/tmp/cw-bench"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _analyze(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "postgresql":
        import psycopg

        with psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        import sqlite3

        conn = sqlite3.connect(u.database)
        conn.execute("ANALYZE")
        conn.close()


def _ensure_search_index(url: str) -> None:
    """Create/fill the accounts search index (FTS5 trigram / pg_trgm) when the application provides one."""
    try:
        from casework.accounts.search_index import ensure_search_index
    except ImportError:
        return
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        ensure_search_index(conn)
    engine.dispose()


def _sync_derived(conn) -> None:
    """What the app's writers keep and this bare-driver build bypasses: `account_balances.has_open_case` (the
    cases services) and the figures' version token (the figures refresh)."""
    import uuid

    from sqlalchemy import insert

    from casework.accounts.models import FiguresVersion
    from casework.cases.models import sync_open_case_flags

    sync_open_case_flags(conn)
    conn.execute(FiguresVersion.__table__.delete())
    conn.execute(insert(FiguresVersion.__table__).values(id=1, token=uuid.uuid4().hex, changed_at=datetime.now()))


def fill_ledger_summaries(url: str, log=print) -> bool:
    """Fill account_service_months and service_months from the ledger when they are empty (the bare-driver build
    writes account_months itself, not these): the same INSERT … SELECT as the migration that made them."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if not inspect(engine).has_table("account_service_months"):
        engine.dispose()
        return False
    t = time.perf_counter()
    with engine.begin() as conn:
        if conn.exec_driver_sql("SELECT 1 FROM account_service_months LIMIT 1").first() is not None or \
                conn.exec_driver_sql("SELECT 1 FROM ledger_entries LIMIT 1").first() is None:
            engine.dispose()
            return False
        pg = conn.dialect.name == "postgresql"
        pay_month = "CAST(date_trunc('month', l.paid_on) AS DATE)" if pg else "substr(l.paid_on, 1, 8) || '01'"
        conn.exec_driver_sql(f"""
            INSERT INTO account_service_months (account_id, month, service_id, opening_kop, charged_kop,
                                                recalculated_kop, paid_kop, paid_enforcement_kop)
            SELECT account_id, month, service_id, SUM(opening), SUM(charged), SUM(recalc), SUM(paid), SUM(paid_enf)
            FROM (
              SELECT l.account_id, l.period AS month, l.service_id,
                     CASE WHEN l.kind = 'opening' THEN l.amount_kop ELSE 0 END AS opening,
                     CASE WHEN l.kind = 'charge' THEN l.amount_kop ELSE 0 END AS charged,
                     CASE WHEN l.kind = 'recalculation' THEN l.amount_kop ELSE 0 END AS recalc,
                     0 AS paid, 0 AS paid_enf
              FROM ledger_entries l WHERE l.kind <> 'payment'
              UNION ALL
              SELECT l.account_id, {pay_month}, l.service_id, 0, 0, 0, l.amount_kop,
                     CASE WHEN l.source = 'enforcement' THEN l.amount_kop ELSE 0 END
              FROM ledger_entries l WHERE l.kind = 'payment'
            ) x GROUP BY account_id, month, service_id""")
        conn.exec_driver_sql("""
            INSERT INTO service_months (month, service_id, opening_kop, charged_kop, recalculated_kop, paid_kop,
                                        paid_enforcement_kop)
            SELECT month, service_id, SUM(opening_kop), SUM(charged_kop), SUM(recalculated_kop), SUM(paid_kop),
                   SUM(paid_enforcement_kop)
            FROM account_service_months GROUP BY month, service_id""")
    engine.dispose()
    log(f"  filled account_service_months and service_months from the ledger ({time.perf_counter() - t:.0f} s)")
    _analyze(url)
    return True


def sync_schema_indexes(url: str, log=print) -> int:
    """Create the models' tables and indexes (and the search index) that a cached database built earlier lacks;
    ANALYZE if any index was created. Returns how many indexes were created."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.schema import CreateColumn

    from casework import create_app
    from casework.extensions import db

    create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})  # loads every model
    engine = create_engine(url)
    created = 0
    insp = inspect(engine)
    missing = [t for t in db.metadata.sorted_tables if not insp.has_table(t.name)]
    if missing:
        db.metadata.create_all(engine, tables=missing)  # with their indexes
        log("  created tables " + ", ".join(t.name for t in missing))
        insp = inspect(engine)
    added = []
    with engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            have = {c["name"] for c in insp.get_columns(table.name)}
            for col in table.columns:
                if col.name not in have:
                    conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN "
                                         f"{CreateColumn(col).compile(dialect=engine.dialect)}")
                    added.append(f"{table.name}.{col.name}")
        if added or missing:
            log("  added columns " + ", ".join(added) if added else "  new tables: derived data synced")
            _sync_derived(conn)
    if added:
        insp = inspect(engine)
    with engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if not insp.has_table(table.name):
                continue
            have = {ix["name"] for ix in insp.get_indexes(table.name)}
            for ix in table.indexes:
                if ix.name not in have:
                    ix.create(conn)
                    created += 1
                    log(f"  created index {ix.name}")
    engine.dispose()
    _ensure_search_index(url)
    if created:
        _analyze(url)
    fill_ledger_summaries(url, log)
    return created


def cached_dataset(engine: str, n_accounts: int = 100_000, months: int = 36, *, rebuild: bool = False,
                   pg_admin: str = PG_ADMIN_URL, ledger_sample: int | None = None, log=print) -> str:
    """The URL of the benchmark database for `engine` ('sqlite' | 'postgresql'), built once and reused.

    SQLite: /tmp/cw-bench/cw_bench_<n>.sqlite3; PostgreSQL: database cw_bench_100k (cw_bench_<n> for other sizes).
    Built under a temporary name and renamed when complete, so an interrupted build is never reused.
    With `rebuild` the existing one is dropped first. Contains accounts, the full ledger (unless
    ledger_sample), cases, contacts, promises, agreements and the BENCH_USERS (password BENCH_PASSWORD).
    """
    import os

    tag = "100k" if n_accounts == 100_000 else str(n_accounts)
    if months != 36:
        tag += f"x{months}"
    if ledger_sample:
        tag += f"_l{ledger_sample}"
    name = f"cw_bench_{tag}"
    today = date.today()
    if engine == "sqlite":
        os.makedirs(CACHE_DIR, exist_ok=True)
        path = os.path.join(CACHE_DIR, f"{name}.sqlite3")
        url = f"sqlite:///{path}"
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        if os.path.exists(path):
            log(f"[sqlite] reusing {path}")
            sync_schema_indexes(url, log)
            return url
        tmp = path + ".building"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(tmp + suffix):
                os.remove(tmp + suffix)
        t = time.perf_counter()
        build_dataset(f"sqlite:///{tmp}", n_accounts, months, ledger_sample=ledger_sample, log=log)
        add_casework(f"sqlite:///{tmp}", today, log=log)
        fill_ledger_summaries(f"sqlite:///{tmp}", log)
        _ensure_search_index(f"sqlite:///{tmp}")
        _analyze(f"sqlite:///{tmp}")
        import sqlite3

        conn = sqlite3.connect(tmp)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        os.replace(tmp, path)
        log(f"[sqlite] built {path} in {time.perf_counter() - t:.0f} s")
        return url
    import psycopg

    base = pg_admin.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not rebuild:
            log(f"[postgresql] reusing database {name}")
            sync_schema_indexes(url, log)
            return url
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'DROP DATABASE IF EXISTS "{name}_building" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}_building"')
    tmp_url = f"{base}/{name}_building".replace("postgresql://", "postgresql+psycopg://", 1)
    t = time.perf_counter()
    build_dataset(tmp_url, n_accounts, months, ledger_sample=ledger_sample, log=log)
    add_casework(tmp_url, today, log=log)
    fill_ledger_summaries(tmp_url, log)
    _ensure_search_index(tmp_url)
    _analyze(tmp_url)
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}_building" RENAME TO "{name}"')
    log(f"[postgresql] built database {name} in {time.perf_counter() - t:.0f} s")
    return url


def main(argv=None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description="Build (or reuse) the cached benchmark databases.")
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--ledger-sample", type=int, default=None)
    ap.add_argument("--pg-admin", default=PG_ADMIN_URL)
    args = ap.parse_args(argv)
    for engine in args.engines.split(","):
        print(cached_dataset(engine.strip(), args.accounts, args.months, rebuild=args.rebuild,
                             pg_admin=args.pg_admin, ledger_sample=args.ledger_sample), flush=True)


if __name__ == "__main__":
    main()
