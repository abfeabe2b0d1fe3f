"""Profile one page through the Flask test client on a benchmark database: where the time goes (SQL vs. Python).

    python -m bench.profile_page --engine sqlite /accounts/ "/accounts/?q=иванов" --role lawyer
    python -m bench.profile_page --url sqlite:////tmp/cw-bench/cw_bench_3000.sqlite3 /cases/queue --role manager

Prints, per URL, the wall time of a warm request, the number of SQL statements and the time spent in them
(from SQLAlchemy's cursor events), the slowest statements, and the top functions by cumulative time (cProfile).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("urls", nargs="+")
    ap.add_argument("--engine", default="sqlite")
    ap.add_argument("--url", default=None, help="database URL (default: the cached 100k dataset of --engine)")
    ap.add_argument("--role", default="manager")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    os.environ.setdefault("CASEWORK_INSTANCE_PATH", "/tmp/cw-bench/instance")
    from sqlalchemy import event

    from bench.dataset import BENCH_PASSWORD, cached_dataset
    from casework import create_app
    from casework.extensions import db

    url = args.url or cached_dataset(args.engine)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "TESTING": True})
    stats = {"n": 0, "t": 0.0, "slow": []}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        dt = (time.perf_counter() - conn.info.pop("t0")) * 1000
        stats["n"] += 1
        stats["t"] += dt
        stats["slow"].append((dt, " ".join(statement.split())[:300]))

    client = app.test_client()
    r = client.post("/auth/login", data={"username": f"bench_{args.role}", "password": BENCH_PASSWORD})
    assert r.status_code == 302, r.status_code
    for u in args.urls:
        client.get(u)  # warm
        walls = []
        for _ in range(args.repeat):
            stats.update(n=0, t=0.0, slow=[])
            t = time.perf_counter()
            r = client.get(u)
            walls.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (u, r.status_code)
        print(f"\n=== {u}: best {min(walls):.1f} ms, median {sorted(walls)[len(walls) // 2]:.1f} ms; "
              f"{stats['n']} statements, {stats['t']:.1f} ms in SQL")
        for dt, s in sorted(stats["slow"], reverse=True)[:5]:
            print(f"  {dt:7.1f} ms  {s}")
        prof = cProfile.Profile()
        prof.enable()
        client.get(u)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
        print("\n".join(out.getvalue().splitlines()[6:6 + args.top + 3]))


if __name__ == "__main__":
    main()
