"""A 1С «Оборотно-сальдовая ведомость» (turnover sheet as 1С and similar billings export it) → the rows of the
`turnover` import.

What such a sheet looks like (see docs/import-format.md and tests/osv_builder.py)::

    ООО «Теплосеть»
    Оборотно-сальдовая ведомость по счету 62 за Ноябрь 2026 г.
    Лицевой счет | Сальдо на начало периода | Обороты за период | Сальдо на конец периода
                 | Дебет      | Кредит      | Дебет  | Кредит   | Дебет     | Кредит
    Отопление    | 1 500,00   |             | 900,00 | 700,00   | 1 700,00  |            ← subtotal of a service
    000123       | 1 000,00   |             | 600,00 | 500,00   | 1 100,00  |
    000124       | 500,00     |             | 300,00 | 200,00   | 600,00    |
    …
    Итого        | …

How it is read:

- the header row is found among the first rows (a cell naming the account column and cells naming balances or
  turnovers); a second header row with «Дебет»/«Кредит» (or «Дт»/«Кт») under merged group cells is read as pairs;
- balances are signed: opening = debit − credit, closing = debit − credit (a credit balance is an overpayment);
  charges = the debit turnover, payments = the credit turnover;
- the period comes from a period column, else from the title («… за Ноябрь 2026 г.», «за 11.2026», «за период
  01.11.2026 - 30.11.2026»); a title naming a quarter or a span of several months is refused;
- the service comes from a service column, else from grouping rows naming a service (service → accounts, or
  account → services), else from a single service named in the title (e.g. «Отбор: Услуга = Отопление»);
- «Итого»/«Всего» rows and subtotal rows (a service, a house, an account that groups services) are skipped and
  listed; the grand total is compared with the sum of the rows read (a difference is a warning);
- an account number Excel stored as a number (leading zeros lost: 123 for «000123») matches the one registered
  account it can be, and is explained when it matches none or several.

The result is a `tables.Table` in the columns of the flat turnover format, so that `turnover_file.parse_turnover` checks
it as any turnover sheet (every row balances: opening + charges − payments = closing).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..i18n import _
from . import months
from .columns import COLUMNS, norm
from .labels import column_label
from .rows import ImportFileError, Parsed, RowError
from .tables import Table, check_xlsx_archive, decode, is_xlsx, sniff_delimiter
from .values import BadValue, parse_amount, rub, text

HEADER_SEARCH_ROWS = 40  # the header row is looked for among the first rows

# labels of the columns handed to parse_turnover (each is an alias of its turnover column)
L_ACCOUNT, L_SERVICE, L_PERIOD = "Лицевой счет", "Услуга", "Период"
L_OPENING, L_CHARGED = "Сальдо на начало периода (Дебет − Кредит)", "Обороты за период: Дебет"
L_PAID, L_CLOSING = "Обороты за период: Кредит", "Сальдо на конец периода (Дебет − Кредит)"
FLAT_COLUMNS = ("account_number", "service", "period", "opening", "charged", "paid", "closing")

_ACCOUNT_HEADERS = {norm(h) for h in ("Лицевые счета", "Лицевой счет", "Лицевой счёт", "Субконто", "Счет", "ЛС",
                                      "Л/С", "Лиц. счет", "Номер ЛС", "Номер лицевого счета", "Лицевой")}
_DEBIT, _CREDIT = {"дебет", "дт", "дебета"}, {"кредит", "кт", "кредита"}
_TOTAL_PREFIXES = ("итого", "всего", "итог")


@dataclass
class OsvInfo:
    """What was read from the sheet's layout: shown in the preview."""

    header_row: int
    title: list[str] = field(default_factory=list)
    period: str | None = None  # "2026-11" when taken from the title
    period_text: str = ""
    service_from: str = "column"  # column | groups | title
    columns: list[list[str]] = field(default_factory=list)  # [what it is read as, where it comes from]
    skipped: list[list] = field(default_factory=list)  # [row, text, reason]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"header_row": self.header_row, "title": self.title, "period": self.period,
                "period_text": self.period_text, "service_from": self.service_from, "columns": self.columns,
                "skipped": self.skipped, "warnings": self.warnings}


