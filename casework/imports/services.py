"""Import from billing: validate a file (preview) and commit it atomically, recording the batch.

Only the caller (view or CLI command) commits. `commit_import` writes everything inside the session's
transaction: the ledger through the raw DBAPI connection (sqlite3 `executemany … ON CONFLICT DO NOTHING`,
PostgreSQL `COPY` into a temporary table then `INSERT … SELECT … ON CONFLICT DO NOTHING`), the registry and
persons through SQLAlchemy Core executemany (known people and links looked up one SELECT per chunk of keys) —
never one ORM object or one statement per row.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from flask import current_app
from sqlalchemy import bindparam, insert, select, text, update

from ..accounts.models import (Account, AccountBalance, AccountParty, Building, LedgerEntry, Party, Premises, Service,
                               Territory)
from ..accounts.services import bump_figures_version, refresh_account_figures
from ..audit.models import AuditEvent
from ..audit.services import record_event
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..timeutil import today, utcnow
from . import aliases, corrections, osv, parsing, plausible, summary
from .models import IMPORT_KINDS, ImportBatch
from .parsing import ImportFileError, Parsed, RowError

CHUNK = 50_000
MAX_STORED_ERRORS = 1000  # kept in the batch record; the error file holds all of them

# test seam: called after each inserted chunk of ledger rows (a test makes it raise to prove atomicity)
after_chunk: Callable[[int], None] | None = None


@dataclass
class Preview:
    """What a file would do: counts and every bad row (row, column, reason)."""

    kind: str
    file_name: str
    sha256: str
    size: int
    rows_total: int = 0
    rows_valid: int = 0
    rows_bad: int = 0
    rows_new: int = 0
    rows_known: int = 0  # already imported (duplicates) or, for accounts, existing numbers (to be updated)
    errors: list[RowError] = field(default_factory=list)
    file_error: bool = False  # the file as a whole cannot be imported
    details: dict | None = None  # persons: PersonsPlan.summary() (people/links new, updated, unchanged; conflicts)
    summary: dict | None = None  # summary.build(): column mapping, sums by kind and month, warnings, earlier import

    @property
    def clean(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("kind", "file_name", "sha256", "size", "rows_total", "rows_valid",
                                           "rows_bad", "rows_new", "rows_known", "file_error", "details",
                                           "summary")}
        d["errors"] = [e.as_dict() for e in self.errors]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Preview":
        errors = [RowError(e["row"], e["column"], e["reason"]) for e in d.get("errors", [])]
        return cls(**{k: v for k, v in d.items() if k != "errors"}, errors=errors)


@dataclass
class _Prepared:
    parsed: Parsed | None
    entries: list = field(default_factory=list)  # ledger tuples (parsing.LEDGER_FIELDS)
    reversals: list = field(default_factory=list)  # (tuple, reverses_id or None, reverses reference)
    known: int = 0
    known_keys: set | None = None  # keys of the batch already in the ledger (None: not checked)
    new_entries: list | None = None  # the entries actually written (set by _insert_ledger)
    plan: "PersonsPlan | None" = None  # persons: what the file does to stored people and links
    comparison: corrections.Comparison | None = None  # ledger/turnover: changed, gone, openings not added
    service_months: set | None = None  # turnover: (service, 'YYYY-MM') the sheet covers


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_kind(kind: str) -> None:
    if kind not in IMPORT_KINDS:
        raise DomainError(_("Unknown import kind «%(k)s».", k=kind))


# ------------------------------------------------------------------------------------------------ lookups
def _account_lookup() -> dict[str, int]:
    return {n: i for i, n in db.session.execute(select(Account.id, Account.number))}


def _service_lookup() -> dict[str, int]:
    return parsing.service_lookup(db.session.execute(select(Service.id, Service.code, Service.name)))


def _is_pg() -> bool:
    return db.session.connection().dialect.name == "postgresql"


# ------------------------------------------------------------------------------------------------ prepare
def date_bounds() -> plausible.DateBounds:
    """The months an import's dates and periods may fall in (settings IMPORT_MAX_MONTHS_AHEAD, IMPORT_EARLIEST_MONTH)."""
    cfg = current_app.config
    return plausible.DateBounds.of(today(), cfg.get("IMPORT_MAX_MONTHS_AHEAD", 0),
                                   cfg.get("IMPORT_EARLIEST_MONTH", "1998-01"))


def _require_rows(parsed: Parsed) -> None:
    """A file with a header and no data is refused, not reported as a success with nothing in it."""
    if parsed.total == 0:
        raise ImportFileError([RowError(None, "", _("The file has a header but no rows of data: there is nothing to "
                                                     "import."))])


def _prepare(kind: str, data: bytes, file_name: str, progress: Callable | None = None) -> _Prepared:
    table = parsing.read_table(data, file_name)
    values = aliases.values()
    if kind == "accounts":
        parsed = parsing.parse_accounts(table, progress, values)
        _require_rows(parsed)
        numbers = {r["number"] for r in parsed.rows}
        known = sum(1 for n in _account_lookup() if n in numbers)
        return _Prepared(parsed, known=known)
    if kind == "persons":
        parsed = parsing.parse_persons(table, _account_lookup(), progress)
        _require_rows(parsed)
        return _Prepared(parsed, plan=_plan_persons(parsed.rows))
    accounts, services = _account_lookup(), aliases.with_service_aliases(_service_lookup(), values["service"])
    bounds = date_bounds()
    if kind == "ledger":
        parsed = parsing.parse_ledger(table, accounts, services, progress, values)
        _require_rows(parsed)
        plausible.check_ledger(parsed, bounds)
        prep = _Prepared(parsed, entries=parsed.rows)
        _resolve_reversals(prep)
    else:
        sheet = osv.read_sheet(data, file_name, accounts, services, bounds)  # None: the flat turnover format
        parsed = parsing.parse_turnover(sheet.table if sheet else table, accounts, services, progress)
        if sheet is not None:
            osv.merge_into(parsed, sheet)
        _require_rows(parsed)
        plausible.check_turnover(parsed, bounds)
        # every first-month opening of the sheet; whether it is added is decided against the ledger (corrections.py)
        prep = _Prepared(parsed, entries=parsing.turnover_entries(parsed, {}),
                         service_months={(t[1], t[2].isoformat()[:7]) for t in parsed.rows})
    _check_against_ledger(prep, data, file_name)
    return prep


def _first_known_periods(parsed: Parsed) -> dict[tuple[int, int], str]:
    """Earliest ledger period per (account, service) already stored, for the accounts in a turnover sheet."""
    if not parsed.rows or db.session.execute(text("SELECT 1 FROM ledger_entries LIMIT 1")).first() is None:
        return {}
    out = {}
    ids = sorted(parsed.accounts_touched)
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        q = (select(LedgerEntry.account_id, LedgerEntry.service_id, db.func.min(LedgerEntry.period))
             .where(LedgerEntry.account_id.in_(part)).group_by(LedgerEntry.account_id, LedgerEntry.service_id))
        for a, s, p in db.session.execute(q):
            out[(a, s)] = p.isoformat() if isinstance(p, date) else str(p)
    return out


def _resolve_reversals(prep: _Prepared) -> None:
    """A reversal names the reference of the payment it reverses: in the same file or already in the ledger."""
    parsed = prep.parsed
    if not parsed.extra.get("reversals"):
        return
    in_file = {(t[parsing.L_ACC], t[parsing.L_REF]) for t in parsed.rows
               if t[parsing.L_KIND] == "payment" and t[parsing.L_REF]}
    ref_col = parsed.headers[parsed.columns["reverses"]] if "reverses" in parsed.columns else "reverses"
    for t, ref in parsed.extra["reversals"]:
        found = (t[parsing.L_ACC], ref) in in_file
        if not found:
            found = db.session.execute(
                select(LedgerEntry.id).where(LedgerEntry.account_id == t[parsing.L_ACC], LedgerEntry.kind == "payment",
                                             LedgerEntry.reference == ref, LedgerEntry.amount_kop > 0).limit(1)
            ).first() is not None
        if found:
            prep.reversals.append((t, ref))
        else:
            parsed.errors.append(RowError(t[parsing.L_ROW], ref_col,
                                          _("the reversed payment «%(r)s» is not found for this account", r=ref)))
            parsed.bad_cells.setdefault(t[parsing.L_ROW], [])


