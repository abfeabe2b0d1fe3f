"""Case pages at scale: the work queue (collector, manager), the case page and the case list (filtered, sorted),
p50/p95 through the Flask test client, next to the bare SQL of each page's main query, on SQLite and PostgreSQL.

    python -m bench.bench_queue                        # 100,000 accounts, SQLite and PostgreSQL
    python -m bench.bench_queue --accounts 20000 --engines sqlite --repeat 20

For each engine it uses the cached benchmark database (`bench.dataset.cached_dataset`, built once; --rebuild to
build it again): accounts with their full ledger and, from `bench.dataset.add_casework`, one case for every
account above the 5,000 ₽ threshold spread across the stages, with history, planned next actions (some due
today), deadlines (warning terms, objection windows, limitation), alerts, court records, contacts with next
actions, promises and payment agreements. "bare SQL" is the
page's main query (queue: the next-actions section; list: the page rows + the count; case page: the case with its
account and balance) run with the raw driver (sqlite3 / psycopg) on the same database. Target: p95 ≤ 150 ms.
"""
from __future__ import annotations

import os
import random
import tempfile
import time

from bench.bench_pages import _pct, bare_timing, bench_main, uptime

TARGET_MS = 150.0


def _sql(stmt, dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def measure(engine: str, url: str, args, info: dict) -> list[tuple]:
    from sqlalchemy import select

    from casework import create_app
    from casework.accounts.models import Account, AccountBalance, Territory
    from casework.cases import queries
    from casework.cases.models import Case
    from casework.extensions import db
    from casework.timeutil import today as business_today

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "TESTING": True})
    rng = random.Random(11)
    today = business_today()
    with app.app_context():
        dialect = db.engine.dialect
        territory = db.session.scalar(select(Territory.id).where(Territory.name == "п. Витим"))
        sample_max = args.ledger_sample or 10 ** 9
        case_ids = list(db.session.scalars(select(Case.id).where(Case.account_id <= sample_max)
                                           .order_by(Case.id).limit(5000)))
        picks = [rng.choice(case_ids) for _ in range(args.repeat)]
        names = [db.session.scalar(select(Account.debtor_name).join(Case, Case.account_id == Account.id)
                                   .where(Case.id == i)).split()[0][:5].lower() for i in picks[:10]]
        base = (select(Case.id, Account.number, Account.debtor_name, Case.stage, Case.next_action_on)
                .join(Account, Account.id == Case.account_id).where(Case.is_open.is_(True),
                                                                    Case.next_action_on <= today))
        q_coll = _sql(base.where(Case.assignee_id == info["collector_id"])
                      .order_by(Case.next_action_on, Case.id).limit(200), dialect)
        q_all = _sql(base.order_by(Case.next_action_on, Case.id).limit(200), dialect)

        def list_sql(f):
            stmt = queries.case_list_stmt(f)
            return [_sql(stmt.limit(51), dialect),
                    _sql(queries.case_count_stmt(f), dialect)]
        F = queries.CaseFilter
        case_sql = _sql(select(Case, Account, AccountBalance).join(Account, Account.id == Case.account_id)
                        .outerjoin(AccountBalance, AccountBalance.account_id == Case.account_id)
                        .where(Case.id == picks[0]), dialect)
    ctx = app.app_context()  # the statements consult the session's dialect
    ctx.push()
    scenarios = [
        ("queue, collector", "collector", ["/cases/queue"], [q_coll]),
        ("queue, manager (everybody)", "manager", ["/cases/queue"], [q_all]),
        ("queue, manager viewing a collector", "manager", [f"/cases/queue?user={info['collector_id']}"], [q_coll]),
        ("case page", "lawyer", [f"/cases/{i}" for i in picks], [case_sql]),
        ("cases list, first page", "manager", ["/cases/"], list_sql(F())),
        ("cases list, page 20", "manager", ["/cases/?page=20"], list_sql(F())),
        ("cases list: notice, Витим, debt ≥ 10 000 ₽", "manager",
         [f"/cases/?stage=notice&territory={territory}&debt_min=10000"],
         list_sql(F(stage="notice", territory_id=territory, debt_min_kop=1_000_000))),
        ("cases list: court, not on hold", "lawyer", ["/cases/?stage=court&hold=none"],
         list_sql(F(stage="court", hold="none"))),
        ("cases list: unassigned", "manager", ["/cases/?assignee=0"], list_sql(F(assignee_id=0))),
        ("cases list: search by name", "collector", [f"/cases/?q={n}" for n in names], list_sql(F(q=names[0]))),
        ("neglected cases (manager)", "manager", ["/cases/neglected"], []),
    ]
    ctx.pop()
    clients = {}
    for role in ("collector", "lawyer", "manager"):
        c = app.test_client()
        r = c.post("/auth/login", data={"username": f"bench_{role}", "password": "Bench-pass-123"})
        assert r.status_code == 302, (role, r.status_code)
        clients[role] = c
    out = []
    for name, role, urls, sqls in scenarios:
        client = clients[role]
        for u in urls[:2]:
            r = client.get(u)
            assert r.status_code == 200, (u, r.status_code)
        samples = []
        for i in range(args.repeat):
            u = urls[i % len(urls)]
            t = time.perf_counter()
            r = client.get(u)
            r.get_data()
            samples.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (u, r.status_code)
        bare = bare_timing(url, sqls, args.repeat) if sqls else None
        row = (engine, name, _pct(samples, 50), _pct(samples, 95), bare)
        out.append(row)
        print(_fmt(row) + f"   [{uptime()}]", flush=True)
    return out


def _fmt(row) -> str:
    engine, name, p50, p95, bare = row
    bare_s = f"{bare[0]:7.1f} {bare[1]:7.1f}" if bare else f"{'—':>7} {'—':>7}"
    flag = "" if p95 <= TARGET_MS else f"  > {TARGET_MS:.0f} ms"
    return f"{engine:10} {name:45} {p50:8.1f} {p95:8.1f}   {bare_s}{flag}"


def run_engine(engine: str, args) -> list[tuple]:
    from sqlalchemy import create_engine, text

    from bench.dataset import cached_dataset

    os.environ.setdefault("CASEWORK_INSTANCE_PATH", tempfile.mkdtemp(prefix="casework-bench-queue-"))
    url = cached_dataset(engine, args.accounts, args.months, rebuild=args.rebuild, pg_admin=args.pg_admin,
                         ledger_sample=args.ledger_sample)
    eng = create_engine(url)
    with eng.connect() as conn:
        info = {"collector_id": conn.execute(text("SELECT id FROM users WHERE username = 'bench_collector'")).scalar(),
                "cases": conn.execute(text("SELECT count(*) FROM cases")).scalar()}
    eng.dispose()
    print(f"[{engine}] {url}: {info['cases']} cases; {uptime()}", flush=True)
    return measure(engine, url, args, info)


def main(argv=None) -> None:
    bench_main(argv, __doc__, run_engine, _fmt, 45,
               "a dataset with ledger entries only for the first N accounts (case pages are timed on those)")


if __name__ == "__main__":
    main()
