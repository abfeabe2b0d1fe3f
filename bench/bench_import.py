"""Ledger import speed: the real service path next to the bare driver, on SQLite and PostgreSQL.

    python bench/bench_import.py [--accounts 20000] [--months 36] [--services 2] [--pg URL] [--no-pg]

Generates N accounts × M months (charges for each service + one payment a month on most accounts) as a
billing CSV, then for each engine on a fresh database: imports the accounts registry, times
`commit_import("ledger", …)` (parse + validate + insert + refresh_account_figures) and, separately, the bare
driver inserting the same rows into a table of the same shape (sqlite3.executemany in one transaction;
psycopg COPY). Targets (issue 2 §5): ≥ 25 % of bare sqlite3, ≥ 30 % of bare COPY.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
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


def make_app(url: str, instance: str):
    from casework import create_app
    from casework.extensions import db
    from casework.maintenance.setup import seed_reference

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "IMPORTS_DIR": instance + "/imports", "TESTING": True})
    with app.app_context():
        db.create_all()
        seed_reference()
        db.session.commit()
    return app


def run_real(app, accounts_csv: bytes, ledger_csv: bytes) -> dict:
    from casework.accounts import services as acc_services
    from casework.extensions import db
    from casework.imports import services

    timings = {}
    real_refresh = acc_services.refresh_account_figures

    def timed_refresh(*a, **kw):
        t = time.perf_counter()
        real_refresh(*a, **kw)
        timings["refresh"] = time.perf_counter() - t

    with app.app_context():
        b = services.commit_import("accounts", accounts_csv, "accounts.csv", None, via="cli")
        db.session.commit()
        assert b.status == "committed", b.message
        services.refresh_account_figures = timed_refresh
        try:
            t0 = time.perf_counter()
            b = services.commit_import("ledger", ledger_csv, "ledger.csv", None, via="cli")
            db.session.commit()
            total = time.perf_counter() - t0
        finally:
            services.refresh_account_figures = real_refresh
        assert b.status == "committed", (b.status, b.message, (b.options or {}).get("errors", [])[:3])
        rows = b.rows_inserted
        t0 = time.perf_counter()
        b2 = services.commit_import("ledger", ledger_csv, "ledger.csv", None, via="cli")
        db.session.commit()
        reimport = time.perf_counter() - t0
        assert b2.rows_inserted == 0
        db.session.remove()
        db.engine.dispose()
    return {"rows": rows, "total": total, "refresh": timings.get("refresh", 0.0), "reimport": reimport}


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
              "source VARCHAR(16), paid_period DATE, reference VARCHAR(64), entry_key VARCHAR(40) NOT NULL UNIQUE, "
              "batch_id INTEGER, created_at TIMESTAMP NOT NULL)")
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


def bare_pg(dsn: str, rows) -> float:
    import psycopg

    with psycopg.connect(dsn) as con:
        con.execute(LEDGER_DDL.format(pk="BIGSERIAL PRIMARY KEY"))
        for ix in INDEXES:
            con.execute(ix)
        con.commit()
        t0 = time.perf_counter()
        with con.cursor() as cur:
            with cur.copy(f"COPY bare_ledger ({COLS}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
        con.commit()
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=20000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--services", type=int, default=2, choices=(1, 2, 3))
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()

    t = time.perf_counter()
    accounts_csv, ledger_csv = generate(args.accounts, args.months, args.services)
    n_rows = ledger_csv.count(b"\n") - 1
    print(f"generated {args.accounts} accounts × {args.months} months = {n_rows:,} ledger rows "
          f"({len(ledger_csv) / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
    rows = bare_rows(ledger_csv)
    results = []
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["CASEWORK_INSTANCE_PATH"] = tmp

    # SQLite
    app = make_app(f"sqlite:///{tmp}/real.sqlite3", tmp)
    real = run_real(app, accounts_csv, ledger_csv)
    bare = bare_sqlite(f"{tmp}/bare.sqlite3", rows)
    results.append(("SQLite", real, n_rows / bare, "sqlite3.executemany", 0.25))
    print("sqlite done", flush=True)

    if not args.no_pg:
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(args.pg)
        name = f"bench_import_{uuid.uuid4().hex[:8]}"
        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
            con.execute(f'CREATE DATABASE "{name}_bare"')
        try:
            url = base.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
            app = make_app(url, tmp)
            real = run_real(app, accounts_csv, ledger_csv)
            bare = bare_pg(base.set(drivername="postgresql", database=name + "_bare")
                           .render_as_string(hide_password=False), rows)
            results.append(("PostgreSQL", real, n_rows / bare, "psycopg COPY", 0.30))
        finally:
            with psycopg.connect(admin, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                con.execute(f'DROP DATABASE IF EXISTS "{name}_bare" WITH (FORCE)')

    print()
    print(f"{'engine':<11} {'rows':>9} {'import s':>9} {'refresh s':>9} {'real rows/s':>12} {'w/o refresh':>12} "
          f"{'bare rows/s':>12} {'ratio':>7} {'ratio w/o':>9} {'target':>7} {'re-import s':>11}")
    for engine, real, bare_rate, bare_name, target in results:
        rate = real["rows"] / real["total"]
        rate_nr = real["rows"] / max(1e-9, real["total"] - real["refresh"])
        ok = "ok" if rate / bare_rate >= target else "BELOW"
        print(f"{engine:<11} {real['rows']:>9,} {real['total']:>9.2f} {real['refresh']:>9.2f} {rate:>12,.0f} "
              f"{rate_nr:>12,.0f} {bare_rate:>12,.0f} {rate / bare_rate:>6.0%} {rate_nr / bare_rate:>9.0%} "
              f"{target:>6.0%} {real['reimport']:>11.2f}  {ok} (bare = {bare_name})")


if __name__ == "__main__":
    main()