def _check_against_ledger(prep: _Prepared, data: bytes, file_name: str) -> None:
    """Compare the file with the ledger (corrections.py): rows already imported, rows billing changed (same identity,
    another amount), rows of the covered period the file no longer has, openings not to be added again.

    `prep.entries` keeps the new and the unchanged rows (the unchanged ones' keys in `prep.known_keys`, so the writer
    skips them); the changed rows wait in `prep.comparison` for «заменить данные периода»."""
    prep.comparison = corrections.Comparison(new=list(prep.entries))
    prep.known_keys = set()
    if (not prep.entries and not prep.reversals) or \
            db.session.execute(text("SELECT 1 FROM ledger_entries LIMIT 1")).first() is None:
        return
    if prep.reversals:  # explicit reversal rows of a billing file: matched by their dedup key, as before
        revkeys = [t[parsing.L_KEY] for t, _r in prep.reversals]
        for i in range(0, len(revkeys), 500):
            prep.known_keys.update(db.session.scalars(select(LedgerEntry.entry_key)
                                                      .where(LedgerEntry.entry_key.in_(revkeys[i:i + 500]))))
    if not prep.entries:
        prep.known = len(prep.known_keys)
        return
    key, L = parsing.L_KEY, parsing
    conn = db.session.connection()
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS tmp_imp_keys (entry_key VARCHAR(40), amount_kop BIGINT,"
                         " kind VARCHAR(16), row_no INTEGER)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_tmp_imp_keys ON tmp_imp_keys (entry_key)")
    conn.exec_driver_sql("DELETE FROM tmp_imp_keys")
    _bulk_rows(conn, "tmp_imp_keys", ("entry_key", "amount_kop", "kind", "row_no"),
               ((t[key], t[L.L_AMOUNT], t[L.L_KIND], t[L.L_ROW]) for t in prep.entries))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE tmp_imp_keys")
    # the file's keys already stored with the same amount: unchanged at once (the usual re-import), unless the
    # stored row was reversed since — those, and every other row of the covered months and the stored openings,
    # go through the comparison by row identity (corrections.py)
    matched, odd = set(), []  # odd: stored with another amount, or reversed since
    for k, same in conn.execute(text(
            "SELECT t.entry_key, CASE WHEN l.amount_kop = t.amount_kop AND NOT EXISTS (SELECT 1 FROM ledger_entries r "
            "WHERE r.reverses_id = l.id) THEN 1 ELSE 0 END FROM tmp_imp_keys t "
            "JOIN ledger_entries l ON l.entry_key = t.entry_key")):
        (matched.add if same else odd.append)(k)
    scopes = corrections.file_scopes(prep.entries, prep.service_months)
    has_openings = any(corrections.is_opening(t[L.L_KIND], t[L.L_REF]) for t in prep.entries)
    stored, stored_keys = _stored_rows(conn, scopes, has_openings, odd)
    conn.exec_driver_sql("DELETE FROM tmp_imp_keys")
    prematched, rest = [], []
    for t in prep.entries:
        if t[key] in matched and not corrections.is_opening(t[L.L_KIND], t[L.L_REF]):
            prematched.append(t)
        else:
            rest.append(t)
    first_known = _first_known_periods(prep.parsed) if has_openings else {}
    cmp = corrections.compare(rest, stored, scopes, first_known)
    taken = matched | set(odd) | stored_keys

    def fresh(t: tuple) -> tuple:  # a row coming back after its stored twin was reversed gets a key of its own
        if t[key] in taken:
            k = corrections.rekey(t[key], taken)
            taken.add(k)
            return t[:key] + (k,) + t[key + 1:]
        return t

    cmp.new = [fresh(t) for t in cmp.new]
    cmp.changed = [(old, fresh(t)) for old, t in cmp.changed]
    cmp.unchanged = prematched + cmp.unchanged
    prep.comparison = cmp
    prep.entries = cmp.new + cmp.unchanged
    prep.known_keys.update(t[key] for t in cmp.unchanged)
    prep.known = len(prep.known_keys)


_STORED_COLS = ("id", "account_id", "service_id", "period", "kind", "amount_kop", "paid_on", "source", "paid_period",
                "reference", "entry_key", "batch_id", "reverses_id")


def _iso(v) -> str | None:
    if v is None:
        return None
    return v.isoformat() if isinstance(v, date) else str(v)[:10]


def _stored_rows(conn, scopes: set, openings: bool, odd: list[str]) -> tuple[list[corrections.StoredRow], set[str]]:
    """The stored rows the comparison needs, read set-based against the file's keys in `tmp_imp_keys`: the rows of
    the covered months whose key the file does not have, the rows of the keys in `odd` (the file has them with
    another amount, or they have a reversal), and (when the file has openings) every stored opening. Returns the live
    ones that are not themselves reversals, at their effective amount, and every key read."""
    le = LedgerEntry.__table__
    cols = ", ".join(f"l.{c}" for c in _STORED_COLS)
    raw: dict[int, tuple] = {}
    rng = corrections.months_of(scopes)
    if rng:
        lo, hi = date.fromisoformat(rng[0] + "-01"), date.fromisoformat(rng[1] + "-01")
        q = text(f"SELECT {cols} FROM ledger_entries l WHERE l.period >= :lo AND l.period <= :hi "
                 f"AND NOT EXISTS (SELECT 1 FROM tmp_imp_keys t WHERE t.entry_key = l.entry_key)"
                 ).bindparams(bindparam("lo", type_=db.Date), bindparam("hi", type_=db.Date))
        for r in conn.execute(q, {"lo": lo, "hi": hi}):
            raw[r[0]] = tuple(r)
    for i in range(0, len(odd), 500):
        for r in conn.execute(select(*[le.c[c] for c in _STORED_COLS]).where(le.c.entry_key.in_(odd[i:i + 500]))):
            raw[r[0]] = tuple(r)
    if openings:
        for r in conn.execute(select(*[le.c[c] for c in _STORED_COLS]).where(db.or_(
                le.c.kind == "opening", db.and_(le.c.kind == "recalculation", le.c.reference == "opening")))):
            raw[r[0]] = tuple(r)
    eff = corrections.effective_amounts([(r[0], r[5], r[12], corrections.is_app_reversal(r[10]))
                                         for r in raw.values()])
    live = [corrections.StoredRow(r[0], r[1], r[2], _iso(r[3]), r[4], eff[r[0]], _iso(r[6]), r[7], _iso(r[8]), r[9],
                                  r[10], r[11])
            for r in raw.values() if r[12] is None and eff[r[0]] != 0]
    return live, {r[10] for r in raw.values()}


def _amount_column(parsed: Parsed) -> str:
    c = "amount" if parsed.kind == "ledger" else "charged"
    return parsed.headers[parsed.columns[c]] if c in parsed.columns else c


def _cells_of_rows(data: bytes, file_name: str, rows: set[int], parsed: Parsed | None = None) -> dict[int, list]:
    known = parsed.extra.get("row_cells") if parsed is not None else None
    if known is not None:  # a 1С sheet: the rows as handed to the parser (the error file has their columns)
        return {r: known.get(r, []) for r in rows}
    out = {}
    for n, cells in parsing.read_table(data, file_name).rows:
        if n in rows:
            out[n] = cells
    return out


def _fix_missing_cells(parsed: Parsed, data: bytes, file_name: str) -> None:
    missing = {r for r, c in parsed.bad_cells.items() if not c}
    if missing:
        parsed.bad_cells.update(_cells_of_rows(data, file_name, missing, parsed))


# ------------------------------------------------------------------------------------------------ preview
def validate_file(kind: str, file_bytes: bytes, file_name: str, progress: Callable | None = None) -> Preview:
    """Read and check a file without writing anything: counts, new vs already known, every bad row."""
    _check_kind(kind)
    pv = Preview(kind, file_name, sha256_of(file_bytes), len(file_bytes))
    try:
        prep = _prepare(kind, file_bytes, file_name, progress)
    except ImportFileError as exc:
        pv.errors, pv.file_error = exc.errors, True
        return pv
    _fill_counts(pv, prep)
    pv.summary = summary.build(prep.parsed, _file_entries(prep), pv.sha256)
    if prep.comparison is not None:
        pv.summary["corrections"] = corrections_summary(prep.comparison)
    return pv


def _file_entries(prep: _Prepared) -> list:
    """Every ledger row the file holds (new, unchanged, changed, openings not added, explicit reversals)."""
    out = prep.entries + [t for t, _r in prep.reversals]
    if prep.comparison is not None:
        out += [t for _s, t in prep.comparison.changed] + [t for t, _r, _s in prep.comparison.kept_openings]
    return out


MAX_SHOWN = 200  # changed / gone / kept rows listed in the preview (the counts and sums are always complete)


