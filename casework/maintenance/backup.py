"""Backup and restore of the whole database: SQLite online backup API, PostgreSQL pg_dump/pg_restore."""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from ..domain.errors import DomainError
from ..timeutil import now_local


class BackupError(DomainError):
    """A backup or restore could not be done (missing tool, unreadable file, the tool's own error)."""


def engine_of(url: str) -> str:
    """'sqlite' or 'postgresql' for a SQLAlchemy database URL."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backup is not supported for the {name} database")
    return name


def default_backup_name(url: str, now: datetime | None = None) -> str:
    """casework-YYYYmmdd-HHMMSS.sqlite3 or .dump (pg_dump custom format)."""
    stamp = (now or now_local()).strftime("%Y%m%d-%H%M%S")  # the enterprise's local time
    return f"casework-{stamp}." + ("sqlite3" if engine_of(url) == "sqlite" else "dump")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
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
    raise BackupError(f"{name} was not found. Install the PostgreSQL client tools "
                      f"(Debian: apt-get install postgresql-client) or put {name} on PATH.")


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq connection URI without the password (which goes to PGPASSWORD) and the environment to use."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    dsn = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _run(cmd: list[str], env: dict | None = None) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


def backup(url: str, out: Path) -> Path:
    """Write a consistent copy of the database to `out` while the application may keep running."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if engine_of(url) == "sqlite":
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"the database file {source} does not exist")
        tmp = out.with_name(out.name + ".part")
        tmp.unlink(missing_ok=True)
        src = sqlite3.connect(str(source))
        dst = sqlite3.connect(str(tmp))
        try:
            with dst:
                src.backup(dst)  # the online backup API: a consistent snapshot even with writers
        finally:
            dst.close()
            src.close()
        os.replace(tmp, out)
        return out
    dsn, env = _libpq(url)
    _run([find_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(out),
          "--dbname", dsn], env)
    return out


def check_backup_file(url: str, path: Path) -> None:
    """Refuse a file that is not a backup of this engine before anything is overwritten."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"the backup file {path} does not exist")
    with open(path, "rb") as fh:
        head = fh.read(16)
    if engine_of(url) == "sqlite":
        if not head.startswith(b"SQLite format 3"):
            raise BackupError(f"{path} is not a SQLite database backup")
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
        if ok != "ok":
            raise BackupError(f"{path} is damaged: {ok}")
        if "accounts" not in tables:
            raise BackupError(f"{path} is not a casework database (no accounts table)")
    elif not head.startswith(b"PGDMP"):
        raise BackupError(f"{path} is not a pg_dump custom-format file (made by casework backup)")


def restore(url: str, path: Path) -> None:
    """Replace the whole database with the backup (the caller has asked for confirmation)."""
    path = Path(path)
    check_backup_file(url, path)
    if engine_of(url) == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(str(target), timeout=30)
        try:
            with dst:
                src.backup(dst)  # page-by-page copy into the live file, under SQLite's own locking
        finally:
            dst.close()
            src.close()
        return
    dsn, env = _libpq(url)
    _run([find_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", "--dbname", dsn, str(path)], env)
