"""The files the application keeps, behind one small interface: save / open / read / list / delete by area and name.

Areas and what they hold:

- ``documents``: issued documents ``<year>/<seq>_<code>_<account>.docx`` (and their ``…_masked.docx`` copies),
  uploaded template versions ``templates/<code>/vNNN.docx``, bulk outputs ``batches/batch_NNNNNN.zip|.docx|.pdf``;
- ``imports``: uploads kept between preview and confirmation ``uploads/<sha256>`` and their previews
  ``uploads/<sha256>.<kind>.json``, error files ``errors/<batch>-<name>-errors.csv``;
- ``reports``: large exports written by report jobs ``exports/<job id>.xlsx|.csv`` (casework/jobs/exports.py),
  deleted after ``EXPORT_KEEP_DAYS``.

A name is a relative POSIX path inside its area (no ``..``, no absolute paths); names with a part starting with a dot
are the storage's own temporary files and are never listed. Database columns hold these names, never a disk path.

Two backends, chosen by ``STORAGE_BACKEND``:

- ``local`` (default): one folder per area (``DOCUMENTS_DIR``, ``IMPORTS_DIR``, ``REPORTS_DIR``). Every file is written owner-only
  (0600) through a temporary file and an atomic rename, in folders created owner-only (0700). Every host of the
  application sees only its own disk: use it with one host.
- ``s3``: objects ``<S3_PREFIX><area>/<name>`` in the bucket ``S3_BUCKET`` of any S3 server (``S3_ENDPOINT_URL``;
  AWS when empty), through boto3. Every host sees the same files.

Code that needs a local file (LibreOffice, a zip written piece by piece) works in a private temporary folder
(`private_tempdir`) and saves the result here. `send` answers a download from either backend. `casework backup` walks
`areas()` and `list(area)`, so whatever is saved here is in the backups; `storage_ready()` is the health check.
`private_umask` makes every file this process writes owner-only, whoever writes it (the SQLite database, temporary
files, LibreOffice).
"""
from __future__ import annotations

import builtins
import io
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import current_app

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077
AREAS = {"documents": "DOCUMENTS_DIR", "imports": "IMPORTS_DIR", "reports": "REPORTS_DIR"}
BACKENDS = ("local", "s3")
S3_SETTINGS = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION", "S3_PREFIX")
_CHUNK = 1024 * 1024


class StorageError(ValueError):
    """A name that is not a plain relative path inside an area, an unknown area, or a bad storage setting."""


def private_umask() -> None:
    """Make every file and folder this process creates owner-only (0600 / 0700), whoever creates it."""
    os.umask(UMASK)


def areas() -> tuple[str, ...]:
    return tuple(AREAS)


def check_area(area: str) -> str:
    if area not in AREAS:
        raise StorageError(f"unknown storage area: {area}")
    return area


def check_name(name: str) -> str:
    """The name as a normalised relative POSIX path, or StorageError."""
    if not name or "\\" in name or "\x00" in name:
        raise StorageError(f"bad storage name: {name!r}")
    p = PurePosixPath(name)
    if p.is_absolute() or any(part in ("", ".", "..") or part.startswith(".") for part in p.parts):
        raise StorageError(f"bad storage name: {name!r}")
    return p.as_posix()


def ensure_dir(folder: Path) -> Path:
    """Create `folder` and its missing parents owner-only (0700); folders that exist are left as they are."""
    folder = Path(folder)
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for p in reversed(missing):
        try:
            p.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(p, DIR_MODE)  # mkdir's mode is filtered by the umask; say it explicitly
    return folder


