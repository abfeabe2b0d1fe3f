"""Ledger (and persons) import speed: the real service path next to the bare driver, on SQLite and PostgreSQL.

    python bench/bench_import.py [--accounts 20000] [--months 36] [--services 2] [--pg URL] [--no-pg] [--no-sqlite]

Generates N accounts × M months (charges for each service + one payment a month on most accounts) as a
billing CSV, then for each engine on a fresh database: imports the accounts registry, times
`commit_import("ledger", …)` (read + parse + validate + key check + insert + refresh_account_figures, committed)
with its phases, then re-imports the same file (every row a duplicate: parse + one set-based key check, nothing
written).

The bare side (timed separately, in the same run, on its own fresh database) loads the SAME rows, already as
ready tuples (parsing and key hashing not timed), into `bare_ledger`, a table of the same shape as
`ledger_entries`: the same 14 columns and types, a BIGSERIAL / INTEGER PRIMARY KEY, UNIQUE `entry_key`, the same
CHECK constraints and the same three secondary indexes (account_id+period, paid_on, batch_id); no foreign keys
(the real table has them: account, service, batch, reversed entry — the real path pays for those checks, the bare
one does not). SQLite: `sqlite3.executemany` of a plain INSERT in one transaction (WAL). PostgreSQL: psycopg
`COPY bare_ledger (…) FROM STDIN` with `write_row` per row, then COMMIT. Targets (issue 2 §5): ≥ 25 % of bare
sqlite3, ≥ 30 % of bare COPY.

    python bench/bench_import.py --kind persons [--persons 100000] [--pg URL] [--no-pg] [--no-sqlite]

The persons file: N rows, two owners (1/2 each, with billing id, birth date, passport, СНИЛС, phone, registration
address) per account on N/2 accounts. Per engine on a fresh database: imports the accounts registry, then times
`commit_import("persons", …)` (committed) three times: the first import (N new people, N new links), a re-import
of the same file (nothing changes) and a file with 10 % of the phones and 5 % of the shares changed (updates,
with the check for edits made in the app). The bare side (same run, its own fresh database) loads the SAME people
and links as ready tuples into `bare_parties` / `bare_account_parties` (same columns, UNIQUE external_id, the
full_name index, UNIQUE (account, party, role), the share CHECK and the two link indexes; no foreign keys):
`sqlite3.executemany` in one transaction, psycopg `COPY … FROM STDIN` for each table.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SERVICES = ("heating", "hot_water", "cold_water")


def generate(n_accounts: int, months: int, n_services: int) -> tuple[bytes, bytes]:
    rnd = random.Random(42)
    acc = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт"]
    for i in range(n_accounts):
        acc.append(f"{100000 + i};население;Должник {i};ул. Мира, д. {i // 40 + 1}, кв. {i % 40 + 1};г. Ленск")
    led = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник"]
    start = date(2023, 1, 1)
    periods = []
    for m in range(months):
        y, mo = start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1
        periods.append((f"{y:04d}-{mo:02d}", f"{y:04d}-{mo:02d}-20"))
    for i in range(n_accounts):
        num = 100000 + i
        payer = rnd.random() < 0.8
        for p, paid in periods:
            for s in SERVICES[:n_services]:
                amt = rnd.randint(50000, 400000)
                led.append(f"{num};{p};{s};charge;{amt // 100},{amt % 100:02d};;")
            if payer:
                amt = rnd.randint(50000, 600000)
                led.append(f"{num};{p};{SERVICES[0]};payment;{amt // 100},{amt % 100:02d};{paid};bank")
    return ("\n".join(acc) + "\n").encode(), ("\n".join(led) + "\n").encode()


def make_app(url: str, instance: str, **config):
    from casework import create_app
    from casework.extensions import db
    from casework.maintenance.setup import seed_reference

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "IMPORTS_DIR": instance + "/imports", "TESTING": True, **config})
    with app.app_context():
        db.create_all()
        seed_reference()
        db.session.commit()
    return app


def run_real(app, accounts_csv: bytes, ledger_csv: bytes) -> dict:
    from casework.extensions import db
    from casework.imports import services

    timings: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    seams = {"refresh_account_figures": "refresh", "_prepare": "prepare", "_insert_ledger": "insert"}
    originals = {attr: getattr(services, attr) for attr in seams}
    with app.app_context():
        b = services.commit_import("accounts", accounts_csv, "accounts.csv", None, via="cli")
        db.session.commit()
        assert b.status == "committed", b.message
        for attr, name in seams.items():
            setattr(services, attr, timed(name, originals[attr]))
        try:
            t0 = time.perf_counter()
            b = services.commit_import("ledger", ledger_csv, "ledger.csv", None, via="cli")
            t1 = time.perf_counter()
            db.session.commit()
            total = time.perf_counter() - t0
            first = dict(timings, commit=time.perf_counter() - t1)
            timings.clear()
            assert b.status == "committed", (b.status, b.message, (b.options or {}).get("errors", [])[:3])
            rows = b.rows_inserted
            t0 = time.perf_counter()
            b2 = services.commit_import("ledger", ledger_csv, "ledger.csv", None, via="cli")
            db.session.commit()
            reimport = time.perf_counter() - t0
        finally:
            for attr, fn in originals.items():
                setattr(services, attr, fn)
        assert b2.rows_inserted == 0 and b2.rows_duplicate == rows, (b2.rows_inserted, b2.rows_duplicate)
        stored = db.session.execute(db.text("SELECT COUNT(*) FROM ledger_entries")).scalar()
        assert stored == rows, (stored, rows)
        db.session.remove()
        db.engine.dispose()
    return {"rows": rows, "total": total, "refresh": first.get("refresh", 0.0), "prepare": first.get("prepare", 0.0),
            "insert": first.get("insert", 0.0), "commit": first["commit"], "reimport": reimport,
            "reimport_prepare": timings.get("prepare", 0.0)}


def bare_rows(ledger_csv: bytes):
    """The same rows as ready tuples (parsing not timed): what the bare driver inserts."""
    import hashlib

    out = []
    lines = ledger_csv.decode().splitlines()[1:]
    for i, line in enumerate(lines):
        num, p, s, kind, amt, paid, src = line.split(";")
        kop = int(amt.replace(",", ""))
        key = hashlib.sha1(line.encode()).hexdigest()
        out.append((int(num) - 99999, SERVICES.index(s) + 1, p + "-01", kind, kop, paid or None, src or None, None,
                    None, key, 1, "2026-01-01 00:00:00.000000"))
    return out


LEDGER_DDL = ("CREATE TABLE bare_ledger (id {pk}, account_id BIGINT NOT NULL, service_id BIGINT NOT NULL, "
              "period DATE NOT NULL, kind VARCHAR(16) NOT NULL, amount_kop BIGINT NOT NULL, paid_on DATE, "
              "source VARCHAR(16), paid_period DATE, reference VARCHAR(64), reverses_id BIGINT, "
              "batch_id INTEGER, entry_key VARCHAR(40) NOT NULL UNIQUE, created_at TIMESTAMP NOT NULL, "
              "CONSTRAINT ck_kind CHECK (kind IN ('opening','charge','recalculation','payment')), "
              "CONSTRAINT ck_payment_date CHECK (kind <> 'payment' OR paid_on IS NOT NULL), "
              "CONSTRAINT ck_sign CHECK (amount_kop >= 0 OR kind = 'recalculation' OR "
              "(kind = 'payment' AND reverses_id IS NOT NULL)))")
INDEXES = ("CREATE INDEX bare_acc ON bare_ledger (account_id, period)", "CREATE INDEX bare_paid ON bare_ledger (paid_on)",
           "CREATE INDEX bare_batch ON bare_ledger (batch_id)")
COLS = ("account_id, service_id, period, kind, amount_kop, paid_on, source, paid_period, reference, entry_key, "
        "batch_id, created_at")


def bare_sqlite(path: str, rows) -> float:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(LEDGER_DDL.format(pk="INTEGER PRIMARY KEY"))
    for ix in INDEXES:
        con.execute(ix)
    con.commit()
    t0 = time.perf_counter()
    with con:
        con.executemany(f"INSERT INTO bare_ledger ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    dt = time.perf_counter() - t0
    con.close()
    return dt


def bare_pg(dsn: str, rows, with_fk: bool = False) -> float:
    """COPY the rows into bare_ledger; `with_fk` adds the real table's foreign keys (to bare referenced tables)."""
    import psycopg

    table = "bare_ledger_fk" if with_fk else "bare_ledger"
    with psycopg.connect(dsn) as con:
        ddl = LEDGER_DDL.format(pk="BIGSERIAL PRIMARY KEY").replace("bare_ledger", table)
        if with_fk:
            n_acc = max(r[0] for r in rows)
            con.execute("CREATE TABLE bare_accounts (id BIGINT PRIMARY KEY)")
            con.execute("INSERT INTO bare_accounts SELECT generate_series(1, %s)", (n_acc,))
            con.execute("CREATE TABLE bare_services (id BIGINT PRIMARY KEY)")
            con.execute("INSERT INTO bare_services SELECT generate_series(1, 20)")
            con.execute("CREATE TABLE bare_batches (id INTEGER PRIMARY KEY)")
            con.execute("INSERT INTO bare_batches VALUES (1)")
            ddl = (ddl.replace("account_id BIGINT NOT NULL", "account_id BIGINT NOT NULL REFERENCES bare_accounts")
                   .replace("service_id BIGINT NOT NULL", "service_id BIGINT NOT NULL REFERENCES bare_services")
                   .replace("batch_id INTEGER", "batch_id INTEGER REFERENCES bare_batches")
                   .replace("reverses_id BIGINT", f"reverses_id BIGINT REFERENCES {table}"))
        con.execute(ddl)
        for ix in INDEXES:
            con.execute(ix.replace("bare_ledger", table).replace("bare_", f"{table}_", 1))
        con.commit()
        t0 = time.perf_counter()
        with con.cursor() as cur:
            with cur.copy(f"COPY {table} ({COLS}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
        con.commit()
        return time.perf_counter() - t0


# ------------------------------------------------------------------------------------------------ persons
def generate_persons(n_rows: int) -> tuple[bytes, bytes, bytes]:
    """Accounts registry, persons file and the same file with some phones and shares changed."""
    n_acc = (n_rows + 1) // 2
    acc = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт"]
    for i in range(n_acc):
        acc.append(f"{100000 + i};население;Должник {i};ул. Мира, д. {i // 40 + 1}, кв. {i % 40 + 1};г. Ленск")
    head = ("ЛС;ФИО;Роль;Доля;Дата рождения;Серия паспорта;Номер паспорта;СНИЛС;Телефон;Адрес регистрации;Код")
    plain, changed = [head], [head]
    for k, r in enumerate(persons_rows(n_rows)):
        num, name, birth, series, number, snils, phone, address, ext = r
        line = f"{num};{name};собственник;1/2;{birth};{series};{number};{snils};{phone};{address};{ext}"
        plain.append(line)
        if k % 10 == 3:
            line = line.replace(phone, phone[:-2] + "99")
        if k % 20 == 7:
            line = line.replace(";1/2;", ";1/3;")
        changed.append(line)
    return tuple(("\n".join(x) + "\n").encode() for x in (acc, plain, changed))


def persons_rows(n_rows: int):
    """(account number, name, birth date, passport series and number, СНИЛС, phone, address, billing id) per row."""
    rnd = random.Random(7)
    for k in range(n_rows):
        i = k // 2
        yield (str(100000 + i), f"Житель{k} Имя{k % 97} Отчество{k % 89}",
               f"{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.{rnd.randint(1940, 2004)}",
               f"{9800 + k % 100}", f"{100000 + k}", f"{k:011d}", f"+7 914 {k:07d}",
               f"г. Ленск, ул. Мира, д. {i // 40 + 1}, кв. {i % 40 + 1}", f"P-{k}")


def run_persons_real(app, accounts_csv: bytes, persons_csv: bytes, changed_csv: bytes) -> dict:
    from casework.extensions import db
    from casework.imports import services

    out = {}
    with app.app_context():
        b = services.commit_import("accounts", accounts_csv, "accounts.csv", None, via="cli")
        db.session.commit()
        assert b.status == "committed", b.message
        for name, data, expect in (("first", persons_csv, None), ("same", persons_csv, "same"),
                                   ("changed", changed_csv, "changed")):
            t0 = time.perf_counter()
            b = services.commit_import("persons", data, name + ".csv", None, via="cli")
            db.session.commit()
            out[name] = time.perf_counter() - t0
            assert b.status == "committed", (b.status, b.message, (b.options or {}).get("errors", [])[:3])
            out[name + "_counts"] = (b.rows_inserted, b.rows_updated, b.rows_duplicate)
        out["rows"] = b.rows_total
        assert out["same_counts"] == (0, 0, out["rows"]), out["same_counts"]
        db.session.remove()
        db.engine.dispose()
    return out


def persons_bare_tuples(n_rows: int):
    parties, links = [], []
    for k, (num, name, birth, series, number, snils, phone, address, ext) in enumerate(persons_rows(n_rows)):
        d, m, y = birth.split(".")
        last, first, middle = name.split()
        parties.append((k + 1, "person", name, last, first, middle, f"{y}-{m}-{d}", series, number, snils, phone,
                        address, ext, "2026-01-01 00:00:00.000000"))
        links.append((int(num) - 99999, k + 1, "owner", 1, 2))
    return parties, links


PARTY_DDL = ("CREATE TABLE bare_parties (id {pk}, kind VARCHAR(16) NOT NULL, full_name VARCHAR(300) NOT NULL, "
             "last_name VARCHAR(100), first_name VARCHAR(100), middle_name VARCHAR(100), gender VARCHAR(1), "
             "birth_date DATE, birth_place VARCHAR(300), passport_series VARCHAR(10), passport_number VARCHAR(20), "
             "passport_issued_by VARCHAR(300), passport_issued_on DATE, snils VARCHAR(14), inn VARCHAR(12), "
             "ogrn VARCHAR(15), registration_address VARCHAR(500), phone VARCHAR(60), email VARCHAR(200), "
             "deceased_on DATE, external_id VARCHAR(64) UNIQUE, created_at TIMESTAMP NOT NULL, "
             "CONSTRAINT ck_kind CHECK (kind IN ('person','organization')))")
LINK_DDL = ("CREATE TABLE bare_account_parties (id {pk}, account_id INTEGER NOT NULL, party_id INTEGER NOT NULL, "
            "role VARCHAR(20) NOT NULL, share_num INTEGER, share_den INTEGER, since DATE, until DATE, "
            "UNIQUE (account_id, party_id, role), "
            "CONSTRAINT ck_share CHECK (share_num IS NULL OR (share_num > 0 AND share_den >= share_num)))")
PERSON_INDEXES = ("CREATE INDEX bare_parties_name ON bare_parties (full_name)",
                  "CREATE INDEX bare_ap_account ON bare_account_parties (account_id)",
                  "CREATE INDEX bare_ap_party ON bare_account_parties (party_id)")
PARTY_COLS = ("id, kind, full_name, last_name, first_name, middle_name, birth_date, passport_series, passport_number, "
              "snils, phone, registration_address, external_id, created_at")
LINK_COLS = "account_id, party_id, role, share_num, share_den"


def bare_persons_sqlite(path: str, parties, links) -> float:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(PARTY_DDL.format(pk="INTEGER PRIMARY KEY"))
    con.execute(LINK_DDL.format(pk="INTEGER PRIMARY KEY"))
    for ix in PERSON_INDEXES:
        con.execute(ix)
    con.commit()
    t0 = time.perf_counter()
    with con:
        con.executemany(f"INSERT INTO bare_parties ({PARTY_COLS}) VALUES ({', '.join('?' * 14)})", parties)
        con.executemany(f"INSERT INTO bare_account_parties ({LINK_COLS}) VALUES (?,?,?,?,?)", links)
    dt = time.perf_counter() - t0
    con.close()
    return dt


def bare_persons_pg(dsn: str, parties, links) -> float:
    import psycopg

    with psycopg.connect(dsn) as con:
        con.execute(PARTY_DDL.format(pk="BIGINT PRIMARY KEY"))
        con.execute(LINK_DDL.format(pk="BIGSERIAL PRIMARY KEY"))
        for ix in PERSON_INDEXES:
            con.execute(ix)
        con.commit()
        t0 = time.perf_counter()
        with con.cursor() as cur:
            with cur.copy(f"COPY bare_parties ({PARTY_COLS}) FROM STDIN") as cp:
                for r in parties:
                    cp.write_row(r)
            with cur.copy(f"COPY bare_account_parties ({LINK_COLS}) FROM STDIN") as cp:
                for r in links:
                    cp.write_row(r)
        con.commit()
        return time.perf_counter() - t0


def main_persons(args) -> None:
    t = time.perf_counter()
    accounts_csv, persons_csv, changed_csv = generate_persons(args.persons)
    print(f"generated {args.persons:,} person rows on {(args.persons + 1) // 2:,} accounts "
          f"({len(persons_csv) / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
    parties, links = persons_bare_tuples(args.persons)
    tmp = tempfile.mkdtemp(prefix="bench-persons-")
    os.environ["CASEWORK_INSTANCE_PATH"] = tmp
    results = []
    print("load:", os.getloadavg(), flush=True)
    if not args.no_sqlite:
        real = run_persons_real(make_app(f"sqlite:///{tmp}/real.sqlite3", tmp), accounts_csv, persons_csv,
                                changed_csv)
        results.append(("SQLite", real, bare_persons_sqlite(f"{tmp}/bare.sqlite3", parties, links),
                        "sqlite3.executemany"))
        print("sqlite done; load:", os.getloadavg(), flush=True)
    if not args.no_pg:
        with scratch_pg(args.pg, "bench_persons") as (url, bare_dsn):
            real = run_persons_real(make_app(url, tmp), accounts_csv, persons_csv, changed_csv)
            results.append(("PostgreSQL", real, bare_persons_pg(bare_dsn, parties, links), "psycopg COPY"))
    print()
    print(f"{'engine':<11} {'rows':>8} {'import s':>9} {'rows/s':>9} {'bare s':>7} {'bare rows/s':>11} {'ratio':>6} "
          f"{'same s':>7} {'changed s':>9}  counts (inserted, updated, already present)")
    for engine, real, bare, bare_name in results:
        n = real["rows"]
        print(f"{engine:<11} {n:>8,} {real['first']:>9.2f} {n / real['first']:>9,.0f} {bare:>7.2f} {n / bare:>11,.0f} "
              f"{bare / real['first']:>6.0%} {real['same']:>7.2f} {real['changed']:>9.2f}  first {real['first_counts']}, "
              f"same {real['same_counts']}, changed {real['changed_counts']} (bare = {bare_name})")
    print("load:", os.getloadavg())


@contextmanager
def scratch_pg(server_url: str, prefix: str):
    """Two fresh databases on the PostgreSQL server, one for the real path and one for the bare side; yields
    (SQLAlchemy URL of the first, libpq DSN of the second) and drops both afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
        con.execute(f'CREATE DATABASE "{name}_bare"')
    try:
        yield (base.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False),
               base.set(drivername="postgresql", database=name + "_bare").render_as_string(hide_password=False))
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            con.execute(f'DROP DATABASE IF EXISTS "{name}_bare" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=20000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--services", type=int, default=2, choices=(1, 2, 3))
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--kind", choices=("ledger", "persons"), default="ledger")
    ap.add_argument("--persons", type=int, default=100_000, help="rows of the persons file (--kind persons)")
    args = ap.parse_args()
    if args.kind == "persons":
        main_persons(args)
        return

    t = time.perf_counter()
    accounts_csv, ledger_csv = generate(args.accounts, args.months, args.services)
    n_rows = ledger_csv.count(b"\n") - 1
    print(f"generated {args.accounts} accounts × {args.months} months = {n_rows:,} ledger rows "
          f"({len(ledger_csv) / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
    rows = bare_rows(ledger_csv)
    results = []
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["CASEWORK_INSTANCE_PATH"] = tmp

    print("load:", os.getloadavg(), flush=True)
    if not args.no_sqlite:
        app = make_app(f"sqlite:///{tmp}/real.sqlite3", tmp)
        real = run_real(app, accounts_csv, ledger_csv)
        bare = bare_sqlite(f"{tmp}/bare.sqlite3", rows)
        results.append(("SQLite", real, n_rows / bare, "sqlite3.executemany", 0.25))
        print("sqlite done; load:", os.getloadavg(), flush=True)

    if not args.no_pg:
        with scratch_pg(args.pg, "bench_import") as (url, bare_dsn):
            app = make_app(url, tmp)
            real = run_real(app, accounts_csv, ledger_csv)
            bare = bare_pg(bare_dsn, rows)
            bare_fk = bare_pg(bare_dsn, rows, with_fk=True)
            results.append(("PostgreSQL", real, n_rows / bare, "psycopg COPY", 0.30))
            results.append(("PG (FK ref)", real, n_rows / bare_fk, "psycopg COPY into a table with the same FKs", 0.30))

    print()
    print(f"{'engine':<11} {'rows':>9} {'import s':>9} {'parse+chk':>9} {'insert s':>9} {'refresh s':>9} "
          f"{'real rows/s':>12} {'w/o refresh':>12} {'bare rows/s':>12} {'ratio':>7} {'ratio w/o':>9} {'target':>7} "
          f"{'re-import s':>11}")
    for engine, real, bare_rate, bare_name, target in results:
        rate = real["rows"] / real["total"]
        rate_nr = real["rows"] / max(1e-9, real["total"] - real["refresh"])
        ok = "ok" if rate / bare_rate >= target else "BELOW"
        print(f"{engine:<11} {real['rows']:>9,} {real['total']:>9.2f} {real['prepare']:>9.2f} {real['insert']:>9.2f} "
              f"{real['refresh']:>9.2f} {rate:>12,.0f} {rate_nr:>12,.0f} {bare_rate:>12,.0f} {rate / bare_rate:>6.0%} "
              f"{rate_nr / bare_rate:>9.0%} {target:>6.0%} {real['reimport']:>11.2f}  {ok} (bare = {bare_name}; "
              f"bare insert {real['rows'] / bare_rate:.2f} s)")
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
