"""Document context: the facts of one subject (an account, a building or a batch), loaded set-based.

`load_sources(account_ids, ...)` reads every account, party, ledger line and case fact for a whole list in a
handful of queries; each `Source` then computes its figures lazily (the penalty only when a template asks for
it) through the legal engine. fields.py turns a Source into merge-field values.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select

from ..accounts.models import Account, AccountParty, Building, LedgerEntry, Party, Service
from ..cases.directory import arbitrazh_courts_by_region, choose_court
from ..cases.models import Case, Court, CourtRecord
from ..enterprise.models import Enterprise, get_enterprise
from ..extensions import db
from . import russian as ru

PLACEHOLDER_NUMBER = "____/____"


@dataclass
class Common:
    """What every document in one run shares: the enterprise, the date, the services and the user's parameters."""

    enterprise: Enterprise
    today: date
    services: dict[int, Service]
    params: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # directory indexes shared by the documents of one run


@dataclass
class Owner:
    party: Party | None
    name: str
    gender: str | None
    share_num: int | None
    share_den: int | None


@dataclass
class Source:
    """One account's facts for a letter; heavy figures (allocation, penalty, duty) are computed on first use."""

    common: Common
    account: Account
    owners: list[Owner]
    ledger: list[tuple]  # (service_id, period, kind, amount_kop, paid_on, paid_period, reference[, id, reverses_id])
    case: object | None = None
    court_record: object | None = None
    court: object | None = None
    court_choice: object | None = None  # cases.directory.CourtChoice: the track and why no court was found
    order_record: object | None = None  # the case's latest cancelled / refused court-order filing (its duty is credited)
    number: str = PLACEHOLDER_NUMBER
    extra: dict = field(default_factory=dict)
    from_db: bool = False  # built by load_sources: lazy look-ups (the pre-claim letter) may read the database
    limitation_events: list | None = None  # the account's limitation events, read with the batch (load_sources)
    uses_claim: bool = False  # a letter stating a claim's months (Letter.claim_periods): the figures are theirs
    persons: list = field(default_factory=list)  # every (AccountParty, Party) of the account, past ones included

    # ------------------------------------------------------------------ parties
    @property
    def debtor(self) -> Owner:
        """The account's debtor; for a bailiff or employer application the owner the writ names (`writ_debtor`:
        the court gives each defendant his own writ for his part) — checked by documents.services."""
        wanted = " ".join(str(self.common.params.get("writ_debtor") or "").split()).casefold().replace("ё", "е")
        if wanted:
            for o in self.owners:
                if " ".join((o.name or "").split()).casefold().replace("ё", "е") == wanted:
                    return o
        return self.owners[0]

    @cached_property
    def debtor_kind(self) -> str:
        """person | entrepreneur | organization of the first debtor (domain rule jurisdiction.debtor_kind)."""
        from ..domain.jurisdiction import debtor_kind

        p = self.debtor.party
        if p is None:
            return debtor_kind(None, account_category=self.account.category).value
        return debtor_kind(p.kind, p.ogrn, p.full_name, account_category=self.account.category).value

    @cached_property
    def court_track(self) -> str:
        """'general' (ГПК, НК 333.19) or 'arbitrazh' (АПК, НК 333.21) for this debt (jurisdiction.court_track)."""
        from ..domain.jurisdiction import court_track

        return court_track(self.debtor_kind, business_premises=self.account.category == "other").value

    @property
    def arbitrazh(self) -> bool:
        return self.court_track == "arbitrazh"

    @cached_property
    def court_parties(self):
        """The defendants and each line's liability for the claim's months (domain.parties.build_parties): owners
        by share and days owned, minors' shares from their representatives, a social tenant with the adult family
        jointly — adjusted by the lawyer's choices on the form (parameters parties_exclude: party ids left out;
        parties_reps: {minor's party id: [representatives' party ids]})."""
        from ..domain.parties import ClaimMonth, build_parties

        rows = self.claim.rows if self.uses_claim else [c for c in self.claim_candidates if c.due and c.debt_kop > 0]
        months = [ClaimMonth(r.first_day, r.debt_kop, r.penalty_units) for r in rows]
        return build_parties(self.party_persons, months, tenure=self.account.tenure or "owner",
                             opened_on=self.account.opened_on, closed_on=self.account.closed_on)

    @cached_property
    def party_persons(self) -> list:
        """The account's persons as domain.parties.Person (key = party id; a deceased person's link ends on the day
        of death), with the lawyer's choices; an account without recorded persons has its debtor's name as the one
        liable person."""
        from fractions import Fraction

        from ..domain.parties import OWNER, TENANT, Person

        params = self.common.params
        excluded = {int(x) for x in (params.get("parties_exclude") or ())}
        chosen = params.get("parties_reps") or {}
        represents: dict[int, list[int]] = defaultdict(list)
        for minor, reps in chosen.items():
            for r in reps:
                represents[int(r)].append(int(minor))
        out = []
        for ap, p in self.persons:
            until = ap.until
            if p.deceased_on and (until is None or p.deceased_on < until):
                until = p.deceased_on
            share = Fraction(ap.share_num, ap.share_den) if ap.share_num and ap.share_den else None
            out.append(Person(p.id, p.full_name, ap.role, share, ap.since, until, p.birth_date,
                              tuple(represents.get(p.id, ())), p.id in excluded))
        liable = (TENANT,) if self.account.tenure in ("social_tenancy", "commercial_tenancy") else (OWNER,)
        if not any(x.role in liable for x in out):  # nobody recorded in the liable role: the account's debtor
            first = self.owners[0]
            key = first.party.id if first.party is not None else 0
            out = [x for x in out if x.key != key]
            out.insert(0, Person(key, first.name, liable[0], None, None, None,
                                 first.party.birth_date if first.party is not None else None,
                                 tuple(represents.get(key, ())), key in excluded))
        return out

    @cached_property
    def party_by_id(self) -> dict:
        """Party records of the account by id (the debtor block's names, birth data and addresses)."""
        return {p.id: p for _ap, p in self.persons}

    # ------------------------------------------------------------------ ledger figures
    @cached_property
    def debt_by_service(self) -> list[tuple[str, int, str]]:
        """(service name, debt in kopecks, service code) for services with a positive debt, in bill order; capital
        repair is left out, as in the legal calculation the letter's debt comes from."""
        acc: dict[int, int] = defaultdict(int)
        svc = self.common.services
        for sid, _period, kind, amount, *_rest in self.ledger:
            if sid in svc and getattr(svc[sid], "is_capital_repair", False):
                continue
            acc[sid] += -amount if kind == "payment" else amount
        out = [(svc[s].name if s in svc else "—", v, svc[s].code if s in svc else "", svc[s].sort_order if s in svc else 999)
               for s, v in acc.items() if v > 0]
        out.sort(key=lambda t: t[3])
        return [(n, v, c) for n, v, c, _o in out]

    @cached_property
    def debt_kop(self) -> int:
        """The principal of the legal calculation (`calc`): the unpaid remainders of the months after allocation —
        the same figure as the account's legal page; in a letter stating a claim, of the claim's months only."""
        return self.claim.debt_kop if self.uses_claim else self.calc.debt_kop

    @cached_property
    def claim_candidates(self) -> tuple:
        """Every month a claim could name (domain.claim.ClaimPeriod), from `calc` (casework.legal.adapter)."""
        from ..legal.adapter import claim_candidates

        return claim_candidates(self.calc)

    @cached_property
    def claim(self):
        """The months of the claim (domain.claim.ClaimSelection): those ticked on the form (parameter claim_periods,
        'YYYY-MM') or the default — due, not time-barred (setting CLAIM_TIME_BARRED_DEFAULT) — through
        casework.legal.adapter.claim_selection. Raises domain.claim.ClaimRefused for a choice that cannot be claimed."""
        from ..legal.adapter import claim_selection

        return claim_selection(self.calc, self.common.params.get("claim_periods"))

    @cached_property
    def monthly(self) -> list[dict]:
        """Per billing month: charged (with openings and recalculations) and paid (by payment date's month)."""
        charged: dict[date, int] = defaultdict(int)
        paid: dict[date, int] = defaultdict(int)
        for _sid, period, kind, amount, paid_on, *_r in self.ledger:
            if kind == "payment":
                m = (paid_on or period).replace(day=1)
                paid[m] += amount
            else:
                charged[period] += amount
        months = sorted(set(charged) | set(paid))
        rows, bal = [], 0
        for m in months:
            opening = bal
            bal = bal + charged[m] - paid[m]
            rows.append({"month": m, "opening": opening, "charged": charged[m], "paid": paid[m], "closing": bal})
        return rows

    def _legal_entries(self) -> list[tuple]:
        """The ledger in the legal adapter's shape (casework.legal.adapter.LEDGER_COLUMNS), capital repair left out
        as on the legal page (its penalty is ЖК 155 ч.14.1)."""
        svc = self.common.services
        out = []
        for i, row in enumerate(self.ledger):
            sid, period, kind, amount, paid_on, paid_period = row[:6]
            if sid in svc and getattr(svc[sid], "is_capital_repair", False):
                continue
            eid = row[7] if len(row) > 7 else -(i + 1)
            rev = row[8] if len(row) > 8 else None
            out.append((kind, period, amount, paid_on, paid_period, eid, rev))
        return out

    @cached_property
    def calc(self):
        """The account's legal calculation on the document date (casework.legal.services.calculation_from_entries):
        the ledger through the legal adapter (reversals, recalculations, named periods, the contract payment day),
        the policies from the settings, the rate tables in force and the account's limitation events — so every
        figure of a letter equals the legal page's. A Source built in memory (template checks, the help page)
        uses the packaged rate tables and never reads the database."""
        from ..legal.services import calculation_from_entries, current_reference, packaged_reference

        if self.from_db:
            ref = current_reference()
            events = self.limitation_events
            if events is None:
                from ..legal.adapter import limitation_events_for

                events = limitation_events_for(self.account.id)
        else:
            ref, events = packaged_reference(), self.limitation_events or []
        calc = calculation_from_entries(self.account.id, self._legal_entries(), events, self.common.today, ref=ref,
                                        contract_day=getattr(self.common.enterprise, "contract_due_day", None))
        if calc.penalty_error:
            self.extra["penalty_error"] = calc.penalty_error
        return calc

    @property
    def penalty(self):
        """The legal engine's penalty result (casework.domain.penalty.compute_penalty) for this account, or None."""
        return self.calc.penalty

    @cached_property
    def penalty_kop(self) -> int:
        if self.uses_claim:
            return self.claim.penalty_kop
        return self.calc.penalty_kop or 0

    @cached_property
    def open_periods(self) -> list[date]:
        """Billing months still (partly) unpaid after allocation (ГК 319.1, Пленум № 22 п.32); in a letter stating a
        claim, the claim's months."""
        if self.uses_claim:
            return [date(p.year, p.month, 1) for p in self.claim.open_periods]
        return sorted(date(p.year, p.month, 1) for p, v in self.calc.allocation.open_kop.items() if v > 0)

    @cached_property
    def provisional_years(self) -> list[int]:
        """Years of a provisional production calendar (no decree data) the penalty or limitation relied on."""
        return sorted(self.calc.provisional_years)

    def payment_label(self, ref: str | None) -> str:
        """How a letter names what closed a portion: the payment's bank reference, or «перерасчёт за …»."""
        from ..legal.adapter import credit_period, is_credit_ref

        if not ref:
            return ""
        if is_credit_ref(ref):
            return "перерасчёт за " + ru.ru_period(credit_period(ref))
        for row in self.ledger:
            if len(row) > 7 and str(row[7]) == ref:
                return row[6] or ""
        return ""

    def _duty(self, credit_kop: int):
        from ..domain.duty import ApplicationKind, compute_duty
        from ..domain.errors import DomainError
        from ..legal.adapter import duty_policy
        from ..legal.services import current_reference, packaged_reference

        claim = self.debt_kop + self.penalty_kop
        if claim <= 0:
            return None
        kind = self.extra.get("duty_kind", ApplicationKind.COURT_ORDER)
        try:
            scales = (current_reference() if self.from_db else packaged_reference()).duty_scales
            return compute_duty(ru_dec(claim), self.court_track, kind, self.common.today, scales,
                                credit=Decimal(credit_kop) / 100, policy=duty_policy())
        except DomainError as exc:
            self.extra["duty_error"] = str(exc)
            return None

    @cached_property
    def duty_credit_kop(self) -> int:
        """Duty already paid that counts against this filing: the figure given, else for a claim the duty of the
        case's cancelled or refused court order (НК 333.20 п.1 пп.13; arbitrazh — docs/legal-engine.md)."""
        from ..domain.duty import ApplicationKind

        given = self.common.params.get("duty_credit_kop")
        if given:
            return int(Decimal(str(given)))
        if self.extra.get("duty_kind") == ApplicationKind.CLAIM and self.order_record is not None:
            return int(getattr(self.order_record, "duty_kop", 0) or 0)
        return 0

    @cached_property
    def duty(self):
        """State duty to pay for a court order (or a claim) on principal + penalty, after the credit: НК 333.19 in a
        general court, НК 333.21 in the arbitrazh court (organisation / ИП debtor; order 50 %, new scale at least
        8,000 ₽), or None."""
        return self._duty(self.duty_credit_kop)

    @cached_property
    def duty_kop(self) -> int:
        d = self.duty
        return int(d.to_pay * 100) if d is not None else 0

    @cached_property
    def duty_gross_kop(self) -> int:
        """The whole duty of the filing before the credit: what the claimant bears and claims back as costs."""
        if not self.duty_credit_kop:
            return self.duty_kop
        d = self._duty(0)
        return int(d.to_pay * 100) if d is not None else 0

    @property
    def duty_credited_kop(self) -> int:
        """The part of the duty covered by the credit (never more than the duty itself)."""
        return self.duty_gross_kop - self.duty_kop

    @cached_property
    def pretrial_claim(self):
        """The latest pre-claim letter (documents.Document) of the case or account, or None (АПК ст.4 ч.5)."""
        if not self.from_db:
            return None
        from .queries import latest_pretrial_claim

        return latest_pretrial_claim(case_id=getattr(self.case, "id", None), account_id=self.account.id)


