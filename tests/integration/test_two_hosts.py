"""Two application hosts, one worker, one PostgreSQL database and one S3 bucket (issue 15, «Done when»).

Everything runs in real processes, as the README's Production section runs it: `casework init-db` and
`casework users create` build the database; two `gunicorn casework.wsgi:app` — host A and host B, each on a free port
with an instance folder of its own, the same DATABASE_URL, SECRET_KEY and S3 bucket (one SeaweedFS, tests/s3.py) —
and one `casework worker`. The test speaks to the hosts over HTTP as a browser does: a real login, the CSRF token
taken from each form, one cookie jar for both hosts (as behind a load balancer). It reads the database and the
bucket only to check.

The tests are the steps of one scenario and run in this order, each on what the earlier ones left:
1. the accounts registry (2 000 accounts) is uploaded and previewed on A and confirmed on B; the worker imports it;
2. a ledger file uploaded on A and confirmed on B: the worker is killed with SIGKILL while it writes the rows, a new
   worker imports it exactly once;
3. a letter issued on A downloads on B with the same bytes;
4. a bulk batch of 2 000 letters started on A: the worker is killed with SIGKILL in the middle, a new worker finishes
   it — gap-free numbers, one letter per account, no row twice — and its archive downloads from both hosts;
5. two `casework daily` at once open each case once.

PostgreSQL only: the embedded SQLite default is one host by design (its jobs run in the web process;
tests/integration/test_jobs_worker.py checks their resume rules on both engines).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

PG_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not PG_URL.startswith(("postgres://", "postgresql")),
    reason="two hosts need a shared PostgreSQL database (DATABASE_URL=postgresql://…); the SQLite default is one "
           "host by design")

import requests  # noqa: E402
from sqlalchemy import create_engine, distinct, func, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from casework.accounts.models import Account, AccountMonth, LedgerEntry  # noqa: E402
from casework.cases.models import Case  # noqa: E402
from casework.config import normalize_database_url  # noqa: E402
from casework.documents.models import Document, DocumentBatch  # noqa: E402
from casework.imports.models import ImportBatch  # noqa: E402
from casework.jobs.models import JobRun  # noqa: E402
from tests.conftest import PASSWORD, fresh_database  # noqa: E402
from tests.s3 import free_ports  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 2000
MONTHS = 24  # 2024-01 … 2025-12
SERVICES = ("heating", "hot_water")  # 2 000 × 24 × 2 = 96 000 ledger rows
TODAY = "2026-02-10"
KILL_AFTER_LETTERS = 400
CLI = [sys.executable, "-c", "from casework.cli import main; main()"]


# --------------------------------------------------------------------------- a browser

class _Forms(HTMLParser):
    """The forms of a page with the values a browser would send: hidden and filled inputs, checked boxes, the
    selected (else the first) option, textareas; buttons and file inputs are left to the caller."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._open = False
        self._select: str | None = None
        self._chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": {}, "names": set()})
            self._open = True
            return
        if not self._open:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            form["names"].add(name)
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            form["fields"][name] = a.get("value") if a.get("value") is not None else (
                "on" if kind in ("checkbox", "radio") else "")
        elif tag == "select" and name:
            form["names"].add(name)
            self._select, self._chosen = name, False
        elif tag == "option" and self._select:
            if "selected" in a or (not self._chosen and self._select not in form["fields"]):
                form["fields"][self._select] = a.get("value", "")
                self._chosen = self._chosen or "selected" in a
        elif tag == "textarea" and name:
            form["names"].add(name)
            self._textarea = name
            form["fields"][name] = ""
        elif tag == "button" and name:
            form["names"].add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._open and self._textarea:
            self.forms[-1]["fields"][self._textarea] += data


def page_form(resp, *, having: str, action_part: str = "") -> tuple[str, dict]:
    """The POST form of the page that has a field `having` (and `action_part` in its action): its absolute action
    URL and the values a browser would send."""
    parser = _Forms()
    parser.feed(resp.text)
    for form in parser.forms:
        if form["method"] == "post" and having in form["names"] and action_part in form["action"]:
            return urljoin(resp.url, form["action"] or resp.url), dict(form["fields"])
    raise AssertionError(f"no form with {having!r} on {resp.url} ({resp.status_code}): {resp.text[:1500]}")