def corrections_summary(cmp: corrections.Comparison) -> dict:
    """The preview's «changed», «gone» and «openings not added» parts: counts, sums (kopecks) and the first rows."""
    acc_ids = {s.account_id for s, _t in cmp.changed[:MAX_SHOWN]} | {s.account_id for s in cmp.gone[:MAX_SHOWN]} | \
        {t[parsing.L_ACC] for t, _r, _s in cmp.kept_openings[:MAX_SHOWN]}
    numbers = {}
    ids = sorted(acc_ids)
    for i in range(0, len(ids), 500):
        numbers.update(db.session.execute(select(Account.id, Account.number)
                                          .where(Account.id.in_(ids[i:i + 500]))).all())
    names = dict(db.session.execute(select(Service.id, Service.name)).all())
    closed = summary.latest_closed_month()
    closed_iso = closed.isoformat() if closed else None
    next_closed = None
    if closed is not None:
        next_closed = date(closed.year + (closed.month == 12), closed.month % 12 + 1, 1).isoformat()

    def in_closed(s: corrections.StoredRow) -> bool:
        if closed_iso is None:
            return False
        return s.paid_on < next_closed if s.kind == "payment" and s.paid_on else s.period <= closed_iso

    def row(s: corrections.StoredRow | None, t: tuple | None) -> dict:
        base = s if s is not None else None
        acc = base.account_id if base else t[parsing.L_ACC]
        svc = base.service_id if base else t[parsing.L_SVC]
        return {"row": t[parsing.L_ROW] if t else None, "account": numbers.get(acc, str(acc)),
                "service": names.get(svc, str(svc)), "kind": base.kind if base else t[parsing.L_KIND],
                "period": (base.period if base else t[parsing.L_PERIOD])[:7],
                "paid_on": base.paid_on if base else t[parsing.L_PAID_ON],
                "reference": base.reference if base else t[parsing.L_REF],
                "old": base.amount if base else None, "new": t[parsing.L_AMOUNT] if t else None,
                "new_period": t[parsing.L_PERIOD][:7] if t else None, "new_paid_on": t[parsing.L_PAID_ON] if t else None,
                "batch_id": base.batch_id if base else None}

    kept = [dict(row(s, t), reason=r) for t, r, s in cmp.kept_openings[:MAX_SHOWN]]
    for k, (t, _r, _s) in zip(kept, cmp.kept_openings):
        k.update(kind=t[parsing.L_KIND], period=t[parsing.L_PERIOD][:7], old=_s.amount if _s else None,
                 old_period=_s.period[:7] if _s else None)
    return {
        "changed_count": len(cmp.changed), "changed_old_kop": sum(s.amount for s, _t in cmp.changed),
        "changed_new_kop": sum(t[parsing.L_AMOUNT] for _s, t in cmp.changed),
        "changed": [row(s, t) for s, t in cmp.changed[:MAX_SHOWN]],
        "gone_count": len(cmp.gone), "gone_kop": sum(s.amount for s in cmp.gone),
        "gone": [row(s, None) for s in cmp.gone[:MAX_SHOWN]],
        "kept_openings_count": len(cmp.kept_openings),
        "kept_openings_kop": sum(t[parsing.L_AMOUNT] for t, _r, _s in cmp.kept_openings),
        "kept_openings": kept,
        "closed_count": sum(1 for s, _t in cmp.changed if in_closed(s)) + sum(1 for s in cmp.gone if in_closed(s)),
    }


def _fill_counts(pv: Preview, prep: _Prepared) -> None:
    p = prep.parsed
    pv.rows_total = p.total
    pv.rows_bad = p.bad_rows
    pv.rows_valid = p.total - p.bad_rows
    pv.errors = p.errors
    if p.kind in ("ledger", "turnover"):
        entries = len(prep.entries) + len(prep.reversals)
        pv.rows_known = prep.known
        pv.rows_new = max(0, entries - prep.known)
    elif prep.plan is not None:  # persons: new people, and rows whose link is already stored
        pv.details = prep.plan.summary()
        pv.rows_new = pv.details["persons"]["new"]
        pv.rows_known = pv.details["already_present"]
    else:
        pv.rows_known = prep.known
        pv.rows_new = max(0, pv.rows_valid - prep.known)


# ------------------------------------------------------------------------------------------------ commit
def commit_import(kind: str, file_bytes: bytes, file_name: str, user, *, skip_bad_rows: bool = False,
                  dry_run: bool = False, via: str = "web", progress: Callable | None = None,
                  error_file: str | None = None, replace_period: bool = False) -> ImportBatch:
    """Validate and, when allowed, write the file in the caller's transaction; the batch records the outcome.

    Bad rows without `skip_bad_rows` → nothing written, batch `rejected` with its errors. With it, the good rows
    are written and the bad ones go to an error file (same columns plus «Ошибка»). `dry_run` only validates.

    Ledger and turnover files (docs/import-format.md, «Corrected exports»): a row billing changed (same identity,
    another amount) is not written by default — the old amount stays and the batch counts it; with `replace_period`
    («заменить данные периода») the stored row gets a reversing entry and the new row is written, and every row of
    the covered period the file no longer has gets a reversing entry. Nothing in the ledger is edited or deleted.
    An opening balance the ledger already has (or whose place charges and payments before it take) is never added.
    """
    _check_kind(kind)
    batch = ImportBatch(kind=kind, file_name=(file_name or "")[:255], file_sha256=sha256_of(file_bytes),
                        file_size=len(file_bytes), user_id=getattr(user, "id", None), via=via, status="validated",
                        options={"skip_bad_rows": bool(skip_bad_rows), "dry_run": bool(dry_run),
                                 "replace_period": bool(replace_period)})
    db.session.add(batch)
    db.session.flush()
    try:
        prep = _prepare(kind, file_bytes, file_name, progress)
    except ImportFileError as exc:
        batch.status, batch.finished_at = "rejected", utcnow()
        batch.message = "; ".join(e.reason for e in exc.errors)
        batch.options = {**batch.options, "errors": [e.as_dict() for e in exc.errors]}
        db.session.flush()
        return batch
    parsed = prep.parsed
    batch.rows_total, batch.rows_bad = parsed.total, parsed.bad_rows
    batch.rows_valid = parsed.total - parsed.bad_rows
    if parsed.errors:
        _fix_missing_cells(parsed, file_bytes, file_name)
        batch.error_file = _write_error_file(batch, parsed, error_file)
        batch.options = {**batch.options, "errors": [e.as_dict() for e in parsed.errors[:MAX_STORED_ERRORS]],
                         "errors_total": len(parsed.errors)}
    if dry_run:
        pv = Preview(kind, file_name, batch.file_sha256, batch.file_size)
        _fill_counts(pv, prep)
        batch.status, batch.finished_at = "dry_run", utcnow()
        batch.rows_inserted, batch.rows_duplicate = 0, pv.rows_known
        if pv.details is not None:
            batch.options = {**batch.options, "persons": pv.details}
        db.session.flush()
        return batch
    if parsed.errors and not skip_bad_rows:
        batch.status, batch.finished_at = "rejected", utcnow()
        batch.message = _("%(n)s bad rows; nothing was imported.", n=parsed.bad_rows)
        db.session.flush()
        return batch
    batch.rows_skipped = parsed.bad_rows
    if kind in ("ledger", "turnover"):
        cmp = prep.comparison or corrections.Comparison()
        replaced = replace_period and (cmp.changed or cmp.gone)
        if replaced:
            prep.entries = prep.entries + [t for _s, t in cmp.changed]
        inserted = _insert_ledger(prep, batch.id, progress)
        entries = len(prep.entries) + len(prep.reversals)
        batch.rows_inserted, batch.rows_duplicate = inserted, entries - inserted
        touched = _accounts_written(prep, parsed) if inserted else set()
        # the figures refresh starts at the earliest month a written or reversed row changes (None: from the start)
        months = [_earliest_month(prep)] if inserted else []
        info = {"changed": len(cmp.changed), "gone": len(cmp.gone), "kept_openings": len(cmp.kept_openings),
                "kept_openings_kop": sum(t[parsing.L_AMOUNT] for t, _r, _s in cmp.kept_openings)}
        if replaced:
            targets = [s for s, _t in cmp.changed] + cmp.gone
            n, total = write_reversals([(s, -s.amount) for s in targets], f"batch:{batch.id}", batch.id)
            batch.rows_updated = len(cmp.changed)
            batch.rows_inserted = max(0, batch.rows_inserted - len(cmp.changed))
            info.update(reversed=n, reversed_kop=total, changed_old_kop=sum(s.amount for s, _t in cmp.changed),
                        changed_new_kop=sum(t[parsing.L_AMOUNT] for _s, t in cmp.changed),
                        gone_kop=sum(s.amount for s in cmp.gone))
            touched |= {s.account_id for s in targets}
            months += [_as_month(t.paid_on if t.kind == "payment" and t.paid_on else t.period) for t in targets]
        batch.options = {**batch.options, "corrections": info}
        if touched:  # figures change only where rows were added or reversed (a re-import of the same file: none)
            refresh_account_figures(touched, since=None if None in months else min(months))
        batch.options = {**(batch.options or {}), "norms": _write_norms(parsed)}
    elif kind == "accounts":
        batch.rows_inserted, batch.rows_updated, batch.rows_duplicate = _upsert_accounts(parsed.rows, batch.id)
        if batch.rows_inserted:  # new accounts get their (zero) figures so that lists can rely on them
            new_ids = db.session.scalars(select(Account.id).where(Account.import_batch_id == batch.id,
                                                                  Account.id.not_in(select(AccountBalance.account_id))))
            refresh_account_figures(list(new_ids))
        if batch.rows_updated:  # a changed category moves an account between the report's rows
            bump_figures_version()
    else:
        batch.rows_inserted, batch.rows_updated, batch.rows_duplicate = _write_persons(prep.plan, batch.id)
        batch.options = {**batch.options, "persons": prep.plan.summary()}
    batch.status, batch.finished_at = "committed", utcnow()
    record_event("import", "import_batches", batch.id, {
        "kind": kind, "file": batch.file_name, "sha256": batch.file_sha256, "inserted": batch.rows_inserted,
        "updated": batch.rows_updated, "duplicates": batch.rows_duplicate, "skipped": batch.rows_skipped,
        **({"corrections": batch.options["corrections"]} if "corrections" in (batch.options or {}) else {})},
        actor=user)
    db.session.flush()
    return batch


