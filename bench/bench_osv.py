"""Import of a 1С «Оборотно-сальдовая ведомость» (.xlsx as 1С saves it), end to end, next to the bare library and
the bare driver, on SQLite and PostgreSQL.

    python bench/bench_osv.py [--accounts 100000] [--pg URL] [--no-pg] [--no-sqlite]

The sheet: N accounts (numbers stored as numbers, as Excel keeps them: leading zeros lost), one service (heating),
title rows, the two-level merged header, service and house subtotal rows and «Итого» — built by
`tests/osv_builder.py`, the same builder the tests use. For each engine on a fresh database: the accounts registry
is imported first (not timed), then `commit_import("turnover", …)` is timed (read the workbook, find the header,
resolve numbers to accounts, check every row balances, build opening / charge / payment entries, key check,
insert, refresh the figures, committed), and the same file is imported again (every row already known: nothing
written).

The raw limit, measured in the same run:
- bare library: openpyxl `load_workbook(read_only=True)` iterating every cell of the same file (what any reader of
  an .xlsx must pay);
- bare driver: the same ledger rows as ready tuples inserted into a table of the ledger's shape
  (`bench_import.bare_sqlite` executemany / `bench_import.bare_pg` COPY).
Their sum is the floor of an import; the ratio column says what share of it the real path reaches.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_import import bare_pg, bare_sqlite, make_app, scratch_pg  # noqa: E402
from tests.osv_builder import MONTH_NAMES, OsvLine, build_osv  # noqa: E402


def previous_month() -> date:
    t = date.today()
    return date(t.year - (t.month == 1), (t.month - 2) % 12 + 1, 1)


def generate(n: int, month: date) -> tuple[bytes, bytes, list[OsvLine]]:
    """The accounts registry (CSV) and the ОСВ (.xlsx) of `n` accounts for `month`."""
    import random

    rnd = random.Random(7)
    registry = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт"]
    lines = []
    for i in range(n):
        number = f"{i + 1:07d}"  # «0000001»: 1С's sheet stores it as the number 1
        registry.append(f"{number};Физическое лицо;Должник {i};ул. Мира, д. {i // 40 + 1}, кв. {i % 40 + 1};г. Ленск")
        opening = Decimal(rnd.randint(-50000, 4_000_000)) / 100
        charged = Decimal(rnd.randint(150_000, 600_000)) / 100
        paid = Decimal(rnd.randint(0, 600_000)) / 100 if rnd.random() < 0.8 else Decimal(0)
        lines.append(OsvLine(number, "Отопление", opening, charged, paid, f"ул. Мира, д. {i // 40 + 1}"))
    title = f"Оборотно-сальдовая ведомость по счету 62 за {MONTH_NAMES[month.month - 1]} {month.year} г."
    sheet = build_osv(lines, organisation="МУП «Теплоэнергосервис»", title=title, houses=True)
    return ("\n".join(registry) + "\n").encode("cp1251"), sheet, lines


def bare_read(sheet: bytes) -> tuple[float, int]:
    """openpyxl read-only: every cell of every row, nothing else."""
    from openpyxl import load_workbook

    t0 = time.perf_counter()
    wb = load_workbook(io.BytesIO(sheet), read_only=True, data_only=True)
    cells = 0
    for row in wb.active.iter_rows(values_only=True):
        cells += len(row)
    wb.close()
    return time.perf_counter() - t0, cells


def bare_tuples(lines: list[OsvLine], month: date) -> list[tuple]:
    """The ledger rows the import writes (opening, charge, payment per account), as ready tuples."""
    last = (date(month.year + (month.month == 12), month.month % 12 + 1, 1) - date.resolution).isoformat()
    out = []
    for i, x in enumerate(lines, start=1):
        for kind, amount, paid in (("opening" if x.opening >= 0 else "recalculation", x.opening, None),
                                   ("charge", x.charged, None), ("payment", x.paid, last)):
            if amount:
                key = hashlib.sha1(f"{x.account}|{kind}|{amount}".encode()).hexdigest()
                out.append((i, 1, month.isoformat(), kind, int(amount * 100), paid, "other" if paid else None, None,
                            None, key, 1, "2026-01-01 00:00:00.000000"))
    return out


def run_real(app, registry: bytes, sheet: bytes) -> dict:
    from casework.extensions import db
    from casework.imports import services

    with app.app_context():
        b = services.commit_import("accounts", registry, "реестр.csv", None, via="cli")
        db.session.commit()
        assert b.status == "committed", b.message
        t0 = time.perf_counter()
        b = services.commit_import("turnover", sheet, "ОСВ.xlsx", None, via="cli")
        db.session.commit()
        first = time.perf_counter() - t0
        assert b.status == "committed", (b.status, b.message, (b.options or {}).get("errors", [])[:3])
        rows = b.rows_inserted
        t0 = time.perf_counter()
        b2 = services.commit_import("turnover", sheet, "ОСВ.xlsx", None, via="cli")
        db.session.commit()
        again = time.perf_counter() - t0
        assert (b2.rows_inserted, b2.rows_duplicate) == (0, rows), (b2.rows_inserted, b2.rows_duplicate)
        db.session.remove()
        db.engine.dispose()
    return {"rows": rows, "first": first, "again": again}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args()

    month = previous_month()
    t = time.perf_counter()
    registry, sheet, lines = generate(args.accounts, month)
    print(f"generated an ОСВ of {args.accounts:,} accounts for {month:%m.%Y} ({len(sheet) / 1e6:.1f} MB .xlsx) in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    read_s, cells = bare_read(sheet)
    tuples = bare_tuples(lines, month)
    print(f"bare library: openpyxl read-only, {cells:,} cells in {read_s:.2f} s; {len(tuples):,} ledger rows",
          flush=True)
    tmp = tempfile.mkdtemp(prefix="bench-osv-")
    os.environ["CASEWORK_INSTANCE_PATH"] = tmp
    print("load:", os.getloadavg(), flush=True)
    results = []
    if not args.no_sqlite:
        real = run_real(make_app(f"sqlite:///{tmp}/real.sqlite3", tmp), registry, sheet)
        results.append(("SQLite", real, bare_sqlite(f"{tmp}/bare.sqlite3", tuples), "sqlite3.executemany"))
    if not args.no_pg:
        with scratch_pg(args.pg, "bench_osv") as (url, bare_dsn):
            real = run_real(make_app(url, tmp), registry, sheet)
            results.append(("PostgreSQL", real, bare_pg(bare_dsn, tuples), "psycopg COPY"))
    print()
    print(f"{'engine':<11} {'accounts':>9} {'rows':>8} {'import s':>9} {'again s':>8} {'bare read s':>11} "
          f"{'bare insert s':>13} {'bare sum s':>10} {'share of raw':>12}")
    for engine, real, bare_insert, bare_name in results:
        floor = read_s + bare_insert
        print(f"{engine:<11} {args.accounts:>9,} {real['rows']:>8,} {real['first']:>9.2f} {real['again']:>8.2f} "
              f"{read_s:>11.2f} {bare_insert:>13.2f} {floor:>10.2f} {floor / real['first']:>12.0%}  "
              f"(bare = openpyxl read-only + {bare_name})")
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
