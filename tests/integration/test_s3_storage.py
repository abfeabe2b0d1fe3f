"""Stored files in S3 (a real SeaweedFS server, tests/s3.py): the storage interface, its readiness check, and two
instances of the application that share one database and one bucket — what one host stores, the other reads."""
from __future__ import annotations

import hashlib
import io
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from casework import storage
from casework.documents.models import Document, DocumentBatch, TemplateVersion
from casework.documents.rendering import docx_text
from casework.extensions import db
from casework.imports.models import ImportBatch
from tests.conftest import PASSWORD
from tests.factories import owned_flat
from tests.s3 import BUCKET, free_ports
from tests.web.test_csrf import Browser
from tests.web.test_documents_views import _docx, _token, issue
from tests.web.test_imports_views import upload


def _files(folder: Path) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.is_file()] if Path(folder).exists() else []


def test_the_storage_interface_keeps_files_in_the_bucket(s3_storage, s3_server):
    app = s3_storage
    prefix = app.config["S3_PREFIX"]
    assert storage.backend().kind == "s3"
    assert storage.save("documents", "2026/a.docx", b"one") == "2026/a.docx"
    big = b"0123456789" * 1_000_000  # 10 MB from a stream: a multipart upload
    storage.save("documents", "2026/b.docx", io.BytesIO(big))
    storage.save("imports", "uploads/x", b"three")
    assert list(storage.list("documents")) == ["2026/a.docx", "2026/b.docx"]
    assert list(storage.list("imports")) == ["uploads/x"]
    with storage.open("documents", "2026/b.docx") as fh:
        assert fh.size == len(big) and fh.mtime > 0
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(big).digest()
    assert storage.read("documents", "2026/a.docx") == b"one"
    assert storage.exists("documents", "2026/a.docx") and not storage.exists("documents", "2026/zzz.docx")
    with pytest.raises(FileNotFoundError):
        storage.read("documents", "2026/zzz.docx")
    assert storage.delete("documents", "2026/a.docx") is True
    assert storage.delete("documents", "2026/a.docx") is False
    assert s3_server.keys(prefix) == [f"{prefix}documents/2026/b.docx", f"{prefix}imports/uploads/x"]
    assert storage.location("documents", "2026/b.docx") == f"s3://{BUCKET}/{prefix}documents/2026/b.docx"
    for bad in ("../x", "/etc/passwd", "a/../../b", ".hidden", ""):
        with pytest.raises(storage.StorageError):
            storage.save("documents", bad, b"x")
    # objects that are no storage name (another program's temporary files) are not listed
    s3_server.client().put_object(Bucket=BUCKET, Key=f"{prefix}documents/.tmp/part", Body=b"x")
    assert list(storage.list("documents")) == ["2026/b.docx"]
    assert _files(Path(app.config["DOCUMENTS_DIR"]).parent) == []  # nothing on this host's disk


def test_storage_ready_says_what_is_wrong(s3_storage, tmp_path, monkeypatch):
    app = s3_storage
    ok, why = storage.storage_ready()
    assert ok, why
    monkeypatch.setitem(app.config, "S3_BUCKET", "no-such-bucket")
    ok, why = storage.storage_ready()
    assert not ok and "no-such-bucket" in why and "does not exist" in why
    monkeypatch.setitem(app.config, "S3_BUCKET", BUCKET)
    monkeypatch.setitem(app.config, "S3_SECRET_ACCESS_KEY", "a-wrong-secret")
    ok, why = storage.storage_ready()
    assert not ok and "access denied" in why and "a-wrong-secret" not in why
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_ports(1)[0]}")  # nobody listens
    ok, why = storage.storage_ready()
    assert not ok and "EndpointConnectionError" in why, why
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "local")
    ok, why = storage.storage_ready()
    assert ok, why
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(blocker / "documents"))
    ok, why = storage.storage_ready()
    assert not ok and "documents" in why


@pytest.fixture()
def host_b(s3_storage, tmp_path, monkeypatch):
    """A second instance of the application: the same configuration (the database, the bucket and its prefix) and an
    instance folder of its own that starts empty."""
    from casework import create_app

    folder = tmp_path / "host-b"
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(folder))
    config = dict(s3_storage.config)
    config.update(DOCUMENTS_DIR=str(folder / "documents"), IMPORTS_DIR=str(folder / "imports"))
    other = create_app(config)
    assert Path(other.instance_path) == folder
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _browser(app, user) -> Browser:
    b = Browser(app)
    r = b.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return b


