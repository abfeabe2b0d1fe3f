"""Report jobs: an export larger than EXPORT_SYNC_MAX_ROWS is written by a job into the `reports` storage area and
downloaded from the job's page; the file equals the immediate download of the same filters cell by cell; a
collector's job holds only what the collector's registry shows; only its author (or a manager/administrator) may
download it; stored files are deleted after EXPORT_KEEP_DAYS. Runs on both engines (DATABASE_URL) and on S3."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from casework import storage
from casework.documents.models import Document
from casework.extensions import db
from casework.jobs.exports import AREA, purge_exports, stored_name
from casework.jobs.models import JobRun
from casework.timeutil import utcnow
from tests import factories as F

N = 25


@pytest.fixture(autouse=True)
def own_reports_folder(app, tmp_path, monkeypatch):
    """The reports area of this test alone (the instance folder is shared by the session's tests)."""
    monkeypatch.setitem(app.config, "REPORTS_DIR", str(tmp_path / "reports"))


def _accounts(n: int = N) -> None:
    for i in range(n):
        F.plain_account(balance_kop=100_000 + i * 137, name=f"Должник {i}" if i % 5 else f"=HYPERLINK(\"x\") {i}")
    db.session.commit()


def _cells(data: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data))
    assert len(wb.worksheets) == 1
    ws = wb.worksheets[0]
    return [ws.title] + [tuple(c.value for c in row) for row in ws.iter_rows()]


def _immediate(client, app, monkeypatch, url: str) -> bytes:
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", 100_000)
    resp = client.get(url)
    assert resp.status_code == 200, resp.data[:300]
    return resp.data


def _as_job(client, app, monkeypatch, url: str, threshold: int = 10) -> tuple[int, bytes]:
    """The export at a lowered threshold: queued, run (at once in tests), offered on the job's page, downloaded."""
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", threshold)
    before = db.session.scalar(select(db.func.count()).select_from(JobRun)) or 0
    resp = client.get(url)
    assert resp.status_code == 302, resp.data[:300]
    db.session.rollback()
    run = db.session.scalars(select(JobRun).order_by(JobRun.id.desc())).first()
    assert (db.session.scalar(select(db.func.count()).select_from(JobRun)) or 0) == before + 1
    assert run.kind == "export" and resp.headers["Location"].endswith(f"/jobs/{run.id}")
    assert run.state == "done", run.error
    page = client.get(f"/jobs/{run.id}").get_data(as_text=True)
    assert "Скачать" in page and f"/jobs/{run.id}/download" in page
    return run.id, _download(client, run.id)


def _download(client, run_id: int) -> bytes:
    got = client.get(f"/jobs/{run_id}/download")
    try:
        assert got.status_code == 200
        return got.data
    finally:
        got.close()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_large_accounts_export_is_a_job_and_equals_the_immediate_file(app, client, login, monkeypatch, fmt):
    _accounts()
    login("collector")
    url = f"/accounts/export.{fmt}?sort=debt&descending=y"
    small = _immediate(client, app, monkeypatch, url)
    run_id, big = _as_job(client, app, monkeypatch, url)
    if fmt == "xlsx":
        cells = _cells(big)
        assert cells == _cells(small)
        assert len(cells) == 1 + 1 + N + 1  # title, header, rows, total
        assert any(str(v).startswith("'=HYPERLINK") for row in cells[1:] for v in row)  # the one neutraliser
    else:
        assert big == small
        assert big.decode("utf-8-sig").count("\r\n") == 1 + N + 1
    assert list(storage.list(AREA)) == [stored_name(run_id, fmt)]  # one file, under the run's own name


def test_export_job_with_the_s3_backend(s3_storage, client, login, monkeypatch):
    _accounts()
    login("manager")
    small = _immediate(client, s3_storage, monkeypatch, "/accounts/export.xlsx?sort=debt")
    run_id, big = _as_job(client, s3_storage, monkeypatch, "/accounts/export.xlsx?sort=debt")
    assert _cells(big) == _cells(small)
    assert list(storage.list(AREA)) == [stored_name(run_id, "xlsx")]
    assert storage.location(AREA, stored_name(run_id, "xlsx")).startswith("s3://")