def write_private(target: Path, data: bytes | BinaryIO) -> Path:
    """Write bytes (or a binary stream) to `target` owner-only and atomically: a temporary file beside it, then rename."""
    target = Path(target)
    ensure_dir(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            else:
                shutil.copyfileobj(data, fh, _CHUNK)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def private_tempdir(prefix: str = ".casework-") -> tempfile.TemporaryDirectory:
    """A private (0700) temporary folder for work that needs local files; removed when the `with` block ends."""
    return tempfile.TemporaryDirectory(prefix=prefix)


class StoredStream(io.RawIOBase):
    """A readable stream of one stored file with its `size` (bytes) and `mtime` (POSIX seconds)."""

    def __init__(self, raw, size: int, mtime: float):
        super().__init__()
        self._raw, self.size, self.mtime = raw, int(size), float(mtime)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._raw.read() if n is None or n < 0 else self._raw.read(n)

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()


# ------------------------------------------------------------------------------------------------ local disk

class LocalBackend:
    """One folder per area on this host's disk (the area's setting, read at every call)."""

    kind = "local"

    def root(self, area: str) -> Path:
        return Path(current_app.config[AREAS[check_area(area)]])

    def file(self, area: str, name: str) -> Path:
        return self.root(area) / check_name(name)

    def save(self, area: str, name: str, data: bytes | BinaryIO) -> None:
        write_private(self.file(area, name), data)

    def open(self, area: str, name: str) -> StoredStream:
        fh = builtins.open(self.file(area, name), "rb")
        try:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise FileNotFoundError(name)
        except BaseException:
            fh.close()
            raise
        return StoredStream(fh, st.st_size, st.st_mtime)

    def exists(self, area: str, name: str) -> bool:
        return self.file(area, name).is_file()

    def delete(self, area: str, name: str) -> bool:
        try:
            self.file(area, name).unlink()
        except FileNotFoundError:
            return False
        return True

    def list(self, area: str) -> builtins.list[str]:
        base = self.root(area)
        if not base.is_dir():
            return []
        found = []
        for folder, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = Path(folder).relative_to(base)
            for f in files:
                if f.startswith("."):
                    continue
                try:
                    if not stat.S_ISREG(os.lstat(Path(folder) / f).st_mode):
                        continue
                except FileNotFoundError:
                    continue
                found.append((rel / f).as_posix())
        return found

    def location(self, area: str, name: str) -> str:
        return str(self.file(area, name))

    def ready(self) -> tuple[bool, str]:
        for area in AREAS:
            folder = self.root(area)
            try:
                ensure_dir(folder)
            except OSError as exc:
                return False, f"local storage: the {area} folder {folder} cannot be created ({exc.strerror})"
            if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
                return False, f"local storage: the {area} folder {folder} is not a writable folder"
        return True, "local storage: folders ready"


# ------------------------------------------------------------------------------------------------ S3

def _s3_settings(cfg) -> tuple:
    return tuple(str(cfg.get(k) or "") for k in S3_SETTINGS)


def normalise_prefix(prefix: str | None) -> str:
    """'' or a checked relative prefix ending with '/' ('casework' → 'casework/')."""
    prefix = (prefix or "").strip("/")
    return check_name(prefix) + "/" if prefix else ""


class S3Backend:
    """Objects `<S3_PREFIX><area>/<name>` in one bucket of an S3 server, through one thread-safe boto3 client."""

    kind = "s3"

    def __init__(self, endpoint_url: str, bucket: str, access_key: str, secret_key: str, region: str, prefix: str):
        import boto3
        from botocore.config import Config

        if not bucket:
            raise StorageError("STORAGE_BACKEND is s3 but S3_BUCKET is not set")
        self.bucket, self.prefix, self.endpoint_url = bucket, normalise_prefix(prefix), endpoint_url or None
        config = Config(signature_version="s3v4", connect_timeout=5, read_timeout=60,
                        retries={"max_attempts": 4, "mode": "standard"},
                        s3={"addressing_style": "path" if endpoint_url else "auto"},
                        # checksums only where the API requires them: S3-compatible servers differ in the rest
                        request_checksum_calculation="when_required", response_checksum_validation="when_required")
        session = boto3.session.Session()  # a session per backend: sessions are not thread-safe, clients are
        self.client = session.client("s3", endpoint_url=self.endpoint_url, region_name=region or None,
                                     aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                                     config=config)

    def key(self, area: str, name: str) -> str:
        return f"{self.prefix}{check_area(area)}/{check_name(name)}"

    @staticmethod
    def _missing(exc) -> bool:
        err = getattr(exc, "response", {}).get("Error", {})
        return str(err.get("Code")) in ("404", "NoSuchKey", "NotFound")

    def save(self, area: str, name: str, data: bytes | BinaryIO) -> None:
        key = self.key(area, name)
        if isinstance(data, (bytes, bytearray, memoryview)):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(data))
            return
        from boto3.s3.transfer import TransferConfig

        self.client.upload_fileobj(data, self.bucket, key, Config=TransferConfig(use_threads=False))

    def open(self, area: str, name: str) -> StoredStream:
        from botocore.exceptions import ClientError

        key = self.key(area, name)
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(f"{area}/{name}") from None
            raise
        return StoredStream(obj["Body"], obj["ContentLength"], obj["LastModified"].timestamp())

    def exists(self, area: str, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(area, name))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def delete(self, area: str, name: str) -> bool:
        if not self.exists(area, name):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self.key(area, name))
        return True

    def list(self, area: str) -> builtins.list[str]:
        base = f"{self.prefix}{check_area(area)}/"
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base):
            for obj in page.get("Contents", ()):
                rel = obj["Key"][len(base):]
                try:
                    if check_name(rel) == rel:
                        found.append(rel)
                except StorageError:  # folder markers, temporary and foreign names
                    continue
        return found

    def location(self, area: str, name: str) -> str:
        return f"s3://{self.bucket}/{self.key(area, name)}"

    def ready(self) -> tuple[bool, str]:
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"s3 storage: bucket {self.bucket}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code"))
            if code in ("404", "NoSuchBucket", "NotFound"):
                return False, f"{where} does not exist"
            if code in ("403", "AccessDenied", "Forbidden"):
                return False, f"{where}: access denied (check S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY)"
            return False, f"{where}: error {code}"
        except BotoCoreError as exc:  # unreachable endpoint, no credentials, bad settings
            return False, f"{where}: {type(exc).__name__}"
        return True, f"{where}: reachable"


