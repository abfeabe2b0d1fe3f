"""Case pages at scale: the work queue (collector, manager), the case page and the case list (filtered, sorted),
p50/p95 through the Flask test client, next to the bare SQL of each page's main query, on SQLite and PostgreSQL.

    python -m bench.bench_queue                        # 100,000 accounts, SQLite and PostgreSQL
    python -m bench.bench_queue --accounts 20000 --engines sqlite --repeat 20

For each engine `bench.dataset.build_dataset` builds a fresh database (the ledger only for the first
--ledger-sample accounts, the case pages are timed on those), then this script adds, with Core executemany,
one case for every account above the 5,000 ₽ threshold, spread across the stages, with its opening in the history,
a third of them assigned to the timed collector, planned next actions (some due today), deadlines (warning terms,
objection windows, limitation) and alerts, and court records for the court/enforcement cases. "bare SQL" is the
page's main query (queue: the next-actions section; list: the page rows + the count; case page: the case with its
account and balance) run with the raw driver (sqlite3 / psycopg) on the same database. Target: p95 ≤ 150 ms.
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta

from bench.bench_pages import PG_ADMIN, _pct

STAGES = [("debt_detected", 30), ("notice", 25), ("payment_agreement", 6), ("restriction", 6), ("suspension", 2),
          ("court", 16), ("enforcement", 15)]
TARGET_MS = 150.0


def _pick(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def add_cases(app, today: date, seed: int = 7) -> dict:
    """Cases and their satellites for every account above the threshold (Core executemany, chunked)."""
    from sqlalchemy import func, insert, select

    from casework.accounts.models import AccountBalance
    from casework.auth.models import User
    from casework.auth.services import create_user
    from casework.cases.models import Alert, Case, CourtRecord, Deadline, StageChange
    from casework.extensions import db

    rng = random.Random(seed)
    with app.app_context():
        users = {}
        for role in ("collector", "lawyer", "manager"):
            users[role] = create_user(f"bench_{role}", f"Бенч {role}", role, "Bench-pass-123")
        others = [create_user(f"bench_collector{i}", f"Бенч инспектор {i}", "collector", "Bench-pass-123")
                  for i in range(2, 4)]
        db.session.commit()
        collectors = [users["collector"].id] + [u.id for u in others]
        rows = db.session.execute(select(AccountBalance.account_id, AccountBalance.balance_kop)
                                  .where(AccountBalance.balance_kop > 5_000_00).order_by(AccountBalance.account_id)).all()
        now = datetime(2026, 11, 20, 9, 0)
        cases, changes = [], []
        for i, (aid, bal) in enumerate(rows, start=1):
            stage = _pick(rng, STAGES)
            opened = today - timedelta(days=rng.randint(5, 400))
            assignee = users["lawyer"].id if stage in ("court", "enforcement") else rng.choice(collectors + [None])
            nxt = None
            if rng.random() < 0.6:
                nxt = today + timedelta(days=rng.randint(-10, 30))
            cases.append({"id": i, "account_id": aid, "stage": stage, "stage_since": opened + timedelta(days=10),
                          "is_open": True, "assignee_id": assignee, "opened_on": opened, "debt_at_open_kop": bal,
                          "next_action_on": nxt, "next_action": "Позвонить должнику" if nxt else None,
                          "hold_reason": "dispute" if rng.random() < 0.03 else None, "version_id": 1,
                          "created_at": now})
            changes.append({"case_id": i, "from_stage": None, "to_stage": "debt_detected", "changed_on": opened,
                            "details": {}, "created_at": now})
            if stage != "debt_detected":
                changes.append({"case_id": i, "from_stage": "debt_detected", "to_stage": stage,
                                "changed_on": opened + timedelta(days=10), "details": {}, "created_at": now})
        for c in cases:  # executemany needs the same keys in every row
            c["hold_until"] = today + timedelta(days=20) if c["hold_reason"] else None
        deadlines, alerts, records = [], [], []
        for c in cases:
            cid, st = c["id"], c["stage"]
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
        for table, data in ((Case.__table__, cases), (StageChange.__table__, changes), (Deadline.__table__, deadlines),
                            (Alert.__table__, alerts), (CourtRecord.__table__, records)):
            for k in range(0, len(data), 20_000):
                db.session.execute(insert(table), data[k:k + 20_000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(func.setval("cases_id_seq", len(cases)).select())
            db.session.commit()
        out = {"cases": len(cases), "deadlines": len(deadlines), "alerts": len(alerts), "court_records": len(records),
               "collector_id": users["collector"].id}
        db.session.remove()
    return out


def _bare(url: str, sqls: list[str], repeat: int) -> tuple[float, float]:
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


def _sql(stmt, dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def measure(engine: str, url: str, args, info: dict) -> list[tuple]:
    from sqlalchemy import func, select

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
        bare = _bare(url, sqls, args.repeat) if sqls else None
        row = (engine, name, _pct(samples, 50), _pct(samples, 95), bare)
        out.append(row)
        print(_fmt(row), flush=True)
    return out


def _fmt(row) -> str:
    engine, name, p50, p95, bare = row
    bare_s = f"{bare[0]:7.1f} {bare[1]:7.1f}" if bare else f"{'—':>7} {'—':>7}"
    flag = "" if p95 <= TARGET_MS else f"  > {TARGET_MS:.0f} ms"
    return f"{engine:10} {name:45} {p50:8.1f} {p95:8.1f}   {bare_s}{flag}"


def run_engine(engine: str, args) -> list[tuple]:
    from bench.dataset import build_dataset
    from casework import create_app

    tmp = tempfile.mkdtemp(prefix="casework-bench-queue-")
    os.environ.setdefault("CASEWORK_INSTANCE_PATH", tmp)
    dbname = None
    if engine == "sqlite":
        url = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        import psycopg

        dbname = f"casework_benchq_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(args.pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = (args.pg_admin.rsplit("/", 1)[0] + "/" + dbname).replace("postgresql://", "postgresql+psycopg://", 1)
    print(f"[{engine}] building {args.accounts} accounts × {args.months} months …", flush=True)
    try:
        stats = build_dataset(url, args.accounts, args.months, ledger_sample=args.ledger_sample)
        t = time.perf_counter()
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
        info = add_cases(app, date.today())
        _analyze(url)
        print(f"[{engine}] dataset: {stats.ledger_rows} ledger rows in {stats.seconds:.0f} s; {info['cases']} cases, "
              f"{info['deadlines']} deadlines, {info['alerts']} alerts, {info['court_records']} court records "
              f"added in {time.perf_counter() - t:.0f} s", flush=True)
        return measure(engine, url, args, info)
    finally:
        if dbname and not args.keep:
            import psycopg

            with psycopg.connect(args.pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _analyze(url: str) -> None:
    from sqlalchemy.engine import make_url

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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--ledger-sample", type=int, default=20_000,
                    help="write ledger entries only for the first N accounts (case pages are timed on those)")
    ap.add_argument("--pg-admin", default=os.environ.get("BENCH_PG_ADMIN", PG_ADMIN))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for engine in args.engines.split(","):
        rows += run_engine(engine.strip(), args)
    print()
    print(f"{'engine':10} {'scenario':45} {'p50 ms':>8} {'p95 ms':>8}   {'bare p50':>7} {'p95':>7}")
    for row in rows:
        print(_fmt(row))


if __name__ == "__main__":
    main()
