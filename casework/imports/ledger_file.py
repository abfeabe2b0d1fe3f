"""The ledger file (docs/import-format.md): one line per opening balance, charge, recalculation or payment → tuples
(`LEDGER_FIELDS`) with their dedup keys (keys.py); reversals of payments are kept apart (extra['reversals']).

A fast path reads the usual row with caches; a row it cannot read goes through `_ledger_row_errors`, which names
every problem with its column as written in the file. Pure: no database, no Flask state.
"""
from __future__ import annotations

import re
from typing import Callable

from ..i18n import _
from . import keys
from .columns import ENTRY_KIND_VALUES, SOURCE_VALUES, map_columns, norm
from .labels import column_label
from .rows import Parsed, cell
from .tables import Table
from .values import BadValue, identifier, norm_charge_kop, parse_amount, parse_date, parse_period, text, unknown_account

LEDGER_FIELDS = ("account_id", "service_id", "period", "kind", "amount_kop", "paid_on", "source", "paid_period",
                 "reference", "entry_key", "row")
# tuple positions
L_ACC, L_SVC, L_PERIOD, L_KIND, L_AMOUNT, L_PAID_ON, L_SOURCE, L_PAID_PERIOD, L_REF, L_KEY, L_ROW = range(11)

_AMOUNT_FAST = re.compile(r"-?\d{1,15}(?:[.,]\d\d?)?")


def parse_ledger(table: Table, accounts: dict[str, int], services: dict[str, int],
                 progress: Callable | None = None, values: dict | None = None) -> Parsed:
    """Ledger lines → tuples (LEDGER_FIELDS) with their dedup key; reversals are kept in extra['reversals'].
    `values`: the administrator's aliases ({"source": {normalised alias: code}}, see aliases.py)."""
    cols = map_columns("ledger", table.headers)
    res = Parsed("ledger", table.headers, cols)
    source_values = res.extra["source_values"] = {**SOURCE_VALUES, **((values or {}).get("source") or {})}
    i_acc, i_per, i_svc, i_kind, i_amt = (cols[c] for c in ("account_number", "period", "service", "kind", "amount"))
    i_paid, i_src, i_pp, i_ref, i_rev = (cols.get(c) for c in ("paid_on", "source", "paid_period", "reference",
                                                                "reverses"))
    i_norm = cols.get("norm_charge")
    period_cache: dict = {}
    date_cache: dict = {}
    svc_cache: dict = {}
    kind_cache: dict = {}
    src_cache: dict = {}
    occurrences: dict = {}
    charge_seen: dict = {}  # key → (amount, row) for opening/charge within the file
    reversals: list = []
    append = res.rows.append
    touched = res.accounts_touched
    n = 0
    for row_no, cells in table.rows:
        n += 1
        if progress is not None and n % 20000 == 0:
            progress(n, table.size_hint)
        try:
            acc = accounts[identifier(cells[i_acc])]
            raw = cells[i_svc]
            svc = svc_cache.get(raw)
            if svc is None:
                svc = services.get(text(raw)) or services[norm(raw)]
                svc_cache[raw] = svc
            raw = cells[i_kind]
            kind = kind_cache.get(raw)
            if kind is None:
                kind = ENTRY_KIND_VALUES[norm(raw)]
                kind_cache[raw] = kind
            raw = cells[i_per]
            period = period_cache.get(raw)
            if period is None:
                period = None if (kind == "payment" and not text(raw)) else parse_period(raw).isoformat()
                if period is not None:
                    period_cache[raw] = period
            raw = cells[i_amt]
            if raw.__class__ is str and _AMOUNT_FAST.fullmatch(raw):  # the common shape: 1234,56 / 1234.5 / 12
                i = raw.find(",") if "," in raw else raw.find(".")
                if i < 0:
                    amount = int(raw) * 100
                elif len(raw) - i == 3:
                    amount = int(raw[:i] + raw[i + 1:])
                else:
                    amount = int(raw[:i] + raw[i + 1:]) * 10
            else:
                amount = parse_amount(raw)
            if kind == "payment":
                raw = cell(cells, i_paid)
                paid_on = date_cache.get(raw)
                if paid_on is None:
                    paid_on = parse_date(raw).isoformat()
                    date_cache[raw] = paid_on
                if period is None:
                    period = paid_on[:8] + "01"
                raw = cell(cells, i_src)
                source = src_cache.get(raw)
                if source is None:
                    source = source_values[norm(raw)] if text(raw) else "other"
                    src_cache[raw] = source
                raw = cell(cells, i_pp)
                paid_period = None
                if raw not in (None, ""):
                    paid_period = period_cache.get(raw)
                    if paid_period is None:
                        paid_period = parse_period(raw).isoformat()
                        period_cache[raw] = paid_period
                ref = identifier(cell(cells, i_ref))
                rev = identifier(cell(cells, i_rev))
                if amount < 0 and not rev:
                    raise _RowFail("amount", _("a negative payment must name the payment it reverses "
                                               "(column reverses)"))
                base = (acc, svc, paid_on, amount, source, ref)
                occ = occurrences.get(base, 0) + 1
                occurrences[base] = occ
                key = keys.payment_key(acc, svc, paid_on, amount, source, ref, occ)
                t = (acc, svc, period, kind, amount, paid_on, source, paid_period, ref or None, key, row_no)
                if rev:
                    if amount >= 0:
                        raise _RowFail("reverses", _("a reversal must have a negative amount"))
                    reversals.append((t, rev))
                    touched.add(acc)
                    continue
            elif kind == "recalculation":
                ref = identifier(cell(cells, i_ref))
                if ref:
                    key = keys.recalculation_key(acc, svc, period, amount, ref)
                else:
                    base = (acc, svc, period, amount)
                    occ = occurrences.get(base, 0) + 1
                    occurrences[base] = occ
                    key = keys.recalculation_key(acc, svc, period, amount, f"#{occ}")
                t = (acc, svc, period, kind, amount, None, None, None, ref or None, key, row_no)
            else:
                if amount < 0:
                    raise _RowFail("amount", _("a negative amount is allowed only for recalculations and "
                                               "payment reversals"))
                key = keys.charge_key(acc, svc, period, kind)
                seen = charge_seen.get(key)
                if seen is not None:
                    if seen == amount:
                        res.extra["in_file_duplicates"] = res.extra.get("in_file_duplicates", 0) + 1
                        continue
                    raise _RowFail("amount", _("this charge is already in the file with another amount; "
                                               "use a recalculation"))
                charge_seen[key] = amount
                t = (acc, svc, period, kind, amount, None, None, None, identifier(cell(cells, i_ref)) or None, key,
                     row_no)
            if i_norm is not None:
                note_norm(res, acc, svc, period or paid_on, norm_charge_kop(cells[i_norm]))
            append(t)
            touched.add(acc)
        except (KeyError, BadValue, _RowFail, IndexError, AttributeError, TypeError):
            _ledger_row_errors(res, row_no, cells, accounts, services)
    res.total = n
    res.extra["reversals"] = reversals
    return res


