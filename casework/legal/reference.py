"""Load the packaged reference data (key rate, production calendar, moratoria, cap windows, duty scales)."""
from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from importlib import resources

from casework.domain.calendar import WorkingCalendar
from casework.domain.duty import DutyScale, duty_scales_from_rows
from casework.domain.keyrate import CapWindow, KeyRateTable, Moratorium, cap_window_from_row, moratorium_from_row

DATA_PACKAGE = "casework.data"


def read_text(name: str) -> str:
    """Text of a packaged data file (casework/data/<name>)."""
    return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def key_rate_rows() -> list[dict]:
    """Rows of key_rate.csv as dicts: date_from, rate_percent, source (strings)."""
    return list(csv.DictReader(io.StringIO(read_text("key_rate.csv"))))


def calendar_rows() -> list[dict]:
    """Rows of production_calendar.csv as dicts: date, kind, source (strings)."""
    return list(csv.DictReader(io.StringIO(read_text("production_calendar.csv"))))


@lru_cache(maxsize=1)
def _moratoria_doc() -> dict:
    return json.loads(read_text("moratoria.json"))


def moratoria_rows() -> list[dict]:
    return list(_moratoria_doc()["moratoria"])


def cap_window_rows() -> list[dict]:
    return list(_moratoria_doc()["cap_windows"])


def duty_scale_rows() -> list[dict]:
    return list(json.loads(read_text("duty_scales.json"))["scales"])


@lru_cache(maxsize=1)
def load_moratoria() -> tuple[Moratorium, ...]:
    """Packaged moratoria (ПП 424, ПП 497)."""
    return tuple(moratorium_from_row(r) for r in moratoria_rows())


@lru_cache(maxsize=1)
def load_cap_windows() -> tuple[CapWindow, ...]:
    """Packaged cap windows (9.5 %, 28.02.2022–31.12.2026)."""
    return tuple(cap_window_from_row(r) for r in cap_window_rows())


@lru_cache(maxsize=1)
def load_key_rates() -> KeyRateTable:
    """Packaged key-rate table with the packaged cap windows."""
    return KeyRateTable.from_rows(key_rate_rows(), load_cap_windows())


@lru_cache(maxsize=1)
def load_calendar() -> WorkingCalendar:
    """Packaged production calendar; the covered years are those with rows in the file (2016–2026), any other
    year is provisional (ТК 112 ч.1 holidays and ч.2 transfers, see casework.domain.calendar)."""
    rows = calendar_rows()
    return WorkingCalendar.from_rows(rows, covered_years={int(r["date"][:4]) for r in rows})


@lru_cache(maxsize=1)
def load_duty_scales() -> tuple[DutyScale, ...]:
    """Packaged duty scales (НК 333.19 and 333.21, old and new)."""
    return duty_scales_from_rows(duty_scale_rows())