def _write_norms(parsed: Parsed) -> int:
    """The column «Начисление по нормативу» of a ledger or turnover file: the account's monthly charge at the norm
    per service (ПП 354 п.118; the latest month of the file wins), written over the account's own figure (one
    INSERT … ON CONFLICT DO UPDATE). Returns how many were written."""
    from ..accounts.models import AccountServiceNorm

    norms = parsed.extra.get("norms") or {}
    if not norms:
        return 0
    rows = [{"account_id": acc, "service_id": svc, "norm_monthly_kop": kop}
            for (acc, svc), (_month, kop) in sorted(norms.items())]
    table = AccountServiceNorm.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["account_id", "service_id"],
                                                  set_={"norm_monthly_kop": stmt.excluded.norm_monthly_kop}), rows)
    return len(rows)


def record_failure(kind: str, file_bytes: bytes, file_name: str, user, via: str, message: str) -> ImportBatch:
    """After the caller rolled back a failed commit: record the attempt as `failed` (nothing else was written)."""
    batch = ImportBatch(kind=kind if kind in IMPORT_KINDS else "ledger", file_name=(file_name or "")[:255],
                        file_sha256=sha256_of(file_bytes), file_size=len(file_bytes),
                        user_id=getattr(user, "id", None), via=via, status="failed", finished_at=utcnow(),
                        message=message[:2000])
    db.session.add(batch)
    db.session.flush()
    return batch


def _write_error_file(batch: ImportBatch, parsed: Parsed, explicit: str | None) -> str:
    """Store the error file in the `imports` area (and write a copy where the command line asked); its storage name."""
    from .. import storage

    data = parsing.error_file_bytes(parsed.headers, parsed)
    if explicit:
        storage.write_private(Path(explicit), data)
    stem = re.sub(r"[^\w.-]+", "_", Path(batch.file_name or "file").stem)[:60] or "file"
    return storage.save("imports", f"errors/{batch.id}-{stem}-errors.csv", data)


# ------------------------------------------------------------------------------------------------ ledger
_LEDGER_COLS = ("account_id", "service_id", "period", "kind", "amount_kop", "paid_on", "source", "paid_period",
                "reference", "entry_key", "batch_id", "created_at")


def _bulk_rows(conn, table: str, cols: tuple[str, ...], rows) -> None:
    """Bulk load rows into a (temporary) table with the driver's fastest path (COPY / executemany)."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
    else:
        raw.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)


def _accounts_written(prep: _Prepared, parsed: Parsed) -> set[int]:
    """The accounts whose ledger the commit changed (all touched ones when the written rows are not known)."""
    if prep.new_entries is None:
        return parsed.accounts_touched
    acc = parsing.L_ACC
    out = {t[acc] for t in prep.new_entries}
    out.update(t[acc] for t, _r in prep.reversals)
    return out


def _earliest_month(prep: _Prepared) -> date | None:
    """The earliest month whose figures the written rows change (a charge's billing period, a payment's month of
    payment): the figures refresh starts there and leaves the months before it as they are (None: from the start,
    when the written rows are not known)."""
    if prep.new_entries is None:
        return None
    rows = list(prep.new_entries) + [t for t, _r in prep.reversals]
    months = [(t[parsing.L_PAID_ON] if t[parsing.L_KIND] == "payment" and t[parsing.L_PAID_ON] else t[parsing.L_PERIOD])
              for t in rows]
    months = [_as_month(m) for m in months if m is not None]
    return min(months) if months else None


def _as_month(value) -> date:
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return date(d.year, d.month, 1)


def _insert_ledger(prep: _Prepared, batch_id: int, progress: Callable | None) -> int:
    """Insert the entries not already in the ledger; returns how many were new.

    The batch's keys are unique within the file (parsing) and `_check_against_ledger` found, set-based, which of
    them the ledger already holds (`prep.known_keys`), so only the new rows are written: on PostgreSQL straight
    into `ledger_entries` with COPY (inside a savepoint; if a concurrent import committed one of the same keys in
    the meantime, the unique index refuses the COPY and the batch falls back to a temporary table and
    `INSERT … SELECT … ON CONFLICT DO NOTHING`), on SQLite with `executemany … ON CONFLICT DO NOTHING`.
    A re-import of a file already in the ledger writes nothing.
    """
    conn = db.session.connection()
    raw = conn.connection.driver_connection
    pg = conn.dialect.name == "postgresql"
    now = utcnow()
    entries = prep.entries
    if prep.known_keys is None:  # not checked: every row goes through ON CONFLICT
        direct = False
    else:
        direct = True
        if prep.known_keys:
            known = prep.known_keys
            entries = [t for t in entries if t[parsing.L_KEY] not in known]
    prep.new_entries = entries
    total = len(entries)
    inserted = 0
    if pg and total:
        inserted = _copy_ledger_pg(raw, entries, batch_id, now, progress, direct)
    elif total:
        cols = ", ".join(_LEDGER_COLS)
        sql = (f"INSERT INTO ledger_entries ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
               f"ON CONFLICT (entry_key) DO NOTHING")
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        for start in range(0, total, CHUNK):
            chunk = entries[start:start + CHUNK]
            before = raw.total_changes
            raw.executemany(sql, [t[:10] + (batch_id, stamp) for t in chunk])
            inserted += raw.total_changes - before
            if after_chunk is not None:
                after_chunk(start + len(chunk))
            if progress is not None:
                progress(start + len(chunk), total)
    if prep.reversals:
        inserted += _insert_reversals(prep.reversals, batch_id, now)
    return inserted


def _copy_ledger_pg(raw, entries: list, batch_id: int, now: datetime, progress: Callable | None,
                    direct: bool) -> int:
    """PostgreSQL: COPY the new rows into ledger_entries (or, on a key collision, through ON CONFLICT)."""
    import psycopg

    total = len(entries)
    cols = ", ".join(_LEDGER_COLS)

    def copy_into(cur, table: str, columns: str, extra: tuple) -> None:
        for start in range(0, total, CHUNK):
            chunk = entries[start:start + CHUNK]
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
                write = cp.write_row
                for t in chunk:
                    write(t[:10] + extra)
            if after_chunk is not None:
                after_chunk(start + len(chunk))
            if progress is not None:
                progress(start + len(chunk), total)

    with raw.cursor() as cur:
        if direct:
            cur.execute("SAVEPOINT casework_ledger_copy")
            try:
                copy_into(cur, "ledger_entries", cols, (batch_id, now))
            except psycopg.errors.UniqueViolation:
                cur.execute("ROLLBACK TO SAVEPOINT casework_ledger_copy")
            else:
                cur.execute("RELEASE SAVEPOINT casework_ledger_copy")
                return total
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS tmp_imp_ledger (account_id BIGINT, service_id BIGINT,"
                    " period DATE, kind VARCHAR(16), amount_kop BIGINT, paid_on DATE, source VARCHAR(16),"
                    " paid_period DATE, reference VARCHAR(64), entry_key VARCHAR(40))")
        cur.execute("DELETE FROM tmp_imp_ledger")
        copy_into(cur, "tmp_imp_ledger", "account_id, service_id, period, kind, amount_kop, paid_on, source, "
                                         "paid_period, reference, entry_key", ())
        cur.execute(f"INSERT INTO ledger_entries ({cols}) SELECT account_id, service_id, period, kind, amount_kop,"
                    f" paid_on, source, paid_period, reference, entry_key, %s, %s FROM tmp_imp_ledger"
                    f" ON CONFLICT (entry_key) DO NOTHING", (batch_id, now))
        inserted = cur.rowcount
        cur.execute("DELETE FROM tmp_imp_ledger")
    return inserted


def _insert_reversals(reversals: list, batch_id: int, now: datetime) -> int:
    """Reversal rows (negative payments) point at the payment they reverse, found by its reference."""
    stmt = text("INSERT INTO ledger_entries (account_id, service_id, period, kind, amount_kop, paid_on, source, "
                "paid_period, reference, reverses_id, entry_key, batch_id, created_at) VALUES (:a, :s, :p, 'payment', "
                ":amt, :po, :src, :pp, :ref, :rev, :key, :b, :now) ON CONFLICT (entry_key) DO NOTHING"
                ).bindparams(bindparam("p", type_=db.Date), bindparam("po", type_=db.Date),
                             bindparam("pp", type_=db.Date), bindparam("now", type_=db.DateTime))
    n = 0
    for t, ref in reversals:
        rev_id = db.session.execute(
            select(LedgerEntry.id).where(LedgerEntry.account_id == t[parsing.L_ACC], LedgerEntry.kind == "payment",
                                         LedgerEntry.reference == ref, LedgerEntry.amount_kop > 0)
            .order_by(LedgerEntry.id).limit(1)).scalar()
        if rev_id is None:  # validated before; only a concurrent change can get here
            raise DomainError(_("the reversed payment «%(r)s» is not found for this account", r=ref))
        res = db.session.execute(stmt, {
            "a": t[0], "s": t[1], "p": date.fromisoformat(t[2]), "amt": t[4], "po": date.fromisoformat(t[5]),
            "src": t[6], "pp": date.fromisoformat(t[7]) if t[7] else None, "ref": t[8], "rev": rev_id, "key": t[9],
            "b": batch_id, "now": now})
        n += res.rowcount
    return n


# ------------------------------------------------------------------------------------------------ reversals
def write_reversals(items: list[tuple[corrections.StoredRow, int]], act: str, batch_id: int | None) -> tuple[int, int]:
    """Write the application's reversing entries — (stored row, amount) each: the row's kind, account, service,
    month, payment date, source and reference, the amount given (normally minus its effective amount), `reverses_id`
    the row — in one executemany; `act` («batch:N», «undo:N») makes their dedup keys. Returns (rows, sum in kopecks).
    Ledger rows are never edited or deleted (ЖК ст.155, the ledger is the account's history)."""
    if not items:
        return 0, 0
    now = utcnow()
    rows = [{"account_id": s.account_id, "service_id": s.service_id, "period": date.fromisoformat(s.period),
             "kind": s.kind, "amount_kop": amount, "paid_on": date.fromisoformat(s.paid_on) if s.paid_on else None,
             "source": s.source, "paid_period": date.fromisoformat(s.paid_period) if s.paid_period else None,
             "reference": s.reference, "reverses_id": s.id, "entry_key": corrections.reversal_key(s.id, act),
             "batch_id": batch_id, "created_at": now} for s, amount in items]
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(LedgerEntry.__table__), rows[i:i + CHUNK])
    return len(rows), sum(r["amount_kop"] for r in rows)


