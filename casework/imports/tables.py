"""Opening a billing export as a table: CSV (UTF-8 or Windows-1251 and the other encodings of encoding.py, `;`, `,`
or a tab), XLSX (checked against zip bombs before openpyxl opens it) or the API's JSON records.

Pure: no database, no Flask state. Row numbers are the ones the user sees in Excel (the header is row 1).
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Iterable, Iterator

from ..i18n import _
from . import encoding
from .rows import file_error

# XLSX safety limits: an archive that inflates beyond these is refused before openpyxl opens it
XLSX_MAX_UNCOMPRESSED = 400 * 1024 * 1024
XLSX_MAX_RATIO = 200


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1251, KOI8-R or DOS 866 (see encoding.py); a file in
    none of them is refused: «could not determine the encoding»."""
    try:
        return encoding.decode(data)
    except encoding.UnknownEncoding:
        raise file_error(_("Could not determine the file's encoding: save it as CSV in UTF-8 or Windows-1251.")) \
            from None


def sniff_delimiter(first_line: str) -> str:
    """`;` (Russian Excel) or `,` (or a tab), whichever splits the header line into more cells."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


@dataclass
class Table:
    """A sheet: the headers as written, and the data rows with their Excel row numbers."""

    headers: list[str]
    rows: Iterable[tuple[int, list]]
    size_hint: int = 0  # rows expected (for progress bars)


def is_xlsx(data: bytes, file_name: str) -> bool:
    """An Excel workbook: by its name or by the zip signature."""
    return file_name.lower().endswith(".xlsx") or data[:2] == b"PK"


def check_xlsx_archive(data: bytes) -> None:
    """Refuse a malformed archive or a zip bomb before openpyxl inflates it."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise file_error(_("The file is not a readable Excel workbook (.xlsx).")) from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > XLSX_MAX_UNCOMPRESSED or total / packed > XLSX_MAX_RATIO:
        raise file_error(_("The workbook unpacks to an unreasonable size; it is refused as unsafe."))
    if "[Content_Types].xml" not in {i.filename for i in infos}:
        raise file_error(_("The file is not a readable Excel workbook (.xlsx)."))


def read_table(data: bytes, file_name: str) -> Table:
    """Open a CSV or XLSX file; header row first. Raises ImportFileError for unreadable or empty files."""
    if not data or not data.strip():
        raise file_error(_("The file is empty."))
    if is_xlsx(data, file_name):
        return _read_xlsx(data)
    if is_json_records(file_name):
        return _read_json_records(data)
    text = decode(data)
    if not text.strip():
        raise file_error(_("The file is empty."))
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        headers = next(reader)
    except StopIteration:
        raise file_error(_("The file is empty.")) from None
    except csv.Error as exc:
        raise file_error(_("The file is not a readable CSV: %(e)s", e=str(exc))) from None
    headers = [h.strip() for h in headers]

    def rows() -> Iterator[tuple[int, list]]:
        n = 1
        try:
            for cells in reader:
                n += 1
                if cells and (cells[0] or any(c.strip() for c in cells)):
                    yield n, cells
        except csv.Error as exc:
            raise file_error(_("The file is not a readable CSV (row %(n)s): %(e)s", n=n + 1, e=str(exc))) from None

    return Table(headers, rows(), text.count("\n"))


def is_json_records(file_name: str) -> bool:
    """A JSON file of records (`{"rows": [{column: value, …}, …]}`), as the API hands its rows to the import."""
    return file_name.lower().endswith(".json")


def _read_json_records(data: bytes) -> Table:
    """`{"rows": [{column: value}, …]}` (UTF-8) → a table: the headers are the keys in order of first appearance,
    the n-th record is row n (counting from 1). Values must be strings, numbers or null."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise file_error(_("The file is not readable JSON.")) from None
    records = doc.get("rows") if isinstance(doc, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise file_error(_("The JSON file must hold an object with a list of records under «rows».")) from None
    headers: list[str] = []
    seen: set[str] = set()
    for r in records:
        for k in r:
            if k not in seen:
                seen.add(k)
                headers.append(str(k))
    if not headers:
        raise file_error(_("The file is empty."))

    def cell(v):
        if v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool):
            return v
        return str(v)

    rows = [(n, [cell(r.get(h)) for h in headers]) for n, r in enumerate(records, start=1)]
    return Table(headers, rows, len(rows))


def _read_xlsx(data: bytes) -> Table:
    """The first sheet of a workbook; the first row is the header."""
    check_xlsx_archive(data)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise file_error(_("The file is not a readable Excel workbook (.xlsx).")) from None
    if header is None or not any(c not in (None, "") for c in header):
        raise file_error(_("The file is empty."))
    headers = [str(h).strip() if h is not None else "" for h in header]

    def rows() -> Iterator[tuple[int, list]]:
        n = 1
        for cells in it:
            n += 1
            if cells and any(c not in (None, "") for c in cells):
                yield n, list(cells)
        wb.close()

    return Table(headers, rows(), int(ws.max_row or 0))
