"""The ledger side of an import: which rows of a file the ledger already holds or holds with another amount
(corrections.py decides, `check_against_ledger` reads what it needs set-based), the reversals a file names, and the
writing — new rows by COPY / executemany with ON CONFLICT (entry_key) DO NOTHING, the application's reversing
entries, the norm charges. Rows are never edited or deleted. Only the caller commits.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlalchemy import bindparam, insert, select, text

from ..accounts.models import AccountServiceNorm, LedgerEntry
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..timeutil import utcnow
from . import corrections
from .bulk import bulk_rows
from .ledger_file import L_ACC, L_AMOUNT, L_KEY, L_KIND, L_PAID_ON, L_PERIOD, L_REF, L_ROW
from .models import ImportBatch
from .rows import Parsed, RowError

CHUNK = 50_000

# test seam: called after each inserted chunk of ledger rows (a test makes it raise to prove atomicity)
after_chunk: Callable[[int], None] | None = None


# ------------------------------------------------------------------------------------------------ against the ledger
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


def resolve_reversals(prep) -> None:
    """A reversal names the reference of the payment it reverses: in the same file or already in the ledger."""
    parsed = prep.parsed
    if not parsed.extra.get("reversals"):
        return
    in_file = {(t[L_ACC], t[L_REF]) for t in parsed.rows
               if t[L_KIND] == "payment" and t[L_REF]}
    ref_col = parsed.headers[parsed.columns["reverses"]] if "reverses" in parsed.columns else "reverses"
    for t, ref in parsed.extra["reversals"]:
        found = (t[L_ACC], ref) in in_file
        if not found:
            found = db.session.execute(
                select(LedgerEntry.id).where(LedgerEntry.account_id == t[L_ACC], LedgerEntry.kind == "payment",
                                             LedgerEntry.reference == ref, LedgerEntry.amount_kop > 0).limit(1)
            ).first() is not None
        if found:
            prep.reversals.append((t, ref))
        else:
            parsed.errors.append(RowError(t[L_ROW], ref_col,
                                          _("the reversed payment «%(r)s» is not found for this account", r=ref)))
            parsed.bad_cells.setdefault(t[L_ROW], [])


def check_against_ledger(prep, data: bytes, file_name: str) -> None:
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
        revkeys = [t[L_KEY] for t, _r in prep.reversals]
        for i in range(0, len(revkeys), 500):
            prep.known_keys.update(db.session.scalars(select(LedgerEntry.entry_key)
                                                      .where(LedgerEntry.entry_key.in_(revkeys[i:i + 500]))))
    if not prep.entries:
        prep.known = len(prep.known_keys)
        return
    key = L_KEY
    conn = db.session.connection()
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS tmp_imp_keys (entry_key VARCHAR(40), amount_kop BIGINT,"
                         " kind VARCHAR(16), row_no INTEGER)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_tmp_imp_keys ON tmp_imp_keys (entry_key)")
    conn.exec_driver_sql("DELETE FROM tmp_imp_keys")
    bulk_rows(conn, "tmp_imp_keys", ("entry_key", "amount_kop", "kind", "row_no"),
              ((t[key], t[L_AMOUNT], t[L_KIND], t[L_ROW]) for t in prep.entries))
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
    has_openings = any(corrections.is_opening(t[L_KIND], t[L_REF]) for t in prep.entries)
    stored, stored_keys = _stored_rows(conn, scopes, has_openings, odd)
    conn.exec_driver_sql("DELETE FROM tmp_imp_keys")
    prematched, rest = [], []
    for t in prep.entries:
        if t[key] in matched and not corrections.is_opening(t[L_KIND], t[L_REF]):
            prematched.append(t)
        else:
            rest.append(t)
    first_known = _first_known_periods(prep.parsed) if has_openings else {}
    cmp = corrections.compare(rest, stored, scopes, first_known, accounts={t[L_ACC] for t in prep.entries})
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
    """A stored date as ISO text (None stays None)."""
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


# ------------------------------------------------------------------------------------------------ writing
_LEDGER_COLS = ("account_id", "service_id", "period", "kind", "amount_kop", "paid_on", "source", "paid_period",
                "reference", "entry_key", "batch_id", "created_at")


def accounts_written(prep, parsed: Parsed) -> set[int]:
    """The accounts whose ledger the commit changed (all touched ones when the written rows are not known)."""
    if prep.new_entries is None:
        return parsed.accounts_touched
    acc = L_ACC
    out = {t[acc] for t in prep.new_entries}
    out.update(t[acc] for t, _r in prep.reversals)
    return out


def earliest_month(prep) -> date | None:
    """The earliest month whose figures the written rows change (a charge's billing period, a payment's month of
    payment): the figures refresh starts there and leaves the months before it as they are (None: from the start,
    when the written rows are not known)."""
    if prep.new_entries is None:
        return None
    rows = list(prep.new_entries) + [t for t, _r in prep.reversals]
    months = [(t[L_PAID_ON] if t[L_KIND] == "payment" and t[L_PAID_ON] else t[L_PERIOD])
              for t in rows]
    months = [as_month(m) for m in months if m is not None]
    return min(months) if months else None


def as_month(value) -> date:
    """The first of the month a date (or ISO text) falls in."""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return date(d.year, d.month, 1)


def insert_entries(prep, batch_id: int, progress: Callable | None) -> int:
    """Insert the entries not already in the ledger; returns how many were new.

    The batch's keys are unique within the file (ledger_file.py) and `check_against_ledger` found, set-based, which of
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
            entries = [t for t in entries if t[L_KEY] not in known]
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
            select(LedgerEntry.id).where(LedgerEntry.account_id == t[L_ACC], LedgerEntry.kind == "payment",
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


def batch_rows(batch_id: int) -> list[tuple[corrections.StoredRow, int | None, str | None]]:
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


def write_norms(parsed: Parsed) -> int:
    """The column «Начисление по нормативу» of a ledger or turnover file: the account's monthly charge at the norm
    per service (ПП 354 п.118; the latest month of the file wins), written over the account's own figure (one
    INSERT … ON CONFLICT DO UPDATE). Returns how many were written."""
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