def _batch_rows(batch_id: int) -> list[tuple[corrections.StoredRow, int | None, str | None]]:
    """The live ledger rows of a batch at their effective amount, each with — for the application's reversals in it —
    the batch and that batch's status of the row it reverses."""
    le = LedgerEntry.__table__
    cols = [le.c[c] for c in _STORED_COLS]
    raw = {r[0]: tuple(r) for r in db.session.execute(select(*cols).where(le.c.batch_id == batch_id))}
    # the application's reversals of these rows, and of those (two levels: an undo reverses a replacement's reversal)
    level = sorted(raw)
    extra: dict[int, tuple] = {}
    for _depth in range(2):
        found = []
        for i in range(0, len(level), 500):
            for r in db.session.execute(select(*cols).where(le.c.reverses_id.in_(level[i:i + 500]))):
                if r[0] not in raw and r[0] not in extra:
                    extra[r[0]] = tuple(r)
                    found.append(r[0])
        level = found
        if not level:
            break
    everything = {**raw, **extra}
    eff = corrections.effective_amounts([(r[0], r[5], r[12], corrections.is_app_reversal(r[10]))
                                         for r in everything.values()])
    targets = sorted({r[12] for r in raw.values() if r[12] is not None and corrections.is_app_reversal(r[10])})
    target_batch: dict[int, tuple] = {}
    for i in range(0, len(targets), 500):
        q = (select(le.c.id, le.c.batch_id, ImportBatch.status).select_from(le)
             .outerjoin(ImportBatch, ImportBatch.id == le.c.batch_id).where(le.c.id.in_(targets[i:i + 500])))
        for tid, tb, status in db.session.execute(q):
            target_batch[tid] = (tb, status)
    out = []
    for r in sorted(raw.values()):
        if eff[r[0]] == 0:
            continue
        row = corrections.StoredRow(r[0], r[1], r[2], _iso(r[3]), r[4], eff[r[0]], _iso(r[6]), r[7], _iso(r[8]),
                                    r[9], r[10], r[11])
        tb = target_batch.get(r[12]) if r[12] is not None else None
        out.append((row, tb[0] if tb else None, tb[1] if tb else None))
    return out


@dataclass
class UndoPlan:
    """What «Отменить загрузку» would write: a reversing entry of every live row of the batch."""

    batch: ImportBatch
    rows: list = field(default_factory=list)  # (StoredRow, amount of its reversing entry)
    kept: int = 0  # reversals of rows of an import already undone: those rows stay reversed
    refusal: str | None = None

    @property
    def accounts(self) -> int:
        return len({s.account_id for s, _a in self.rows})

    def sums(self) -> list[tuple[str, int, int]]:
        """(kind, rows, sum of the reversing entries in kopecks) by kind."""
        by: dict[str, list[int]] = {}
        for s, amount in self.rows:
            v = by.setdefault(s.kind, [0, 0])
            v[0] += 1
            v[1] += amount
        return [(k, by[k][0], by[k][1]) for k in summary.LEDGER_KINDS if k in by]

    def closed_rows(self) -> int:
        closed = summary.latest_closed_month()
        if closed is None:
            return 0
        nxt = date(closed.year + (closed.month == 12), closed.month % 12 + 1, 1).isoformat()
        return sum(1 for s, _a in self.rows
                   if (s.paid_on < nxt if s.kind == "payment" and s.paid_on else s.period <= closed.isoformat()))


def undo_plan(batch: ImportBatch) -> UndoPlan:
    """The reversing entries an undo of the batch writes, or why it cannot be undone."""
    plan = UndoPlan(batch)
    if batch.kind not in ("ledger", "turnover"):
        plan.refusal = _("Only an import of ledger lines (a ledger file or a turnover sheet) can be undone.")
    elif batch.status == "undone":
        plan.refusal = _("This import was already undone.")
    elif batch.status != "committed":
        plan.refusal = _("Only a committed import can be undone.")
    if plan.refusal:
        return plan
    for s, target_batch, target_status in _batch_rows(batch.id):
        if target_status == "undone" and target_batch != batch.id:
            plan.kept += 1  # restoring it would bring back a row of an undone import
            continue
        plan.rows.append((s, -s.amount))
    return plan


def undo_import(batch_id: int, user) -> UndoPlan:
    """«Отменить загрузку»: reverse every live ledger row of a committed ledger/turnover import (never editing or
    deleting a row), mark the batch undone (once: the status changes from committed only once, also when two requests
    race), refresh the accounts' figures and record the act in the audit trail. Rows dated in a closed month change
    its live figures and appear in the next month's report as «корректировки прошлых периодов», as any late line."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise DomainError(_("No such import."))
    plan = undo_plan(batch)
    if plan.refusal:
        raise DomainError(plan.refusal)
    res = db.session.execute(update(ImportBatch.__table__)
                             .where(ImportBatch.__table__.c.id == batch_id,
                                    ImportBatch.__table__.c.status == "committed")
                             .values(status="undone", undone_at=utcnow(), undone_by_id=getattr(user, "id", None)))
    if res.rowcount != 1:
        raise DomainError(_("This import was already undone."))
    n, total = write_reversals(plan.rows, f"undo:{batch_id}", None)
    accounts = {s.account_id for s, _a in plan.rows}
    if accounts:
        refresh_account_figures(accounts)
    db.session.expire(batch)
    record_event("import_undo", "import_batches", batch_id, {
        "reversed": n, "reversed_kop": total, "accounts": len(accounts), "kept_reversed": plan.kept,
        "closed_month_rows": plan.closed_rows(), "by_kind": {k: [c, v] for k, c, v in plan.sums()}}, actor=user)
    db.session.flush()
    return plan


# ------------------------------------------------------------------------------------------------ accounts
_APARTMENT_RE = re.compile(r"[,\s]*(?:кв\.?|квартира|пом\.?|помещение)\s*№?\s*([\w/-]+)\s*$", re.IGNORECASE)
_ACCOUNT_FIELDS = ("category", "tenure", "is_municipal", "debtor_name", "address", "settlement", "apartment", "inn",
                   "phone", "email", "area_m2", "opened_on", "closed_on")


def split_address(address: str, apartment: str | None) -> tuple[str, str]:
    """(building address, apartment): «ул. Ленина, д. 5, кв. 12» → («ул. Ленина, д. 5», «12»)."""
    m = _APARTMENT_RE.search(address)
    if m:
        return address[:m.start()].strip(" ,"), (apartment or m.group(1))
    return address.strip(" ,"), apartment or ""


def search_text(number: str, name: str, address: str, phone: str | None) -> str:
    """What the accounts search matches: lower-cased number, name, address and the phone's digits."""
    digits = re.sub(r"\D", "", phone or "")
    return " ".join(x for x in (number.lower(), name.lower().replace("ё", "е"), address.lower().replace("ё", "е"),
                                digits) if x)


