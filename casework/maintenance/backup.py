"""Backup and restore of everything casework keeps: the database and every stored file, in one verified archive.

The archive (``casework-YYYYmmdd-HHMMSS.tar.gz``, written 0600) holds

- ``database/casework.sqlite3`` (SQLite: a consistent copy made with the online backup API) or
  ``database/casework.dump`` (PostgreSQL: ``pg_dump --format=custom``);
- ``files/<area>/<name>``: every file of `casework.storage` — issued documents, uploaded template versions, bulk
  outputs, import uploads and error files — from whichever backend holds them (local folders or the S3 bucket);
- ``manifest.json`` (last): format and version, the application version, the time it was made, the engine, and
  every member with its size and sha256.

The database is copied first and the files after it: a document is stored before its row is committed, so every
document the copied database knows is already stored when the files are read (a file newer than the copy is
harmless: no row points at it).

A restore unpacks the archive into a private scratch folder and checks it against the manifest (every member listed,
nothing unlisted, sizes and checksums equal, the database copy readable and of the configured engine) before
anything is changed; then it writes the files back into the storage (the configured backend: a restore may move an
installation from local folders to S3 or back) and replaces the database.
"""
from __future__ import annotations

import builtins
import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from sqlalchemy.engine import make_url

from .. import storage
from ..domain.errors import DomainError
from ..i18n import _

FORMAT = "casework-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/casework.sqlite3", "postgresql": "database/casework.dump"}
FILES_PREFIX = "files/"
_CHUNK = 1024 * 1024
_MANIFEST_MAX = 256 * 1024 * 1024
from ..timeutil import now_local


class BackupError(DomainError):
    """A backup or restore could not be done (missing tool, a damaged or foreign archive, the tool's own error)."""


def engine_of(url: str) -> str:
    """'sqlite' or 'postgresql' for a SQLAlchemy database URL."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(_("Backup is not supported for the %(engine)s database.", engine=name))
    return name


def default_backup_name(now: datetime | None = None) -> str:
    """casework-YYYYmmdd-HHMMSS.tar.gz, stamped with the enterprise's local time."""
    return f"casework-{(now or now_local()).strftime('%Y%m%d-%H%M%S')}.tar.gz"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(_("An in-memory SQLite database cannot be backed up."))
    return Path(database)


