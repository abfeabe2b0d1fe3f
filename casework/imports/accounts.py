"""The accounts an import of the registry writes: new ones inserted, changed ones updated (each change an
`import_update` audit row; an empty cell never erases), with their territories, buildings and premises — SQLAlchemy
Core executemany, never one ORM object per row. Only the caller commits."""
from __future__ import annotations

import re

from sqlalchemy import bindparam, insert, select, update

from ..accounts.models import Account, Building, Premises, Territory
from ..audit.models import AuditEvent, current_actor_id
from ..extensions import db
from ..timeutil import utcnow
from .bulk import plain

_APARTMENT_RE = re.compile(r"[,\s]*(?:кв\.?|квартира|пом\.?|помещение)\s*№?\s*([\w/-]+)\s*$", re.IGNORECASE)
# the account's columns a registry row writes (each is a field of accounts_file.ACCOUNT_COLUMNS; number is the key)
ACCOUNT_FIELDS = ("category", "tenure", "is_municipal", "debtor_name", "address", "settlement", "apartment", "inn",
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


def upsert_accounts(rows: list[dict], batch_id: int) -> tuple[int, int, int]:
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
    cols = [t.c.id, t.c.number] + [t.c[f] for f in ACCOUNT_FIELDS] + [t.c.territory_id, t.c.building_id,
                                                                      t.c.premises_id]
    existing = {row.number: row for row in s.execute(select(*cols))}
    now = utcnow()
    new_rows, upd_rows, audit_rows = [], [], []
    unchanged = 0
    for r in rows:
        old = existing.get(r["number"])
        if old is None:
            rec = {f: r.get(f) for f in ACCOUNT_FIELDS}
            rec["tenure"] = rec["tenure"] or "owner"
            rec["is_municipal"] = bool(rec["is_municipal"])
            rec.update(number=r["number"], territory_id=r["territory_id"], building_id=r["building_id"],
                       premises_id=r["premises_id"], import_batch_id=batch_id, created_at=now, updated_at=now,
                       search_text=search_text(r["number"], r["debtor_name"], r["address"], r.get("phone")))
            new_rows.append(rec)
            continue
        changes = {}
        merged = {}
        for f in ACCOUNT_FIELDS + ("territory_id", "building_id", "premises_id"):
            cur = getattr(old, f)
            val = r.get(f)
            if val is None or val == "":  # an empty cell never erases what is stored
                val = cur
            if val != cur:
                changes[f] = [plain(cur), plain(val)]
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
        values = {f: bindparam(f) for f in ACCOUNT_FIELDS + ("territory_id", "building_id", "premises_id",
                                                             "updated_at", "import_batch_id", "search_text")}
        s.execute(update(t).where(t.c.id == bindparam("_id")).values(**values), upd_rows)
        actor = current_actor_id()
        for a in audit_rows:
            a["user_id"] = actor
        s.execute(insert(AuditEvent.__table__), audit_rows)
    return len(new_rows), len(upd_rows), unchanged