def _upsert_accounts(rows: list[dict], batch_id: int) -> tuple[int, int, int]:
    """Insert new accounts, update changed ones (each change audited), create territories/buildings/premises."""
    s = db.session
    for r in rows:
        b_addr, apt = split_address(r["address"], r.get("apartment"))
        r["_building"], r["apartment"] = b_addr[:400], (apt or None)
    # territories
    terr = {n: i for i, n in s.execute(select(Territory.id, Territory.name))}
    new_t = sorted({r["settlement"] for r in rows if r.get("settlement") and r["settlement"] not in terr})
    if new_t:
        s.execute(insert(Territory), [{"name": n, "kind": "settlement"} for n in new_t])
        terr = {n: i for i, n in s.execute(select(Territory.id, Territory.name))}
    # buildings
    bld = {(t, a): i for i, t, a in s.execute(select(Building.id, Building.territory_id, Building.address))}
    want_b = {(terr.get(r.get("settlement")), r["_building"]) for r in rows}
    new_b = [k for k in want_b if k not in bld]
    if new_b:
        s.execute(insert(Building), [{"territory_id": t, "address": a, "is_apartment_building": True}
                                     for t, a in sorted(new_b, key=lambda k: (k[0] or 0, k[1]))])
        bld = {(t, a): i for i, t, a in s.execute(select(Building.id, Building.territory_id, Building.address))}
    # premises
    prem = {(b, n): i for i, b, n in s.execute(select(Premises.id, Premises.building_id, Premises.number))}
    want_p = {}
    for r in rows:
        r["territory_id"] = terr.get(r.get("settlement"))
        r["building_id"] = bld[(r["territory_id"], r["_building"])]
        k = (r["building_id"], r["apartment"] or "")
        if k not in prem and k not in want_p:
            want_p[k] = {"building_id": k[0], "number": k[1], "area_m2": r.get("area_m2"),
                         "is_municipal": bool(r.get("is_municipal"))}
    if want_p:
        s.execute(insert(Premises), list(want_p.values()))
        prem = {(b, n): i for i, b, n in s.execute(select(Premises.id, Premises.building_id, Premises.number))}
    for r in rows:
        r["premises_id"] = prem[(r["building_id"], r["apartment"] or "")]
    # accounts
    t = Account.__table__
    cols = [t.c.id, t.c.number] + [t.c[f] for f in _ACCOUNT_FIELDS] + [t.c.territory_id, t.c.building_id,
                                                                       t.c.premises_id]
    existing = {row.number: row for row in s.execute(select(*cols))}
    now = utcnow()
    new_rows, upd_rows, audit_rows = [], [], []
    unchanged = 0
    for r in rows:
        old = existing.get(r["number"])
        if old is None:
            rec = {f: r.get(f) for f in _ACCOUNT_FIELDS}
            rec["tenure"] = rec["tenure"] or "owner"
            rec["is_municipal"] = bool(rec["is_municipal"])
            rec.update(number=r["number"], territory_id=r["territory_id"], building_id=r["building_id"],
                       premises_id=r["premises_id"], import_batch_id=batch_id, created_at=now, updated_at=now,
                       search_text=search_text(r["number"], r["debtor_name"], r["address"], r.get("phone")))
            new_rows.append(rec)
            continue
        changes = {}
        merged = {}
        for f in _ACCOUNT_FIELDS + ("territory_id", "building_id", "premises_id"):
            cur = getattr(old, f)
            val = r.get(f)
            if val is None or val == "":  # an empty cell never erases what is stored
                val = cur
            if val != cur:
                changes[f] = [_plain(cur), _plain(val)]
            merged[f] = val
        if not changes:
            unchanged += 1
            continue
        merged.update(_id=old.id, updated_at=now, import_batch_id=batch_id,
                      search_text=search_text(r["number"], merged["debtor_name"], merged["address"], merged["phone"]))
        upd_rows.append(merged)
        audit_rows.append({"at": now, "user_id": None, "action": "import_update", "entity": "accounts",
                           "entity_id": old.id, "changes": {**changes, "batch_id": batch_id}})
    if new_rows:
        s.execute(insert(t), new_rows)
    if upd_rows:
        values = {f: bindparam(f) for f in _ACCOUNT_FIELDS + ("territory_id", "building_id", "premises_id",
                                                              "updated_at", "import_batch_id", "search_text")}
        s.execute(update(t).where(t.c.id == bindparam("_id")).values(**values), upd_rows)
        from ..audit.models import current_actor_id

        actor = current_actor_id()
        for a in audit_rows:
            a["user_id"] = actor
        s.execute(insert(AuditEvent.__table__), audit_rows)
    return len(new_rows), len(upd_rows), unchanged


def _plain(v: Any):
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if v is not None and not isinstance(v, (str, int, bool, float)):
        return str(v)
    return v


# ------------------------------------------------------------------------------------------------ persons
_PARTY_FIELDS = ("full_name", "birth_date", "birth_place", "passport_series", "passport_number", "passport_issued_by",
                 "passport_issued_on", "snils", "inn", "registration_address", "phone", "email", "external_id")
# what a re-import may change on a known person (the billing id is how the person was found, so never changed)
PARTY_UPDATE_FIELDS = tuple(f for f in _PARTY_FIELDS if f != "external_id")
_NAME_PARTS = ("last_name", "first_name", "middle_name")
LINK_UPDATE_FIELDS = ("share", "since", "until")  # share = share_num/share_den as a pair
KEY_CHUNK = 5000  # keys per SELECT when looking up stored people and links
MAX_CONFLICTS = 1000  # conflicts kept in the preview and the batch record (the count is always exact)
ANALYZE_AFTER = 5000  # PostgreSQL: refresh the statistics of parties/account_parties after this many new rows


def _split_name(full: str) -> dict:
    parts = full.split()
    if len(parts) < 2 or len(parts) > 4:
        return {}
    return {"last_name": parts[0][:100], "first_name": parts[1][:100],
            "middle_name": " ".join(parts[2:])[:100] or None}


def _name_parts(full: str) -> dict:
    """Surname, first name and patronymic from a full name (all None when it does not split into 2–4 words)."""
    return {**dict.fromkeys(_NAME_PARTS), **_split_name(full)}


