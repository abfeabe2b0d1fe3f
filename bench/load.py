"""Load test: two gunicorn workers on 127.0.0.1 against the 100,000-account database, N virtual users for a fixed time.

    python -m bench.load                                   # SQLite, 20 users, 60 s, think time 0.5–1.5 s
    python -m bench.load --engine postgresql --users 20 --duration 60
    python -m bench.load --think 0 --duration 30           # no think time: saturation (every user always waiting)

The database is the cached benchmark dataset (`bench.dataset.cached_dataset`, built on first use; `--rebuild`
to build it again) or `--database-url`. Each virtual user is a thread with its own session cookie: it logs in
through the real login form (CSRF token included) as one of the bench users — collectors, lawyers, managers in
the proportion 8:6:6 — and opens each of its pages once (a warm-up, not counted), then, until the time is up (or --max-requests in total), opens a page its role may see,
waits a think time, and so on: the daily queue, an account page (random account), the accounts search (random
surname fragment or account number), the cases list and, for managers, the monthly report. Every answer other
than 200 counts as an error. Only 127.0.0.1 is contacted; gunicorn is stopped at the end, on Ctrl-C and on errors.

Reports per page and overall: requests, errors, p50/p95/p99 (ms), and requests/s. Target: p95 ≤ 200 ms with
20 concurrent users, no errors. Exit status 1 when there were errors. Then, in the same run, the raw limit: the
same users and think time against `bench.raw_wsgi` (a bare WSGI app answering each page with a body of a page's
size after one bare-driver query) under the same gunicorn settings (`--raw-duration`, 0 to skip).
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import quote, urlencode

TARGET_P95_MS = 200.0
ROLE_MIX = (["bench_collector", "bench_collector2", "bench_collector3"] * 3)[:8] + ["bench_lawyer"] * 6 + \
    ["bench_manager"] * 6
PAGES = {  # page → weight per role
    "bench_collector": {"queue": 3, "account": 4, "search": 4, "cases list": 2},
    "bench_lawyer": {"queue": 2, "account": 4, "search": 3, "cases list": 3},
    "bench_manager": {"queue": 2, "account": 3, "search": 3, "cases list": 2, "monthly report": 1},
}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A minimal cookie-keeping HTTP client for 127.0.0.1 (one connection per request, as gunicorn sync closes)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept-Language": "ru"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            for k, v in resp.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return resp.status, data, dict(resp.getheaders())
        finally:
            conn.close()

    def login(self, username: str, password: str) -> None:
        status, body, _ = self.request("GET", "/auth/login")
        m = _CSRF.search(body.decode("utf-8", "replace"))
        form = {"username": username, "password": password}
        if m:
            form["csrf_token"] = m.group(1)
        status, body, headers = self.request("POST", "/auth/login", urlencode(form))
        if status != 302:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")


def _inputs(url: str, rng: random.Random) -> dict:
    """Random account ids, account numbers and surname fragments from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT max(id) FROM accounts")).scalar()
        ids = [rng.randint(1, n) for _ in range(400)]
        rows = conn.execute(text("SELECT number, debtor_name FROM accounts WHERE id IN (%s)"
                                 % ",".join(map(str, ids[:200])))).all()
    engine.dispose()
    names = [r.debtor_name.split()[0][:5].lower() for r in rows if r.debtor_name]
    return {"ids": ids, "numbers": [r.number for r in rows], "names": names}


def _path(page: str, rng: random.Random, data: dict) -> str:
    if page == "queue":
        return "/cases/queue"
    if page == "account":
        return f"/accounts/{rng.choice(data['ids'])}"
    if page == "search":
        q = rng.choice(data["names"]) if rng.random() < 0.6 else rng.choice(data["numbers"])
        return "/accounts/?q=" + quote(q)
    if page == "cases list":
        return "/cases/" if rng.random() < 0.5 else f"/cases/?page={rng.randint(2, 20)}"
    if page == "monthly report":
        return "/reports/monthly"
    raise ValueError(page)


def _pct(samples: list[float], q: int) -> float:
    if not samples:
        return float("nan")
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def run(args) -> int:
    from bench.dataset import BENCH_PASSWORD, cached_dataset

    url = args.database_url or cached_dataset(args.engine, rebuild=args.rebuild)
    rng = random.Random(args.seed)
    data = _inputs(url, rng)
    inst = tempfile.mkdtemp(prefix="casework-load-")
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secrets.token_hex(16), CASEWORK_INSTANCE_PATH=inst)
    log_path = os.path.join(inst, "gunicorn.log")
    print(f"uptime: {_uptime()}")
    status = _serve(args, "casework.wsgi:app", env, log_path,
                    lambda port: _drive(args, port, data, BENCH_PASSWORD, "casework"))
    if args.raw_duration > 0:  # the raw limit, same settings, same users, same think time
        raw = argparse.Namespace(**{**vars(args), "duration": args.raw_duration})
        _serve(raw, "bench.raw_wsgi:app", env, log_path + ".raw",
               lambda port: _drive(raw, port, data, BENCH_PASSWORD, "raw limit (bare WSGI + bare driver)"))
    return status