def _download(browser, url: str) -> bytes:
    r = browser.get(url)
    assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:500])
    return r.data


def test_two_hosts_share_documents_templates_imports_and_batches(s3_storage, host_b, s3_server, make_user):
    """Host A and host B: a template uploaded on A issues on B, a document issued on either downloads on the other
    with the same bytes, an upload previewed on A is confirmed on B, a batch run on A downloads on B."""
    a_app, b_app = s3_storage, host_b
    users = {role: make_user(role) for role in ("admin", "collector", "manager", "lawyer")}
    acc = owned_flat()
    db.session.commit()
    a = {role: _browser(a_app, u) for role, u in users.items()}
    b = {role: _browser(b_app, u) for role, u in users.items()}

    # a template version uploaded on A is the one B issues with
    template = _docx("Форма хоста А: долг {{ debt_total }}, исх. № {{ doc_number }}")
    r = a["admin"].post("/documents/templates/notice_debt", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(template), "своя.docx"), "note": "с хоста А"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    tv = db.session.scalar(select(TemplateVersion).where(TemplateVersion.code == "notice_debt"))
    assert _download(b["admin"], f"/documents/templates/notice_debt/download?version={tv.id}") == template
    assert _download(b["admin"], "/documents/templates/notice_debt/download") == template  # the active one
    r = issue(b["collector"], acc.id, "notice_debt")
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    doc_b = db.session.scalar(select(Document).order_by(Document.id.desc()))
    assert doc_b.template_version_id == tv.id
    body = _download(a["collector"], f"/documents/{doc_b.id}/download")  # issued on B, downloaded on A
    assert hashlib.sha256(body).hexdigest() == doc_b.sha256 and len(body) == doc_b.size
    assert "Форма хоста А: долг" in docx_text(body) and doc_b.number in docx_text(body)

    # a document issued on A (the shipped template) downloads on B with the same bytes
    r = issue(a["lawyer"], acc.id, "pretrial_claim", p_settle_days="15")
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    doc_a = db.session.scalar(select(Document).where(Document.kind == "pretrial_claim"))
    body = _download(b["lawyer"], f"/documents/{doc_a.id}/download")
    assert hashlib.sha256(body).hexdigest() == doc_a.sha256 and "в течение 15 дней" in docx_text(body)

    # an upload previewed on A is confirmed on B; its error file downloads on A
    ledger = (f"ЛС;Период;Услуга;Вид;Сумма;Дата оплаты\n{acc.number};2025-01;heating;начисление;100,50;\n"
              "999;2025-01;heating;начисление;1;\n").encode()  # the second row names an unknown account
    r = upload(a["manager"], "ledger", ledger, "ledger.csv")
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    preview_url = r.headers["Location"]
    page = b["manager"].get(preview_url)
    assert page.status_code == 200 and "ledger.csv" in page.get_data(as_text=True)
    r = b["manager"].post(preview_url, data={"skip_bad_rows": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.status, batch.rows_inserted, batch.rows_skipped) == ("committed", 1, 1)
    assert batch.error_file.startswith("errors/")  # a storage name, not a path of the host that wrote it
    errors = _download(a["manager"], f"/imports/{batch.id}/errors.csv").decode("utf-8-sig")
    assert "Ошибка" in errors.splitlines()[0] and errors.splitlines()[1].startswith("999;2025-01")

    # a batch run on A downloads on B
    r = a["collector"].post("/documents/bulk", data={
        "code": "warning_restriction", "building_id": acc.building_id, "territory_id": 0, "min_debt": 1,
        "output": "zip", "issue_token": _token(a["collector"], "/documents/bulk")})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    batch_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    for _ in range(300):
        status = b["collector"].get(f"/documents/batches/{batch_id}/status").get_json()
        if status["finished"]:
            break
        time.sleep(0.1)
    assert status["status"] == "done", status
    archive = _download(b["collector"], f"/documents/batches/{batch_id}/download")
    db.session.expire_all()
    assert hashlib.sha256(archive).hexdigest() == db.session.get(DocumentBatch, batch_id).sha256
    batch_docs = db.session.scalars(select(Document).where(Document.batch_id == batch_id)).all()
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert {n: hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist()} == {
            Path(d.file_path).name: d.sha256 for d in batch_docs}

    # every file is in the bucket, none on either host's disk
    prefix = a_app.config["S3_PREFIX"]
    keys = s3_server.keys(prefix)
    for name in (doc_a.file_path, doc_b.file_path, tv.file_path, f"batches/batch_{batch_id:06d}.zip",
                 *(d.file_path for d in batch_docs)):
        assert f"{prefix}documents/{name}" in keys, name
    assert f"{prefix}imports/{batch.error_file}" in keys
    assert sum(k.startswith(f"{prefix}imports/uploads/") for k in keys) == 2  # the upload and its preview
    assert _files(Path(a_app.config["DOCUMENTS_DIR"]).parent) == []
    assert _files(b_app.instance_path) == []


def test_an_active_template_missing_from_the_storage_is_refused_not_replaced(s3_storage, client, login):
    """The old failure: a version uploaded on one host was silently replaced by the shipped template on another."""
    login("admin")
    r = client.post("/documents/templates/notice_debt", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(_docx(f"Своя форма {uuid.uuid4().hex} {{{{ debt_total }}}}")), "t.docx"),
                          "note": ""})
    assert r.status_code == 302
    tv = db.session.scalar(select(TemplateVersion).where(TemplateVersion.code == "notice_debt"))
    storage.delete("documents", tv.file_path)
    client.post("/auth/logout")
    login("collector")
    acc = owned_flat()
    db.session.commit()
    r = issue(client, acc.id, "notice_debt")
    assert r.status_code == 200
    assert "отсутствует в хранилище файлов" in r.get_data(as_text=True)
    assert db.session.scalar(select(Document.id)) is None


