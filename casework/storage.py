"""The files the application keeps, behind one small interface: save / open / read / list / delete by area and name.

Areas and what they hold (each is a folder today; an object-storage backend can later map an area to a bucket
prefix and keep the same calls):

- ``documents`` (``DOCUMENTS_DIR``): issued documents ``<year>/<seq>_<code>_<account>.docx``, uploaded template
  versions ``templates/<code>/vNNN.docx``, bulk outputs ``batches/batch_NNNNNN.zip|.docx|.pdf``;
- ``imports`` (``IMPORTS_DIR``): uploads kept between preview and confirmation ``uploads/<sha256>`` and their
  previews ``uploads/<sha256>.<kind>.json``, error files ``errors/<batch>-<name>-errors.csv``.

A name is a relative POSIX path inside its area (no ``..``, no absolute paths); names with a part starting with a dot
are the storage's own temporary files and are never listed. Every file is written owner-only (0600) through a
temporary file and an atomic rename, in folders created owner-only (0700). `private_umask` makes the same hold for
files written by code that goes around this module (the SQLite database, zip files written in place, LibreOffice).
`casework backup` walks `areas()` and `list(area)`, so whatever is saved here is in the backups.
"""
from __future__ import annotations

import builtins
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import current_app

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077
AREAS = {"documents": "DOCUMENTS_DIR", "imports": "IMPORTS_DIR"}
_CHUNK = 1024 * 1024


class StorageError(ValueError):
    """A name that is not a plain relative path inside an area, or an unknown area."""


def private_umask() -> None:
    """Make every file and folder this process creates owner-only (0600 / 0700), whoever creates it."""
    os.umask(UMASK)


def areas() -> tuple[str, ...]:
    return tuple(AREAS)


def root(area: str) -> Path:
    """The folder of an area (from the configuration)."""
    try:
        key = AREAS[area]
    except KeyError:
        raise StorageError(f"unknown storage area: {area}") from None
    return Path(current_app.config[key])


def check_name(name: str) -> str:
    """The name as a normalised relative POSIX path, or StorageError."""
    if not name or "\\" in name or "\x00" in name:
        raise StorageError(f"bad storage name: {name!r}")
    p = PurePosixPath(name)
    if p.is_absolute() or any(part in ("", ".", "..") or part.startswith(".") for part in p.parts):
        raise StorageError(f"bad storage name: {name!r}")
    return p.as_posix()


def path(area: str, name: str) -> Path:
    """The local file of a stored name (for send_file and readers that want a path)."""
    return root(area) / check_name(name)


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


def save(area: str, name: str, data: bytes | BinaryIO) -> str:
    """Store bytes (or a binary stream) under `name` in `area`, replacing what was there; returns the name."""
    name = check_name(name)
    write_private(root(area) / name, data)
    return name


def open(area: str, name: str) -> BinaryIO:
    """A binary stream of a stored file (FileNotFoundError when there is none)."""
    return builtins.open(path(area, name), "rb")


def read(area: str, name: str) -> bytes:
    with open(area, name) as fh:
        return fh.read()


def exists(area: str, name: str) -> bool:
    return path(area, name).is_file()


def delete(area: str, name: str) -> bool:
    """Remove a stored file; False when there was none."""
    try:
        path(area, name).unlink()
    except FileNotFoundError:
        return False
    return True


def list(area: str) -> Iterator[str]:
    """Every stored name of an area, sorted (regular files only; temporary and hidden files are skipped)."""
    base = root(area)
    if not base.is_dir():
        return iter(())
    found = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = Path(folder).relative_to(base)
        for f in files:
            if f.startswith("."):
                continue
            full = Path(folder) / f
            try:
                if not stat.S_ISREG(os.lstat(full).st_mode):
                    continue
            except FileNotFoundError:
                continue
            found.append((rel / f).as_posix())
    return iter(sorted(found))


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
