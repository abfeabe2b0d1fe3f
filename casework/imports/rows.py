"""What reading a billing file gives: the rows read (`Parsed`), every reason a row or the whole file is refused
(`RowError`, `ImportFileError`) and the error file the user downloads (the bad rows plus «Ошибка»).

Pure: no database, no Flask state. Row numbers are the ones the user sees in Excel (the header is row 1).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from ..domain.errors import DomainError
from ..export import csv_writer

ERROR_COLUMN = "Ошибка"  # the extra column of the downloadable error file (it is read by Russian users)


@dataclass
class RowError:
    """One reason a row (or the whole file, row=None) cannot be imported."""

    row: int | None  # as the user sees it in Excel: header = 1
    column: str  # the header as written in the file; "" when the reason is about the whole row/file
    reason: str  # in the user's language

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class ImportFileError(DomainError):
    """The file as a whole cannot be read (encoding, format, missing columns, empty)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(e.reason for e in errors))


def file_error(reason: str, column: str = "") -> ImportFileError:
    """The whole file refused for one reason (row None)."""
    return ImportFileError([RowError(None, column, reason)])


@dataclass
class Parsed:
    """Rows ready to write plus the bad rows (with the raw cells, for the error file)."""

    kind: str
    headers: list[str]
    columns: dict[str, int]
    rows: list = field(default_factory=list)  # kind-specific tuples/dicts
    errors: list[RowError] = field(default_factory=list)
    bad_cells: dict[int, list] = field(default_factory=dict)  # row number → raw cells
    total: int = 0
    accounts_touched: set = field(default_factory=set)
    extra: dict = field(default_factory=dict)

    @property
    def bad_rows(self) -> int:
        return len(self.bad_cells)

    def add_error(self, row: int, cells: list, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))
        self.bad_cells.setdefault(row, list(cells))


def cell(cells: list, idx: int | None) -> Any:
    """The cell at a column's index; None when the column is absent or the row is shorter."""
    if idx is None or idx >= len(cells):
        return None
    return cells[idx]


def progress_every(progress: Callable | None, n: int, total: int) -> None:
    """Report progress every 20 000 rows."""
    if progress is not None and n % 20000 == 0:
        progress(n, total)


def error_file_bytes(headers: list[str], parsed: Parsed) -> bytes:
    """The bad rows in the shape of the input plus an «Ошибка» column (CSV, UTF-8 with BOM, `;`)."""
    reasons: dict[int, list[str]] = {}
    for e in parsed.errors:
        if e.row is not None:
            reasons.setdefault(e.row, []).append(f"{e.column}: {e.reason}" if e.column else e.reason)
    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";", lineterminator="\r\n")  # the bad cells come back defused, not verbatim
    w.writerow(list(headers) + [ERROR_COLUMN])
    for row in sorted(parsed.bad_cells):
        cells = ["" if c is None else (c.isoformat() if isinstance(c, (date, datetime)) else str(c))
                 for c in parsed.bad_cells[row]]
        cells += [""] * (len(headers) - len(cells))
        w.writerow(cells + ["; ".join(reasons.get(row, []))])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
