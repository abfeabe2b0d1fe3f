"""Safe spreadsheet export shared by every area: XLSX (openpyxl write-only) and CSV for Russian Excel.

Usage from a view::

    from casework.export import Column, xlsx_response
    cols = [Column(_("Account"), width=14), Column(_("Debt"), "kop"), Column(_("Last payment"), "date")]
    return xlsx_response("accounts.xlsx", cols, rows, sheet_title=_("Accounts"), totals=[_("Total"), 12345])

`rows` is any iterable of sequences (a streamed SQLAlchemy result works: rows are written as they come,
never collected in a list). Cell kinds:

- ``text``   — str; formula-injection guard applied (`safe_text`);
- ``int``    — whole number, ``# ##0``;
- ``kop``    — integer kopecks, written as exact rubles (Decimal) with the money format;
- ``money``  — Decimal rubles (never float), money format;
- ``number`` — Decimal/int with two decimals;
- ``date``   — ``date``/``datetime``, shown ``DD.MM.YYYY``;
- ``period`` — a billing month (``date`` on the 1st), shown ``MM.YYYY``.

Number formats are stored in Excel's invariant syntax (``#,##0.00``); Russian Excel displays that as
``# ##0,00`` — a space between thousands and a decimal comma.

**Every XLSX and CSV the application writes goes through this module's one neutraliser**, `safe_text` (a text
cell starting with ``= + - @``, also after leading whitespace, or with a TAB or CR becomes text: it gets a leading
``'``; a plain number such as ``-12,50`` and real numbers stay numbers). Writers that lay out their own sheet
use `csv_writer` instead of ``csv.writer`` and `workbook_bytes(wb)` instead of ``wb.save``; `write_xlsx`,
`iter_csv`, `xlsx_response` and `csv_response` apply it themselves.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import quote

from flask import Response, stream_with_context

KINDS = ("text", "int", "kop", "money", "number", "date", "period")
MONEY_FORMAT = "#,##0.00"  # Russian Excel shows it as "# ##0,00"
INT_FORMAT = "#,##0"
DATE_FORMAT = "DD.MM.YYYY"
PERIOD_FORMAT = "MM.YYYY"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DANGEROUS_LEAD = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")  # «-5», «-1234,56», «-0.05»: a number, not a formula
_DEFAULT_WIDTH = {"text": 24, "int": 10, "kop": 16, "money": 16, "number": 14, "date": 12, "period": 10}
_MAX_SHEET_TITLE = 31


@dataclass(frozen=True)
class Column:
    """One export column: its header, the kind of its cells and an optional width in characters."""

    title: str
    kind: str = "text"
    width: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def safe_text(value: Any) -> str:
    """THE neutraliser: text for a cell, defused (OWASP CSV injection).

    A leading =, +, -, @ — also after leading whitespace, which Excel and LibreOffice skip — or a leading TAB or CR
    would make a spreadsheet run the cell as a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``@SUM(…)``):
    such text gets a ``'`` in front and stays text. A plain negative number (``-5``, ``-1234,56``) is left as is.
    """
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS_LEAD) or text.lstrip().startswith(_DANGEROUS_LEAD):
        if _PLAIN_NUMBER.fullmatch(text):
            return text
        return "'" + text
    return text


def neutralise(value: Any) -> Any:
    """A cell value of any kind, defused: text through `safe_text`; numbers, dates, booleans and None unchanged."""
    if isinstance(value, str):
        return safe_text(value)
    return value


class SafeCSVWriter:
    """``csv.writer`` whose every cell goes through `neutralise` (use `csv_writer` to make one)."""

    def __init__(self, fileobj, **fmtparams) -> None:
        self._writer = csv.writer(fileobj, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fileobj, **fmtparams) -> SafeCSVWriter:
    """The only way the application writes CSV rows: ``csv.writer`` with the formula-injection guard."""
    return SafeCSVWriter(fileobj, **fmtparams)


def neutralise_workbook(wb) -> None:
    """Defuse every text (and formula) cell of an openpyxl workbook laid out by hand, in place."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str):
                    safe = safe_text(value)
                    if safe != value or cell.data_type == "f":
                        cell.value = safe
                        cell.data_type = "s"


