"""Uploads (imports and Word templates): size limit, zip bombs, malformed archives, path traversal, wrong types."""
import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.documents.models import TemplateVersion
from casework.extensions import db
from casework.imports.models import ImportBatch
from casework.security import ArchiveTooLarge, UnsafeArchive, check_zip_archive

ACCOUNTS_CSV = ("Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Телефон;Площадь\n"
                "100001;Население;Иванов Иван Иванович;г. Ленск, ул. Ленина, д. 5, кв. 12;г. Ленск;;собственник;;54,3\n"
                "100002;нет такой;Петрова Анна;г. Ленск, ул. Ленина, д. 5;г. Ленск;13;соцнайм;;\n").encode()
LETTER_TEMPLATES = Path(__file__).resolve().parents[2] / "letter_templates"


def _bomb(member: str, mb: int = 40) -> bytes:
    """A small zip whose `member` inflates to `mb` MB of zeros (ratio ≈ 1000:1) — streamed, never held whole."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open(member, "w", force_zip64=True) as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(mb):
                fh.write(chunk)
    return buf.getvalue()


def _in_memory_post(client, url, fields: dict, name: str, data: bytes):
    """A multipart POST encoded in memory (the test client spools bodies over 500 KB to a temporary file that a
    413 answer leaves unread and unclosed)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({**fields, "file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _upload(client, name, data, kind="accounts"):
    return client.post("/imports/new", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _files_under(root) -> set[Path]:
    return {p.resolve() for p in Path(root).rglob("*") if p.is_file()}


# ----------------------------------------------------------------------------------------------- archive check
def test_the_shipped_word_templates_pass_the_archive_check():
    files = sorted(LETTER_TEMPLATES.glob("*.docx"))
    assert files
    for path in files:
        check_zip_archive(path.read_bytes())


def test_archive_check_refuses_bombs_garbage_and_traversing_members():
    with pytest.raises(ArchiveTooLarge):
        check_zip_archive(_bomb("word/document.xml", 30))
    with pytest.raises(UnsafeArchive):
        check_zip_archive(b"PK\x03\x04 this is not a zip at all")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("../../evil.sh", "rm -rf /")
    with pytest.raises(UnsafeArchive):
        check_zip_archive(buf.getvalue())


# ----------------------------------------------------------------------------------------------- imports
def test_import_larger_than_the_limit_is_a_clear_413_page(app, client, login, monkeypatch):
    login("manager")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    resp = _in_memory_post(client, "/imports/new", {"kind": "accounts"}, "big.csv", ACCOUNTS_CSV * 20_000)  # ≈ 5 MB
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert "Файл больше 1 МБ" in html and "<form" in html  # the message and the upload form again
    assert db.session.scalar(select(ImportBatch.id)) is None


def test_xlsx_zip_bomb_is_refused_before_it_is_opened(client, login):
    login("manager")
    resp = _upload(client, "bomb.xlsx", _bomb("xl/worksheets/sheet1.xml", 40))
    assert resp.status_code == 400
    assert "отклонена как небезопасная" in resp.get_data(as_text=True)


@pytest.mark.parametrize("data", [b"PK\x03\x04\x14\x00broken", b"\x00\x01\x02 binary", "ЛС;Период\n1;2\n".encode()])
def test_malformed_or_mislabelled_workbook_is_refused_with_a_message(client, login, data):
    login("manager")
    resp = _upload(client, "ledger.xlsx", data, kind="ledger")
    assert resp.status_code == 400
    assert "Файл не является читаемой книгой Excel (.xlsx)." in resp.get_data(as_text=True)


@pytest.mark.parametrize("name", ["payload.exe", "ledger.csv.php", "ledger", "ledger.xls"])
def test_wrong_extension_is_refused(client, login, name):
    login("manager")
    resp = _upload(client, name, ACCOUNTS_CSV)
    assert resp.status_code == 400
    assert "Загрузить можно только файлы .csv и .xlsx." in resp.get_data(as_text=True)


@pytest.mark.parametrize("name, stored", [
    ("../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\windows\\evil.csv", "evil.csv"),
    ("/tmp/absolute-evil.csv", "absolute-evil.csv"),
    ("C:\\Users\\x\\..\\evil2.csv", "evil2.csv"),
])  # (the multipart parser may already drop backslashes: the kept name then has no separator at all)
def test_path_in_the_file_name_never_reaches_the_filesystem(app, client, login, name, stored):
    login("manager")
    imports_dir = Path(app.config["IMPORTS_DIR"]).resolve()
    outside_before = _files_under(imports_dir.parent)
    resp = _upload(client, name, ACCOUNTS_CSV)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    token, kind = re.search(r"/preview/([0-9a-f]{64})/(\w+)", resp.headers["Location"]).groups()
    resp = client.post(f"/imports/preview/{token}/{kind}", data={"skip_bad_rows": "y"})
    assert resp.status_code == 302
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.status == "committed" and batch.file_name.endswith(stored)
    assert not any(sep in batch.file_name for sep in ("/", "\\", "\x00"))
    assert batch.rows_skipped == 1 and batch.error_file  # the bad row went to an error file
    new_files = _files_under(imports_dir.parent) - outside_before
    assert new_files and all(imports_dir in p.parents for p in new_files), new_files
    assert all(p.name == token or p.name.startswith(f"{token}.") or p.parent.name == "errors" for p in new_files)
    assert not any(p.stem == "passwd" for p in new_files)
    resp = client.get(f"/imports/{batch.id}/errors.csv")
    assert resp.status_code == 200 and "Петрова" in resp.get_data(as_text=True)
    resp.close()


def test_nul_in_the_file_name_is_harmless(app, client, login):
    login("manager")
    resp = _upload(client, "evil\x00.csv", ACCOUNTS_CSV)
    assert resp.status_code in (302, 400)
    assert not any("\x00" in str(p) for p in _files_under(app.config["IMPORTS_DIR"]))


def test_tampered_preview_token_is_404_not_a_file_read(client, login):
    login("manager")
    for token in ("..%2F..%2Fetc%2Fpasswd", "x" * 64, "../" * 5):
        assert client.get(f"/imports/preview/{token}/accounts").status_code == 404
        assert client.post(f"/imports/preview/{token}/accounts", data={}).status_code in (400, 404)


# ----------------------------------------------------------------------------------------------- Word templates
def _template_upload(client, data, name="notice.docx"):
    return client.post("/documents/templates/notice_debt", data={"file": (io.BytesIO(data), name), "note": "x"},
                       content_type="multipart/form-data")


def test_docx_zip_bomb_is_refused_with_a_message(client, login):
    login("admin")
    resp = _template_upload(client, _bomb("word/document.xml", 40))
    assert resp.status_code == 400
    assert "отклонён как небезопасный" in resp.get_data(as_text=True)
    assert db.session.scalar(select(TemplateVersion.id)) is None


@pytest.mark.parametrize("data", [b"PK\x03\x04 broken", b"%PDF-1.4 not a docx", ACCOUNTS_CSV])
def test_malformed_docx_is_refused_with_a_message(client, login, data):
    login("admin")
    resp = _template_upload(client, data)
    assert resp.status_code == 400
    assert "Файл не является документом Word (.docx)." in resp.get_data(as_text=True)
    assert db.session.scalar(select(TemplateVersion.id)) is None


def test_template_file_name_with_a_path_is_stored_by_version_number(app, client, login):
    login("admin")
    data = (LETTER_TEMPLATES / "01_notice_debt.docx").read_bytes()
    root = Path(app.config["DOCUMENTS_DIR"]).resolve().parent
    resp = _template_upload(client, data, name="../../../../tmp/owned.docx")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    tv = db.session.scalar(select(TemplateVersion))
    assert tv.file_path == "templates/notice_debt/v001.docx"
    # the stored version is this upload's bytes under its version name (the instance dir is shared between
    # tests, so an earlier file of the same name may exist: compare contents, not "new" names)
    new = {p for p in _files_under(root) if p.as_posix().endswith(tv.file_path) and p.read_bytes() == data}
    docs = Path(app.config["DOCUMENTS_DIR"]).resolve()
    assert new and all(docs in p.parents for p in new)
    assert not os.path.exists("/tmp/owned.docx")


def test_template_larger_than_the_limit_is_413(app, client, login, monkeypatch):
    login("admin")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    resp = _in_memory_post(client, "/documents/templates/notice_debt", {"note": "x"}, "big.docx", b"x" * (1024 * 1024))
    assert resp.status_code == 413
    assert "Файл слишком большой." in resp.get_data(as_text=True)


def test_uploaded_files_keep_only_the_last_part_of_a_hostile_client_path():
    """The ЕГРН, ФССП and ГИС ЖКХ uploads read their files through views_common.uploaded_files: a client path (also
    a Windows one) never names a folder of ours, an empty input is left out, an empty name gets the default."""
    import io

    from werkzeug.datastructures import FileStorage

    from casework.views_common import uploaded_files

    files = [FileStorage(io.BytesIO(b"a"), filename="..\\..\\etc\\passwd.xml"),
             FileStorage(io.BytesIO(b"b"), filename="../../x/" + "я" * 300 + ".xml"),
             FileStorage(io.BytesIO(b""), filename=""),
             FileStorage(io.BytesIO(b"c"), filename="dir/")]
    got = uploaded_files(files, "file.xml")
    assert got == [("passwd.xml", b"a"), ("я" * 255, b"b"), ("file.xml", b"c")]
