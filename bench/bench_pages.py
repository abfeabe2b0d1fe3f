"""Accounts list, search and account page at scale: p50/p95 through the Flask test client, next to bare SQL.

    python -m bench.bench_pages                       # 100,000 accounts × 36 months, SQLite and PostgreSQL
    python -m bench.bench_pages --accounts 20000 --engines sqlite --repeat 20
    python -m bench.bench_pages --ledger-sample 5000  # full ledger only for the first 5,000 accounts (faster build)

For each engine it uses the cached benchmark database of `bench.dataset.cached_dataset` (built once:
/tmp/cw-bench/cw_bench_100k.sqlite3 and the PostgreSQL database cw_bench_100k; `--rebuild` builds it again),
logs in as the bench lawyer (so the account page also writes its personal-data audit rows) and times every
scenario; the machine's load average is printed with every figure. "bare SQL" is the list's main
query (rows of the page + the totals) run with the raw driver (sqlite3 / psycopg) on the same database.
Target: p95 ≤ 100 ms at 100,000 accounts.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pct(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def _scenarios(app, rng: random.Random, repeat: int) -> list[tuple[str, list[str], object]]:
    """(name, URLs to cycle through, AccountFilter of the main query or None)."""
    from sqlalchemy import func, select

    from casework.accounts.models import Account, AccountBalance, LedgerEntry, Territory
    from casework.accounts.queries import AccountFilter
    from casework.extensions import db

    with app.app_context():
        n = db.session.scalar(select(func.max(Account.id)))
        territory = db.session.scalar(select(Territory.id).where(Territory.name == "п. Витим"))
        ids = [rng.randint(1, n) for _ in range(repeat)]
        numbers = [db.session.get(Account, i).number for i in ids]
        names = [db.session.get(Account, i).debtor_name.split()[0][:5].lower() for i in ids]
        phones = [p for p in db.session.scalars(select(Account.phone).where(Account.phone.is_not(None))
                                                .where(Account.id.in_(ids)))] or ["8 914 000-00-00"]
        with_ledger = db.session.scalar(select(func.max(LedgerEntry.account_id))) or n
        page_ids = [rng.randint(1, with_ledger) for _ in range(repeat)]
        max_balance = db.session.scalar(select(func.max(AccountBalance.balance_kop))) or 0
    return [
        ("list, first page", ["/accounts/"], AccountFilter()),
        ("list, page 20", ["/accounts/?page=20"], AccountFilter()),
        ("filtered (population, Витим, debt ≥ 1 000 ₽, 181–365 d)",
         [f"/accounts/?category=population&territory={territory}&debt_min=1000"],
         AccountFilter(category="population", territory_id=territory, debt_min_kop=100_000)),
        ("filtered (debt ≥ 50 000 ₽, over 3 years)", ["/accounts/?debt_min=50000&aging=over_3y"],
         AccountFilter(debt_min_kop=5_000_000, aging="over_3y")),
        ("sorted by debt, desc", ["/accounts/?sort=balance&dir=desc"], AccountFilter(sort="balance", descending=True)),
        ("sorted by months in arrears", ["/accounts/?sort=months&dir=desc"],
         AccountFilter(sort="months", descending=True)),
        ("search: name fragment", [f"/accounts/?q={q}" for q in names], AccountFilter(q=names[0])),
        ("search: account number", [f"/accounts/?q={q}" for q in numbers], AccountFilter(q=numbers[0])),
        ("search: phone", [f"/accounts/?q={q}" for q in phones], AccountFilter(q=phones[0])),
        ("account page", [f"/accounts/{i}" for i in page_ids], None),
        ("export to Excel (filter: over 3 years, debt ≥ 50 000 ₽)",
         ["/accounts/export.xlsx?debt_min=50000&aging=over_3y"], None),
    ], max_balance


def _bare_sql(app, url: str, flt, repeat: int) -> tuple[float, float] | None:
    """Time the page query + totals of a filter with the raw driver."""
    if flt is None:
        return None
    from sqlalchemy import and_, func, select

    from casework.accounts import queries
    from casework.extensions import db

    with app.app_context():
        dialect = db.engine.dialect
        # the plan the page takes: a small filtered set is sorted after filtering (see search_accounts)
        filter_first = not flt.is_empty and queries.account_totals(flt).count <= queries.SORT_FIRST_BELOW
        page_sql = str(queries.account_list_stmt(flt, filter_first).limit(51).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}))
        conds = queries._where(flt)
        if conds:
            tot = select(func.count(), func.sum(queries.B.c.balance_kop)).select_from(queries._from(flt)).where(
                and_(*conds))
            totals_sqls = [str(tot.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))]
        else:
            totals_sqls = ["SELECT count(*) FROM accounts", "SELECT sum(balance_kop) FROM account_balances"]
    return bare_timing(url, [page_sql] + totals_sqls, repeat)


def bare_timing(url: str, sqls: list[str], repeat: int) -> tuple[float, float]:
    """p50/p95 in ms of running these statements (and fetching their rows) with the raw driver, after 3 warm-ups."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "postgresql":
        import psycopg

        conn = psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False))
    else:
        import sqlite3

        conn = sqlite3.connect(u.database)
    samples = []
    try:
        for i in range(repeat + 3):
            t = time.perf_counter()
            cur = conn.cursor()
            for s in sqls:
                cur.execute(s)
                cur.fetchall()
            if i >= 3:
                samples.append((time.perf_counter() - t) * 1000)
    finally:
        conn.close()
    return _pct(samples, 50), _pct(samples, 95)