def test_small_export_stays_immediate(app, client, login, monkeypatch):
    _accounts(5)
    login("collector")
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", 5)
    resp = client.get("/accounts/export.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("sheet")
    assert db.session.scalar(select(db.func.count()).select_from(JobRun)) == 0


def _documents(n_each: int = 8) -> None:
    """Issued documents of a letter collectors may open (notice_debt) and of one they may not (a court order
    application)."""
    acc = F.plain_account(balance_kop=500_000)
    seq = 0
    for kind, title in (("notice_debt", "Уведомление о задолженности"),
                        ("court_order_application", "Заявление о выдаче судебного приказа")):
        for i in range(n_each):
            seq += 1
            db.session.add(Document(year=2026, seq=seq, number=f"{seq}/2026", kind=kind, title=title,
                                    account_id=acc.id, addressee=f"-Адресат {i}", amount_kop=10_000 + i,
                                    file_path=f"2026/{seq}.docx", sha256=f"{seq:064d}", issued_on=date(2026, 3, 1 + i),
                                    carries_pii=False))
    db.session.commit()


def test_collectors_export_job_holds_what_the_collectors_registry_shows(app, client, login, monkeypatch):
    _documents()
    login("collector")
    small = _immediate(client, app, monkeypatch, "/documents/export.xlsx")
    _run_id, big = _as_job(client, app, monkeypatch, "/documents/export.xlsx", threshold=3)
    cells = _cells(big)
    assert cells == _cells(small)
    titles = {row[2] for row in cells[2:]}
    assert titles == {"Уведомление о задолженности"}  # the court application is not the collector's to open
    assert len(cells) == 2 + 8
    client.post("/auth/logout")
    login("lawyer")
    lawyer = _cells(_immediate(client, app, monkeypatch, "/documents/export.xlsx"))
    assert len(lawyer) == 2 + 16  # the same filters, another role: the lawyer's registry has both letters


def test_only_the_author_or_a_manager_downloads_the_file(app, client, login, monkeypatch):
    _accounts()
    login("collector")
    run_id, data = _as_job(client, app, monkeypatch, "/accounts/export.xlsx")
    client.post("/auth/logout")
    login("collector")  # another collector
    assert client.get(f"/jobs/{run_id}/download").status_code == 404
    assert client.get(f"/jobs/{run_id}").status_code == 404
    client.post("/auth/logout")
    login("lawyer")
    assert client.get(f"/jobs/{run_id}/download").status_code == 404
    client.post("/auth/logout")
    login("manager")
    assert _download(client, run_id) == data


def test_a_job_of_an_export_the_role_may_not_open_is_not_offered(app, client, login, monkeypatch):
    """The form 4 drill-down is for managers and administrators: a manager's job file is not an administrator's
    to download through the job when the export's roles do not include them — here they do; a collector never."""
    from casework.jobs.exports import download_for

    run = JobRun(kind="export", state="done", payload={"roles": ["manager", "admin"], "format": "xlsx"},
                 checkpoint={"file": "exports/1.xlsx", "filename": "x.xlsx"})
    assert download_for(run, "manager") == ("exports/1.xlsx", "x.xlsx")
    assert download_for(run, "collector") is None
    run.checkpoint = {**run.checkpoint, "purged": True}
    assert download_for(run, "manager") is None


def test_retention_deletes_old_files(app, client, login, monkeypatch, runner):
    _accounts()
    login("collector")
    old_id, _data = _as_job(client, app, monkeypatch, "/accounts/export.xlsx")
    new_id, _data = _as_job(client, app, monkeypatch, "/accounts/export.csv")
    days = app.config["EXPORT_KEEP_DAYS"]
    db.session.get(JobRun, old_id).finished_at = utcnow() - timedelta(days=days, hours=1)
    db.session.get(JobRun, new_id).finished_at = utcnow() - timedelta(days=days - 1)
    storage.save(AREA, "exports/999999.xlsx", b"left by a run that is gone")
    db.session.commit()
    result = runner.invoke(args=["jobs", "purge-exports"])
    assert result.exit_code == 0, result.output
    assert "deleted 2" in result.output
    assert list(storage.list(AREA)) == [stored_name(new_id, "csv")]
    db.session.expire_all()
    assert db.session.get(JobRun, old_id).checkpoint["purged"] is True
    page = client.get(f"/jobs/{old_id}").get_data(as_text=True)
    assert "Скачать" not in page and "больше не хранится" in page
    assert client.get(f"/jobs/{old_id}/download").status_code == 404
    # the daily job deletes them too
    db.session.get(JobRun, new_id).finished_at = utcnow() - timedelta(days=days + 1)
    db.session.commit()
    from casework.cases.services import run_daily
    from casework.timeutil import today

    counts = run_daily(today())
    db.session.commit()
    assert counts["exports_deleted"] == 1
    assert list(storage.list(AREA)) == []
    assert purge_exports() == 0


def _cases(user) -> None:
    for i in range(12):
        F.notice_case(F.plain_account(balance_kop=200_000 + i, name=f"+Дело {i}"), assignee=user)
    db.session.commit()


def _contacts(user) -> None:
    from datetime import datetime

    from casework.contacts.models import Contact

    for i in range(12):
        acc = F.plain_account(balance_kop=50_000)
        db.session.add(Contact(account_id=acc.id, channel="call", outcome="no_answer", contact_person="@должник",
                               note=f"=1+{i}", contacted_at=datetime(2026, 3, 1, 10, i), author_id=user.id,
                               next_action_kind=None))
    db.session.commit()


def _portfolio(user) -> None:
    from casework.legal.models import PortfolioResult

    for i in range(12):
        acc = F.plain_account(balance_kop=70_000)
        db.session.add(PortfolioResult(account_id=acc.id, as_of=date(2026, 3, 1), debt_kop=70_000 + i,
                                       penalty_kop=i * 10, time_barred_kop=0, claimable_kop=70_000,
                                       next_bar_date=date(2027, 1, 1 + i)))
    db.session.commit()


def _form4(user) -> None:
    from tests.integration.report_data import build_hand_data

    build_hand_data()
    db.session.commit()


@pytest.mark.parametrize("role, make, url, threshold", [
    ("collector", _cases, "/cases/?export=xlsx", 5),
    ("collector", _contacts, "/contacts/export.xlsx", 5),
    ("lawyer", _portfolio, "/legal/portfolio?export=xlsx", 5),
    ("manager", _form4, "/reports/monthly/2026-02/accounts?figure=debt_start&export=xlsx", 1),
    ("manager", _form4, "/reports/monthly/2026-02/accounts?figure=charged&category=population&export=csv", 0),
])
def test_every_list_export_goes_to_a_job_with_the_same_file(app, client, login, monkeypatch, role, make, url,
                                                             threshold):
    user = login(role)
    make(user)
    small = _immediate(client, app, monkeypatch, url)
    _run_id, big = _as_job(client, app, monkeypatch, url, threshold=threshold)
    if "export=csv" in url:
        assert big == small and big.count(b"\r\n") >= 2
    else:
        cells = _cells(big)
        assert cells == _cells(small) and len(cells) > 2 + threshold