class Browser:
    """One user's browser: one cookie jar for both hosts (the session cookie of 127.0.0.1 goes to either port, as
    one site behind a load balancer); every form is first fetched, so each POST carries the CSRF token the page
    gave."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, url: str, **kw):
        kw.setdefault("timeout", 120)
        return self.http.get(url, **kw)

    def post(self, url: str, **kw):
        kw.setdefault("timeout", 120)
        kw.setdefault("allow_redirects", False)
        return self.http.post(url, **kw)

    def login(self, host: str, username: str) -> Browser:
        action, fields = page_form(self.get(f"{host}/auth/login"), having="password")
        assert fields.get("csrf_token"), "the login form carries a CSRF token"
        fields.update(username=username, password=PASSWORD)
        r = self.post(action, data=fields)
        assert r.status_code == 302 and "/auth/login" not in r.headers["Location"], r.text[:1000]
        return self

    def download(self, url: str) -> bytes:
        r = self.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:500])
        return r.content


# --------------------------------------------------------------------------- the processes

class Cluster:
    """Two gunicorn hosts and a worker on one PostgreSQL database and one S3 bucket, all subprocesses."""

    def __init__(self, database_url: str, s3_server, workdir: Path):
        self.database_url = database_url
        self.s3 = s3_server
        self.workdir = workdir
        self.prefix = f"twohosts-{uuid.uuid4().hex[:10]}/"
        self.procs: list[subprocess.Popen] = []
        self.worker: subprocess.Popen | None = None
        self.hosts: dict[str, str] = {}
        self.engine = create_engine(normalize_database_url(database_url), poolclass=NullPool)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
        env.update({"DATABASE_URL": database_url, "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                    "CASEWORK_JOBS_WORKER_STALLED_SECONDS": "5",  # a killed worker's job is retried after 5 s
                    "CASEWORK_JOBS_STALE_SECONDS": "0",
                    "CASEWORK_DOCUMENTS_BULK_CHUNK": "50",
                    "CASEWORK_JOBS_WORKER_CONCURRENCY": "1",
                    "CASEWORK_JOBS_DAILY_CRON": "0 0 1 1 *"})  # the worker's own daily run stays out of the way
        for key, value in s3_server.settings(self.prefix).items():
            env[f"CASEWORK_{key}"] = value
        self.env = env

    def env_of(self, host: str) -> dict:
        return dict(self.env, CASEWORK_INSTANCE_PATH=str(self.workdir / host))

    def casework(self, *args: str, host: str = "a", timeout: float = 300) -> subprocess.CompletedProcess:
        r = subprocess.run([*CLI, *args], env=self.env_of(host), cwd=ROOT, capture_output=True, text=True,
                           timeout=timeout)
        assert r.returncode == 0, f"casework {' '.join(args)}: {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
        return r

    def _spawn(self, cmd: list[str], host: str, log: str) -> subprocess.Popen:
        fh = open(self.workdir / log, "ab")
        try:
            proc = subprocess.Popen(cmd, env=self.env_of(host), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=fh,
                                    stderr=subprocess.STDOUT)
        finally:
            fh.close()
        self.procs.append(proc)
        return proc

    def log_tail(self, log: str, lines: int = 40) -> str:
        path = self.workdir / log
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def start_host(self, name: str) -> str:
        port = free_ports(1)[0]
        proc = self._spawn([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                            "casework.wsgi:app"], name, f"gunicorn-{name}.log")
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"gunicorn of host {name} exited:\n{self.log_tail(f'gunicorn-{name}.log')}")
            try:
                r = requests.get(f"{url}/health/ready", timeout=5)
                if r.status_code == 200:
                    assert r.json()["storage"] == "ok" and r.json()["migrations"] == "at head", r.text
                    self.hosts[name] = url
                    return url
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"host {name} not ready in 90 s:\n{self.log_tail(f'gunicorn-{name}.log')}")

    def start_worker(self) -> subprocess.Popen:
        assert self.worker is None or self.worker.poll() is not None
        self.worker = self._spawn([*CLI, "worker"], "worker", "worker.log")
        return self.worker

    def kill_worker(self) -> None:
        proc = self.worker
        assert proc is not None and proc.poll() is None, "the worker stopped before it could be killed:\n" + \
            self.log_tail("worker.log")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        self.wait_dead_backends()

    def wait_dead_backends(self) -> None:
        """PostgreSQL rolls back a killed client's transaction once it notices the closed socket."""
        deadline = time.monotonic() + 30
        with self.engine.connect() as conn:
            while time.monotonic() < deadline and conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state NOT IN ('idle')")).scalar():
                conn.rollback()
                time.sleep(0.1)

    def scalar(self, stmt):
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar()

    def rows(self, stmt) -> list:
        with self.engine.connect() as conn:
            return conn.execute(stmt).all()

    def wait_until(self, predicate, seconds: float, what: str):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            if self.worker is not None and self.worker.poll() is not None:
                raise AssertionError(f"the worker exited ({what}):\n{self.log_tail('worker.log')}")
            time.sleep(0.05)
        raise AssertionError(f"timed out after {seconds} s waiting for {what}:\n{self.log_tail('worker.log')}")

    def local_files(self) -> list[Path]:
        """Files kept on the hosts' own disks in their storage folders (must be none: everything is in S3)."""
        out = []
        for host in ("a", "b", "worker"):
            for area in ("documents", "imports"):
                folder = self.workdir / host / area
                if folder.exists():
                    out.extend(p for p in folder.rglob("*") if p.is_file())
        return out

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.engine.dispose()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, s3_server):
    for url in fresh_database(tmp_path_factory, "twohosts"):
        c = Cluster(url, s3_server, tmp_path_factory.mktemp("twohosts"))
        try:
            c.casework("init-db")  # migrations (procrastinate's schema among them) and reference data
            c.casework("users", "create", "manager1", "--role", "manager", "--name", "Менеджер Один",
                       "--password", PASSWORD)
            c.casework("users", "create", "collector1", "--role", "collector", "--name", "Взыскатель Один",
                       "--password", PASSWORD)
            c.start_host("a")
            c.start_host("b")
            c.start_worker()
            yield c
        finally:
            c.stop()
            s3_server.wipe(c.prefix)