def ru_dec(kop: int) -> Decimal:
    return (Decimal(int(kop)) / 100).quantize(Decimal("0.01"))


def load_common(params: dict | None = None, today: date | None = None) -> Common:
    from ..timeutil import today as _today

    services = {s.id: s for s in db.session.scalars(select(Service))}
    return Common(get_enterprise(), today or _today(), services, dict(params or {}))


def _owner_from(ap: AccountParty | None, party: Party | None, account: Account) -> Owner:
    if party is None:
        return Owner(None, account.debtor_name, None, None, None)
    return Owner(party, party.full_name, party.gender, ap.share_num if ap else None, ap.share_den if ap else None)


def load_sources(account_ids: list[int], common: Common, case_ids: dict[int, int] | None = None) -> dict[int, Source]:
    """Sources for many accounts in a fixed number of queries (accounts, parties, ledger, limitation events, cases,
    courts)."""
    from ..legal.adapter import limitation_events_by_account
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return {}
    accounts: dict[int, Account] = {}
    built: dict[int, Source] = {}
    for chunk_start in range(0, len(ids), 900):
        chunk = ids[chunk_start:chunk_start + 900]
        for a in db.session.scalars(select(Account).where(Account.id.in_(chunk))):
            accounts[a.id] = a
        parties = db.session.execute(
            select(AccountParty, Party).join(Party, Party.id == AccountParty.party_id)
            .where(AccountParty.account_id.in_(chunk)).order_by(AccountParty.id)).all()
        ledger = db.session.execute(
            select(LedgerEntry.account_id, LedgerEntry.service_id, LedgerEntry.period, LedgerEntry.kind,
                   LedgerEntry.amount_kop, LedgerEntry.paid_on, LedgerEntry.paid_period, LedgerEntry.reference,
                   LedgerEntry.id, LedgerEntry.reverses_id)
            .where(LedgerEntry.account_id.in_(chunk)).order_by(LedgerEntry.account_id, LedgerEntry.id)).all()
        events = limitation_events_by_account(chunk)  # court filings and acknowledgments (the legal figures)
        by_acc_parties: dict[int, list] = defaultdict(list)
        all_parties: dict[int, list] = defaultdict(list)
        for ap, p in parties:
            all_parties[ap.account_id].append((ap, p))
            if ap.until is None or ap.until >= common.today:
                by_acc_parties[ap.account_id].append((ap, p))
        by_acc_ledger: dict[int, list] = defaultdict(list)
        for row in ledger:
            by_acc_ledger[row[0]].append(tuple(row[1:]))
        for aid in chunk:
            if aid not in accounts:
                continue
            acc = accounts[aid]
            plist = by_acc_parties.get(aid, [])
            owners = [_owner_from(ap, p, acc) for ap, p in plist if ap.role == "owner"]
            if not owners:
                owners = [_owner_from(ap, p, acc) for ap, p in plist[:1]] or [_owner_from(None, None, acc)]
            built[aid] = Source(common, acc, owners, by_acc_ledger.get(aid, []), from_db=True,
                                limitation_events=events.get(aid, []), persons=all_parties.get(aid, []))
    out = {aid: built[aid] for aid in ids if aid in built}
    _attach_cases(out, case_ids or {})
    return out