def _gunicorn_cmd(args, port: int, app: str) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
           "--access-logfile", "-"]
    if args.threads > 1:
        cmd += ["--worker-class", "gthread", "--threads", str(args.threads)]
    return cmd + [app]


def _serve(args, app: str, env: dict, log_path: str, drive) -> int:
    """Start gunicorn with `app`, run `drive(port)`, stop gunicorn (also on errors and Ctrl-C)."""
    port = _free_port()
    kind = f"{args.workers} workers" + (f" × {args.threads} threads" if args.threads > 1 else "")
    print(f"starting gunicorn ({kind}) with {app} on 127.0.0.1:{port} against {env['DATABASE_URL']}", flush=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(_gunicorn_cmd(args, port, app), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(port, proc)
        return drive(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print(f"gunicorn stopped (log: {log_path})")


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            status, _, _ = Client(port).request("GET", "/auth/login")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer within %d s" % timeout)


def _uptime() -> str:
    try:
        with open("/proc/loadavg") as f:
            return "load average " + " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def _drive(args, port: int, data: dict, password: str, label: str = "casework") -> int:
    results: list[tuple[str, float, int]] = []   # (page, ms, status)
    errors: list[str] = []
    lock = threading.Lock()
    budget = [args.max_requests]
    users = [ROLE_MIX[i % len(ROLE_MIX)] for i in range(args.users)]
    clients = []
    warm = random.Random(args.seed)
    for i, username in enumerate(users):  # log in before the clock starts
        c = Client(port)
        c.login(username, password)
        clients.append(c)
    for c, username in list(zip(clients, users))[:6]:  # warm-up, not counted: each worker compiles its templates
        for page in PAGES[username.rstrip("0123456789")]:
            c.request("GET", _path(page, warm, data))
    start = time.monotonic()
    deadline = start + args.duration
    stop = threading.Event()

    def user(i: int) -> None:
        rng = random.Random(args.seed * 1000 + i)
        role = users[i]
        pages = list(PAGES[role.rstrip("0123456789")].items())
        names, weights = [p for p, _ in pages], [w for _, w in pages]
        c = clients[i]
        time.sleep(rng.uniform(0, args.think_max))  # users do not all start in the same millisecond
        while not stop.is_set() and time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            page = rng.choices(names, weights)[0]
            path = _path(page, rng, data)
            t = time.perf_counter()
            try:
                status, body, _ = c.request("GET", path)
            except Exception as exc:  # noqa: BLE001 — a failed request is an error of the run
                status, body = 0, str(exc).encode()
            ms = (time.perf_counter() - t) * 1000
            with lock:
                results.append((page, ms, status))
                if status != 200 and len(errors) < 20:
                    errors.append(f"{role} {path} → {status} {body[:200]!r}")
            if args.think_max > 0:
                time.sleep(rng.uniform(args.think_min, args.think_max))

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(len(users))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        stop.set()
        print("interrupted", flush=True)
    elapsed = time.monotonic() - start
    return _report(args, results, errors, elapsed, label)


def _report(args, results, errors, elapsed, label: str = "casework") -> int:
    threads = f" × {args.threads} threads" if args.threads > 1 else ""
    print(f"\n{label}: {args.users} users, {elapsed:.0f} s, think time {args.think_min}–{args.think_max} s, "
          f"{args.workers} gunicorn workers{threads}; {_uptime()}")
    print(f"{'page':16} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    pages = sorted({p for p, _, _ in results})
    for page in pages + ["ALL"]:
        rows = [r for r in results if page == "ALL" or r[0] == page]
        ms = [r[1] for r in rows]
        errs = sum(1 for r in rows if r[2] != 200)
        print(f"{page:16} {len(rows):8d} {errs:6d} {_pct(ms, 50):8.1f} {_pct(ms, 95):8.1f} {_pct(ms, 99):8.1f}")
    total_err = sum(1 for r in results if r[2] != 200)
    p95 = _pct([r[1] for r in results], 95)
    print(f"throughput: {len(results) / elapsed:.1f} requests/s; errors: {total_err}")
    if label == "casework":
        print(f"target p95 ≤ {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'} "
              f"(p95 {p95:.1f} ms)")
    for e in errors:
        print("  error:", e)
    return 1 if total_err else 0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--database-url", default=None, help="instead of the cached benchmark dataset")
    ap.add_argument("--rebuild", action="store_true", help="build the cached dataset again")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds (fixed time)")
    ap.add_argument("--max-requests", type=int, default=50_000, help="upper bound on requests in total")
    ap.add_argument("--think-min", type=float, default=0.5)
    ap.add_argument("--think-max", type=float, default=1.5)
    ap.add_argument("--think", type=float, default=None, help="shorthand: fixed think time (0 = none)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="> 1: gthread workers with this many threads each")
    ap.add_argument("--raw-duration", type=float, default=20.0,
                    help="seconds of the raw-limit run (bench.raw_wsgi: bare WSGI + bare driver); 0 = skip")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    if args.think is not None:
        args.think_min = args.think_max = args.think
    sys.exit(run(args))


if __name__ == "__main__":
    main()