@pytest.fixture(scope="module")
def manager(cluster) -> Browser:
    return Browser().login(cluster.hosts["a"], "manager1")


@pytest.fixture(scope="module")
def collector(cluster) -> Browser:
    return Browser().login(cluster.hosts["b"], "collector1")


# --------------------------------------------------------------------------- the files

def accounts_csv() -> bytes:
    lines = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Телефон;Площадь"]
    for i in range(ACCOUNTS):
        lines.append(f"H{i:06d};Население;Должник {i};г. Ленск, ул. Мира, д. {i % 50 + 1};г. Ленск;{i};"
                     "собственник;;50")
    return ("\n".join(lines) + "\n").encode()


def ledger_csv() -> tuple[bytes, int]:
    lines = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа"]
    for i in range(ACCOUNTS):
        for m in range(MONTHS):
            for svc in SERVICES:
                lines.append(f"H{i:06d};{2024 + m // 12}-{m % 12 + 1:02d};{svc};начисление;{1000 + i % 700},{m:02d};;;")
    return ("\n".join(lines) + "\n").encode(), len(lines) - 1


def upload_on(browser: Browser, host: str, kind: str, data: bytes, name: str) -> str:
    """Upload a file through the import form of `host`; the preview page's URL (on that host)."""
    action, fields = page_form(browser.get(f"{host}/imports/new"), having="file")
    assert fields.get("csrf_token")
    fields["kind"] = kind
    r = browser.post(action, data=fields, files={"file": (name, data, "text/csv")})
    assert r.status_code == 302 and "/imports/preview/" in r.headers["Location"], (r.status_code, r.text[:2000])
    return urljoin(action, r.headers["Location"])


def confirm_on(browser: Browser, host: str, preview_url: str) -> int:
    """Open the preview on `host` and press «confirm» there; the id of the queued import job."""
    path = preview_url.split("://", 1)[1].split("/", 1)[1]
    page = browser.get(f"{host}/{path}")
    assert page.status_code == 200, page.text[:1000]
    action, fields = page_form(page, having="csrf_token", action_part="/imports/preview/")
    r = browser.post(action, data=fields)
    assert r.status_code == 302, (r.status_code, r.text[:2000])
    m = re.search(r"/jobs/(\d+)$", r.headers["Location"])
    assert m, r.headers["Location"]  # queued for the worker, not run in the request
    return int(m.group(1))


