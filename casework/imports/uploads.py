"""Files an import keeps in the storage's `imports` area: an upload between its review and its confirmation (any host
may confirm it; one file or a set — egrn, fssp and gis keep theirs here too) and a batch's error file.

Every file goes through `casework/storage.py`, named by its sha256 or by the batch, never by a client's path."""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath

from .. import storage
from ..domain.errors import DomainError
from ..i18n import _
from .models import ImportBatch
from .rows import ImportFileError, Parsed, error_file_bytes
from .tables import check_xlsx_archive

_TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")
ALLOWED_EXTENSIONS = (".csv", ".xlsx")


def sha256_of(data: bytes) -> str:
    """The file's sha256 in hex: how uploads are named and batches find an earlier import of the same file."""
    return hashlib.sha256(data).hexdigest()


def check_upload(data: bytes, file_name: str) -> None:
    """Refuse what must not be parsed at all: wrong extension, empty, unsafe workbook."""
    ext = os.path.splitext(file_name or "")[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise DomainError(_("Only .csv and .xlsx files can be imported."))
    if not data:
        raise DomainError(_("The file is empty."))
    if ext == ".xlsx":
        try:
            check_xlsx_archive(data)
        except ImportFileError as exc:
            raise DomainError(str(exc)) from None


def store_upload(data: bytes) -> str:
    """Keep an uploaded file between preview and confirmation, named by its sha256 (never by a client path)."""
    token = sha256_of(data)
    if not storage.exists("imports", f"uploads/{token}"):
        storage.save("imports", f"uploads/{token}", data)
    return token


def load_upload(token: str) -> bytes | None:
    """The stored upload for a token, or None (unknown or malformed token)."""
    if not _TOKEN_RE.match(token or ""):
        return None
    try:
        data = storage.read("imports", f"uploads/{token}")
    except FileNotFoundError:
        return None
    return data if sha256_of(data) == token else None


def store_upload_set(kind: str, files: list[tuple[str, bytes]]) -> tuple[str, list[str]]:
    """Keep several uploaded files as one set between a review and its confirmation (any host may confirm it):
    each file by its sha256, the set's listing under `<kind>/<token>.json`; returns the set's token and each file's
    token."""
    listing = [{"name": n, "token": store_upload(d)} for n, d in files]
    token = sha256_of(json.dumps(listing, sort_keys=True).encode())
    storage.save("imports", f"{kind}/{token}.json", json.dumps(listing, ensure_ascii=False).encode())
    return token, [item["token"] for item in listing]


def load_upload_set(kind: str, token: str) -> list[tuple[str, bytes, str]] | None:
    """The files of a stored set as (name, bytes, file token), or None (unknown or malformed token, a file gone)."""
    if not _TOKEN_RE.match(token or ""):
        return None
    try:
        listing = json.loads(storage.read("imports", f"{kind}/{token}.json").decode())
    except FileNotFoundError:
        return None
    out = []
    for item in listing:
        data = load_upload(item["token"])
        if data is None:
            return None
        out.append((item["name"], data, item["token"]))
    return out


def write_error_file(batch: ImportBatch, parsed: Parsed, explicit: str | None) -> str:
    """Store the error file in the `imports` area (and write a copy where the command line asked); its storage name."""
    data = error_file_bytes(parsed.headers, parsed)
    if explicit:
        storage.write_private(Path(explicit), data)
    stem = re.sub(r"[^\w.-]+", "_", Path(batch.file_name or "file").stem)[:60] or "file"
    return storage.save("imports", f"errors/{batch.id}-{stem}-errors.csv", data)


def error_file_name(batch: ImportBatch) -> str | None:
    """The storage name (`imports` area) of the batch's error file. The column holds that name; rows written before
    the storage kept names hold an absolute path …/errors/<batch id>-…, read as this batch's file under errors/."""
    value = batch.error_file
    if not value:
        return None
    p = PurePosixPath(value)
    if p.is_absolute():
        if p.parent.name != "errors" or not p.name.startswith(f"{batch.id}-"):
            return None  # a file only the command line wrote, outside the storage
        value = f"errors/{p.name}"
    try:
        return storage.check_name(value)
    except storage.StorageError:
        return None


def error_file_path(batch: ImportBatch):
    """The batch's error file in the storage (a `storage.Stored`), or None when it has none or it is gone."""
    name = error_file_name(batch)
    if name is None or not storage.exists("imports", name):
        return None
    return storage.Stored("imports", name)