@dataclass
class OsvSheet:
    table: Table
    info: OsvInfo
    errors: list[RowError] = field(default_factory=list)
    bad_cells: dict[int, list] = field(default_factory=dict)
    row_cells: dict[int, list] = field(default_factory=dict)  # row → the cells handed to parse_turnover


# ------------------------------------------------------------------------------------------------ reading
def is_flat(headers: list[str]) -> bool:
    """The first row is a complete header of the flat turnover format (then this module is not needed)."""
    aliases = COLUMNS["turnover"]["aliases"]
    found = {aliases.get(norm(h)) for h in headers}
    return all(c in found for c in COLUMNS["turnover"]["required"])


def _grid_xlsx(data: bytes) -> list[tuple[int, list]]:
    check_xlsx_archive(data)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [(n, list(cells)) for n, cells in enumerate(wb.worksheets[0].iter_rows(min_row=1, values_only=True),
                                                           start=1)]
        wb.close()
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise ImportFileError([RowError(None, "", _("The file is not a readable Excel workbook (.xlsx)."))]) from None
    return rows


def _grid_csv(data: bytes) -> list[tuple[int, list]]:
    txt = decode(data)
    lines = txt.splitlines()
    # the delimiter of the header line (a title line may hold commas of its own, and «сальдо» too): of the lines
    # naming balances, the one split into the most cells
    candidates = [ln for ln in lines[:HEADER_SEARCH_ROWS] if _looks_like_header_text(ln)] or lines[:1] or [""]
    header_line = max(candidates, key=lambda ln: max(ln.count(d) for d in (";", ",", "\t")))
    reader = csv.reader(io.StringIO(txt, newline=""), delimiter=sniff_delimiter(header_line))
    try:
        return [(n, cells) for n, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ImportFileError([RowError(None, "", _("The file is not a readable CSV: %(e)s", e=str(exc)))]) from None


def _looks_like_header_text(line: str) -> bool:
    n = norm(line)
    return "сальдо" in n or "оборот" in n


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# ------------------------------------------------------------------------------------------------ header
@dataclass
class _Layout:
    header_row: int
    data_from: int  # index into the grid of the first data row
    account: int
    service: int | None = None
    period: int | None = None
    # (group, side) → column; group in opening/turnover/closing, side D/K; or flat signed columns
    pairs: dict = field(default_factory=dict)
    flat: dict = field(default_factory=dict)  # opening/charged/paid/closing → column (signed, one column)
    labels: dict = field(default_factory=dict)  # column → its name as the file writes it


def _group(n: str) -> str | None:
    if "начал" in n or "входящ" in n:
        return "opening"
    if "конец" in n or "конеч" in n or "исходящ" in n:
        return "closing"
    if "оборот" in n:
        return "turnover"
    return None


def _side(n: str) -> str | None:
    if n in _DEBIT or n.endswith("дебет") or n.endswith("дт"):
        return "D"
    if n in _CREDIT or n.endswith("кредит") or n.endswith("кт"):
        return "K"
    return None


def _find_layout(grid: list[tuple[int, list]]) -> _Layout:
    aliases = COLUMNS["turnover"]["aliases"]
    for i, (row_no, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        ns = [norm(c) if not _blank(c) else "" for c in cells]
        acc = next((j for j, n in enumerate(ns) if n in _ACCOUNT_HEADERS or aliases.get(n) == "account_number"), None)
        if acc is None or not any(_group(n) or aliases.get(n) in ("opening", "charged", "paid", "closing")
                                  for n in ns):
            continue
        lay = _Layout(row_no, i + 1, acc)
        lay.labels[acc] = text(cells[acc])
        sub = grid[i + 1][1] if i + 1 < len(grid) else []
        sub_ns = [norm(c) if not _blank(c) else "" for c in sub]
        two_level = any(n in _DEBIT or n in _CREDIT for n in sub_ns)
        if two_level:
            lay.data_from = i + 2
        top = ""
        top_label = ""
        width = max(len(cells), len(sub))
        for j in range(width):
            raw = cells[j] if j < len(cells) else None
            n = ns[j] if j < len(ns) else ""
            if j == acc:
                top, top_label = "", ""
                continue
            if n:
                top, top_label = n, text(raw)
            s = sub_ns[j] if two_level and j < len(sub_ns) else ""
            canonical = aliases.get(n) if n else None
            if canonical in ("service", "period") and not s:
                setattr(lay, canonical, j)
                lay.labels[j] = top_label
                continue
            side = _side(s) if s else (_side(n) if n else None)
            grp = _group(top) if top else None
            if side and grp and ((grp, side) not in lay.pairs):
                lay.pairs[(grp, side)] = j
                lay.labels[j] = f"{top_label}: {text(sub[j])}" if s else top_label
            elif n and canonical in ("opening", "charged", "paid", "closing") and not s:
                lay.flat.setdefault(canonical, j)
                lay.labels[j] = top_label
        return lay
    raise ImportFileError([RowError(None, "", _(
        "The header of the turnover sheet is not found: the first %(n)s rows have no row with the account column "
        "(«Лицевой счет») and the balance columns («Сальдо на начало периода», «Обороты за период», «Сальдо на "
        "конец периода»).", n=HEADER_SEARCH_ROWS))])


def _check_columns(lay: _Layout) -> None:
    missing = []
    for grp, flat_name, label in (("opening", "opening", _("Opening balance (Debit, Credit)")),
                                  ("turnover", "charged", _("Turnover for the period: Debit")),
                                  ("turnover", "paid", _("Turnover for the period: Credit")),
                                  ("closing", "closing", _("Closing balance (Debit, Credit)"))):
        if flat_name in lay.flat:
            continue
        if grp == "turnover":
            if (grp, "D" if flat_name == "charged" else "K") not in lay.pairs:
                missing.append(label)
        elif (grp, "D") not in lay.pairs and (grp, "K") not in lay.pairs:
            missing.append(label)
    if missing:
        raise ImportFileError([RowError(None, m, _("Required column «%(c)s» is missing.", c=m)) for m in missing])


# ------------------------------------------------------------------------------------------------ values
def _amount(cells: list, j: int | None) -> int:
    if j is None or j >= len(cells) or _blank(cells[j]):
        return 0
    return parse_amount(cells[j])


def unpadded_index(accounts: dict[str, int]) -> dict[str, list[str]]:
    """Registered all-digit account numbers by their value without leading zeros («000123» under «123»)."""
    out: dict[str, list[str]] = {}
    for number in accounts:
        if number.isdigit():
            out.setdefault(number.lstrip("0") or "0", []).append(number)
    return out


def resolve_account(value: Any, accounts: dict[str, int], unpadded: dict[str, list[str]]) -> tuple[str, str | None]:
    """(the account number to use, a reason when it cannot be matched or None).

    A number cell (or digits) that is not a registered number is matched by its value without leading zeros when
    exactly one registered number has it; several → ambiguous, none → unknown, both explained."""
    num = text(value)
    if num in accounts:
        return num, None
    is_number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if is_number or num.isdigit():
        cands = sorted(unpadded.get(num.lstrip("0") or "0", []))
        if len(cands) == 1:
            return cands[0], None
        if len(cands) > 1:
            return num, _("account %(n)s is ambiguous: Excel stored it as a number and dropped its leading zeros, "
                          "and it can be any of %(c)s; store the column as text", n=num, c=", ".join(cands))
        if is_number:
            return num, _("unknown account %(n)s (Excel stored it as a number: if the account number has leading "
                          "zeros, they were lost; store the column as text)", n=num)
    return num, None


# ------------------------------------------------------------------------------------------------ reading a sheet
def read_sheet(data: bytes, file_name: str, accounts: dict[str, int], services: dict[str, int],
               bounds=None) -> OsvSheet | None:
    """The sheet as rows of the flat turnover format, or None when the file already is in that format (its first
    row is a complete flat header). Raises ImportFileError when the layout cannot be read."""
    grid = _grid_xlsx(data) if is_xlsx(data, file_name) else _grid_csv(data)
    first = next((cells for _n, cells in grid if any(not _blank(c) for c in cells)), None)
    if first is None:
        raise ImportFileError([RowError(None, "", _("The file is empty."))])
    if grid and is_flat([text(c) for c in grid[0][1]]):
        return None
    lay = _find_layout(grid)
    _check_columns(lay)
    title = [" ".join(text(c) for c in cells if not _blank(c)) for _n, cells in grid[:lay.data_from]
             if _n < lay.header_row and any(not _blank(c) for c in cells)]
    info = OsvInfo(lay.header_row, title=title)
    # period
    if lay.period is None:
        tp = next((p for p in (months.period_in_title(t) for t in title) if p), None)
        if tp is None:
            raise ImportFileError([RowError(None, column_label("period"), _(
                "The sheet has no period column and its title names no month (such as «… за Ноябрь 2026 г.»).")
            )])
        if not tp.single:
            raise ImportFileError([RowError(None, "", _(
                "The sheet covers «%(p)s», not one month: export the turnover sheet month by month.", p=tp.text))])
        if bounds is not None:
            why = bounds.reason(tp.month, True)
            if why:
                raise ImportFileError([RowError(None, "", _("The period of the sheet («%(p)s» in the title): %(r)s",
                                                            p=tp.text, r=why))])
        info.period, info.period_text = f"{tp.month:%Y-%m}", tp.text
    # service
    title_service = None
    if lay.service is None:
        found = {}
        for t in title:
            for word, sid in _service_words(services).items():
                if _has_word(t, word):
                    found.setdefault(sid, word)
        if len(found) == 1:
            title_service = next(iter(found.values()))
    _columns_info(lay, info)
    sheet = _rows(grid, lay, info, accounts, services, title_service)
    if info.period:
        info.columns[2][1] = _("the title: «%(t)s»", t=info.period_text)
    if info.service_from == "groups":
        info.columns[1][1] = _("the grouping rows of the sheet (a service above its accounts or below an account)")
    elif info.service_from == "title":
        info.columns[1][1] = _("the title: «%(t)s»", t=title_service)
    return sheet


def _service_words(services: dict[str, int]) -> dict[str, int]:
    """Russian service names and aliases («Отопление», «хвс») to look for in a title."""
    return {k: v for k, v in services.items() if len(k) >= 3 and not k.isascii()}


def _has_word(line: str, word: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(word) + r"(?![\w])", line, re.IGNORECASE) is not None


def _columns_info(lay: _Layout, info: OsvInfo) -> None:
    def src(*cols) -> str:
        return " − ".join(f"«{lay.labels.get(c, '')}»" for c in cols if c is not None)

    info.columns.append([L_ACCOUNT, src(lay.account)])
    info.columns.append([L_SERVICE, src(lay.service) if lay.service is not None else ""])
    info.columns.append([L_PERIOD, src(lay.period) if lay.period is not None else ""])
    for name, grp, flat in ((L_OPENING, "opening", "opening"), (L_CLOSING, "closing", "closing")):
        info.columns.append([name, src(lay.flat[flat]) if flat in lay.flat else
                             src(lay.pairs.get((grp, "D")), lay.pairs.get((grp, "K")))])
    info.columns.insert(4, [L_CHARGED, src(lay.flat.get("charged", lay.pairs.get(("turnover", "D"))))])
    info.columns.insert(5, [L_PAID, src(lay.flat.get("paid", lay.pairs.get(("turnover", "K"))))])


def _signed(cells: list, lay: _Layout, grp: str, flat: str) -> int:
    if flat in lay.flat:
        return _amount(cells, lay.flat[flat])
    return _amount(cells, lay.pairs.get((grp, "D"))) - _amount(cells, lay.pairs.get((grp, "K")))


def _figures(cells: list, lay: _Layout) -> dict[str, int]:
    """opening, charged, paid, closing in kopecks; BadValue names the column as the file writes it."""
    out = {}
    for key, grp, side_or_flat in (("opening", "opening", "opening"), ("charged", "turnover", "charged"),
                                   ("paid", "turnover", "paid"), ("closing", "closing", "closing")):
        cols = ([lay.flat[side_or_flat]] if side_or_flat in lay.flat else
                [lay.pairs.get((grp, "D")), lay.pairs.get((grp, "K"))] if key in ("opening", "closing") else
                [lay.pairs.get((grp, "D" if key == "charged" else "K"))])
        total = 0
        for k, j in enumerate(cols):
            try:
                v = _amount(cells, j)
            except BadValue as exc:
                exc.column = lay.labels.get(j, "")  # type: ignore[attr-defined]
                raise
            total += -v if (k == 1 and key in ("opening", "closing")) else v
        out[key] = total
    return out


def _classify(first: Any, accounts: dict, unpadded: dict, services: dict) -> str:
    t = text(first)
    n = norm(t)
    if not t:
        return "blank"
    if n.startswith(_TOTAL_PREFIXES):
        return "total"
    if t in accounts:
        return "account"
    if services.get(t) or services.get(n):
        return "service"
    if isinstance(first, (int, float, Decimal)) and not isinstance(first, bool):
        return "account"
    if (t.isdigit() and unpadded.get(t.lstrip("0") or "0")) or (any(ch.isdigit() for ch in t) and " " not in t):
        return "account"
    return "group"


def _rows(grid, lay: _Layout, info: OsvInfo, accounts, services, title_service) -> OsvSheet:
    unpadded = unpadded_index(accounts)
    body = [(n, cells) for n, cells in grid[lay.data_from:] if any(not _blank(c) for c in cells)]
    kinds = [_classify(cells[lay.account] if lay.account < len(cells) else None, accounts, unpadded, services)
             for _n, cells in body]
    # layout of the grouping: services above accounts, or accounts above services
    account_first = False
    if lay.service is None:
        for k, nxt in zip(kinds, kinds[1:] + ["end"]):
            if k in ("account", "service"):
                account_first = k == "account" and nxt == "service"
                break
    if lay.service is None and "service" in kinds:
        info.service_from = "groups"
    elif lay.service is None:
        info.service_from = "title"
        if title_service is None:
            raise ImportFileError([RowError(None, column_label("service"), _(
                "The sheet names no service: add a «Услуга» column, group the sheet by service, or name one service "
                "in its title (the selection «Услуга = Отопление»)."))])
    headers = [L_ACCOUNT, L_SERVICE, L_PERIOD, L_OPENING, L_CHARGED, L_PAID, L_CLOSING]
    if lay.service is not None and lay.labels.get(lay.service):
        headers[1] = lay.labels[lay.service]
    if lay.period is not None and lay.labels.get(lay.period):
        headers[2] = lay.labels[lay.period]
    sheet = OsvSheet(Table(headers, []), info)
    out: list = []
    sums = {"opening": 0, "charged": 0, "paid": 0, "closing": 0}
    last_total = None
    current_service = title_service
    current_account = None
    meaningful = [(n, k) for (n, _c), k in zip(body, kinds) if k in ("account", "service", "total")]
    nxt_kind = {n: k2 for (n, _k), (_n2, k2) in zip(meaningful, meaningful[1:] + [(0, "end")])}
    for (row_no, cells), kind in zip(body, kinds):
        first = cells[lay.account] if lay.account < len(cells) else None
        label = text(first)
        if kind == "total":
            info.skipped.append([row_no, label, "total"])
            last_total = (row_no, cells)
            continue
        if kind == "service" and lay.service is None and not (account_first and current_account):
            current_service = label
            info.skipped.append([row_no, label, "service"])
            continue
        if kind == "account" and account_first and nxt_kind.get(row_no) == "service":
            current_account = first
            info.skipped.append([row_no, label, "account"])
            continue
        if kind == "account":
            current_account = None
        if kind == "blank" and not _has_amounts(cells, lay):
            continue
        if kind == "group" or (kind == "service" and lay.service is not None):
            info.skipped.append([row_no, label, "group"])
            continue
        acc_value = first
        if lay.service is not None:
            service = text(cells[lay.service]) if lay.service < len(cells) else ""
        elif account_first and kind == "service":
            acc_value, service = current_account, label
        else:
            service = title_service if account_first else current_service
        number, why = resolve_account(acc_value, accounts, unpadded)
        synthetic = [number, service or "", info.period or (cells[lay.period] if lay.period is not None
                                                            and lay.period < len(cells) else "")]
        try:
            fig = _figures(cells, lay)
        except BadValue as exc:
            sheet.errors.append(RowError(row_no, getattr(exc, "column", ""), str(exc)))
            sheet.bad_cells[row_no] = synthetic + [""] * 4
            continue
        for k in sums:
            sums[k] += fig[k]
        synthetic += [_rub(fig["opening"]), _rub(fig["charged"]), _rub(fig["paid"]), _rub(fig["closing"])]
        sheet.row_cells[row_no] = synthetic
        if why:
            sheet.errors.append(RowError(row_no, lay.labels.get(lay.account) or L_ACCOUNT, why))
            sheet.bad_cells[row_no] = synthetic
            continue
        out.append((row_no, synthetic))
    sheet.table = Table(headers, out, len(out))
    if last_total is not None:
        _check_total(last_total, lay, sums, info)
    return sheet


def _rub(kop: int) -> str:
    return rub(kop)


def _has_amounts(cells: list, lay: _Layout) -> bool:
    cols = list(lay.pairs.values()) + list(lay.flat.values())
    return any(j < len(cells) and not _blank(cells[j]) and text(cells[j]) not in ("0", "0,00", "0.00") for j in cols)


def _check_total(total: tuple[int, list], lay: _Layout, sums: dict, info: OsvInfo) -> None:
    row_no, cells = total
    try:
        fig = _figures(cells, lay)
    except BadValue:
        return
    names = {"opening": L_OPENING, "charged": L_CHARGED, "paid": L_PAID, "closing": L_CLOSING}
    for k, name in names.items():
        if fig[k] != sums[k]:
            info.warnings.append(_(
                "The «Итого» row (row %(r)s) does not equal the sum of the rows read in «%(c)s»: %(t)s in the total, "
                "%(s)s in the rows. Check that the sheet is complete (no rows filtered out or hidden).",
                r=row_no, c=name, t=_rub(fig[k]), s=_rub(sums[k])))


def merge_into(parsed: Parsed, sheet: OsvSheet) -> None:
    """Add the rows the sheet reader refused (bad amounts, unmatched numbers) to the parse result."""
    parsed.errors.extend(sheet.errors)
    for row, cells in sheet.bad_cells.items():
        parsed.bad_cells.setdefault(row, cells)
    parsed.total += len(sheet.bad_cells)
    parsed.errors.sort(key=lambda e: e.row or 0)
    parsed.extra["row_cells"] = sheet.row_cells
    parsed.extra["osv"] = sheet.info.as_dict()


def period_of(info: OsvInfo) -> date | None:
    return date.fromisoformat(info.period + "-01") if info.period else None
