"""The turnover sheet in its flat form (docs/import-format.md; osv.py turns a 1С «оборотно-сальдовая ведомость» into
it): one row per account, service and month with opening, charged, recalculated, paid and closing. Each row must
balance and chain onto the previous month; `turnover_entries` turns the rows into ledger tuples.

Pure: no database, no Flask state.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from ..domain.periods import Period
from ..i18n import _
from . import keys
from .columns import map_columns, norm
from .labels import column_label
from .ledger_file import note_norm
from .rows import Parsed, RowError, cell, progress_every
from .tables import Table
from .values import (
    BadValue,
    identifier,
    norm_charge_kop,
    parse_amount,
    parse_date,
    parse_period,
    rub,
    text,
    unknown_account,
)


def parse_turnover(table: Table, accounts: dict[str, int], services: dict[str, int],
                   progress: Callable | None = None) -> Parsed:
    """Monthly turnover sheet rows → (account_id, service_id, period, opening, charged, recalculated, paid,
    closing, paid_on, row); checks that each row balances and chains onto the previous month."""
    cols = map_columns("turnover", table.headers)
    res = Parsed("turnover", table.headers, cols)
    hdr = table.headers

    def col(c: str) -> str:
        return hdr[cols[c]] if c in cols else column_label(c)

    seen: dict = {}
    raw_by_row: dict = {}
    n = 0
    for row_no, cells in table.rows:
        n += 1
        progress_every(progress, n, table.size_hint)
        before = len(res.errors)
        num = identifier(cell(cells, cols["account_number"]))
        acc = accounts.get(num)
        if acc is None:
            res.add_error(row_no, cells, col("account_number"), unknown_account(num))
        svc_raw = text(cell(cells, cols["service"]))
        svc = services.get(svc_raw) or services.get(norm(svc_raw))
        if svc is None:
            res.add_error(row_no, cells, col("service"), _("unknown service «%(s)s»", s=svc_raw))
        period = None
        try:
            period = parse_period(cell(cells, cols["period"]))
        except BadValue as exc:
            res.add_error(row_no, cells, col("period"), str(exc))
        vals = {}
        for c in ("opening", "charged", "recalculated", "paid", "closing"):
            if c not in cols and c == "recalculated":
                vals[c] = 0
                continue
            raw = cell(cells, cols[c])
            if c == "recalculated" and not text(raw):
                vals[c] = 0
                continue
            try:
                vals[c] = parse_amount(raw)
            except BadValue as exc:
                res.add_error(row_no, cells, col(c), str(exc))
        for c in ("charged", "paid"):
            if vals.get(c, 0) < 0:
                res.add_error(row_no, cells, col(c), _("a negative amount is allowed only for recalculations and "
                                                       "payment reversals"))
        paid_on = None
        if "paid_on" in cols and text(cell(cells, cols["paid_on"])):
            try:
                paid_on = parse_date(cell(cells, cols["paid_on"]))
            except BadValue as exc:
                res.add_error(row_no, cells, col("paid_on"), str(exc))
        norm_kop = None
        if "norm_charge" in cols:
            try:
                norm_kop = norm_charge_kop(cell(cells, cols["norm_charge"]))
            except BadValue as exc:
                res.add_error(row_no, cells, col("norm_charge"), str(exc))
        if len(vals) == 5 and len(res.errors) == before:
            if vals["opening"] + vals["charged"] + vals["recalculated"] - vals["paid"] != vals["closing"]:
                res.add_error(row_no, cells, col("closing"), _(
                    "the row does not balance: opening + charged + recalculated − paid = %(calc)s, closing = %(c)s",
                    calc=rub(vals["opening"] + vals["charged"] + vals["recalculated"] - vals["paid"]),
                    c=rub(vals["closing"])))
        if len(res.errors) == before:
            k = (acc, svc, period)
            if k in seen:
                res.add_error(row_no, cells, "", _("this account, service and month are already in the file "
                                                   "(row %(r)s)", r=seen[k][9]))
                continue
            if paid_on is None and vals["paid"]:
                paid_on = Period(period.year, period.month).last_day()
            t = (acc, svc, period, vals["opening"], vals["charged"], vals["recalculated"], vals["paid"],
                 vals["closing"], paid_on, row_no)
            seen[k] = t
            raw_by_row[row_no] = cells
            note_norm(res, acc, svc, period, norm_kop)
            res.rows.append(t)
            res.accounts_touched.add(acc)
    # the chain: a month's opening equals the previous month's closing when both are in the file
    bad_chain = []
    for t in res.rows:
        acc, svc, period = t[0], t[1], t[2]
        prev = date(period.year - 1, 12, 1) if period.month == 1 else date(period.year, period.month - 1, 1)
        p = seen.get((acc, svc, prev))
        if p is not None and p[7] != t[3]:
            bad_chain.append((t, p))
    if bad_chain:
        drop = set()
        for t, p in bad_chain:
            res.errors.append(RowError(t[9], col("opening"), _(
                "the opening balance %(o)s does not equal the previous month's closing %(c)s (row %(r)s)",
                o=rub(t[3]), c=rub(p[7]), r=p[9])))
            drop.add(t[9])
        for r in drop:
            res.bad_cells.setdefault(r, raw_by_row.get(r, []))
        res.rows = [t for t in res.rows if t[9] not in drop]
    res.total = n
    res.errors.sort(key=lambda e: (e.row or 0))
    return res


def turnover_entries(res: Parsed, first_known: dict[tuple[int, int], str]) -> list[tuple]:
    """Turnover rows → ledger tuples (LEDGER_FIELDS).

    The first month of each account×service in the file gives an `opening` entry, unless the ledger already
    holds earlier entries for that pair (`first_known`: (account, service) → earliest period ISO), so that an
    overlapping later sheet never counts an opening twice. charged → charge, recalculated → recalculation,
    paid → one payment on `paid_on` (the last day of the month unless the sheet has a paid_on column),
    source `other`.
    """
    first_in_file: dict = {}
    for t in res.rows:
        k = (t[0], t[1])
        if k not in first_in_file or t[2] < first_in_file[k]:
            first_in_file[k] = t[2]
    out = []
    for acc, svc, period, opening, charged, recalc, paid, _closing, paid_on, row in res.rows:
        p = period.isoformat()
        if period == first_in_file[(acc, svc)] and opening:
            known = first_known.get((acc, svc))
            if known is None or known >= p:
                if opening < 0:
                    # an overpayment carried in: a credit is recorded as a negative recalculation
                    out.append((acc, svc, p, "recalculation", opening, None, None, None, "opening",
                                keys.recalculation_key(acc, svc, p, opening, "opening"), row))
                else:
                    out.append((acc, svc, p, "opening", opening, None, None, None, None,
                                keys.charge_key(acc, svc, p, "opening"), row))
        if charged:
            out.append((acc, svc, p, "charge", charged, None, None, None, None, keys.charge_key(acc, svc, p, "charge"),
                        row))
        if recalc:
            out.append((acc, svc, p, "recalculation", recalc, None, None, None, None,
                        keys.recalculation_key(acc, svc, p, recalc, "#1"), row))
        if paid:
            d = paid_on.isoformat()
            out.append((acc, svc, p, "payment", paid, d, "other", None, None,
                        keys.payment_key(acc, svc, d, paid, "other", "", 1), row))
    return out
