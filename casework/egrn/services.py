"""ЕГРН extracts against the accounts: match a file to an account, compare its owners, apply the differences.

Reads first (`review`), writes only on confirmation (`apply`), through the ORM so every change of a person or a
link is an audit row; nothing is deleted: an owner whose right ended gets `until` on the link.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from ..accounts.models import Account, AccountParty, Party, Premises
from ..audit.services import record_event
from ..extensions import db
from ..i18n import _
from ..imports.columns import norm
from ..imports.uploads import load_upload_set, sha256_of, store_upload_set
from ..timeutil import today
from . import parser

OWNER = "owner"
ADULT_AGE = 18
# words of an address that say what the next word is, not where (dropped before comparing addresses)
_ADDRESS_WORDS = {
    "г", "гор", "город", "ул", "улица", "д", "дом", "кв", "квартира", "пр", "пркт", "проспект", "пер", "переулок",
    "пгт", "с", "село", "п", "пос", "поселок", "респ", "республика", "обл", "область", "рн", "район", "мкр",
    "микрорайон", "корп", "к", "стр", "строение", "помещ", "помещение", "пом", "россия", "российская",
    "федерация", "рф", "муниципальный", "городское", "поселение", "улус", "тер", "территория",
}


def address_tokens(text: str | None) -> list[str]:
    """An address as comparable words: lower case, ё→е, punctuation and the kind words (г., ул., д., кв.) dropped."""
    s = (text or "").lower().replace("ё", "е")
    s = re.sub(r"\b\d{6}\b", " ", s)  # postal code
    words = re.findall(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*", s)
    return [w.replace("-", "") for w in words if w.replace("-", "") not in _ADDRESS_WORDS]


def minor_on(birth: date | None, day: date) -> bool:
    if birth is None:
        return False
    try:
        adult = birth.replace(year=birth.year + ADULT_AGE)
    except ValueError:  # 29 February
        adult = date(birth.year + ADULT_AGE, 3, 1)
    return day < adult


@dataclass
class FileReview:
    """One file of an upload: what it is, which account it belongs to, and what would change."""

    name: str
    token: str
    error: str | None = None  # not read (unsafe, not an extract)
    kind: str | None = None
    cad_number: str | None = None
    address: str | None = None
    account_id: int | None = None
    account_number: str | None = None
    unmatched: str | None = None  # why no account was found
    changes: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # owners in the app that the extract does not name
    unchanged: int = 0
    skipped_rights: int = 0
    learn_cadastral: bool = False  # matched by address: the premises keeps the cadastral number on confirmation


# ----------------------------------------------------------------------------------------------- matching
def _accounts_by_cadastral(cad: str) -> list[Account]:
    q = (select(Account).join(Premises, Premises.id == Account.premises_id)
         .where(Premises.cadastral_number == cad).order_by(Account.closed_on.is_not(None), Account.id))
    return list(db.session.scalars(q))


def _accounts_by_address(address: str | None) -> list[Account]:
    words = address_tokens(address)
    if len(words) < 2:
        return []
    streets = [w for w in words if not w.isdigit()]
    if not streets:
        return []
    street = streets[-1]  # SQLite compares only ASCII letters case-insensitively: try the usual spellings
    spellings = {street, street.capitalize(), street.upper()}
    candidates = db.session.scalars(select(Account).where(or_(
        Account.search_text.like(f"%{street}%"),
        *(Account.address.like(f"%{s}%") for s in spellings))).order_by(Account.id))
    out = []
    for acc in candidates:
        mine = address_tokens(acc.address)
        if acc.apartment and (not mine or mine[-1] != norm(acc.apartment)):
            mine.append(norm(acc.apartment))
        if len(mine) >= 2 and words[-len(mine):] == mine:
            out.append(acc)
    return out


def match_account(ex: parser.Extract) -> tuple[Account | None, str | None]:
    """The account of an extract: by the premises' cadastral number, else by the address with the apartment."""
    if ex.cad_number:
        found = _accounts_by_cadastral(ex.cad_number)
        if found:
            open_ = [a for a in found if a.closed_on is None] or found
            if len(open_) > 1:
                return None, _("Several open accounts have the cadastral number %(cad)s: %(numbers)s.",
                               cad=ex.cad_number, numbers=", ".join(a.number for a in open_))
            return open_[0], None
    found = _accounts_by_address(ex.address)
    open_ = [a for a in found if a.closed_on is None] or found
    if len(open_) == 1:
        return open_[0], None
    if len(open_) > 1:
        return None, _("Several accounts have the address «%(address)s»: %(numbers)s.", address=ex.address,
                       numbers=", ".join(a.number for a in open_))
    return None, _("No account has the cadastral number %(cad)s or the address «%(address)s».",
                   cad=ex.cad_number or "—", address=ex.address or "—")


