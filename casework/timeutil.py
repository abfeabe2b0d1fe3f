"""Clock helpers: the only places that read the wall clock.

The database keeps timestamps as naive UTC (`utcnow`). What people see and the business date are the
enterprise's local ones: its time zone is `enterprises.timezone` (an IANA name, e.g. «Asia/Yakutsk» for Lensk,
UTC+9), else the `DEFAULT_TIMEZONE` setting. `today()` is the enterprise's local calendar day (deadlines, the
daily job, «today» on every page), `local(dt)` turns a stored UTC timestamp into local wall-clock time for
display, `now_local()` is the local wall-clock time now (contacts are logged in it)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_TIMEZONE = "Europe/Moscow"  # outside an application (no settings, no database)


def _clock() -> datetime:
    """The wall clock, as an aware UTC datetime: the one read of the system clock."""
    return datetime.now(timezone.utc)


def utcnow() -> datetime:
    """Naive UTC timestamp (stored as such on both engines)."""
    return _clock().replace(tzinfo=None)


def zone_info(name: str) -> ZoneInfo:
    """The zone of an IANA name; a ValueError naming it when the name is not known."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def default_zone_name() -> str:
    """The `DEFAULT_TIMEZONE` setting of the running application (new enterprises start with it)."""
    from flask import current_app

    try:
        return current_app.config.get("DEFAULT_TIMEZONE") or FALLBACK_TIMEZONE
    except RuntimeError:  # no application context
        return FALLBACK_TIMEZONE


def _app_g():
    from flask.globals import _cv_app

    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.g


def zone_name() -> str:
    """The enterprise's time zone name (its setting, else DEFAULT_TIMEZONE), remembered for the application
    context until `forget_zone()` (called at the start of every request and after the enterprise is saved)."""
    g = _app_g()
    if g is None:
        return FALLBACK_TIMEZONE
    hit = g.__dict__.get("_cw_zone")
    if hit is not None:
        return hit[0]
    from .enterprise.models import enterprise_timezone

    name = enterprise_timezone() or default_zone_name()
    try:
        zi = zone_info(name)
    except ValueError:  # a name the tz database of this machine lacks: the setting rather than a broken page
        name = default_zone_name()
        zi = zone_info(name)
    g._cw_zone = (name, zi)
    return name


def zone() -> ZoneInfo:
    """The enterprise's time zone."""
    g = _app_g()
    hit = g.__dict__.get("_cw_zone") if g is not None else None
    if hit is not None:
        return hit[1]
    return zone_info(zone_name())


def forget_zone() -> None:
    """Read the enterprise's time zone again on next use (after it was changed)."""
    g = _app_g()
    if g is not None:
        g.__dict__.pop("_cw_zone", None)


def now_local() -> datetime:
    """The enterprise's local wall-clock time now (naive, to the second)."""
    return _clock().astimezone(zone()).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """The business date: the enterprise's local calendar day."""
    return _clock().astimezone(zone()).date()


def local(dt: datetime | None) -> datetime | None:
    """A stored timestamp (naive UTC, or aware) as the enterprise's local wall-clock time (naive)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(zone()).replace(tzinfo=None)


def utc_offset_text(name: str) -> str:
    """«UTC+9» for Asia/Yakutsk: the zone's offset from UTC now (Russian zones keep one offset all year)."""
    offset = _clock().astimezone(zone_info(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def to_utc(local_dt: datetime) -> datetime:
    """The enterprise's local wall-clock time as the naive UTC timestamp the database compares against."""
    return local_dt.replace(tzinfo=zone()).astimezone(timezone.utc).replace(tzinfo=None)