def workbook_bytes(wb) -> bytes:
    """The .xlsx bytes of a workbook laid out by hand (``Workbook()``, not write-only), every text cell defused."""
    neutralise_workbook(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _as_decimal(value: Any, kind: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if kind == "kop":
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
    if isinstance(value, float):
        raise TypeError("money must not be a float")  # floats would make totals drift
    return Decimal(value)


def _xlsx_value(value: Any, kind: str):
    if kind == "text":
        return safe_text(value) if value is not None else None
    if kind in ("kop", "money", "number"):
        return _as_decimal(value, kind)
    if kind == "int":
        return None if value is None else int(value)
    if kind in ("date", "period"):
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, date):
            return value
        return safe_text(value)
    return value


def _format(kind: str) -> str | None:
    return {"kop": MONEY_FORMAT, "money": MONEY_FORMAT, "number": MONEY_FORMAT, "int": INT_FORMAT,
            "date": DATE_FORMAT, "period": PERIOD_FORMAT}.get(kind)


def _sheet_title(title: str | None) -> str:
    title = str(title or "Sheet")
    for ch in '[]:*?/\\':
        title = title.replace(ch, " ")
    return title[:_MAX_SHEET_TITLE] or "Sheet"


def write_xlsx(columns: Sequence[Column], rows: Iterable[Sequence[Any]], fileobj, *, sheet_title: str | None = None,
               totals: Sequence[Any] | None = None, title_lines: Sequence[str] = ()) -> int:
    """Write a one-sheet workbook to `fileobj` (write-only mode: constant memory); return the row count.

    `title_lines` are written above the header (e.g. the filters used); `totals` is a last row in bold,
    aligned with `columns` (None for an empty cell).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet_title))
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width or max(_DEFAULT_WIDTH[col.kind],
                                                                            min(len(col.title) + 2, 40))
    header_row = len(title_lines) + 1
    ws.freeze_panes = f"A{header_row + 1}"
    bold = Font(bold=True)
    for line in title_lines:
        cell = WriteOnlyCell(ws, value=safe_text(line))
        cell.font = bold
        ws.append([cell])
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=safe_text(col.title))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    ws.append(header)
    formats = [_format(c.kind) for c in columns]
    count = 0
    try:
        for row in rows:
            out = []
            for col, fmt, value in zip(columns, formats, row):
                cell = WriteOnlyCell(ws, value=_xlsx_value(value, col.kind))
                if fmt:
                    cell.number_format = fmt
                out.append(cell)
            ws.append(out)
            count += 1
    except BaseException:
        _abandon(ws)
        raise
    if totals is not None:
        out = []
        for col, fmt, value in zip(columns, formats, totals):
            kind = col.kind if not isinstance(value, str) else "text"
            cell = WriteOnlyCell(ws, value=_xlsx_value(value, kind))
            cell.font = bold
            if fmt and kind != "text":
                cell.number_format = fmt
            out.append(cell)
        ws.append(out)
    wb.save(fileobj)
    return count


def _abandon(ws) -> None:
    """Close a half-written write-only sheet quietly so that its XML writer does not complain at exit."""
    try:
        ws.close()
    except Exception:  # the partial sheet is discarded anyway
        pass


def _csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("kop", "money", "number"):
        return format(_as_decimal(value, kind), "f").replace(".", ",")
    if kind == "int":
        return str(int(value))
    if kind == "date" and isinstance(value, (date, datetime)):
        return value.strftime("%d.%m.%Y")
    if kind == "period" and isinstance(value, date):
        return value.strftime("%m.%Y")
    return safe_text(value)


def iter_csv(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, totals: Sequence[Any] | None = None,
             bom: bool = True) -> Iterator[str]:
    """CSV for Russian Excel, chunk by chunk: UTF-8 BOM, `;` separator, decimal comma, DD.MM.YYYY dates."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)  # cells: _csv_value

    def flush() -> str:
        data = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return data

    writer.writerow([safe_text(c.title) for c in columns])
    yield ("\ufeff" if bom else "") + flush()
    n = 0
    for row in rows:
        writer.writerow([_csv_value(v, c.kind) for c, v in zip(columns, row)])
        n += 1
        if n % 500 == 0:
            yield flush()
    if totals is not None:
        writer.writerow([_csv_value(v, "text" if isinstance(v, str) else c.kind) for c, v in zip(columns, totals)])
    yield flush()


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(filename: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], **kw) -> Response:
    """A download response with the workbook (spooled to disk above 8 MB; rows are never all held in memory)."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_xlsx(columns, rows, spool, **kw)
    size = spool.tell()
    spool.seek(0)

    def chunks():
        try:
            while True:
                data = spool.read(64 * 1024)
                if not data:
                    break
                yield data
        finally:
            spool.close()

    resp = Response(chunks(), mimetype=XLSX_MIME, direct_passthrough=True)
    resp.headers["Content-Disposition"] = _disposition(filename)
    resp.headers["Content-Length"] = str(size)
    return resp


def csv_response(filename: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], **kw) -> Response:
    """A streamed CSV download (rows are fetched while the response is sent)."""
    body = stream_with_context(chunk.encode("utf-8") for chunk in iter_csv(columns, rows, **kw))
    resp = Response(body, mimetype="text/csv")
    resp.headers["Content-Disposition"] = _disposition(filename)
    return resp