# ------------------------------------------------------------------------------------------------ persons
def _snils(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def _same(holder: parser.Holder, p: Party) -> bool:
    if holder.kind == "organization":
        if p.kind != "organization":
            return False
        if holder.ogrn and p.ogrn:
            return holder.ogrn == p.ogrn
        if holder.inn and p.inn:
            return holder.inn == p.inn
        return norm(holder.full_name) == norm(p.full_name)
    if p.kind != "person":
        return False
    if holder.snils and p.snils:
        return holder.snils == _snils(p.snils)
    if norm(holder.full_name) != norm(p.full_name):
        return False
    return holder.birth_date is None or p.birth_date is None or holder.birth_date == p.birth_date


def _find_party(holder: parser.Holder, linked: list[Party]) -> Party | None:
    """The person among the account's people, else anyone with the same СНИЛС / ОГРН / ИНН, else the same name and
    birth date (the persons import's identity), else None (a new person)."""
    for p in linked:
        if _same(holder, p):
            return p
    P = Party
    if holder.kind == "person" and holder.snils:
        # the check digits end every spelling («123-456-789 64», «12345678964»)
        for p in db.session.scalars(select(P).where(P.snils.is_not(None), P.kind == "person")
                                    .where(P.snils.like(f"%{holder.snils[-2:]}"))):
            if _snils(p.snils) == holder.snils:
                return p
    if holder.kind == "organization" and (holder.ogrn or holder.inn):
        cond = P.ogrn == holder.ogrn if holder.ogrn else P.inn == holder.inn
        found = db.session.scalars(select(P).where(P.kind == "organization", cond).order_by(P.id)).first()
        if found:
            return found
    if holder.kind == "person" and holder.birth_date:
        for p in db.session.scalars(select(P).where(P.kind == "person", P.birth_date == holder.birth_date)
                                    .order_by(P.id)):
            if norm(p.full_name) == norm(holder.full_name):
                return p
    return None


def _share_text(num, den) -> str:
    return f"{num}/{den}" if num else _("whole")


# ------------------------------------------------------------------------------------------------ the plan
def _plan(ex: parser.Extract, account: Account) -> tuple[list[dict], list[dict], int]:
    """Changes (as dicts, JSON-safe) an extract makes to an account's owners, owners it does not name, unchanged."""
    links = list(db.session.scalars(select(AccountParty).where(AccountParty.account_id == account.id)
                                    .order_by(AccountParty.id)))
    owner_links = {lnk.party_id: lnk for lnk in links if lnk.role == OWNER}
    linked = [lnk.party for lnk in links]
    day = today()
    # one right per holder: a current right wins over an ended one, a later registration over an earlier one
    best: dict = {}
    for r in ex.rights:
        key = (r.holder.kind, r.holder.snils or r.holder.ogrn or r.holder.inn or norm(r.holder.full_name),
               r.holder.birth_date)
        prev = best.get(key)
        rank = (r.ended_on is None, r.registered_on or date.min)
        if prev is None or rank > (prev.ended_on is None, prev.registered_on or date.min):
            best[key] = r
    changes, named, unchanged = [], set(), 0
    for r in best.values():
        h = r.holder
        party = _find_party(h, linked)
        base = {"name": h.full_name, "kind": h.kind, "birth_date": h.birth_date.isoformat() if h.birth_date else None,
                "minor": minor_on(h.birth_date, day), "right": r.type_name, "number": r.number,
                "registered_on": r.registered_on.isoformat() if r.registered_on else None,
                "ended_on": r.ended_on.isoformat() if r.ended_on else None,
                "share": _share_text(r.share_num, r.share_den), "party_id": party.id if party else None,
                "holder": {"kind": h.kind, "full_name": h.full_name, "last_name": h.last_name,
                           "first_name": h.first_name, "middle_name": h.middle_name,
                           "birth_date": h.birth_date.isoformat() if h.birth_date else None, "snils": h.snils,
                           "inn": h.inn, "ogrn": h.ogrn},
                "share_num": r.share_num, "share_den": r.share_den}
        link = owner_links.get(party.id) if party else None
        if party:
            named.add(party.id)
        if link is None:
            changes.append({**base, "what": "ended_owner" if r.ended_on else "new_owner", "link_id": None})
            continue
        diffs = {}
        if (link.share_num, link.share_den) != (r.share_num, r.share_den):
            diffs["share"] = [_share_text(link.share_num, link.share_den), base["share"]]
        if r.registered_on and link.since != r.registered_on:
            diffs["since"] = [link.since.isoformat() if link.since else None, base["registered_on"]]
        if r.ended_on and link.until != r.ended_on:
            diffs["until"] = [link.until.isoformat() if link.until else None, base["ended_on"]]
        if not r.ended_on and link.until and ex.kind == "object":
            diffs["until"] = [link.until.isoformat(), None]  # the extract says the right is current
        if diffs:
            what = "ended" if "until" in diffs and r.ended_on else "changed"
            changes.append({**base, "what": what, "link_id": link.id, "diffs": diffs})
        else:
            unchanged += 1
    missing = []
    if ex.kind == "object":  # a transfer extract names past owners too, so silence there means nothing
        for pid, link in owner_links.items():
            if pid not in named and link.until is None:
                missing.append({"name": link.party.full_name, "party_id": pid, "link_id": link.id,
                                "share": _share_text(link.share_num, link.share_den),
                                "since": link.since.isoformat() if link.since else None})
    return changes, missing, unchanged


def review_file(name: str, data: bytes, token: str | None = None) -> tuple[FileReview, parser.Extract | None,
                                                                          Account | None]:
    fr = FileReview(name=name, token=token or sha256_of(data))
    try:
        ex = parser.parse_extract(data)
    except parser.ExtractError as exc:
        fr.error = str(exc)
        return fr, None, None
    fr.kind, fr.cad_number, fr.address, fr.skipped_rights = ex.kind, ex.cad_number, ex.address, ex.skipped_rights
    account, why = match_account(ex)
    if account is None:
        fr.unmatched = why
        return fr, ex, None
    fr.account_id, fr.account_number = account.id, account.number
    fr.learn_cadastral = bool(ex.cad_number and account.premises and not account.premises.cadastral_number)
    fr.changes, fr.missing, fr.unchanged = _plan(ex, account)
    return fr, ex, account


# --------------------------------------------------------------------------------------------- the upload
def review_upload(uploads: list[tuple[str, bytes]]) -> tuple[str, list[FileReview]]:
    """Keep the extracts of an upload (files or zips) and review each; the token names the upload."""
    files = parser.xml_files(uploads)
    if not files:
        raise parser.ExtractError(_("No XML extract was found in the upload."))
    token, file_tokens = store_upload_set("egrn", files)
    return token, [review_file(n, d, t)[0] for (n, d), t in zip(files, file_tokens)]


def load_upload_review(token: str) -> list[FileReview] | None:
    """Review the stored upload again, against the database as it is now (None: unknown token)."""
    listing = load_upload_set("egrn", token)
    if listing is None:
        return None
    return [review_file(n, d, t)[0] for n, d, t in listing]


# ------------------------------------------------------------------------------------------------- apply
def _new_party(h: dict) -> Party:
    p = Party(kind=h["kind"], full_name=h["full_name"][:300], last_name=h["last_name"], first_name=h["first_name"],
              middle_name=h["middle_name"], birth_date=date.fromisoformat(h["birth_date"]) if h["birth_date"] else None,
              snils=h["snils"], inn=h["inn"], ogrn=h["ogrn"])
    db.session.add(p)
    db.session.flush()
    return p


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def apply_file(fr: FileReview) -> dict:
    """Write one reviewed file's changes; counts of what was done. Missing owners are only reported."""
    done = {"new_owners": 0, "changed": 0, "ended": 0}
    for c in fr.changes:
        if c["link_id"] is None:
            party = db.session.get(Party, c["party_id"]) if c["party_id"] else _new_party(c["holder"])
            h = c["holder"]
            if c["party_id"]:  # fill identifiers the app does not have yet; never overwrite
                for f in ("snils", "inn", "ogrn"):
                    if h[f] and not getattr(party, f):
                        setattr(party, f, h[f])
                if h["birth_date"] and party.birth_date is None:
                    party.birth_date = date.fromisoformat(h["birth_date"])
            db.session.add(AccountParty(account_id=fr.account_id, party_id=party.id, role=OWNER,
                                        share_num=c["share_num"], share_den=c["share_den"],
                                        since=_d(c["registered_on"]), until=_d(c["ended_on"])))
            done["new_owners"] += 1
            continue
        link = db.session.get(AccountParty, c["link_id"])
        d = c["diffs"]
        if "share" in d:
            link.share_num, link.share_den = c["share_num"], c["share_den"]
        if "since" in d:
            link.since = _d(d["since"][1])
        if "until" in d:
            link.until = _d(d["until"][1])
        done["ended" if c["what"] == "ended" else "changed"] += 1
    db.session.flush()
    return done


def apply_upload(token: str, user=None) -> dict | None:
    """Re-review the stored upload and apply every matched file's changes (None: unknown token). Flushes only."""
    reviews = load_upload_review(token)
    if reviews is None:
        return None
    totals = {"files": 0, "new_owners": 0, "changed": 0, "ended": 0}
    for fr in reviews:
        if fr.account_id is None:
            continue
        if fr.learn_cadastral:  # the next extract of this object is matched by its cadastral number
            premises = db.session.get(Account, fr.account_id).premises
            if premises.cadastral_number is None:
                premises.cadastral_number = fr.cad_number
                db.session.flush()
        if not fr.changes:
            continue
        done = apply_file(fr)
        totals["files"] += 1
        for k, v in done.items():
            totals[k] += v
        record_event("egrn_import", "account", fr.account_id,
                     {"file": fr.name, "cad_number": fr.cad_number, **done}, actor=user)
    return totals
