"""Reference data of the cases area: deliberately none.

`seed()` is listed in casework/maintenance/setup.py and is a documented no-op. An empty installation needs no
case reference rows: stages, hold reasons, court procedures, outcomes, alert and deadline kinds are code
tables in the program (casework/domain/stages.py, casework/cases/labels.py), translated by the catalogue, not
rows in the database. Courts and bailiff units are specific to each enterprise's territory, so they are entered
on the «Courts and bailiffs» screen (/cases/courts) or imported with `casework cases import-courts FILE`; the
demo (`casework demo`) adds those of the Lensk district.
"""
from __future__ import annotations


def seed() -> None:
    """Nothing to insert (idempotent by construction); see the module docstring."""
    return None