def _attach_cases(sources: dict[int, Source], case_ids: dict[int, int]) -> None:
    """Case, latest court record and court for each source."""
    if not sources:
        return
    wanted = {aid: cid for aid, cid in case_ids.items() if aid in sources}
    missing = [aid for aid in sources if aid not in wanted]
    cases: dict[int, object] = {}
    if wanted:
        for c in db.session.scalars(select(Case).where(Case.id.in_(list(wanted.values())))):
            cases[c.account_id] = c
    if missing:
        for c in db.session.scalars(select(Case).where(Case.account_id.in_(missing)).order_by(Case.id)):
            if c.is_open or c.account_id not in cases:
                cases[c.account_id] = c
    records: dict[int, object] = {}
    order_records: dict[int, object] = {}
    if cases:
        for r in db.session.scalars(select(CourtRecord).where(
                CourtRecord.case_id.in_([c.id for c in cases.values()])).order_by(CourtRecord.id)):
            records[r.case_id] = r
            if r.kind == "order" and (r.cancelled_on is not None or r.outcome in ("cancelled", "refused")):
                order_records[r.case_id] = r
    courts: dict[int, object] = {}
    court_ids = {r.court_id for r in records.values()}
    court_ids |= {s.account.building.court_id for s in sources.values() if s.account.building is not None}
    court_ids.discard(None)
    if court_ids:
        courts = {c.id: c for c in db.session.scalars(select(Court).where(Court.id.in_(court_ids)))}
    by_region = arbitrazh_courts_by_region() if any(s.arbitrazh for s in sources.values()) else {}
    for aid, src in sources.items():
        case = cases.get(aid)
        src.case = case
        rec = records.get(case.id) if case is not None else None
        src.court_record = rec
        src.order_record = order_records.get(case.id) if case is not None else None
        rec_court = courts.get(rec.court_id if rec is not None else None)
        building_court = courts.get(src.account.building.court_id if src.account.building else None)
        if rec_court is not None and (rec_court.kind == "arbitrazh") == src.arbitrazh:
            src.court = rec_court  # the court of the filing, when it is of the debtor's court system
        else:
            src.court_choice = choose_court(src.court_track, building_court, by_region)
            src.court = src.court_choice.court


