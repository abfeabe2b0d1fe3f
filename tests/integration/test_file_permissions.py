"""Every file the application writes is owner-only: 0600 files in 0700 folders — the database and its WAL files,
issued documents, template versions, bulk outputs, import uploads and previews, error files, backups."""
from __future__ import annotations

import io
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from casework.documents.models import Document, TemplateVersion
from casework.extensions import db
from casework.imports.models import ImportBatch
from tests.conftest import PASSWORD
from tests.factories import owned_flat
from tests.web.test_documents_views import _docx, issue
from tests.web.test_imports_views import LEDGER_CSV, upload


@pytest.fixture()
def own_storage(app, tmp_path, monkeypatch):
    for key in ("DOCUMENTS_DIR", "IMPORTS_DIR"):
        monkeypatch.setitem(app.config, key, str(tmp_path / "instance" / key.lower()))
    return app


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def _tree_modes(root: Path) -> dict[str, str]:
    """{relative path: octal mode} of a folder and everything in it."""
    out = {".": oct(_mode(root))}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(folder) / name
            out[str(p.relative_to(root))] = oct(_mode(p))
    return out


def test_every_file_the_app_writes_is_owner_only(own_storage, client, login, make_user, runner, tmp_path,
                                                 is_postgres):
    app = own_storage
    login("admin")
    assert client.post("/documents/templates/notice_debt", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(_docx("{{ debt_total }}")), "t.docx")}
                       ).status_code == 302
    client.post("/auth/logout")
    manager = make_user("manager")
    client.post("/auth/login", data={"username": manager.username, "password": PASSWORD})
    acc = owned_flat()
    db.session.commit()
    assert issue(client, acc.id, "notice_debt").status_code == 302
    from casework.documents import bulk

    batch = bulk.create_batch("warning_restriction", [acc.id], "zip")
    db.session.commit()
    assert bulk.run_batch(batch.id, [acc.id], {}).status == "done"
    preview = upload(client, "ledger", LEDGER_CSV, "ledger.csv").headers["Location"]
    client.post(preview, data={"skip_bad_rows": "y"})
    assert db.session.scalar(select(ImportBatch.error_file).order_by(ImportBatch.id.desc()))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(LEDGER_CSV)
    cli_errors = tmp_path / "cli" / "errors.csv"
    runner.invoke(args=["import", "ledger", str(bad), "--skip-bad-rows", "--error-file", str(cli_errors)])
    archive = tmp_path / "backups" / "b.tar.gz"
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0

    documents = Path(app.config["DOCUMENTS_DIR"])
    imports = Path(app.config["IMPORTS_DIR"])
    doc = db.session.scalar(select(Document).where(Document.batch_id.is_(None)))
    tv = db.session.scalar(select(TemplateVersion))
    written = {"document": documents / doc.file_path, "template version": documents / tv.file_path,
               "bulk zip": documents / "batches" / f"batch_{batch.id:06d}.zip",
               "import upload": next((imports / "uploads").glob("*[0-9a-f]")),
               "import preview": next((imports / "uploads").glob("*.json")),
               "error file": next((imports / "errors").glob("*.csv")), "CLI error file": cli_errors,
               "backup": archive}
    assert {k: oct(_mode(p)) for k, p in written.items()} == {k: "0o600" for k in written}
    for folder in (documents, imports, archive.parent, cli_errors.parent):
        modes = _tree_modes(folder)
        wrong = {k: m for k, m in modes.items() if m != ("0o700" if (folder / k).is_dir() else "0o600")}
        assert not wrong, (folder, wrong)

    if not is_postgres:
        database = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        for p in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
            assert p.exists() and oct(_mode(p)) == "0o600", p


def test_an_existing_world_readable_sqlite_database_is_made_owner_only(tmp_path):
    from casework import create_app

    path = tmp_path / "old" / "casework.sqlite3"
    path.parent.mkdir()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (x)")
    for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        os.chmod(f, 0o644)
    create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    assert oct(_mode(path)) == "0o600"
    assert oct(_mode(path.with_name(path.name + "-wal"))) == "0o600"
    con.close()
    fresh = tmp_path / "new.sqlite3"
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{fresh}"})
    assert not fresh.exists()  # starting creates no database
    with other.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
        assert {oct(_mode(p)) for p in tmp_path.glob("new.sqlite3*")} == {"0o600"}
        db.engine.dispose()