def _chunks(items: list, size: int = KEY_CHUNK):
    """Consecutive slices of at most `size` items (one SELECT each)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class PersonsPlan:
    """What a persons file does to the stored people and links; computed by reads only, written by `_write_persons`."""

    rows: int = 0  # valid rows of the file: one link each
    new_parties: list = field(default_factory=list)  # Party rows to insert
    new_links: list = field(default_factory=list)  # (values, ("new", index in new_parties) | ("id", party id))
    party_updates: list = field(default_factory=list)  # every updatable column of a changed person, merged
    party_changes: list = field(default_factory=list)  # (party id, {field: [old, new]}) for the audit trail
    link_updates: list = field(default_factory=list)
    link_changes: list = field(default_factory=list)
    persons_unchanged: int = 0
    links_unchanged: int = 0
    conflicts: list = field(default_factory=list)  # {row, entity, id, name, field}: kept as edited in the app

    def summary(self) -> dict:
        """The counts the preview, the batch and the audit event show (conflicts capped at MAX_CONFLICTS)."""
        return {"persons": {"new": len(self.new_parties), "updated": len(self.party_updates),
                            "unchanged": self.persons_unchanged},
                "links": {"new": len(self.new_links), "updated": len(self.link_updates),
                          "unchanged": self.links_unchanged},
                "already_present": self.rows - len(self.new_links),
                "conflicts_total": len(self.conflicts), "conflicts": self.conflicts[:MAX_CONFLICTS]}


def _app_edited(entity: str, ids) -> dict[int, set[str]]:
    """Columns of these records whose last write was made in the app, not by an import.

    The app writes through the ORM, so every such write is an `insert`/`update` row of audit_events naming the
    column; an import's change of a known record is an `import_update` row. A column is the app's when its latest
    app write comes after its latest import write (audit ids only grow). One SELECT per KEY_CHUNK records.
    """
    A = AuditEvent.__table__
    last_app: dict[int, dict] = {}
    last_import: dict[int, dict] = {}
    for part in _chunks(sorted(ids)):
        q = select(A.c.id, A.c.entity_id, A.c.action, A.c.changes).where(
            A.c.entity == entity, A.c.entity_id.in_(part), A.c.action.in_(("insert", "update", "import_update")))
        for aid, eid, action, changes in db.session.execute(q):
            seen = (last_import if action == "import_update" else last_app).setdefault(eid, {})
            for col in changes or {}:
                if aid > seen.get(col, 0):
                    seen[col] = aid
    out = {}
    for eid, cols in last_app.items():
        imported = last_import.get(eid, {})
        kept = {c for c, aid in cols.items() if aid > imported.get(c, 0)}
        if kept:
            out[eid] = kept
    return out


_PARTY_DETAIL = PARTY_UPDATE_FIELDS + _NAME_PARTS  # a known person's stored values, in this order
_FULL_NAME, _BIRTH_DATE = _PARTY_DETAIL.index("full_name"), _PARTY_DETAIL.index("birth_date")


def _plan_persons(rows: list[dict]) -> PersonsPlan:
    """Match each row to a person (billing id, else account + name + birth date) and a link (account, person, role).

    New people and links are to be inserted; a known person's or link's field is to be updated when the file has a
    non-empty value that differs (an empty cell never erases), unless that field was last written in the app: then
    the stored value is kept and reported as a conflict. Within the file, the first non-empty value of a field wins.
    Reads only, one SELECT per KEY_CHUNK keys: the links of the file's accounts with their people's details, then
    the billing ids not found among them (people linked only elsewhere, or new).
    """
    s = db.session
    P, AP = Party.__table__, AccountParty.__table__
    detail_cols = [P.c[f] for f in _PARTY_DETAIL]
    plan = PersonsPlan(rows=len(rows))
    by_names = any(not r["external_id"] for r in rows)
    by_ext: dict[str, int] = {}
    by_name: dict = {}
    stored_links: dict = {}  # (account, person, role) → (link id, share_num, share_den, since, until)
    stored: dict[int, tuple] = {}  # person id → its values in _PARTY_DETAIL order
    norm = parsing.norm
    for part in _chunks(sorted({r["account_id"] for r in rows})):
        q = (select(AP.c.id, AP.c.account_id, AP.c.party_id, AP.c.role, AP.c.share_num, AP.c.share_den, AP.c.since,
                    AP.c.until, P.c.external_id, *detail_cols)
             .join(P, P.c.id == AP.c.party_id).where(AP.c.account_id.in_(part)).order_by(AP.c.id))
        for row in s.execute(q):
            lid, acc, pid, role, share_num, share_den, since, until, ext = row[:9]
            stored_links[(acc, pid, role)] = (lid, share_num, share_den, since, until)
            details = stored[pid] = tuple(row[9:])
            if ext is not None:
                by_ext[ext] = pid
            if by_names:
                by_name[(acc, norm(details[_FULL_NAME]), details[_BIRTH_DATE])] = pid
    missing = sorted({r["external_id"] for r in rows if r["external_id"] and r["external_id"] not in by_ext})
    for part in _chunks(missing):
        for row in s.execute(select(P.c.external_id, P.c.id, *detail_cols).where(P.c.external_id.in_(part))):
            by_ext[row[0]] = row[1]
            stored[row[1]] = tuple(row[2:])
    now = utcnow()
    pending: dict = {}  # identity of a new person → index in new_parties
    known: dict[int, dict] = {}  # known person id → the file's values (first non-empty per field) and first row
    links: dict = {}  # (account, ("new", index) | ("id", party id), role) → the file's values and first row
    for r in rows:
        if r["external_id"]:
            ident, pid = ("ext", r["external_id"]), by_ext.get(r["external_id"])
        else:
            ident = ("name", r["account_id"], norm(r["full_name"]), r["birth_date"])
            pid = by_name.get(ident[1:])
        if pid is None:
            idx = pending.get(ident)
            if idx is None:
                rec = {f: r.get(f) for f in _PARTY_FIELDS}
                rec.update(kind="person", created_at=now, **_name_parts(r["full_name"]))
                idx = pending[ident] = len(plan.new_parties)
                plan.new_parties.append(rec)
            else:
                _fill_empty(plan.new_parties[idx], r, _PARTY_FIELDS)
            ref = ("new", idx)
        else:
            vals = known.get(pid)
            if vals is None:
                known[pid] = {"row": r["row"], **{f: r.get(f) for f in PARTY_UPDATE_FIELDS}}
            else:
                _fill_empty(vals, r, PARTY_UPDATE_FIELDS)
            ref = ("id", pid)
        key = (r["account_id"], ref, r["role"])
        lv = links.get(key)
        if lv is None:
            links[key] = {"row": r["row"], "share_num": r["share_num"], "share_den": r["share_den"],
                          "since": r.get("since"), "until": r.get("until")}
        else:
            if lv["share_num"] is None and r["share_num"] is not None:
                lv["share_num"], lv["share_den"] = r["share_num"], r["share_den"]
            _fill_empty(lv, r, ("since", "until"))
    _plan_party_updates(plan, known, stored)
    _plan_links(plan, links, stored_links, stored)
    return plan


def _fill_empty(target: dict, row: dict, fields) -> None:
    """Take a later row's value for each field still empty: the first non-empty value in the file wins."""
    for f in fields:
        if target.get(f) is None and row.get(f) is not None:
            target[f] = row[f]


_UPDATE_INDEX = tuple(enumerate(PARTY_UPDATE_FIELDS))


def _plan_party_updates(plan: PersonsPlan, known: dict[int, dict], stored: dict[int, tuple]) -> None:
    """Compare the known people's stored details with the file's; the changed ones are updated or, for fields
    last written in the app, reported as conflicts."""
    changed: dict[int, dict] = {}  # id → {field: [old, new]}
    for pid, vals in known.items():
        old = stored[pid]
        diff = None
        for j, f in _UPDATE_INDEX:
            v = vals[f]
            if v is not None and v != old[j]:
                if diff is None:
                    diff = {}
                diff[f] = [old[j], v]
        if diff:
            changed[pid] = diff
    plan.persons_unchanged = len(known) - len(changed)
    kept = _app_edited("parties", changed) if changed else {}
    for pid, diff in changed.items():
        old = stored[pid]
        mine = kept.get(pid, set())
        for f in sorted(set(diff) & mine, key=PARTY_UPDATE_FIELDS.index):
            plan.conflicts.append({"row": known[pid]["row"], "entity": "parties", "id": pid,
                                   "name": old[_FULL_NAME], "field": f})
        apply = {f: v for f, v in diff.items() if f not in mine}
        if not apply:
            plan.persons_unchanged += 1
            continue
        merged = dict(zip(_PARTY_DETAIL, old))
        merged.update({f: new for f, (_old, new) in apply.items()})
        if "full_name" in apply:  # the name parts follow the full name
            merged.update(_name_parts(merged["full_name"]))
        plan.party_updates.append({"_id": pid, **merged})
        plan.party_changes.append((pid, {f: [_plain(o), _plain(n)] for f, (o, n) in apply.items()}))


def _plan_links(plan: PersonsPlan, links: dict, stored_links: dict, stored: dict[int, tuple]) -> None:
    """New links, and known links whose share or registration dates differ (same rule as for people)."""
    changed: dict[int, tuple] = {}  # link id → (stored link, party id, {field: [old, new]}, file values)
    for (acc, ref, role), v in links.items():
        old = stored_links.get((acc, ref[1], role)) if ref[0] == "id" else None
        if old is None:
            plan.new_links.append(({"account_id": acc, "role": role, "share_num": v["share_num"],
                                    "share_den": v["share_den"], "since": v["since"], "until": v["until"]}, ref))
            continue
        lid, share_num, share_den, since, until = old
        diff = {}
        if v["share_num"] is not None and (v["share_num"], v["share_den"]) != (share_num, share_den):
            diff["share"] = [(share_num, share_den), (v["share_num"], v["share_den"])]
        if v["since"] is not None and v["since"] != since:
            diff["since"] = [since, v["since"]]
        if v["until"] is not None and v["until"] != until:
            diff["until"] = [until, v["until"]]
        if diff:
            changed[lid] = (old, ref[1], diff, v)
        else:
            plan.links_unchanged += 1
    kept_cols = _app_edited("account_parties", changed) if changed else {}
    for lid, (old, pid, diff, v) in changed.items():
        cols = kept_cols.get(lid, set())
        mine = {"share"} if cols & {"share_num", "share_den"} else set()
        mine |= cols & {"since", "until"}
        for f in sorted(set(diff) & mine, key=LINK_UPDATE_FIELDS.index):
            plan.conflicts.append({"row": v["row"], "entity": "account_parties", "id": lid,
                                   "name": stored[pid][_FULL_NAME], "field": f})
        apply = {f: x for f, x in diff.items() if f not in mine}
        if not apply:
            plan.links_unchanged += 1
            continue
        merged = dict(zip(("_id", "share_num", "share_den", "since", "until"), old))
        audit = {}
        for f, (o, n) in apply.items():
            if f == "share":
                merged["share_num"], merged["share_den"] = n
                audit["share_num"], audit["share_den"] = [o[0], n[0]], [o[1], n[1]]
            else:
                merged[f] = n
                audit[f] = [_plain(o), _plain(n)]
        plan.link_updates.append(merged)
        plan.link_changes.append((lid, audit))
    plan.conflicts.sort(key=lambda c: (c["row"], c["entity"] != "parties"))


_PARTY_INSERT_COLS = ("id", "kind", "created_at") + _PARTY_FIELDS + _NAME_PARTS
_LINK_INSERT_COLS = ("account_id", "party_id", "role", "share_num", "share_den", "since", "until")