def find_pg_tool(name: str) -> str:
    """Path of pg_dump/pg_restore: PATH first, then the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(_("%(tool)s was not found. Install the PostgreSQL client tools (Debian: apt-get install "
                        "postgresql-client) or put %(tool)s on PATH.", tool=name))


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq connection URI without the password (which goes to PGPASSWORD) and the environment to use."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    dsn = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _run(cmd: list[str], env: dict | None = None) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(_("%(tool)s failed (%(code)s): %(err)s", tool=Path(cmd[0]).name, code=proc.returncode,
                            err=proc.stderr.strip()[-2000:]))


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("casework")
    except PackageNotFoundError:  # a bare checkout on PYTHONPATH
        return "unknown"


# ------------------------------------------------------------------------------------------------ database

def _dump_database(url: str, target: Path) -> None:
    """A consistent copy of the database in `target`, while the application may keep running."""
    if engine_of(url) == "sqlite":
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(_("The database file %(path)s does not exist.", path=source))
        src = sqlite3.connect(str(source))
        dst = sqlite3.connect(str(target))
        try:
            with dst:
                src.backup(dst)  # the online backup API: a consistent snapshot even with writers
        finally:
            dst.close()
            src.close()
        return
    dsn, env = _libpq(url)
    _run([find_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
          "--dbname", dsn], env)


def _check_database_copy(engine: str, path: Path) -> str | None:
    """Why the unpacked database copy is unusable, or None."""
    with builtins.open(path, "rb") as fh:
        head = fh.read(16)
    if engine == "postgresql":
        return None if head.startswith(b"PGDMP") else _("the database copy is not a pg_dump custom-format file")
    if not head.startswith(b"SQLite format 3"):
        return _("the database copy is not a SQLite database")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = con.execute("PRAGMA quick_check").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        return _("the database copy is damaged: %(e)s", e=str(exc))
    finally:
        con.close()
    if ok != "ok":
        return _("the database copy is damaged: %(e)s", e=ok)
    if "accounts" not in tables:
        return _("the database copy is not a casework database (no accounts table)")
    return None


def _restore_database(url: str, dump: Path) -> None:
    if engine_of(url) == "sqlite":
        target = _sqlite_path(url)
        storage.ensure_dir(target.parent)
        src = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        dst = sqlite3.connect(str(target), timeout=30)
        try:
            with dst:
                src.backup(dst)  # page-by-page copy into the live file, under SQLite's own locking
        finally:
            dst.close()
            src.close()
        storage.secure_sqlite(url)
        return
    dsn, env = _libpq(url)
    _run([find_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", "--dbname", dsn, str(dump)], env)


# ------------------------------------------------------------------------------------------------ backup

class _Hashing:
    """A reader that hashes and counts what passes through it."""

    def __init__(self, fh: BinaryIO):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _add(tar: tarfile.TarFile, arcname: str, fh: BinaryIO, size: int, mtime: float) -> dict:
    info = tarfile.TarInfo(arcname)
    info.size, info.mtime, info.mode = size, int(mtime), storage.FILE_MODE
    reader = _Hashing(fh)
    tar.addfile(info, reader)  # reads exactly `size` bytes; a file cut short meanwhile fails the backup
    return {"path": arcname, "size": reader.size, "sha256": reader.sha.hexdigest()}


def _add_file(tar: tarfile.TarFile, arcname: str, fh: BinaryIO) -> dict:
    st = os.fstat(fh.fileno())
    return _add(tar, arcname, fh, st.st_size, st.st_mtime)


@dataclass
class Written:
    path: Path
    manifest: dict

    @property
    def files(self) -> int:
        return sum(1 for e in self.manifest["files"] if e["path"].startswith(FILES_PREFIX))


def backup(url: str, out: Path) -> Written:
    """Write one archive with the database and every stored file to `out` (0600), atomically."""
    engine = engine_of(url)
    out = Path(out)
    storage.ensure_dir(out.parent)
    entries: list[dict] = []
    created = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix=".casework-backup-", dir=out.parent) as scratch:
        dump = Path(scratch) / PurePosixPath(DB_MEMBER[engine]).name
        _dump_database(url, dump)
        fd, part = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)  # 0600
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                    with builtins.open(dump, "rb") as fh:
                        entries.append(_add_file(tar, DB_MEMBER[engine], fh))
                    for area in storage.areas():
                        for name in storage.list(area):
                            try:
                                fh = storage.open(area, name)
                            except FileNotFoundError:  # deleted since it was listed
                                continue
                            with fh:  # from the disk or the S3 bucket: its size and time come with the stream
                                entries.append(_add(tar, f"{FILES_PREFIX}{area}/{name}", fh, fh.size, fh.mtime))
                    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "app_version": _app_version(),
                                "created_at": created.isoformat(timespec="seconds"), "engine": engine,
                                "database": DB_MEMBER[engine], "files": entries}
                    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                    _add(tar, MANIFEST, io.BytesIO(data), len(data), created.timestamp())
                raw.flush()
                os.fsync(raw.fileno())
            os.chmod(part, storage.FILE_MODE)
            os.replace(part, out)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
    return Written(out, manifest)


# ------------------------------------------------------------------------------------------------ restore

@dataclass
class Verified:
    """An archive unpacked into a scratch folder and checked against its manifest."""

    archive: Path
    manifest: dict
    database: Path
    files: list[tuple[str, str, Path]] = field(default_factory=list)  # (area, name, unpacked file)


def _refuse(archive: Path, reason: str) -> BackupError:
    return BackupError(_("The backup %(file)s failed the check and nothing was restored: %(reason)s.",
                         file=archive, reason=reason))


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and "\\" not in name and not p.is_absolute() and ".." not in p.parts and p.as_posix() == name


def _unpack(archive: Path, scratch: Path) -> tuple[bytes | None, dict[str, tuple[str, int, Path]]]:
    """Unpack every member into `scratch` (flat, numbered) hashing as it goes; the manifest's bytes and the members."""
    members: dict[str, tuple[str, int, Path]] = {}
    manifest = None
    with tarfile.open(archive, "r:*") as tar:
        for i, m in enumerate(tar):
            if not m.isfile() or not _safe_member(m.name):
                raise _refuse(archive, _("unexpected entry %(name)s", name=m.name))
            if m.name in members or (m.name == MANIFEST and manifest is not None):
                raise _refuse(archive, _("%(name)s is in the archive twice", name=m.name))
            src = tar.extractfile(m)
            if m.name == MANIFEST:
                if m.size > _MANIFEST_MAX:
                    raise _refuse(archive, _("the manifest is too large"))
                manifest = src.read()
                continue
            dest = scratch / f"{i:08d}"
            reader = _Hashing(src)
            with builtins.open(dest, "xb") as out:
                shutil.copyfileobj(reader, out, _CHUNK)
            members[m.name] = (reader.sha.hexdigest(), reader.size, dest)
    return manifest, members