def note_norm(res: Parsed, acc: int, svc: int, period, kop: int | None) -> None:
    """Keep the latest month's norm charge per account and service (extra['norms']: (acc, svc) → (month, kop))."""
    if kop is None:
        return
    key = str(period)[:10]
    norms = res.extra.setdefault("norms", {})
    old = norms.get((acc, svc))
    if old is None or old[0] <= key:
        norms[(acc, svc)] = (key, kop)


class _RowFail(Exception):
    def __init__(self, column: str, reason: str):
        self.column, self.reason = column, reason


def _ledger_row_errors(res: Parsed, row_no: int, cells: list, accounts: dict, services: dict) -> None:
    """Slow path for a bad ledger row: name every problem with its column as written in the file."""
    cols, hdr = res.columns, res.headers

    def col(c: str) -> str:
        return hdr[cols[c]] if c in cols else column_label(c)

    before = len(res.errors)
    num = identifier(cell(cells, cols["account_number"]))
    if num not in accounts:
        res.add_error(row_no, cells, col("account_number"), unknown_account(num))
    svc = text(cell(cells, cols["service"]))
    if not (services.get(svc) or services.get(norm(svc))):
        res.add_error(row_no, cells, col("service"), _("unknown service «%(s)s»", s=svc))
    kind = ENTRY_KIND_VALUES.get(norm(cell(cells, cols["kind"])))
    if kind is None:
        res.add_error(row_no, cells, col("kind"), _("unknown kind «%(k)s» (expected opening, charge, recalculation "
                                                    "or payment)", k=text(cell(cells, cols["kind"]))))
    raw_period = cell(cells, cols["period"])
    if not (kind == "payment" and not text(raw_period)):
        try:
            parse_period(raw_period)
        except BadValue as exc:
            res.add_error(row_no, cells, col("period"), str(exc))
    amount = None
    try:
        amount = parse_amount(cell(cells, cols["amount"]))
    except BadValue as exc:
        res.add_error(row_no, cells, col("amount"), str(exc))
    if kind == "payment":
        raw = cell(cells, cols.get("paid_on"))
        if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
            res.add_error(row_no, cells, col("paid_on"), _("a payment needs its date (paid_on)"))
        else:
            try:
                parse_date(raw)
            except BadValue as exc:
                res.add_error(row_no, cells, col("paid_on"), str(exc))
        src = text(cell(cells, cols.get("source")))
        if src and norm(src) not in res.extra.get("source_values", SOURCE_VALUES):
            res.add_error(row_no, cells, col("source"), _("unknown payment source «%(s)s»", s=src))
        pp = cell(cells, cols.get("paid_period"))
        if text(pp):
            try:
                parse_period(pp)
            except BadValue:
                res.add_error(row_no, cells, col("paid_period"),
                              _("the paid period is not a valid period (YYYY-MM or MM.YYYY): %(v)s", v=text(pp)))
        rev = identifier(cell(cells, cols.get("reverses")))
        if amount is not None and amount < 0 and not rev:
            res.add_error(row_no, cells, col("amount"),
                          _("a negative payment must name the payment it reverses (column reverses)"))
        if amount is not None and amount >= 0 and rev:
            res.add_error(row_no, cells, col("reverses"), _("a reversal must have a negative amount"))
    elif kind in ("opening", "charge") and amount is not None and amount < 0:
        res.add_error(row_no, cells, col("amount"),
                      _("a negative amount is allowed only for recalculations and payment reversals"))
    if "norm_charge" in cols:
        try:
            norm_charge_kop(cell(cells, cols["norm_charge"]))
        except BadValue as exc:
            res.add_error(row_no, cells, col("norm_charge"), str(exc))
    if len(res.errors) == before:  # a rule of the fast path that the checks above do not repeat
        res.add_error(row_no, cells, col("amount"),
                      _("this charge is already in the file with another amount; use a recalculation"))