def wait_job(cluster: Cluster, browser: Browser, host: str, run_id: int, seconds: float) -> dict:
    """Poll the job's progress on `host` (the JSON of its progress page) until it has finished."""
    def finished():
        r = browser.get(f"{host}/jobs/{run_id}/status")
        assert r.status_code == 200, r.text[:500]
        return r.json() if r.json()["finished"] else None
    return cluster.wait_until(finished, seconds, f"job {run_id}")


# --------------------------------------------------------------------------- the scenario

def test_an_upload_previewed_on_host_a_is_confirmed_on_host_b(cluster, manager):
    a, b = cluster.hosts["a"], cluster.hosts["b"]
    preview = upload_on(manager, a, "accounts", accounts_csv(), "реестр.csv")
    run_id = confirm_on(manager, b, preview)  # B reads the upload and its preview, stored by A, from the bucket
    status = wait_job(cluster, manager, a, run_id, 180)
    assert status["status"] == "done", status
    assert cluster.scalar(select(func.count()).select_from(Account)) == ACCOUNTS
    batches = cluster.rows(select(ImportBatch.kind, ImportBatch.status, ImportBatch.rows_inserted))
    assert batches == [("accounts", "committed", ACCOUNTS)]
    r = manager.get(f"{b}/imports/")
    assert r.status_code == 200 and "реестр.csv" in r.text
    keys = cluster.s3.keys(cluster.prefix)
    assert any(k.startswith(f"{cluster.prefix}imports/uploads/") for k in keys), keys
    assert cluster.local_files() == []  # nothing on any host's disk


def test_a_ledger_import_killed_in_the_worker_is_imported_exactly_once(cluster, manager):
    a, b = cluster.hosts["a"], cluster.hosts["b"]
    assert cluster.scalar(select(func.count()).select_from(Account)) == ACCOUNTS, "runs after the accounts import"
    data, total = ledger_csv()
    run_id = confirm_on(manager, b, upload_on(manager, a, "ledger", data, "начисления.csv"))
    cluster.wait_until(lambda: cluster.scalar(select(JobRun.done).where(JobRun.id == run_id)), 180,
                       "the import to write its rows")
    cluster.kill_worker()  # in the middle of the import's transaction
    assert cluster.scalar(select(func.count()).select_from(LedgerEntry)) == 0  # nothing of it committed
    assert cluster.rows(select(ImportBatch.kind)) == [("accounts",)]
    assert cluster.scalar(select(JobRun.state).where(JobRun.id == run_id)) == "running"

    cluster.start_worker()
    status = wait_job(cluster, manager, b, run_id, 600)
    assert status["status"] == "done", status
    assert cluster.scalar(select(JobRun.attempts).where(JobRun.id == run_id)) == 2
    assert cluster.scalar(select(func.count()).select_from(LedgerEntry)) == total
    distinct_rows = select(func.count()).select_from(
        select(LedgerEntry.account_id, LedgerEntry.service_id, LedgerEntry.period, LedgerEntry.kind).distinct()
        .subquery())
    assert cluster.scalar(distinct_rows) == total  # no row twice
    ledgers = cluster.rows(select(ImportBatch.status, ImportBatch.rows_inserted).where(ImportBatch.kind == "ledger"))
    assert ledgers == [("committed", total)]
    # the figures refreshed once per account and month (account_months is keyed by both)
    assert cluster.scalar(select(func.count(distinct(AccountMonth.account_id)))) == ACCOUNTS


def test_a_letter_issued_on_host_a_downloads_on_host_b(cluster, collector):
    a, b = cluster.hosts["a"], cluster.hosts["b"]
    account_id = cluster.scalar(select(Account.id).where(Account.number == "H000007"))
    page = collector.get(f"{a}/documents/new?account_id={account_id}&code=notice_debt")
    assert page.status_code == 200, page.text[:1000]
    action, fields = page_form(page, having="issue_token")
    r = collector.post(action, data=dict(fields, action="preview"))
    assert r.status_code == 200, r.text[:1000]
    action, fields = page_form(r, having="issue_token")
    r = collector.post(action, data=dict(fields, action="issue"))
    assert r.status_code == 302, r.text[:2000]
    doc_id, sha, number = cluster.rows(select(Document.id, Document.sha256, Document.number)
                                       .where(Document.account_id == account_id))[0]
    on_b = collector.download(f"{b}/documents/{doc_id}/download")
    on_a = collector.download(f"{a}/documents/{doc_id}/download")
    assert on_a == on_b and hashlib.sha256(on_b).hexdigest() == sha
    from casework.documents.rendering import docx_text

    assert number in docx_text(on_b)


