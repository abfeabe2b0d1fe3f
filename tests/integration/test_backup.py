"""`casework backup` / `casework restore`: one archive with the database and every stored file; a round trip brings
the data and the downloadable documents back, on SQLite and on PostgreSQL; a damaged archive changes nothing."""
from __future__ import annotations

import io
import json
import shutil
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework import storage
from casework.accounts.models import Territory
from casework.documents.models import Document, TemplateVersion
from casework.documents.services import verify_file
from casework.extensions import db
from casework.imports.models import ImportBatch
from tests.conftest import PASSWORD, _wipe
from tests.factories import owned_flat
from tests.web.test_csrf import Browser
from tests.web.test_documents_views import _docx, issue
from tests.web.test_imports_views import LEDGER_CSV, upload


@pytest.fixture()
def own_storage(app, tmp_path, monkeypatch):
    """Storage folders of this test's own (the session's hold every other test's files)."""
    for key in ("DOCUMENTS_DIR", "IMPORTS_DIR"):
        monkeypatch.setitem(app.config, key, str(tmp_path / "storage" / key.lower()))
    return app


@pytest.fixture(params=["local", "s3"])
def any_storage(request, own_storage):
    """Each backend in turn: the test's own local folders, then the S3 backend (a prefix of its own in the session's
    SeaweedFS bucket)."""
    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    return own_storage


def _names() -> list[str]:
    return list(db.session.scalars(select(Territory.name).order_by(Territory.name)))


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def _write_archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _get(client, url: str) -> tuple[int, bytes]:
    r = client.get(url)
    try:
        return r.status_code, r.data
    finally:
        r.close()