def _check(url: str, archive: Path, raw_manifest: bytes | None,
           members: dict[str, tuple[str, int, Path]]) -> Verified:
    if raw_manifest is None:
        raise _refuse(archive, _("there is no manifest: it is not an archive made by casework backup"))
    try:
        manifest = json.loads(raw_manifest.decode("utf-8"))
        entries = {e["path"]: (e["sha256"], int(e["size"])) for e in manifest["files"]}
        fmt, version, engine = manifest["format"], int(manifest["format_version"]), manifest["engine"]
        database = manifest["database"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _refuse(archive, _("the manifest is damaged")) from None
    if fmt != FORMAT:
        raise _refuse(archive, _("it is not an archive made by casework backup"))
    if version > FORMAT_VERSION:
        raise _refuse(archive, _("it was made by a newer version of casework (format %(v)s)", v=version))
    target = engine_of(url)
    if engine != target:
        raise _refuse(archive, _("it holds a %(made)s database and the configured database is %(target)s",
                                 made=engine, target=target))
    for name in sorted(entries):
        if name not in members:
            raise _refuse(archive, _("%(name)s is listed in the manifest but missing", name=name))
        sha, size = entries[name]
        if members[name][:2] != (sha, size):
            raise _refuse(archive, _("%(name)s does not match its checksum", name=name))
    for name in sorted(members):
        if name not in entries:
            raise _refuse(archive, _("%(name)s is not listed in the manifest", name=name))
    if database != DB_MEMBER.get(engine) or database not in members:
        raise _refuse(archive, _("the archive has no database copy"))
    verified = Verified(archive, manifest, members[database][2])
    for name in sorted(members):
        if name == database:
            continue
        area, _sep, rel = name[len(FILES_PREFIX):].partition("/") if name.startswith(FILES_PREFIX) else ("", "", "")
        try:
            if area not in storage.areas():
                raise storage.StorageError(name)
            storage.check_name(rel)
        except storage.StorageError:
            raise _refuse(archive, _("unexpected entry %(name)s", name=name)) from None
        verified.files.append((area, rel, members[name][2]))
    why = _check_database_copy(engine, verified.database)
    if why:
        raise _refuse(archive, why)
    return verified


@contextmanager
def verified(url: str, archive: Path, work_dir: Path | None = None) -> Iterator[Verified]:
    """Unpack and check an archive (BackupError with the reason if it fails); the scratch copy lives for the block."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("The backup file %(file)s does not exist.", file=archive))
    if work_dir is not None:
        storage.ensure_dir(Path(work_dir))
    with tempfile.TemporaryDirectory(prefix=".casework-restore-", dir=work_dir) as scratch:  # 0700
        try:
            raw_manifest, members = _unpack(archive, Path(scratch))
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile):
            raise _refuse(archive, _("it is damaged or not a casework backup archive")) from None
        except OSError as exc:
            raise _refuse(archive, _("it could not be unpacked (%(e)s)", e=str(exc))) from None
        yield _check(url, archive, raw_manifest, members)


@dataclass
class Restored:
    files: int
    left: int  # stored files not in the backup, left in place (no record points at them)


def restore_verified(url: str, v: Verified) -> Restored:
    """Write the files back into the storage, then replace the whole database (the caller has asked first and has
    closed its own connections)."""
    wanted: dict[str, set[str]] = {area: set() for area in storage.areas()}
    for area, name, unpacked in v.files:
        with builtins.open(unpacked, "rb") as fh:
            storage.save(area, name, fh)
        wanted[area].add(name)
    left = sum(1 for area in storage.areas() for name in storage.list(area) if name not in wanted[area])
    _restore_database(url, v.database)
    return Restored(len(v.files), left)


def restore(url: str, archive: Path, work_dir: Path | None = None) -> Restored:
    """Check the archive, then restore the files and the database from it."""
    with verified(url, archive, work_dir) as v:
        return restore_verified(url, v)