def test_a_bulk_batch_killed_in_the_worker_finishes_exactly_once(cluster, collector):
    a, b = cluster.hosts["a"], cluster.hosts["b"]
    before = cluster.scalar(select(func.count()).select_from(Document))
    page = collector.get(f"{a}/documents/bulk")
    action, fields = page_form(page, having="issue_token")
    fields.update(code="notice_debt", building_id="0", territory_id="0", min_debt="1", output="zip", stage="")
    r = collector.post(action, data=fields)
    assert r.status_code == 302, r.text[:2000]
    batch_id = int(re.search(r"/documents/batches/(\d+)$", r.headers["Location"]).group(1))
    assert cluster.scalar(select(DocumentBatch.total).where(DocumentBatch.id == batch_id)) == ACCOUNTS

    cluster.wait_until(lambda: (cluster.scalar(select(DocumentBatch.done).where(DocumentBatch.id == batch_id)) or 0)
                       >= KILL_AFTER_LETTERS, 300, f"{KILL_AFTER_LETTERS} letters")
    cluster.kill_worker()
    done, state = cluster.rows(select(DocumentBatch.done, DocumentBatch.status).where(DocumentBatch.id == batch_id))[0]
    assert KILL_AFTER_LETTERS <= done < ACCOUNTS and state == "running"
    issued = cluster.scalar(select(func.count()).select_from(Document).where(Document.batch_id == batch_id))
    assert issued == done  # the letters and the checkpoint were committed together

    cluster.start_worker()

    def finished():
        r = collector.get(f"{b}/documents/batches/{batch_id}/status")
        assert r.status_code == 200, r.text[:500]
        return r.json() if r.json()["finished"] else None
    status = cluster.wait_until(finished, 900, "the batch to finish")
    assert status["status"] == "done", status
    (run_id,), = cluster.rows(select(JobRun.id).where(JobRun.subject == f"document_batches:{batch_id}"))
    status = wait_job(cluster, collector, b, run_id, 60)  # the job's own end is committed just after the batch's
    assert status["status"] == "done", status
    assert cluster.scalar(select(JobRun.attempts).where(JobRun.id == run_id)) == 2

    docs = cluster.rows(select(Document.seq, Document.account_id, Document.file_path, Document.sha256)
                        .where(Document.batch_id == batch_id).order_by(Document.seq))
    seqs = [d.seq for d in docs]
    assert len(docs) == ACCOUNTS  # every account got its letter …
    assert len({d.account_id for d in docs}) == ACCOUNTS  # … once
    assert seqs == list(range(seqs[0], seqs[0] + ACCOUNTS))  # gap-free numbers
    assert cluster.scalar(select(func.count()).select_from(Document)) == before + ACCOUNTS  # no stray letter
    assert cluster.scalar(select(func.count(distinct(Document.seq)))) == before + ACCOUNTS

    batch_sha = cluster.scalar(select(DocumentBatch.sha256).where(DocumentBatch.id == batch_id))
    archive_b = collector.download(f"{b}/documents/batches/{batch_id}/download")
    archive_a = collector.download(f"{a}/documents/batches/{batch_id}/download")
    assert archive_a == archive_b and hashlib.sha256(archive_a).hexdigest() == batch_sha
    with zipfile.ZipFile(io.BytesIO(archive_a)) as zf:
        assert {n: hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist()} == {
            Path(d.file_path).name: d.sha256 for d in docs}
    keys = set(cluster.s3.keys(f"{cluster.prefix}documents/"))
    assert {f"{cluster.prefix}documents/{d.file_path}" for d in docs} <= keys
    assert cluster.local_files() == []


def test_two_daily_runs_at_once_open_each_case_once(cluster):
    assert cluster.scalar(select(func.count()).select_from(LedgerEntry)), "runs after the ledger import"
    procs = [subprocess.Popen([*CLI, "daily", "--today", TODAY], env=cluster.env_of(host), cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for host in ("a", "b")]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _err in outs]
    opened = sum(r.get("cases_opened", 0) for r in results)
    assert opened == ACCOUNTS, results  # every account is in debt for two years: each gets its case …
    per_account = cluster.rows(select(Case.account_id, func.count()).where(Case.is_open.is_(True))
                               .group_by(Case.account_id))
    assert len(per_account) == ACCOUNTS and {n for _a, n in per_account} == {1}  # … once