def test_round_trip_restores_the_data(own_storage, runner, tmp_path):
    db.session.add_all([Territory(name="г. Ленск"), Territory(name="п. Витим")])
    db.session.commit()
    before = _names()
    backup = tmp_path / "casework.tar.gz"

    result = runner.invoke(args=["backup", "-o", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.is_file() and backup.stat().st_size > 0

    # change the data after the backup
    db.session.execute(Territory.__table__.delete().where(Territory.name == "п. Витим"))
    db.session.add(Territory(name="с. Нюя"))
    db.session.commit()
    assert _names() == ["г. Ленск", "с. Нюя"]
    db.session.remove()

    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _names() == before == ["г. Ленск", "п. Витим"]
    # the restored database is fully usable: new rows get fresh ids
    db.session.add(Territory(name="с. Турукта"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Territory)) == 3


def test_documents_templates_and_import_files_come_back_downloadable(any_storage, client, login, runner, tmp_path,
                                                                       monkeypatch, request):
    """Issue a document and upload a template version through the browser, import a file with a bad row, back up,
    wipe the database and every stored file, restore onto fresh storage folders (local) or into the emptied bucket
    (S3): the same bytes download again."""
    admin = login("admin")
    r = client.post("/documents/templates/notice_debt", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(_docx("Долг: {{ debt_total }}, исх. № {{ doc_number }}")), "мой.docx"),
                          "note": "своя форма"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    tv = db.session.scalar(select(TemplateVersion).where(TemplateVersion.code == "notice_debt"))
    acc = owned_flat()
    db.session.commit()
    client.post("/auth/logout")
    login("collector")
    r = issue(client, acc.id, "notice_debt")
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    doc = db.session.scalar(select(Document).order_by(Document.id.desc()))
    assert doc.template_version_id == tv.id
    doc_id, doc_sha = doc.id, doc.sha256
    client.post("/auth/logout")
    client.post("/auth/login", data={"username": admin.username, "password": PASSWORD})
    r = upload(client, "ledger", LEDGER_CSV, "ledger.csv")  # one row names an unknown account
    preview_url = r.headers["Location"]
    client.post(preview_url, data={"skip_bad_rows": "y"})
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.error_file

    urls = {"document": f"/documents/{doc_id}/download",
            "template": f"/documents/templates/notice_debt/download?version={tv.id}",
            "errors": f"/imports/{batch.id}/errors.csv",
            "preview": preview_url}
    # a lawyer downloads the document (an administrator may not open letters), the administrator the rest
    lawyer = Browser(client.application)  # a browser of its own: a fresh app context per request
    lawyer_user = login("lawyer")
    client.post("/auth/logout")
    client.post("/auth/login", data={"username": admin.username, "password": PASSWORD})
    lawyer.post("/auth/login", data={"username": lawyer_user.username, "password": PASSWORD})
    clients = {"document": lawyer}
    before = {k: _get(clients.get(k, client), u) for k, u in urls.items()}
    assert all(code == 200 for code, _body in before.values()), {k: v[0] for k, v in before.items()}

    archive = tmp_path / "full.tar.gz"
    result = runner.invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == "casework-backup" and manifest["engine"] in ("sqlite", "postgresql")
    listed = {e["path"]: e for e in manifest["files"]}
    assert set(listed) == set(members) - {"manifest.json"}
    assert listed[f"files/documents/{doc.file_path}"]["sha256"] == doc_sha
    assert f"files/documents/{tv.file_path}" in listed
    assert f"files/imports/errors/{Path(batch.error_file).name}" in listed
    assert any(p.startswith("files/imports/uploads/") for p in listed)

    # lose everything: every row, every stored file; the new machine keeps its files elsewhere
    db.session.remove()
    _wipe(db)
    app = any_storage
    on_s3 = app.config.get("STORAGE_BACKEND") == "s3"
    if on_s3:
        s3, prefix = request.getfixturevalue("s3_server"), app.config["S3_PREFIX"]
        assert f"{prefix}documents/{doc.file_path}" in s3.keys(prefix)
        stored = sorted(prefix + p[len("files/"):] for p in listed if p.startswith("files/"))
        assert s3.keys(prefix) == stored  # the archive holds every object of the bucket (under this prefix)
        s3.wipe(prefix)
        assert s3.keys(prefix) == []
    else:
        for key in ("DOCUMENTS_DIR", "IMPORTS_DIR"):
            shutil.rmtree(app.config[key])
            monkeypatch.setitem(app.config, key, str(tmp_path / "new-machine" / key.lower()))
    db.session.remove()
    assert _get(lawyer, urls["document"])[0] in (302, 401, 403, 404)  # the user and the document are gone

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    client.post("/auth/login", data={"username": admin.username, "password": PASSWORD})  # the users are back
    lawyer.post("/auth/login", data={"username": lawyer_user.username, "password": PASSWORD})
    after = {k: _get(clients.get(k, client), u) for k, u in urls.items()}
    for key in ("document", "template", "errors"):  # the same bytes
        assert after[key] == before[key], key
    assert after["preview"][0] == 200 and "ledger.csv" in after["preview"][1].decode()  # the upload awaits confirming
    assert storage.exists("documents", doc.file_path)
    if on_s3:  # back in the bucket, every one of them; nothing on this host's disk
        assert s3.keys(prefix) == stored
        assert not Path(app.config["DOCUMENTS_DIR"]).exists() and not Path(app.config["IMPORTS_DIR"]).exists()


def test_restore_asks_first_and_does_nothing_when_refused(own_storage, runner, tmp_path):
    db.session.add(Territory(name="г. Ленск"))
    db.session.commit()
    backup = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", "-o", str(backup)]).exit_code == 0
    db.session.add(Territory(name="п. Пеледуй"))
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0
    assert "Это действие нельзя отменить" in result.output and "Ничего не восстановлено" in result.output
    assert _names() == ["г. Ленск", "п. Пеледуй"]


def _tampered(members: dict[str, bytes], name: str) -> dict[str, bytes]:
    """The archive's members with one failure of the kind `name`."""
    m = dict(members)
    manifest = json.loads(m["manifest.json"])
    doc_member = next(p for p in m if p.startswith("files/documents/"))
    if name == "changed document":
        body = bytearray(m[doc_member])
        body[len(body) // 2] ^= 0xFF  # same size, other bytes
        m[doc_member] = bytes(body)
    elif name == "missing document":
        del m[doc_member]
    elif name == "unlisted file":
        m["files/documents/2026/extra.docx"] = b"PK extra"
    elif name == "no manifest":
        del m["manifest.json"]
    elif name == "other engine":
        manifest["engine"] = "sqlite" if manifest["engine"] == "postgresql" else "postgresql"
        m["manifest.json"] = json.dumps(manifest).encode()
    elif name == "path escape":
        m["files/documents/../../evil.txt"] = b"x"
        manifest["files"].append({"path": "files/documents/../../evil.txt", "size": 1,
                                  "sha256": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"})
        m["manifest.json"] = json.dumps(manifest).encode()
    return m


FAILURES = ("changed document", "missing document", "unlisted file", "no manifest", "other engine", "path escape",
            "truncated")


def test_restore_refuses_an_archive_that_fails_the_check_and_changes_nothing(own_storage, client, login, runner,
                                                                             tmp_path):
    login("collector")
    acc = owned_flat()
    db.session.add(Territory(name="г. Ленск"))
    db.session.commit()
    assert issue(client, acc.id, "notice_debt").status_code == 302
    doc = db.session.scalar(select(Document).order_by(Document.id.desc()))
    good = tmp_path / "good.tar.gz"
    assert runner.invoke(args=["backup", "-o", str(good)]).exit_code == 0
    # after the backup: a new row, and the document's file replaced on disk
    db.session.add(Territory(name="п. Витим"))
    db.session.commit()
    storage.save("documents", doc.file_path, b"changed after the backup")
    db.session.remove()
    for failure in FAILURES:
        bad = tmp_path / f"{failure}.tar.gz"
        if failure == "truncated":
            bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        else:
            _write_archive(bad, _tampered(_members(good), failure))
        result = runner.invoke(args=["restore", str(bad), "--yes"])
        assert result.exit_code != 0, failure
        assert "не прошла проверку" in result.output and "ничего не восстановлено" in result.output, result.output
        db.session.remove()
        assert _names() == ["г. Ленск", "п. Витим"], failure
        assert storage.read("documents", doc.file_path) == b"changed after the backup", failure
        assert not (Path(own_storage.config["DOCUMENTS_DIR"]).parent / "evil.txt").exists()
    # the good archive passes the same check and brings the document back
    assert runner.invoke(args=["restore", str(good), "--yes"]).exit_code == 0
    db.session.remove()
    assert _names() == ["г. Ленск"]
    assert verify_file(db.session.get(Document, doc.id))


def test_restore_refuses_a_file_that_is_not_a_backup(own_storage, runner, tmp_path):
    db.session.add(Territory(name="г. Ленск"))
    db.session.commit()
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database", encoding="utf-8")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert "не прошла проверку" in result.output
    result = runner.invoke(args=["restore", str(tmp_path / "missing.tar.gz"), "--yes"])
    assert result.exit_code != 0 and "не существует" in result.output
    db.session.remove()
    assert _names() == ["г. Ленск"]


def test_default_backup_file_goes_to_the_instance_folder_owner_only(app, runner):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    written = Path(next(w for w in result.output.split() if w.startswith(str(app.instance_path))))
    assert written.parent == Path(app.instance_path) / "backups" and written.name.endswith(".tar.gz")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700
    assert not [p for p in written.parent.iterdir() if p.name.startswith(".")]  # no scratch files left