def run_engine(engine: str, args) -> list[tuple]:
    from bench.dataset import cached_dataset

    os.environ.setdefault("CASEWORK_INSTANCE_PATH", tempfile.mkdtemp(prefix="casework-bench-"))
    url = cached_dataset(engine, args.accounts, args.months, rebuild=args.rebuild, pg_admin=args.pg_admin,
                         ledger_sample=args.ledger_sample)
    print(f"[{engine}] {url}; {uptime()}", flush=True)
    return measure(engine, url, args)


def uptime() -> str:
    """The machine's load average, printed next to every figure (the machine is shared)."""
    try:
        with open("/proc/loadavg") as f:
            return "load average " + " ".join(f.read().split()[:3])
    except OSError:
        return "load average ?"


def measure(engine: str, url: str, args) -> list[tuple]:
    from bench.dataset import BENCH_PASSWORD
    from casework import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "TESTING": True})
    client = app.test_client()
    resp = client.post("/auth/login", data={"username": "bench_lawyer", "password": BENCH_PASSWORD})
    assert resp.status_code == 302, resp.status_code
    rng = random.Random(7)
    scenarios, _max = _scenarios(app, rng, args.repeat)
    out = []
    for name, urls, flt in scenarios:
        reps = args.repeat if "export" not in name else max(3, args.repeat // 10)
        for u in urls[:2]:  # warm-up
            assert client.get(u).status_code == 200, u
        samples = []
        for i in range(reps):
            u = urls[i % len(urls)]
            t = time.perf_counter()
            resp = client.get(u)
            resp.get_data()
            samples.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, (u, resp.status_code)
        bare = _bare_sql(app, url, flt, args.repeat)
        row = (engine, name, _pct(samples, 50), _pct(samples, 95), bare)
        out.append(row)
        print(_fmt(row) + f"   [{uptime()}]", flush=True)
    return out


def _fmt(row) -> str:
    engine, name, p50, p95, bare = row
    bare_s = f"{bare[0]:7.1f} {bare[1]:7.1f}" if bare else f"{'—':>7} {'—':>7}"
    flag = "" if p95 <= 100 or "export" in name else "  > 100 ms"
    return f"{engine:10} {name:58} {p50:8.1f} {p95:8.1f}   {bare_s}{flag}"


def bench_main(argv, doc: str, run_engine, fmt, width: int, sample_help: str) -> None:
    """The command line shared by the page benchmarks: run `run_engine(engine, args)` per engine, print the table."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--ledger-sample", type=int, default=None, help=sample_help)
    ap.add_argument("--pg-admin", default=os.environ.get("BENCH_PG_ADMIN", PG_ADMIN))
    ap.add_argument("--reuse", action="store_true", default=True,
                    help="use the cached dataset (/tmp/cw-bench, PostgreSQL cw_bench_100k), building it if missing "
                         "(the default)")
    ap.add_argument("--rebuild", action="store_true", help="build the cached dataset again first")
    args = ap.parse_args(argv)
    rows = []
    for engine in args.engines.split(","):
        rows += run_engine(engine.strip(), args)
    print()
    print(f"{'engine':10} {'scenario':{width}} {'p50 ms':>8} {'p95 ms':>8}   {'bare p50':>7} {'p95':>7}   [{uptime()}]")
    for row in rows:
        print(fmt(row))


def main(argv=None) -> None:
    bench_main(argv, __doc__, run_engine, _fmt, 58,
               "write ledger entries only for the first N accounts (figures are always complete)")


if __name__ == "__main__":
    main()