# ------------------------------------------------------------------------------------------------ the interface

_LOCAL = LocalBackend()
_LOCK = threading.Lock()


def backend() -> LocalBackend | S3Backend:
    """The backend of the current application (STORAGE_BACKEND); the S3 client is made once per app and settings."""
    app = current_app._get_current_object()
    kind = app.config.get("STORAGE_BACKEND") or "local"
    if kind == "local":
        return _LOCAL
    if kind != "s3":
        raise StorageError(f"unknown STORAGE_BACKEND {kind!r}: use one of {', '.join(BACKENDS)}")
    settings = _s3_settings(app.config)
    cached = app.extensions.get("casework.storage")
    if cached is None or cached[0] != settings:
        with _LOCK:
            cached = app.extensions.get("casework.storage")
            if cached is None or cached[0] != settings:
                cached = app.extensions["casework.storage"] = (settings, S3Backend(*settings))
    return cached[1]


def save(area: str, name: str, data: bytes | BinaryIO) -> str:
    """Store bytes (or a binary stream) under `name` in `area`, replacing what was there; returns the name."""
    name = check_name(name)
    backend().save(check_area(area), name, data)
    return name


def open(area: str, name: str) -> StoredStream:
    """A binary stream of a stored file with its size and mtime (FileNotFoundError when there is none)."""
    return backend().open(area, name)


def read(area: str, name: str) -> bytes:
    """The bytes of a stored file (FileNotFoundError when there is none)."""
    with open(area, name) as fh:
        return fh.read()


def exists(area: str, name: str) -> bool:
    return backend().exists(area, name)


def delete(area: str, name: str) -> bool:
    """Remove a stored file; False when there was none."""
    return backend().delete(area, name)


def list(area: str) -> Iterator[str]:
    """Every stored name of an area, sorted (temporary and hidden files are skipped)."""
    return iter(sorted(backend().list(area)))


def location(area: str, name: str) -> str:
    """Where a stored file lives, for messages to an operator (a disk path or an s3:// address)."""
    return backend().location(area, name)


def storage_ready() -> tuple[bool, str]:
    """(ready, what was checked or why not): the local folders can be written, or the S3 bucket answers."""
    try:
        return backend().ready()
    except StorageError as exc:
        return False, str(exc)


def send(area: str, name: str, *, download_name: str, mimetype: str | None = None, as_attachment: bool = True):
    """A Flask response with a stored file (FileNotFoundError when there is none): from the disk, or streamed from S3."""
    from flask import send_file

    store = backend()
    if isinstance(store, LocalBackend):
        path = store.file(area, name)
        if not path.is_file():
            raise FileNotFoundError(f"{area}/{name}")
        return send_file(path, mimetype=mimetype, as_attachment=as_attachment, download_name=download_name)
    fh = store.open(area, name)
    resp = send_file(fh, mimetype=mimetype, as_attachment=as_attachment, download_name=download_name,
                     conditional=False, etag=False, last_modified=fh.mtime)
    resp.content_length = fh.size
    return resp


@dataclass(frozen=True)
class Stored:
    """A stored file by area and name, read through the storage (what services hand to views and readers).

    `tag` is an optional content fingerprint known from the database (a sha256), used as a cache key."""

    area: str
    name: str
    tag: str | None = None

    @property
    def filename(self) -> str:
        return PurePosixPath(self.name).name

    def exists(self) -> bool:
        return exists(self.area, self.name)

    is_file = exists

    def open(self) -> StoredStream:
        return open(self.area, self.name)

    def read_bytes(self) -> bytes:
        return read(self.area, self.name)

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def send(self, download_name: str | None = None, mimetype: str | None = None):
        return send(self.area, self.name, download_name=download_name or self.filename, mimetype=mimetype)

    def __str__(self) -> str:
        return f"{self.area}:{self.name}"


def secure_sqlite(url: str) -> None:
    """Make an existing SQLite database file of `url` owner-only (0600), and its -wal/-shm/-journal companions
    (SQLite gives them the database file's mode). A database SQLite creates later is 0600 by the umask."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" \
            or u.database.startswith("file:") or u.query.get("mode") == "memory":
        return
    db_file = Path(u.database)
    for p in (db_file, *(db_file.with_name(db_file.name + s) for s in ("-wal", "-shm", "-journal"))):
        try:
            st = os.stat(p)
            if st.st_mode & 0o077 and st.st_uid == os.getuid():
                os.chmod(p, FILE_MODE)
        except (FileNotFoundError, PermissionError):
            continue
