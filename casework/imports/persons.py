"""What a persons file does to the stored people and their links to accounts (`plan_persons`, reads only) and the
writing of that plan (`write_persons`, set-based). A field last written in the app is kept and reported as a
conflict. Only the caller commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, insert, select, text, update

from ..accounts.models import AccountParty, Party
from ..audit.models import AuditEvent, current_actor_id
from ..audit.services import record_event
from ..extensions import db
from ..timeutil import utcnow
from .bulk import bulk_rows, plain
from .columns import norm

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
    """Surname, first name and patronymic when the full name has 2–4 words (else nothing)."""
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
    """What a persons file does to the stored people and links; computed by reads only, written by `write_persons`."""

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


def plan_persons(rows: list[dict]) -> PersonsPlan:
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
        plan.party_changes.append((pid, {f: [plain(o), plain(n)] for f, (o, n) in apply.items()}))


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
                audit[f] = [plain(o), plain(n)]
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
    bulk_rows(conn, "parties", _PARTY_INSERT_COLS,
              ((i, r["kind"], stamp) + tuple(_day(r[c], pg) for c in _PARTY_FIELDS + _NAME_PARTS)
               for i, r in zip(ids, rows)))
    return ids


def _day(value, pg: bool):
    """A value for the raw driver: sqlite3 gets dates as the ISO text SQLAlchemy stores, psycopg the date itself."""
    return value.isoformat() if not pg and isinstance(value, date) else value


def _is_pg() -> bool:
    """The session's database is PostgreSQL."""
    return db.session.connection().dialect.name == "postgresql"


def _insert_links(rows) -> int:
    """Insert links (tuples in _LINK_INSERT_COLS order) with ON CONFLICT (account, person, role) DO NOTHING in one
    INSERT; returns how many were new (a link another import added meanwhile is not)."""
    conn = db.session.connection()
    cols = ", ".join(_LINK_INSERT_COLS)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS tmp_imp_links (account_id BIGINT, party_id BIGINT, "
                             "role VARCHAR(20), share_num INTEGER, share_den INTEGER, since DATE, until DATE)")
        conn.exec_driver_sql("DELETE FROM tmp_imp_links")
        bulk_rows(conn, "tmp_imp_links", _LINK_INSERT_COLS, rows)
        n = conn.exec_driver_sql(f"INSERT INTO account_parties ({cols}) SELECT {cols} FROM tmp_imp_links "
                                 f"ON CONFLICT (account_id, party_id, role) DO NOTHING").rowcount
        conn.exec_driver_sql("DELETE FROM tmp_imp_links")
        return n
    raw = conn.connection.driver_connection
    before = raw.total_changes
    raw.executemany(f"INSERT INTO account_parties ({cols}) VALUES ({', '.join('?' * len(_LINK_INSERT_COLS))}) "
                    f"ON CONFLICT (account_id, party_id, role) DO NOTHING", rows)
    return raw.total_changes - before


def write_persons(plan: PersonsPlan, batch_id: int) -> tuple[int, int, int]:
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
