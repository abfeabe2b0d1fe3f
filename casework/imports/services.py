"""Import from billing, the area's actions: validate a file (the preview) and commit it atomically, recording the
batch; record a failed attempt; undo a ledger import.

Only the caller (view, CLI command or job) commits. `commit_import` writes everything inside the session's
transaction: the ledger through the raw DBAPI connection (ledger.py: sqlite3 `executemany … ON CONFLICT DO NOTHING`,
PostgreSQL `COPY` into a temporary table then `INSERT … SELECT … ON CONFLICT DO NOTHING`), the registry and persons
through SQLAlchemy Core executemany (accounts.py, persons.py: known people and links looked up one SELECT per chunk of
keys) — never one ORM object or one statement per row.

Reading a file is pure and lives in its own modules: tables.py (CSV/XLSX/JSON → a table), columns.py (headers and
the words in cells), values.py (one cell), accounts_file.py, persons_file.py, ledger_file.py, turnover_file.py and
osv.py (each kind's rows), rows.py (the rows read, the errors, the error file).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from flask import current_app
from sqlalchemy import select, update

from ..accounts.models import Account, AccountBalance, Service
from ..accounts.services import bump_figures_version, refresh_account_figures
from ..audit.services import record_event
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..timeutil import today, utcnow
from . import aliases, corrections, ledger, osv, plausible, summary, tables, uploads
from .accounts import upsert_accounts
from .accounts_file import parse_accounts
from .columns import service_lookup
from .ledger_file import L_AMOUNT, parse_ledger
from .models import IMPORT_KINDS, ImportBatch
from .persons import PersonsPlan, plan_persons, write_persons
from .persons_file import parse_persons
from .rows import ImportFileError, Parsed, RowError
from .turnover_file import parse_turnover, turnover_entries

# imports/views.py reads the upload helpers here (services.check_upload, …) until it imports uploads.py itself
from .uploads import check_upload, error_file_path, load_upload, sha256_of, store_upload  # noqa: F401

MAX_STORED_ERRORS = 1000  # kept in the batch record; the error file holds all of them


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
class Prepared:
    """A file read and checked against the stored data: what the preview counts and the commit writes."""

    parsed: Parsed | None
    entries: list = field(default_factory=list)  # ledger tuples (ledger_file.LEDGER_FIELDS)
    reversals: list = field(default_factory=list)  # (tuple, reverses_id or None, reverses reference)
    known: int = 0
    known_keys: set | None = None  # keys of the batch already in the ledger (None: not checked)
    new_entries: list | None = None  # the entries actually written (set by ledger.insert_entries)
    plan: PersonsPlan | None = None  # persons: what the file does to stored people and links
    comparison: corrections.Comparison | None = None  # ledger/turnover: changed, gone, openings not added
    service_months: set | None = None  # turnover: (service, 'YYYY-MM') the sheet covers


def _check_kind(kind: str) -> None:
    """Refuse a kind of import the application does not have."""
    if kind not in IMPORT_KINDS:
        raise DomainError(_("Unknown import kind «%(k)s».", k=kind))


# ------------------------------------------------------------------------------------------------ lookups
def _account_lookup() -> dict[str, int]:
    """Stored account number → id."""
    return {n: i for i, n in db.session.execute(select(Account.id, Account.number))}


def _service_lookup() -> dict[str, int]:
    """Stored service code and name (also normalised) → id."""
    return service_lookup(db.session.execute(select(Service.id, Service.code, Service.name)))


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


def _prepare(kind: str, data: bytes, file_name: str, progress: Callable | None = None) -> Prepared:
    """Read a file of a kind and check it against the stored data; nothing is written."""
    table = tables.read_table(data, file_name)
    values = aliases.values()
    if kind == "accounts":
        parsed = parse_accounts(table, progress, values)
        _require_rows(parsed)
        numbers = {r["number"] for r in parsed.rows}
        known = sum(1 for n in _account_lookup() if n in numbers)
        return Prepared(parsed, known=known)
    if kind == "persons":
        parsed = parse_persons(table, _account_lookup(), progress)
        _require_rows(parsed)
        return Prepared(parsed, plan=plan_persons(parsed.rows))
    accounts, services = _account_lookup(), aliases.with_service_aliases(_service_lookup(), values["service"])
    bounds = date_bounds()
    if kind == "ledger":
        parsed = parse_ledger(table, accounts, services, progress, values)
        _require_rows(parsed)
        plausible.check_ledger(parsed, bounds)
        prep = Prepared(parsed, entries=parsed.rows)
        ledger.resolve_reversals(prep)
    else:
        sheet = osv.read_sheet(data, file_name, accounts, services, bounds)  # None: the flat turnover format
        parsed = parse_turnover(sheet.table if sheet else table, accounts, services, progress)
        if sheet is not None:
            osv.merge_into(parsed, sheet)
        _require_rows(parsed)
        plausible.check_turnover(parsed, bounds)
        # every first-month opening of the sheet; whether it is added is decided against the ledger (corrections.py)
        prep = Prepared(parsed, entries=turnover_entries(parsed, {}),
                        service_months={(t[1], t[2].isoformat()[:7]) for t in parsed.rows})
    ledger.check_against_ledger(prep, data, file_name)
    return prep


def _cells_of_rows(data: bytes, file_name: str, rows: set[int],
                   parsed: Parsed | None = None) -> dict[int, list]:
    """The raw cells of the given rows (a 1С sheet's as handed to the parser), for the error file."""
    known = parsed.extra.get("row_cells") if parsed is not None else None
    if known is not None:  # a 1С sheet: the rows as handed to the parser (the error file has their columns)
        return {r: known.get(r, []) for r in rows}
    out = {}
    for n, cells in tables.read_table(data, file_name).rows:
        if n in rows:
            out[n] = cells
    return out


def _fix_missing_cells(parsed: Parsed, data: bytes, file_name: str) -> None:
    """Fill in the cells of bad rows found after parsing (e.g. an unknown reversed payment), for the error file."""
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
        pv.summary["corrections"] = summary.corrections_summary(prep.comparison)
    return pv


def _file_entries(prep: Prepared) -> list:
    """Every ledger row the file holds (new, unchanged, changed, openings not added, explicit reversals)."""
    out = prep.entries + [t for t, _r in prep.reversals]
    if prep.comparison is not None:
        out += [t for _s, t in prep.comparison.changed] + [t for t, _r, _s in prep.comparison.kept_openings]
    return out


def _fill_counts(pv: Preview, prep: Prepared) -> None:
    """The preview's counts: rows read, bad, new and already known (persons: the plan's summary)."""
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
                  error_file: str | None = None, replace_period: bool = False,
                  replace_absent: bool = False) -> ImportBatch:
    """Validate and, when allowed, write the file in the caller's transaction; the batch records the outcome.

    Bad rows without `skip_bad_rows` → nothing written, batch `rejected` with its errors. With it, the good rows
    are written and the bad ones go to an error file (same columns plus «Ошибка»). `dry_run` only validates.

    Ledger and turnover files (docs/import-format.md, «Corrected exports»): a row billing changed (same identity,
    another amount) is not written by default — the old amount stays and the batch counts it; with `replace_period`
    («заменить данные периода») the stored row gets a reversing entry and the new row is written, and every row of
    the covered period the file no longer has gets a reversing entry — of the accounts the file has rows for; rows of
    accounts the file lacks altogether (a partial file) are reversed only with `replace_absent` too. Nothing in the
    ledger is edited or deleted.
    An opening balance the ledger already has (or whose place charges and payments before it take) is never added.
    """
    _check_kind(kind)
    batch = ImportBatch(kind=kind, file_name=(file_name or "")[:255], file_sha256=sha256_of(file_bytes),
                        file_size=len(file_bytes), user_id=getattr(user, "id", None), via=via, status="validated",
                        options={"skip_bad_rows": bool(skip_bad_rows), "dry_run": bool(dry_run),
                                 "replace_period": bool(replace_period),
                                 "replace_absent": bool(replace_period and replace_absent)})
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
        batch.error_file = uploads.write_error_file(batch, parsed, error_file)
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
        absent = cmp.absent if replace_absent else []
        replaced = replace_period and (cmp.changed or cmp.gone or absent)
        if replaced:
            prep.entries = prep.entries + [t for _s, t in cmp.changed]
        inserted = ledger.insert_entries(prep, batch.id, progress)
        entries = len(prep.entries) + len(prep.reversals)
        batch.rows_inserted, batch.rows_duplicate = inserted, entries - inserted
        touched = ledger.accounts_written(prep, parsed) if inserted else set()
        # the figures refresh starts at the earliest month a written or reversed row changes (None: from the start)
        months = [ledger.earliest_month(prep)] if inserted else []
        info = {"changed": len(cmp.changed), "gone": len(cmp.gone), "absent": len(cmp.absent),
                "kept_openings": len(cmp.kept_openings),
                "kept_openings_kop": sum(t[L_AMOUNT] for t, _r, _s in cmp.kept_openings)}
        if replaced:
            targets = [s for s, _t in cmp.changed] + cmp.gone + absent
            n, total = ledger.write_reversals([(s, -s.amount) for s in targets], f"batch:{batch.id}", batch.id)
            batch.rows_updated = len(cmp.changed)
            batch.rows_inserted = max(0, batch.rows_inserted - len(cmp.changed))
            info.update(reversed=n, reversed_kop=total, changed_old_kop=sum(s.amount for s, _t in cmp.changed),
                        changed_new_kop=sum(t[L_AMOUNT] for _s, t in cmp.changed),
                        gone_kop=sum(s.amount for s in cmp.gone), absent_kop=sum(s.amount for s in absent),
                        absent_reversed=len(absent))
            touched |= {s.account_id for s in targets}
            months += [ledger.as_month(t.paid_on if t.kind == "payment" and t.paid_on else t.period) for t in targets]
        batch.options = {**batch.options, "corrections": info}
        if touched:  # figures change only where rows were added or reversed (a re-import of the same file: none)
            refresh_account_figures(touched, since=None if None in months else min(months))
        batch.options = {**(batch.options or {}), "norms": ledger.write_norms(parsed)}
    elif kind == "accounts":
        batch.rows_inserted, batch.rows_updated, batch.rows_duplicate = upsert_accounts(parsed.rows, batch.id)
        if batch.rows_inserted:  # new accounts get their (zero) figures so that lists can rely on them
            new_ids = db.session.scalars(select(Account.id).where(Account.import_batch_id == batch.id,
                                                                  Account.id.not_in(select(AccountBalance.account_id))))
            refresh_account_figures(list(new_ids))
        if batch.rows_updated:  # a changed category moves an account between the report's rows
            bump_figures_version()
    else:
        batch.rows_inserted, batch.rows_updated, batch.rows_duplicate = write_persons(prep.plan, batch.id)
        batch.options = {**batch.options, "persons": prep.plan.summary()}
    batch.status, batch.finished_at = "committed", utcnow()
    record_event("import", "import_batches", batch.id, {
        "kind": kind, "file": batch.file_name, "sha256": batch.file_sha256, "inserted": batch.rows_inserted,
        "updated": batch.rows_updated, "duplicates": batch.rows_duplicate, "skipped": batch.rows_skipped,
        **({"corrections": batch.options["corrections"]} if "corrections" in (batch.options or {}) else {})},
        actor=user)
    db.session.flush()
    return batch