def test_an_error_file_recorded_by_its_old_absolute_path_is_still_found(s3_storage, client, login):
    """Before the storage kept names, imports recorded the error file's absolute path on the host that wrote it."""
    login("manager")
    batch = ImportBatch(kind="ledger", file_name="old.csv", file_sha256="0" * 64, file_size=1, via="cli",
                        status="committed")
    db.session.add(batch)
    db.session.flush()
    storage.save("imports", f"errors/{batch.id}-old-errors.csv", "ЛС;Ошибка\n999;нет\n".encode("utf-8-sig"))
    batch.error_file = f"/srv/old-host/instance/imports/errors/{batch.id}-old-errors.csv"
    db.session.commit()
    r = client.get(f"/imports/{batch.id}/errors.csv")
    assert r.status_code == 200 and "999;нет" in r.data.decode("utf-8-sig")
    r.close()
    batch.error_file = "/home/operator/my-errors.csv"  # a file only the command line wrote: not in the storage
    db.session.commit()
    assert client.get(f"/imports/{batch.id}/errors.csv").status_code == 404


def test_storage_settings_come_from_the_environment_and_are_checked(tmp_path, monkeypatch):
    from casework import create_app
    from casework.config import apply_environment

    cfg = {}
    apply_environment(cfg, {"CASEWORK_STORAGE_BACKEND": "s3", "CASEWORK_S3_BUCKET": "docs",
                            "CASEWORK_S3_SECRET_ACCESS_KEY": "12345", "CASEWORK_S3_ACCESS_KEY_ID": "true",
                            "CASEWORK_S3_ENDPOINT_URL": "https://storage.example.ru", "CASEWORK_S3_PREFIX": "casework"})
    assert cfg == {"STORAGE_BACKEND": "s3", "S3_BUCKET": "docs", "S3_SECRET_ACCESS_KEY": "12345",
                   "S3_ACCESS_KEY_ID": "true", "S3_ENDPOINT_URL": "https://storage.example.ru",
                   "S3_PREFIX": "casework"}  # secrets stay strings, never JSON numbers or booleans
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"}
    assert create_app(base).config["STORAGE_BACKEND"] == "local"
    for bad, message in (({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND"),
                         ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET"),
                         ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_PREFIX": "a/../b"}, "S3_PREFIX")):
        with pytest.raises(RuntimeError, match=message):
            create_app({**base, **bad})