def _insert_parties(rows: list[dict]) -> list[int]:
    """Insert new people in one bulk statement and return their ids in row order.

    The ids are taken first and the rows go in with them: PostgreSQL draws them from the table's sequence in one
    SELECT and COPYs the rows; SQLite numbers them after the current maximum and inserts with one executemany (the
    import has already written its batch row in this transaction, so it holds SQLite's single write lock and no
    other writer can take those ids; one that did would fail the import on the primary key, never mix people up).
    """
    conn = db.session.connection()
    n = len(rows)
    if conn.dialect.name == "postgresql":
        ids = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence('parties', 'id')) "
                                     "FROM generate_series(1, :n)"), {"n": n}).scalars())
    else:
        start = (conn.execute(select(db.func.max(Party.__table__.c.id))).scalar() or 0) + 1
        ids = list(range(start, start + n))
    pg = conn.dialect.name == "postgresql"
    stamp = rows[0]["created_at"] if pg else rows[0]["created_at"].strftime("%Y-%m-%d %H:%M:%S.%f")
    _bulk_rows(conn, "parties", _PARTY_INSERT_COLS,
               ((i, r["kind"], stamp) + tuple(_day(r[c], pg) for c in _PARTY_FIELDS + _NAME_PARTS)
                for i, r in zip(ids, rows)))
    return ids


def _day(value, pg: bool):
    """A value for the raw driver: sqlite3 gets dates as the ISO text SQLAlchemy stores, psycopg the date itself."""
    return value.isoformat() if not pg and isinstance(value, date) else value


def _insert_links(rows) -> int:
    """Insert links (tuples in _LINK_INSERT_COLS order) with ON CONFLICT (account, person, role) DO NOTHING in one
    INSERT; returns how many were new (a link another import added meanwhile is not)."""
    conn = db.session.connection()
    cols = ", ".join(_LINK_INSERT_COLS)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS tmp_imp_links (account_id BIGINT, party_id BIGINT, "
                             "role VARCHAR(20), share_num INTEGER, share_den INTEGER, since DATE, until DATE)")
        conn.exec_driver_sql("DELETE FROM tmp_imp_links")
        _bulk_rows(conn, "tmp_imp_links", _LINK_INSERT_COLS, rows)
        n = conn.exec_driver_sql(f"INSERT INTO account_parties ({cols}) SELECT {cols} FROM tmp_imp_links "
                                 f"ON CONFLICT (account_id, party_id, role) DO NOTHING").rowcount
        conn.exec_driver_sql("DELETE FROM tmp_imp_links")
        return n
    raw = conn.connection.driver_connection
    before = raw.total_changes
    raw.executemany(f"INSERT INTO account_parties ({cols}) VALUES ({', '.join('?' * len(_LINK_INSERT_COLS))}) "
                    f"ON CONFLICT (account_id, party_id, role) DO NOTHING", rows)
    return raw.total_changes - before


def _write_persons(plan: PersonsPlan, batch_id: int) -> tuple[int, int, int]:
    """Write a persons plan set-based; returns (people inserted, people + links updated, rows already present).

    People: one INSERT … RETURNING for the new ones, one UPDATE … WHERE id = :id executed with every changed
    person's parameters. Links: one INSERT … ON CONFLICT (account, person, role) DO NOTHING … RETURNING for the
    new ones (a link another import added meanwhile counts as already present), one UPDATE for the changed ones.
    Each change (old → new) is an `import_update` audit row, as for accounts.
    """
    s = db.session
    P, AP = Party.__table__, AccountParty.__table__
    ids = _insert_parties(plan.new_parties) if plan.new_parties else []
    inserted_links = 0
    if plan.new_links:
        pg = _is_pg()
        inserted_links = _insert_links(
            (v["account_id"], ids[ref[1]] if ref[0] == "new" else ref[1], v["role"], v["share_num"], v["share_den"],
             _day(v["since"], pg), _day(v["until"], pg)) for v, ref in plan.new_links)
    if _is_pg() and len(plan.new_parties) + inserted_links >= ANALYZE_AFTER:
        # fresh statistics, so that the next import's key lookups use the indexes (the planner takes a table it
        # has no statistics for as small and scans it; autovacuum catches up only later)
        db.session.execute(text("ANALYZE parties"))
        db.session.execute(text("ANALYZE account_parties"))
    if plan.party_updates:
        cols = PARTY_UPDATE_FIELDS + _NAME_PARTS
        s.execute(update(P).where(P.c.id == bindparam("_id")).values({f: bindparam(f) for f in cols}),
                  plan.party_updates)
    if plan.link_updates:
        cols = ("share_num", "share_den", "since", "until")
        s.execute(update(AP).where(AP.c.id == bindparam("_id")).values({f: bindparam(f) for f in cols}),
                  plan.link_updates)
    if plan.party_changes or plan.link_changes:
        from ..audit.models import current_actor_id

        actor, now = current_actor_id(), utcnow()
        s.execute(insert(AuditEvent.__table__), [
            {"at": now, "user_id": actor, "action": "import_update", "entity": entity, "entity_id": rid,
             "changes": {**changes, "batch_id": batch_id}}
            for entity, items in (("parties", plan.party_changes), ("account_parties", plan.link_changes))
            for rid, changes in items])
    if plan.new_parties or inserted_links or plan.party_updates or plan.link_updates or plan.conflicts:
        record_event("import_persons", "import_batches", batch_id, {
            "parties_inserted": len(plan.new_parties), "links_inserted": inserted_links,
            "parties_updated": len(plan.party_updates), "links_updated": len(plan.link_updates),
            "conflicts": len(plan.conflicts)})
    return len(plan.new_parties), len(plan.party_updates) + len(plan.link_updates), plan.rows - inserted_links


# ------------------------------------------------------------------------------------------------ uploads
_TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")
ALLOWED_EXTENSIONS = (".csv", ".xlsx")


def check_upload(data: bytes, file_name: str) -> None:
    """Refuse what must not be parsed at all: wrong extension, empty, unsafe workbook."""
    ext = os.path.splitext(file_name or "")[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise DomainError(_("Only .csv and .xlsx files can be imported."))
    if not data:
        raise DomainError(_("The file is empty."))
    if ext == ".xlsx":
        try:
            parsing.check_xlsx_archive(data)
        except ImportFileError as exc:
            raise DomainError(str(exc)) from None


def store_upload(data: bytes) -> str:
    """Keep an uploaded file between preview and confirmation, named by its sha256 (never by a client path)."""
    from .. import storage

    token = sha256_of(data)
    if not storage.exists("imports", f"uploads/{token}"):
        storage.save("imports", f"uploads/{token}", data)
    return token


def load_upload(token: str) -> bytes | None:
    """The stored upload for a token, or None (unknown or malformed token)."""
    from .. import storage

    if not _TOKEN_RE.match(token or ""):
        return None
    try:
        data = storage.read("imports", f"uploads/{token}")
    except FileNotFoundError:
        return None
    return data if sha256_of(data) == token else None


def store_upload_set(kind: str, files: list[tuple[str, bytes]]) -> tuple[str, list[str]]:
    """Keep several uploaded files as one set between a review and its confirmation (any host may confirm it):
    each file by its sha256, the set's listing under `<kind>/<token>.json`; returns the set's token and each file's
    token."""
    from .. import storage

    listing = [{"name": n, "token": store_upload(d)} for n, d in files]
    token = sha256_of(json.dumps(listing, sort_keys=True).encode())
    storage.save("imports", f"{kind}/{token}.json", json.dumps(listing, ensure_ascii=False).encode())
    return token, [item["token"] for item in listing]


def load_upload_set(kind: str, token: str) -> list[tuple[str, bytes, str]] | None:
    """The files of a stored set as (name, bytes, file token), or None (unknown or malformed token, a file gone)."""
    from .. import storage

    if not _TOKEN_RE.match(token or ""):
        return None
    try:
        listing = json.loads(storage.read("imports", f"{kind}/{token}.json").decode())
    except FileNotFoundError:
        return None
    out = []
    for item in listing:
        data = load_upload(item["token"])
        if data is None:
            return None
        out.append((item["name"], data, item["token"]))
    return out


def error_file_name(batch: ImportBatch) -> str | None:
    """The storage name (`imports` area) of the batch's error file. The column holds that name; rows written before
    the storage kept names hold an absolute path …/errors/<batch id>-…, read as this batch's file under errors/."""
    from pathlib import PurePosixPath

    from .. import storage

    value = batch.error_file
    if not value:
        return None
    p = PurePosixPath(value)
    if p.is_absolute():
        if p.parent.name != "errors" or not p.name.startswith(f"{batch.id}-"):
            return None  # a file only the command line wrote, outside the storage
        value = f"errors/{p.name}"
    try:
        return storage.check_name(value)
    except storage.StorageError:
        return None


def error_file_path(batch: ImportBatch):
    """The batch's error file in the storage (a `storage.Stored`), or None when it has none or it is gone."""
    from .. import storage

    name = error_file_name(batch)
    if name is None or not storage.exists("imports", name):
        return None
    return storage.Stored("imports", name)