def record_failure(kind: str, file_bytes: bytes, file_name: str, user, via: str, message: str) -> ImportBatch:
    """After the caller rolled back a failed commit: record the attempt as `failed` (nothing else was written)."""
    batch = ImportBatch(kind=kind if kind in IMPORT_KINDS else "ledger", file_name=(file_name or "")[:255],
                        file_sha256=sha256_of(file_bytes), file_size=len(file_bytes),
                        user_id=getattr(user, "id", None), via=via, status="failed", finished_at=utcnow(),
                        message=message[:2000])
    db.session.add(batch)
    db.session.flush()
    return batch


# ------------------------------------------------------------------------------------------------ undo
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
    for s, target_batch, target_status in ledger.batch_rows(batch.id):
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
    n, total = ledger.write_reversals(plan.rows, f"undo:{batch_id}", None)
    accounts = {s.account_id for s, _a in plan.rows}
    if accounts:
        refresh_account_figures(accounts)
    db.session.expire(batch)
    record_event("import_undo", "import_batches", batch_id, {
        "reversed": n, "reversed_kop": total, "accounts": len(accounts), "kept_reversed": plan.kept,
        "closed_month_rows": plan.closed_rows(), "by_kind": {k: [c, v] for k, c, v in plan.sums()}}, actor=user)
    db.session.flush()
    return plan