def load_source(account_id: int, common: Common, case_id: int | None = None) -> Source | None:
    res = load_sources([account_id], common, {account_id: case_id} if case_id else None)
    return res.get(account_id)


@dataclass
class BuildingSource:
    """A building's debts per apartment for a notice in the entrances (152-ФЗ: no names)."""

    common: Common
    building: Building
    rows: list[dict]
    number: str = PLACEHOLDER_NUMBER


def load_building_source(building_id: int, common: Common, min_debt_kop: int = 1) -> BuildingSource | None:
    """Apartment number and debt for each account of the building with a debt (one query over the balances kept
    by the figures refresh, `account_balances.balance_kop`: the ledger's signed sum per account)."""
    from ..accounts.models import AccountBalance

    b = db.session.get(Building, building_id)
    if b is None:
        return None
    q = (select(Account.apartment, Account.number, AccountBalance.balance_kop.label("debt"))
         .join(AccountBalance, AccountBalance.account_id == Account.id)
         .where(Account.building_id == building_id, Account.closed_on.is_(None), AccountBalance.balance_kop != 0))
    rows = []
    for apt, number, debt in db.session.execute(q):
        if debt and debt >= min_debt_kop:
            rows.append({"apartment": apt or "", "account": number, "debt_kop": int(debt)})

    def _key(r):
        a = r["apartment"]
        return (0, int(a), "") if a.isdigit() else (1, 0, a)

    rows.sort(key=_key)
    return BuildingSource(common, b, rows)


@dataclass
class BatchSource:
    """A dispatch register: the documents of one batch (or a chosen list) grouped for one recipient."""

    common: Common
    documents: list
    recipient: str
    number: str = PLACEHOLDER_NUMBER
