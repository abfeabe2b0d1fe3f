"""The enterprise's directory of courts and bailiff units, and which court serves which building.

Courts (magistrate sectors, district and arbitrazh courts) carry the payee details for the state duty; a
building linked to a court lets the case choose the court from the debtor's address (ГПК ст.28, 123: a court
order goes to the magistrate of the debtor's place of residence). An organisation or entrepreneur debtor goes to
the arbitrazh court of the region instead (АПК ст.27, 28, 35): the region is the one of the building's court,
told by the first two digits of its OKTMO (the code of the subject of the Federation). Services flush; the view
commits.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, or_, select, update

from ..accounts.models import Account, AccountParty, Building, Party, Territory
from ..audit.services import record_event
from ..domain.errors import CodedRefusal
from ..domain.jurisdiction import CourtLevel, CourtTrack, DebtorKind, court_level, court_track, debtor_kind
from ..extensions import db
from .models import BailiffUnit, Court

COURT_EDIT_FIELDS = ("kind", "name", "sector_number", "judge_name", "address", "phone", "email", "territory_id",
                     "payee_name", "payee_inn", "payee_kpp", "oktmo", "treasury_account", "bik", "kbk", "is_active")
BAILIFF_EDIT_FIELDS = ("name", "address", "phone", "email", "territory_id")


class DirectoryError(CodedRefusal):
    """A directory edit refused, with the reason in the user's words (set by the caller's translation)."""

    def __init__(self, error_code: str, message: str, **params):
        super().__init__(error_code, message, **params)


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _next_code(prefix: str) -> str:
    n = db.session.scalar(select(func.count()).select_from(Court)) or 0
    while True:
        n += 1
        code = f"{prefix}-{n}"
        if not db.session.scalar(select(Court.id).where(Court.code == code)):
            return code


def _taken(model, column, value, own) -> bool:
    """Whether another record than `own` already has `value` in the unique `column`."""
    stmt = select(model.id).where(column == value)
    if own is not None and own.id:
        stmt = stmt.where(model.id != own.id)
    return db.session.scalar(stmt.limit(1)) is not None


def save_court(court: Court | None, user, *, code: str | None = None, **fields) -> Court:
    """Create (court=None) or edit a court; the code is unique (generated when left empty). Audited as ORM changes."""
    name = _clean(fields.get("name"))
    if not name:
        raise DirectoryError("court_name_required", "enter the name of the court")
    code = _clean(code) or (court.code if court is not None else _next_code(fields.get("kind") or "court"))
    if _taken(Court, Court.code, code, court):
        raise DirectoryError("court_code_taken", "another court already has this code", code=code)
    if court is None:
        court = Court(code=code, name=name)
        db.session.add(court)
    court.code = code
    for f in COURT_EDIT_FIELDS:
        if f in fields:
            value = _clean(fields[f])
            if f == "address":
                value = value or ""
            if f == "is_active":
                value = bool(fields[f])
            setattr(court, f, value)
    db.session.flush()
    return court


def save_bailiff_unit(unit: BailiffUnit | None, user, **fields) -> BailiffUnit:
    """Create or edit a bailiff unit (the name is unique)."""
    name = _clean(fields.get("name"))
    if not name:
        raise DirectoryError("unit_name_required", "enter the name of the bailiff unit")
    if _taken(BailiffUnit, BailiffUnit.name, name, unit):
        raise DirectoryError("unit_name_taken", "a bailiff unit with this name already exists", name=name)
    if unit is None:
        unit = BailiffUnit(name=name)
        db.session.add(unit)
    for f in BAILIFF_EDIT_FIELDS:
        if f in fields:
            value = _clean(fields[f])
            setattr(unit, f, value if f != "address" else (value or ""))
    db.session.flush()
    return unit


@dataclass
class BuildingFilter:
    territory_id: int | None = None
    street: str | None = None      # a fragment of the address, e.g. "Ленина"
    linked: str | None = None      # None: any; 'none': no court; 'this': this court; 'other': another court


def buildings_stmt(court_id: int, f: BuildingFilter):
    """Buildings with their territory and current court, filtered, by territory and address."""
    stmt = (select(Building.id, Building.address, Building.court_id, Building.is_apartment_building,
                   Territory.name.label("territory"), Court.name.label("court_name"))
            .outerjoin(Territory, Territory.id == Building.territory_id)
            .outerjoin(Court, Court.id == Building.court_id))
    return stmt.where(*_building_conds(court_id, f)).order_by(Territory.name, Building.address, Building.id)


def _building_conds(court_id: int, f: BuildingFilter) -> list:
    conds = []
    if f.territory_id:
        conds.append(Building.territory_id == f.territory_id)
    if f.street:
        q = f.street.strip()
        # ILIKE folds Cyrillic on PostgreSQL; SQLite folds only ASCII, so the usual spellings are tried as well
        conds.append(or_(*(Building.address.ilike(f"%{v}%") for v in {q, q.lower(), q[:1].upper() + q[1:].lower()})))
    if f.linked == "none":
        conds.append(Building.court_id.is_(None))
    elif f.linked == "this":
        conds.append(Building.court_id == court_id)
    elif f.linked == "other":
        conds.append(Building.court_id.is_not(None))
        conds.append(Building.court_id != court_id)
    return conds


def link_preview(court_id: int, f: BuildingFilter) -> dict[str, int]:
    """What linking every filtered building would do: total, already this court's, now another court's, unlinked."""
    conds = _building_conds(court_id, f)
    row = db.session.execute(select(
        func.count(),
        func.count().filter(Building.court_id == court_id),
        func.count().filter(Building.court_id.is_not(None), Building.court_id != court_id),
    ).select_from(Building).where(*conds)).one()
    total, this, other = (int(x or 0) for x in row)
    return {"total": total, "this": this, "other": other, "unlinked": total - this - other,
            "will_change": total - this}


def link_buildings(court: Court, user, *, building_ids: list[int] | None = None,
                   f: BuildingFilter | None = None) -> int:
    """Link the chosen buildings (or every building matching the filter) to the court in one UPDATE; returns the
    number changed. A building belongs to one court at a time; the previous link is replaced."""
    if building_ids is None and f is None:
        raise DirectoryError("nothing_selected", "select at least one building")
    stmt = update(Building).where(or_(Building.court_id.is_(None), Building.court_id != court.id))
    if building_ids is not None:
        if not building_ids:
            raise DirectoryError("nothing_selected", "select at least one building")
        stmt = stmt.where(Building.id.in_(building_ids))
    else:
        if not (f.territory_id or f.street):
            raise DirectoryError("filter_required", "choose a territory or a street to link all its buildings")
        stmt = stmt.where(*_building_conds(court.id, f))
    res = db.session.execute(stmt.values(court_id=court.id).execution_options(synchronize_session=False))
    n = res.rowcount or 0
    record_event("cases.court_buildings_linked", "courts", court.id,
                 {"count": n, "building_ids": (building_ids or [])[:1000],
                  "territory_id": getattr(f, "territory_id", None), "street": getattr(f, "street", None)},
                 actor=user)
    db.session.flush()
    return n


def unlink_buildings(court: Court, user, building_ids: list[int]) -> int:
    """Remove the link of the chosen buildings to this court (buildings of other courts are not touched)."""
    if not building_ids:
        raise DirectoryError("nothing_selected", "select at least one building")
    res = db.session.execute(update(Building).where(Building.id.in_(building_ids), Building.court_id == court.id)
                             .values(court_id=None).execution_options(synchronize_session=False))
    n = res.rowcount or 0
    record_event("cases.court_buildings_unlinked", "courts", court.id, {"count": n, "building_ids": building_ids[:1000]},
                 actor=user)
    db.session.flush()
    return n


def linked_counts() -> dict[int, int]:
    """Number of buildings linked to each court."""
    return {cid: n for cid, n in db.session.execute(
        select(Building.court_id, func.count()).where(Building.court_id.is_not(None)).group_by(Building.court_id))}


# ------------------------------------------------------------------------------------------- court by debtor
def region_of(court: Court | None) -> str | None:
    """The subject of the Federation a court serves: the first two digits of its OKTMO (ОК 033-2013), if set."""
    code = (getattr(court, "oktmo", None) or "").strip()
    return code[:2] if len(code) >= 2 and code[:2].isdigit() else None


def arbitrazh_courts_by_region() -> dict[str, Court]:
    """Active arbitrazh courts of the directory by region code (the first by id when a region has several)."""
    out: dict[str, Court] = {}
    for c in db.session.scalars(select(Court).where(Court.kind == "arbitrazh", Court.is_active.is_(True))
                                .order_by(Court.id)):
        region = region_of(c)
        if region is not None:
            out.setdefault(region, c)
    return out


def municipality_of(court: Court | None) -> str | None:
    """The municipal district (or city okrug) a court serves: the first five digits of its OKTMO (ОК 033-2013)."""
    code = (getattr(court, "oktmo", None) or "").strip()
    return code[:5] if len(code) >= 5 and code[:5].isdigit() else None


@dataclass
class DistrictIndex:
    """Active district courts of the directory by territory and by municipality (OKTMO's first five digits)."""

    by_territory: dict
    by_municipality: dict


def district_courts_index() -> DistrictIndex:
    """One query: every active district court, indexed for choose_court."""
    by_territory: dict[int, list[Court]] = {}
    by_municipality: dict[str, list[Court]] = {}
    for c in db.session.scalars(select(Court).where(Court.kind == "district", Court.is_active.is_(True))
                                .order_by(Court.id)):
        if c.territory_id is not None:
            by_territory.setdefault(c.territory_id, []).append(c)
        m = municipality_of(c)
        if m is not None:
            by_municipality.setdefault(m, []).append(c)
    return DistrictIndex(by_territory, by_municipality)


@dataclass(frozen=True)
class CourtChoice:
    """The court for a debtor: the track (general / arbitrazh), the court found, or why none was found."""

    track: str
    court: Court | None
    problem: str | None = None   # a refusal code of labels.REFUSALS when no court could be chosen
    params: dict | None = None
    level: str | None = None     # jurisdiction.CourtLevel the filing needs (None: not decided, e.g. eviction)

    def error(self) -> DirectoryError:
        return DirectoryError(self.problem or "no_court", _PROBLEM_TEXT.get(self.problem, "no court"),
                              **(self.params or {}))


_PROBLEM_TEXT = {
    "arbitrazh_no_building_court": "the debtor's building is not linked to a court, so the region of the "
                                   "arbitrazh court is unknown",
    "arbitrazh_no_region": "the court of the debtor's building has no OKTMO code, so the region of the arbitrazh "
                           "court is unknown",
    "arbitrazh_court_missing": "the court directory has no arbitrazh court for the debtor's region",
    "magistrate_court_missing": "the debtor's building is linked to a court that is not a magistrate sector",
    "district_court_missing": "the court directory has no district court for the debtor's address",
    "district_court_ambiguous": "several district courts of the directory could serve the debtor's address",
}


def choose_court(track: str, building_court: Court | None, arbitrazh_by_region: dict[str, Court], *,
                 level: str | None = None, territory_id: int | None = None, address: str = "",
                 territory: str = "", districts: DistrictIndex | None = None) -> CourtChoice:
    """General track, by the level the filing needs (jurisdiction.court_level): a magistrate — the court linked to the
    building (ГПК 28, 123), refused when that court is not a magistrate sector; a district court — the building's
    court if it is one, else the one active district court of the building's territory, else of the municipality of
    the building's court (OKTMO's first five digits); none or several → refused (ГПК 24), never the magistrate
    instead. No level (eviction, or not known): the building's court. Arbitrazh track: the building's court if it is
    itself an arbitrazh court, else the arbitrazh court of the building court's region — never the magistrate (АПК
    ст.27, 35)."""
    if track != CourtTrack.ARBITRAZH:
        return _choose_general(building_court, level, territory_id, address, territory, districts)
    if building_court is not None and building_court.kind == "arbitrazh":
        return CourtChoice(CourtTrack.ARBITRAZH, building_court)
    if building_court is None:
        return CourtChoice(CourtTrack.ARBITRAZH, None, "arbitrazh_no_building_court", {})
    region = region_of(building_court)
    if region is None:
        return CourtChoice(CourtTrack.ARBITRAZH, None, "arbitrazh_no_region", {"court": building_court.name})
    court = arbitrazh_by_region.get(region)
    if court is None:
        return CourtChoice(CourtTrack.ARBITRAZH, None, "arbitrazh_court_missing",
                           {"court": building_court.name, "region": region})
    return CourtChoice(CourtTrack.ARBITRAZH, court)


def _choose_general(building_court: Court | None, level: str | None, territory_id: int | None, address: str,
                    territory: str, districts: DistrictIndex | None) -> CourtChoice:
    general = CourtTrack.GENERAL
    if level is None:
        return CourtChoice(general, building_court)
    if level == CourtLevel.MAGISTRATE:
        if building_court is not None and building_court.kind != "magistrate":
            return CourtChoice(general, None, "magistrate_court_missing",
                               {"court": building_court.name, "address": address}, level)
        return CourtChoice(general, building_court, level=level)  # not linked: no court, as before (the page says so)
    if building_court is not None and building_court.kind == "district":
        return CourtChoice(general, building_court, level=level)
    districts = districts if districts is not None else district_courts_index()
    found = districts.by_territory.get(territory_id, []) if territory_id is not None else []
    if not found:
        m = municipality_of(building_court)
        found = districts.by_municipality.get(m, []) if m is not None else []
    if len(found) == 1:
        return CourtChoice(general, found[0], level=level)
    params = {"address": address, "territory": territory or "—"}
    if found:
        return CourtChoice(general, None, "district_court_ambiguous",
                           dict(params, courts=", ".join(c.name for c in found)), level)
    return CourtChoice(general, None, "district_court_missing", params, level)


def debtor_of(account: Account) -> Party | None:
    """The debtor the documents name first: the first current owner, else the first party of the account."""
    rows = db.session.execute(select(AccountParty.role, AccountParty.until, Party)
                              .join(Party, Party.id == AccountParty.party_id)
                              .where(AccountParty.account_id == account.id).order_by(AccountParty.id)).all()
    current = [r for r in rows if r[1] is None] or rows
    owners = [p for role, _until, p in current if role == "owner"]
    return owners[0] if owners else (current[0][2] if current else None)


def debtor_kind_of(account: Account, party: Party | None = None) -> DebtorKind:
    """The debtor's legal form (domain rule jurisdiction.debtor_kind) from the account's first debtor."""
    party = party if party is not None else debtor_of(account)
    if party is None:
        return debtor_kind(None, account_category=account.category)
    return debtor_kind(party.kind, party.ogrn, party.full_name, account_category=account.category)


def track_of(account: Account, party: Party | None = None) -> CourtTrack:
    """General courts or the arbitrazh court for this account's debt (domain rule jurisdiction.court_track)."""
    return court_track(debtor_kind_of(account, party), business_premises=account.category == "other")


def court_choice(account: Account, *, kind: str | None = None, claim_kop: int = 0, on=None,
                 cache: dict | None = None) -> CourtChoice:
    """The court for the account's debt chosen from the debtor, the building's court and — given the filing's `kind`
    (order | claim | eviction), sum (principal + penalty) and date — the level it needs (see choose_court).
    `cache` (a dict kept by the caller) holds the directory indexes across many accounts."""
    building = db.session.get(Building, account.building_id) if account.building_id is not None else None
    building_court = db.session.get(Court, building.court_id) if building is not None and building.court_id else None
    track = track_of(account)
    cache = cache if cache is not None else {}
    if track == CourtTrack.ARBITRAZH and "arbitrazh" not in cache:
        cache["arbitrazh"] = arbitrazh_courts_by_region()
    level = court_level(track, kind, claim_kop, on) if kind is not None and on is not None else None
    districts = None
    if level == CourtLevel.DISTRICT:
        if "districts" not in cache:
            cache["districts"] = district_courts_index()
        districts = cache["districts"]
    territory_id = (building.territory_id if building is not None else None) or account.territory_id
    territory = db.session.get(Territory, territory_id) if territory_id else None
    choice = choose_court(track, building_court, cache.get("arbitrazh", {}), level=level,
                          territory_id=territory_id, address=account.address or "",
                          territory=territory.name if territory else "", districts=districts)
    if choice.problem and level in (CourtLevel.MAGISTRATE, CourtLevel.DISTRICT):
        choice = replace(choice, params=dict(choice.params or {}, **level_params(kind, claim_kop, on)))
    return choice


def level_params(kind: str | None, claim_kop: int, on) -> dict:
    """The sum of the filing and the ГПК 23 ч.1 п.5 ceiling in force, for the refusals' words."""
    from ..domain.jurisdiction import magistrate_claim_ceiling

    return {"claim_kop": int(claim_kop or 0), "ceiling_kop": magistrate_claim_ceiling(on).limit_kop if on else 0}


def check_court_fits(track: str, court: Court, level: str | None = None, **params) -> None:
    """Refuse a court of the wrong system: a magistrate or district court for an organisation / ИП debt (АПК
    ст.27, 28), an arbitrazh court for a citizen's (ГПК ст.22); and, given the level the filing needs, a court of
    the wrong level (an order or a small claim to the district court, a claim above the ceiling to the magistrate:
    ГПК 23, 24)."""
    if track == CourtTrack.ARBITRAZH and court.kind != "arbitrazh":
        raise DirectoryError("arbitrazh_court_required", "the debtor is an organisation or an entrepreneur: the debt "
                             "goes to the arbitrazh court", court=court.name)
    if track != CourtTrack.ARBITRAZH and court.kind == "arbitrazh":
        raise DirectoryError("general_court_required", "the debtor is a citizen: the arbitrazh court does not hear "
                             "this debt", court=court.name)
    if level == CourtLevel.DISTRICT and court.kind != "district":
        raise DirectoryError("district_court_required", "the claim goes to the district court", court=court.name,
                             **params)
    if level == CourtLevel.MAGISTRATE and court.kind != "magistrate":
        raise DirectoryError("magistrate_court_required", "the filing goes to the magistrate", court=court.name,
                             **params)
