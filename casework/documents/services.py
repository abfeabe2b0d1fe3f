"""Issuing documents: gap-free outgoing numbers, stored files with checksums, contacts, delivery, templates; who may
preview, issue and download each letter (letters.LetterAccess), masked identifiers, the `pii.view` log."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update

from .. import storage
from ..accounts.pii import may_see_pii
from ..domain.errors import DomainError
from ..enterprise.models import ENTERPRISE_ID
from ..extensions import db
from ..timeutil import today as _today
from . import context as ctxmod
from . import links
from .fields import FIELD_BY_NAME, build_context, uses_pii
from .letters import DOWNLOAD, ISSUE, LETTERS, PREVIEW, Letter
from .models import DELIVERY_METHODS, Document, DocumentCounter, TemplateVersion
from .rendering import CompiledTemplate, UnsafeTemplate, template_variables


class DocumentError(DomainError):
    """A document cannot be issued or changed; the message is for the user."""


class DocumentRefused(DocumentError):
    """The user's role may not preview, issue or download this letter (the views answer 403)."""


# --------------------------------------------------------------------------- who may do what with a letter

def _role(user) -> str | None:
    return getattr(user, "role", None)


def check_right(letter: Letter | None, action: str, user) -> None:
    """Refuse unless the user's role may `action` (preview | issue | download) this letter (letters.LETTERS[…].access).

    `user=None` is the system itself (command line, demo data, tests of the services), never a web request: every
    view passes current_user.
    """
    from ..i18n import _

    if user is None and letter is not None:
        return
    if letter is None or not letter.allows(action, _role(user)):
        title = letter.title if letter is not None else "?"
        messages = {PREVIEW: _("Your role may not prepare «%(title)s».", title=title),
                    ISSUE: _("Your role may not issue «%(title)s».", title=title),
                    DOWNLOAD: _("Your role may not open «%(title)s».", title=title)}
        raise DocumentRefused(messages[action])


def sees_pii(user) -> bool:
    """Full identifiers in previews and files: the roles of casework.accounts.pii (the system too)."""
    return user is None or may_see_pii(_role(user))


def needs_masked_copy(letter: Letter) -> bool:
    """Does a role that may download this letter lack the right to see identifiers in full?"""
    return letter.access is not None and any(not may_see_pii(r) for r in letter.access.download)


def log_full_view(entity: str, entity_id: int | None, details: dict) -> None:
    """The audit row of a full view of personal identifiers (`pii.view`; 152-ФЗ ст.19); the view commits."""
    from ..audit.services import record_event

    record_event("pii.view", entity, entity_id, details)


# --------------------------------------------------------------------------- one-time issue tokens

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_issue_token() -> str:
    """A fresh one-time token for an issue form (hidden field): the same form sent twice issues one document."""
    return secrets.token_urlsafe(24)


def valid_issue_token(token: str | None) -> str:
    """The form's token, or a refusal when it is missing or malformed (a form from before the token, a forged post)."""
    from ..i18n import _

    if not token or not _TOKEN.match(token):
        raise DocumentError(_("The form is out of date. Open it again and repeat the action."))
    return token


def issued_for_token(token: str | None) -> Document | None:
    """The document an issue form with this token has already issued, if any."""
    if not token:
        return None
    return db.session.scalar(select(Document).where(Document.issue_token == token))


# --------------------------------------------------------------------------- numbering

def next_number(year: int, enterprise_id: int = 1) -> int:
    """Take the next outgoing number for the enterprise and year, gap-free (ГОСТ Р 7.0.97 registration numbers).

    The counter row is written first in the transaction and stays locked until commit: SELECT … FOR UPDATE on
    PostgreSQL, and on SQLite the first write takes the database's RESERVED lock (BEGIN IMMEDIATE semantics).
    A rollback of the issuing transaction rolls the counter back, so no number is lost or used twice.
    """
    return take_number(lock_counter(year, enterprise_id), year, enterprise_id)


def lock_counter(year: int, enterprise_id: int = 1) -> int:
    """Lock the year's counter row until commit (creating it) and return the last number used; nothing is taken."""
    session = db.session
    dialect = session.get_bind().dialect.name
    table = DocumentCounter.__table__
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(enterprise_id=enterprise_id, year=year, last_seq=0)
                        .on_conflict_do_nothing(index_elements=["enterprise_id", "year"]))
    else:
        from sqlalchemy.dialects.sqlite import insert as sq_insert

        session.execute(sq_insert(table).values(enterprise_id=enterprise_id, year=year, last_seq=0)
                        .on_conflict_do_nothing(index_elements=["enterprise_id", "year"]))
    return int(session.execute(select(table.c.last_seq).where(table.c.enterprise_id == enterprise_id,
                                                              table.c.year == year).with_for_update()).scalar_one())


def take_number(current: int, year: int, enterprise_id: int = 1) -> int:
    """Use the number after `current` (the counter row must be locked by lock_counter in this transaction)."""
    table = DocumentCounter.__table__
    seq = current + 1
    db.session.execute(update(table).where(table.c.enterprise_id == enterprise_id, table.c.year == year)
                       .values(last_seq=seq))
    return seq


def format_number(seq: int, year: int) -> str:
    return f"{seq}/{year}"


# --------------------------------------------------------------------------- templates

def shipped_template_path(letter: Letter) -> Path:
    return Path(current_app.config["LETTER_TEMPLATES_DIR"]) / letter.file


TemplateSource = Path | storage.Stored  # a shipped template file, or an uploaded version in the storage


def version_file(tv: TemplateVersion) -> storage.Stored:
    """An uploaded template version's file in the storage (`documents` area), fingerprinted by its sha256."""
    return storage.Stored("documents", tv.file_path, tag=tv.sha256)


def active_template(code: str) -> tuple[TemplateSource, int | None]:
    """The template in use for a letter: the active uploaded version (in the storage), else the shipped one."""
    letter = get_letter(code)
    tv = db.session.scalar(select(TemplateVersion).where(TemplateVersion.code == code, TemplateVersion.is_active))
    if tv is not None:
        return version_file(tv), tv.id
    return shipped_template_path(letter), None


_TEMPLATE_CACHE: dict[tuple, tuple[bytes, frozenset]] = {}


def template_data(source: TemplateSource) -> tuple[bytes, frozenset]:
    """Template bytes and the merge fields it uses (cached: a shipped file by path and modification time, an uploaded
    version by its name and sha256). An active version missing from the storage is refused, never replaced by the
    shipped template."""
    if isinstance(source, storage.Stored):
        key = ("stored", source.area, source.name, source.tag)
        hit = _TEMPLATE_CACHE.get(key) if source.tag else None
        if hit is None:
            try:
                data = source.read_bytes()
            except FileNotFoundError:
                from ..i18n import _

                raise DocumentError(_("The template version in use is missing from the file storage; an "
                                      "administrator must upload it again or choose another version.")) from None
            hit = (data, frozenset(template_variables(data)))
            if source.tag:
                _TEMPLATE_CACHE[key] = hit
        return hit
    key = (str(source), source.stat().st_mtime)
    hit = _TEMPLATE_CACHE.get(key)
    if hit is None:
        data = source.read_bytes()
        names = frozenset(template_variables(data))
        hit = _TEMPLATE_CACHE[key] = (data, names)
    return hit


def get_letter(code: str) -> Letter:
    letter = LETTERS.get(code)
    if letter is None:
        raise DocumentError(f"Unknown document type: {code}")
    return letter


# --------------------------------------------------------------------------- issuing

@dataclass
class Prepared:
    """A subject ready to render: its source, letter, addressee and the amount the document states."""

    letter: Letter
    source: object
    account_id: int | None
    case_id: int | None
    building_id: int | None
    addressee: str
    amount_kop: int | None


def prime_source(letter: Letter, src) -> None:
    """Tell an account's source what the letter states: the duty of which filing, and the claim's months."""
    if letter.duty_kind:
        src.extra["duty_kind"] = letter.duty_kind
    if letter.claim_periods and hasattr(src, "claim_candidates"):
        src.uses_claim = True


#: refusals of a court-order application after which the claim is the way (ГПК 121, 122, 125, 129)
CLAIM_INSTEAD = ("order_limit", "order_disputed", "order_after_cancel", "arbitrazh_order_limit",
                 "arbitrazh_order_after_cancel")
CLAIM_LETTER = "claim_after_cancel"


class LetterRefused(DocumentError):
    """A letter a stage guard refuses (the court filing, the restriction) or its months; `code` is the guard's
    refusal code, `offer` the letter to prepare instead (the claim instead of a court order) or None."""

    def __init__(self, message: str, code: str | None = None, offer: str | None = None):
        super().__init__(message)
        self.code = code
        self.offer = offer


def _refusal(exc) -> str:
    from ..cases.labels import refusal_message

    return refusal_message(exc)


def _claim_of(src):
    """The source's claim, a refusal of the chosen months worded for the user."""
    from ..domain.claim import ClaimRefused

    try:
        return src.claim
    except ClaimRefused as exc:
        raise LetterRefused(_refusal(exc), exc.code) from None


def _record_of_kind(src, kind: str):
    rec = getattr(src, "court_record", None)
    return rec if rec is not None and getattr(rec, "kind", None) == kind else None


def resolve_court(letter: Letter, src) -> None:
    """The court a court letter goes to: the court of the case's filing of the same kind when it fits the debtor and
    the level of the filing; else from the directory by the address, the track, the kind and the sum (an order and a
    claim up to the ГПК 23 ceiling — the magistrate; a larger claim — the district court; organisations — the
    arbitrazh court). A court of another kind is never taken instead (`src.court_choice` says why there is none)."""
    from ..cases.directory import DirectoryError, check_court_fits
    from ..cases.services import court_choice

    kind = letter.court_kind
    claim_kop = src.claim.total_kop if src.uses_claim else src.debt_kop + src.penalty_kop
    choice = court_choice(src.account, kind=kind, claim_kop=claim_kop, on=src.common.today, cache=src.common.cache)
    rec = _record_of_kind(src, kind)
    rec_court = getattr(rec, "court", None) if rec is not None else None
    if rec_court is not None:
        try:
            check_court_fits(choice.track, rec_court, choice.level)
        except DirectoryError:
            rec_court = None
    if rec_court is not None:
        src.court, src.court_choice = rec_court, None
    else:
        src.court, src.court_choice = choice.court, choice


def _check_court_letter(letter: Letter, src) -> None:
    """A court-order application or a claim: the months chosen, the court, the dates it states, then the one guard of
    a court application (cases.services.check_court_application, as for the case's filing)."""
    from ..cases.services import check_court_application
    from ..domain.court_dates import check_court_dates
    from ..domain.stages import TransitionNotAllowed
    from ..i18n import _

    params = src.common.params
    claim = _claim_of(src) if src.uses_claim else None
    resolve_court(letter, src)
    choice = src.court_choice
    if src.court is None and not params.get("court_name"):
        if choice is not None and choice.problem:
            raise LetterRefused(_("%(reason)s Or type the court's name on this form.",
                                            reason=_refusal(choice.error())), choice.problem)
        raise LetterRefused(_("The debtor's building is not linked to a court in the court directory: link "
                                        "it, or type the court's name on this form."), "no_court")
    if letter.court_parties and not src.arbitrazh:
        check_parties(src)
    order = src.order_record if src.order_record is not None else _record_of_kind(src, "order")
    try:
        if letter.court_kind == "claim":
            check_court_dates("order", filed_on=getattr(order, "filed_on", None),
                              issued_on=params.get("writ_date") or getattr(order, "issued_on", None),
                              cancelled_on=params.get("order_cancelled_on") or getattr(order, "cancelled_on", None),
                              today=src.common.today)
        check_court_application(src.account, src.case, src.common.today, kind=letter.court_kind, claim=claim,
                                claim_kop=None if claim is not None else src.debt_kop + src.penalty_kop,
                                order_cancelled=bool(params.get("order_cancelled_on")))
    except TransitionNotAllowed as exc:
        offer = CLAIM_LETTER if exc.code in CLAIM_INSTEAD else None
        message = _refusal(exc)
        if offer is not None:
            message = _("%(reason)s Prepare «%(title)s» instead.", reason=message,
                        title=LETTERS[offer].title_for(src))
        raise LetterRefused(message, exc.code, offer) from None


def check_parties(src) -> None:
    """A court filing names someone liable for every kopeck it claims, and never a minor in person: refused when a
    minor co-owner has no representative (ГК ст.21, 28; Пленум ВС РФ № 22 п.28) or part of a month has no owner,
    tenant or adult family member on record (ЖК ст.153, 158, 69 ч.2)."""
    from ..i18n import _
    from .russian import money, ru_period

    res = src.court_parties
    minors = [k for code, k in res.problems if code == "minor_without_representative"]
    if minors:
        names = ", ".join(src.party_by_id[k].full_name if k in src.party_by_id else str(k) for k in minors)
        raise LetterRefused(_("A minor is never a debtor in person: mark the parent or legal representative of %(names)s "
                              "in «Defendants» on this form (Civil Code art. 21, 28).", names=names),
                            "minor_without_representative")
    if not res.lines:
        raise LetterRefused(_("Nobody on the account is liable for the months claimed: record the owners (with their "
                              "dates) or the tenant on the account page, or include the persons on this form."),
                            "no_defendant")
    if res.unassigned_debt_kop or res.unassigned_penalty_kop:
        months = ", ".join(ru_period(m) for m in res.unassigned_months)
        raise LetterRefused(_("For part of %(months)s no owner or tenant is on record (%(amount)s is nobody's): "
                              "check the owners' shares and dates on the account page, or leave those months out of "
                              "the claim.", months=months,
                              amount=money(res.unassigned_debt_kop + res.unassigned_penalty_kop)), "unassigned_share")


def parties_form(account_id: int, params: dict, case_id: int | None = None, today: date | None = None, *,
                 claim_letter: bool = True):
    """The defendants section of a court letter's form: the account's persons (role, share, dates, birth date,
    minor or not, left out or not, whom they represent) and the lines of domain.parties for the months chosen."""
    from ..domain.errors import DomainError
    from ..domain.parties import is_minor

    common = ctxmod.load_common(params, today)
    src = ctxmod.load_source(account_id, common, case_id)
    if src is None or src.arbitrazh:
        return None
    src.uses_claim = claim_letter
    try:
        res = src.court_parties
    except DomainError:  # a month choice the claim refuses: the letter's rules say why
        return None
    excluded = {int(x) for x in (params.get("parties_exclude") or ())}
    chosen = {int(k): {int(r) for r in v} for k, v in (params.get("parties_reps") or {}).items()}
    people = []
    seen = set()
    for ap, p in src.persons:
        if p.id in seen:
            continue
        seen.add(p.id)
        roles = [a for a, q in src.persons if q.id == p.id]
        people.append({"id": p.id, "name": p.full_name, "roles": [a.role for a in roles],
                       "share": next((a.share for a in roles if a.share), None),
                       "since": min((a.since for a in roles if a.since), default=None),
                       "until": max((a.until for a in roles if a.until), default=None),
                       "birth_date": p.birth_date, "minor": is_minor(p.birth_date, common.today),
                       "excluded": p.id in excluded})
    minors = []
    for key in res.minors + tuple(k for c, k in res.problems if c == "minor_without_representative"):
        if key in {m["id"] for m in minors} or key not in src.party_by_id:
            continue
        default = {x.key for x in src.party_persons if x.role == "representative" and not x.represents}
        reps = chosen.get(key) or {ln.debtors[0] for ln in res.lines if ln.minor == key} or default
        minors.append({"id": key, "name": src.party_by_id[key].full_name,
                       "options": [q for q in people if q["id"] != key and not q["minor"]], "chosen": reps})
    from .fields import _claim_lines, _defendants

    return {"people": people, "minors": minors, "result": res, "lines": _claim_lines(src),
            "defendants": _defendants(src), "tenure": src.account.tenure}


def _service_id_for(src, name: str | None) -> int | None:
    """The service an act names (its name or code as typed), else the case's service."""
    wanted = (name or "").strip().casefold()
    for svc in src.common.services.values():
        if wanted and wanted in (svc.name.casefold(), (svc.code or "").casefold()):
            return svc.id
    return getattr(src.case, "service_id", None)


def _check_measure_letter(src) -> None:
    """An act of restriction (suspension): the guard of that stage move on the act's date (ПП 354 п.117–119, 122) —
    the act never states that the 20-day (10-day) term ran out when it has not."""
    from ..cases.services import check_measure_on
    from ..domain.stages import Stage, TransitionNotAllowed

    params = src.common.params
    kind = str(params.get("restriction_kind") or "").strip().casefold()
    target = Stage.SUSPENSION if kind.startswith("приост") or kind.startswith("suspen") else Stage.RESTRICTION
    on = params.get("restriction_date") or src.common.today
    try:
        check_measure_on(src.account, src.case, on, target=target, today=src.common.today,
                         service_id=_service_id_for(src, params.get("restriction_service")))
    except TransitionNotAllowed as exc:
        raise LetterRefused(_refusal(exc), exc.code) from None


def _check_warning_letter(src) -> None:
    """A ПП 354 warning names the utility to be restricted (п.119): refused when the debt is only for services that
    may not be restricted (heating, ТКО, housing: п.117–119, 122) and none was typed — a warning about «» binds
    nobody."""
    from .fields import FIELD_BY_NAME

    if not str(FIELD_BY_NAME["warning_services"].value(src) or "").strip():
        from ..i18n import _

        raise LetterRefused(_("The debt is only for services that may not be restricted (heating, waste, housing: "
                              "Rules 354, p. 117–119): there is nothing to warn about. Name the utility to restrict "
                              "on this form if there is one."), "no_restrictable_service")


def check_letter_rules(letter: Letter, src) -> None:
    """Refusals before issuing: 229-ФЗ ст.9 ч.1 limit for the employer letter, required parameters, a debt to state,
    a court letter without a court of the kind it needs (never another kind instead), the months of a claim, the
    court-filing guard for a court-order application and a claim, the restriction guard for an act of restriction,
    and dates of court acts that cannot be."""
    params = src.common.params
    missing = [n for n in letter.required if not params.get(n)]
    if missing:
        from ..i18n import _

        raise DocumentError(_("Fill in: %(fields)s", fields=", ".join(FIELD_BY_NAME[n].description for n in missing)))
    account_source = hasattr(src, "claim_candidates")
    if account_source and letter.court_kind:
        _check_court_letter(letter, src)
    elif account_source and letter.claim_periods:
        _claim_of(src)
    if account_source and letter.measure:
        _check_measure_letter(src)
    if account_source and letter.code == "warning_restriction":
        _check_warning_letter(src)
    if account_source and params.get("writ_debtor"):
        wanted = " ".join(str(params["writ_debtor"]).split()).casefold().replace("ё", "е")
        if " ".join((src.debtor.name or "").split()).casefold().replace("ё", "е") != wanted:
            from ..i18n import _

            raise DocumentError(_("The writ's debtor %(name)s is not an owner of this account: type the name as the "
                                  "account's persons have it (%(names)s).", name=params["writ_debtor"],
                                  names=", ".join(o.name for o in src.owners)))
    if account_source and params.get("writ_minor"):
        from .fields import writ_minor_key

        try:
            writ_minor_key(src)
        except LookupError as exc:
            from ..i18n import _

            raise DocumentError(_("The minor of the writ %(minor)s is not a person of this account: type the name as "
                                  "the account's persons have it (%(names)s).", minor=params["writ_minor"],
                                  names=str(exc) or "—")) from None
    if account_source and params.get("writ_date") and letter.court_kind is None:
        from ..domain.court_dates import check_court_dates
        from ..domain.stages import TransitionNotAllowed

        rec = getattr(src, "court_record", None)  # a writ is not dated before the filing it came from
        try:
            check_court_dates(getattr(rec, "kind", None) or "order", filed_on=getattr(rec, "filed_on", None),
                              issued_on=params["writ_date"], today=src.common.today)
        except TransitionNotAllowed as exc:
            raise LetterRefused(_refusal(exc), exc.code) from None
    if account_source and letter.code == "bailiff_inaction_complaint":
        from ..i18n import _
        from .fields import _enf

        if _enf(src) is None:
            raise DocumentError(_("The case has no writ at the bailiffs: there is no proceeding to complain about."))
    if letter.max_enforce_kop is not None and letter.subject == "account":
        from ..i18n import _
        from .fields import _enforce_kop

        amount = _enforce_kop(src)
        if amount > letter.max_enforce_kop:
            from .russian import money

            raise DocumentError(_("The writ can go straight to the employer only for sums up to 100,000 rubles "
                                  "(229-FZ art. 9); this debt is %(amount)s. Send it to the bailiffs instead.",
                                  amount=money(amount)))


def prepare(code: str, *, account_id: int | None = None, case_id: int | None = None, building_id: int | None = None,
            params: dict | None = None, common=None, documents: list | None = None) -> Prepared:
    """Load the subject of one document and check the letter's rules (no number is taken)."""
    letter = get_letter(code)
    common = common or ctxmod.load_common(params)
    if letter.subject == "building":
        if building_id is None:
            raise DocumentError("building required")
        src = ctxmod.load_building_source(building_id, common)
        if src is None:
            raise DocumentError("building not found")
        return Prepared(letter, src, None, None, building_id, src.building.address,
                        sum(r["debt_kop"] for r in src.rows))
    if letter.subject == "batch":
        src = ctxmod.BatchSource(common, documents or [], common.params.get("register_recipient") or "")
        return Prepared(letter, src, None, None, None, src.recipient, sum(d.amount_kop or 0 for d in src.documents))
    if case_id is not None and account_id is None:
        from ..cases.models import Case

        case = db.session.get(Case, case_id)
        if case is None:
            raise DocumentError("case not found")
        account_id = case.account_id
    if code in links.WRIT_LETTERS:  # the writ and the bailiff unit recorded on the case fill the empty parameters
        common = replace(common, params=links.with_recorded_params(code, common.params, account_id, case_id))
    src = ctxmod.load_source(account_id, common, case_id)
    if src is None:
        raise DocumentError("account not found")
    prime_source(letter, src)
    check_letter_rules(letter, src)
    case_id = case_id or (src.case.id if src.case is not None else None)
    return Prepared(letter, src, account_id, case_id, None, _addressee(letter, src), src.debt_kop)


def claim_checklist(account_id: int, params: dict, case_id: int | None = None, today: date | None = None):
    """The month checklist of a claim letter's form: every candidate month (domain.claim.ClaimPeriod) and the
    selection of the ticked ones (domain.claim.ClaimSelection: its sums) — the months posted
    (`params['claim_periods']`) or the default ticks. Nothing is refused here: the letter's rules refuse."""
    from ..legal.adapter import claim_checklist as checklist

    common = ctxmod.load_common(params, today)
    src = ctxmod.load_source(account_id, common, case_id)
    return checklist(src.calc, params.get("claim_periods")) if src is not None else None


def _addressee(letter: Letter, src) -> str:
    params = src.common.params
    if letter.recipient == "court":
        return params.get("court_name") or getattr(src.court, "name", "") or ""
    if letter.recipient == "bailiff":
        from .fields import enforcement_unit_name

        return enforcement_unit_name(src)
    if letter.recipient == "employer":
        return params.get("employer_name") or ""
    return ", ".join(o.name for o in src.owners)


def preview_context(prep: Prepared, path: TemplateSource | None = None, *, user=None) -> dict:
    """The merged field values a template will receive (for the preview page), refused to a role the letter does not
    allow; identifiers masked for a role that may not see them, else the full view is logged (`pii.view`)."""
    check_right(prep.letter, PREVIEW, user)
    if path is None:
        path, _v = active_template(prep.letter.code)
    _data, names = template_data(path)
    full = sees_pii(user)
    if full and uses_pii(names) and prep.account_id is not None:
        log_full_view("accounts", prep.account_id, {"letter": prep.letter.code, "preview": True,
                                                    "case_id": prep.case_id})
    return build_context(prep.source, sorted(names), mask=not full)


def store_file(data: bytes, year: int, name: str) -> tuple[str, str]:
    """Store bytes as `<year>/<name>` in the `documents` area; returns (storage name, sha256)."""
    rel = storage.save("documents", f"{year}/{name}", data)
    return rel, hashlib.sha256(data).hexdigest()


def _safe(s: str) -> str:
    return re.sub(r"[^0-9A-Za-zА-Яа-яЁё_.-]+", "_", s)[:60]


def issue_document(prep: Prepared, *, user=None, batch_id: int | None = None, tpl: CompiledTemplate | None = None,
                   template_info: tuple[TemplateSource, int | None] | None = None, link: bool = True,
                   issue_token: str | None = None, log_contact: bool | None = None) -> Document:
    """Number, render, store and register one document in the caller's transaction (the caller commits once).

    With `link` (default) what the document records elsewhere is recorded (documents.links.after_issue: a court
    application is the case's filing, a dispatch register logs the letters it lists as sent). No contact is logged
    for issuing a letter: a letter is logged when its dispatch or delivery is registered (`log_contact` is accepted
    and ignored).

    Refused to a role the letter does not allow. With the form's one-time `issue_token` the issue is idempotent: a
    form sent again returns the document it already issued, no second number. The token is looked up again once
    the counter lock is held (a twin request that committed meanwhile is seen), and the unique index on
    documents.issue_token is the last guard (the caller rolls back on IntegrityError and finds the first one).
    """
    check_right(prep.letter, ISSUE, user)
    common = prep.source.common
    year = common.today.year
    if issue_token is not None and (done := issued_for_token(issue_token)) is not None:
        return done
    current = lock_counter(year)  # first write of the transaction: takes the lock
    if issue_token is not None and (done := issued_for_token(issue_token)) is not None:
        return done
    seq = take_number(current, year)
    number = format_number(seq, year)
    prep.source.number = number
    path, version_id = template_info or active_template(prep.letter.code)
    data_tpl, names = template_data(path)
    context = build_context(prep.source, names)
    renderer = tpl or CompiledTemplate(data_tpl)
    try:
        data = renderer.render_bytes(context)
    except UnsafeTemplate as exc:  # a template stored before the upload check existed: refuse, never run it
        raise DocumentError(_unsafe_message(exc, in_use=True)) from exc
    name = f"{seq:06d}_{prep.letter.code}_{_safe(str(prep.account_id or prep.building_id or ''))}.docx"
    rel, digest = store_file(data, year, name)
    carries = uses_pii(names)
    masked_rel = None
    if carries and needs_masked_copy(prep.letter):
        masked = renderer.render_bytes(build_context(prep.source, names, mask=True))
        masked_rel, _digest = store_file(masked, year, masked_name(name))
    doc = Document(enterprise_id=ENTERPRISE_ID, year=year, seq=seq, number=number, kind=prep.letter.code,
                   title=prep.letter.title_for(prep.source),
                   case_id=prep.case_id, account_id=prep.account_id, building_id=prep.building_id, batch_id=batch_id,
                   template_version_id=version_id, addressee=prep.addressee[:500], amount_kop=prep.amount_kop,
                   file_path=rel, sha256=digest, size=len(data), issued_on=common.today,
                   issued_by_id=getattr(user, "id", None), carries_pii=carries, masked_path=masked_rel,
                   issue_token=issue_token)
    db.session.add(doc)
    db.session.flush()
    if link:
        links.after_issue(doc, prep, user)
    return doc


def document_file(doc: Document) -> storage.Stored:
    """The document's file in the storage (`documents` area)."""
    return storage.Stored("documents", doc.file_path, tag=doc.sha256)


def masked_name(name: str) -> str:
    """File name of the masked copy beside the document (…_masked.docx)."""
    return name[:-5] + "_masked.docx" if name.endswith(".docx") else name + "_masked"


def file_for_download(doc: Document, user) -> storage.Stored:
    """The file a user may download: refused to a role the letter does not allow; the full file — its view logged as
    `pii.view` with the document id when it carries identifiers — for a role that may see them, else the masked copy
    (refused when there is none: a document issued before masked copies were made)."""
    from ..i18n import _

    check_right(LETTERS.get(doc.kind), DOWNLOAD, user)
    if doc.carries_pii is False:
        return document_file(doc)
    if sees_pii(user):
        log_full_view("documents", doc.id, {"kind": doc.kind, "number": doc.number, "account_id": doc.account_id})
        return document_file(doc)
    if doc.masked_path:
        return storage.Stored("documents", doc.masked_path)
    raise DocumentRefused(_("This document carries personal identifiers your role may not see; ask a lawyer or a "
                            "manager for it."))


def verify_file(doc: Document) -> bool:
    """True when the stored file still has the checksum registered at issue."""
    try:
        data = document_file(doc).read_bytes()
    except FileNotFoundError:
        return False
    return hashlib.sha256(data).hexdigest() == doc.sha256


# --------------------------------------------------------------------------- delivery

def record_delivery(doc: Document, delivered_on: date, method: str, proof: str | None, user=None,
                    today: date | None = None) -> Document:
    """Record delivery (date, method, proof): it starts the legal terms, e.g. ПП 354 п.119 — 20 days from delivery
    (a warning's delivery is recorded on the case: documents.links.after_delivery), and logs the letter's delivery
    as a contact."""
    from ..i18n import _

    check_right(LETTERS.get(doc.kind), ISSUE, user)
    today = today or _today()
    if method not in DELIVERY_METHODS:
        raise DocumentError(_("Choose how the document was delivered."))
    from ..domain.court_dates import check_delivery
    from ..domain.stages import TransitionNotAllowed

    try:  # the same date guard as the case's record of a delivered warning
        check_delivery(delivered_on, doc.issued_on, today)
    except TransitionNotAllowed as exc:
        raise DocumentError(_refusal(exc)) from None
    if method in ("registered_mail", "hand") and not (proof or "").strip():
        raise DocumentError(_("Give the proof of delivery (postal tracking number or the receipt signature note)."))
    doc.delivered_on = delivered_on
    doc.delivery_method = method
    doc.delivery_proof = (proof or "").strip() or None
    doc.delivery_recorded_by_id = getattr(user, "id", None)
    db.session.flush()
    links.after_delivery(doc, user, today)
    return doc


# --------------------------------------------------------------------------- template versions

@dataclass
class Validation:
    ok: bool
    errors: list[str]
    unknown: list[str]
    used: list[str]


def validate_template(code: str, data: bytes) -> Validation:
    """Check an uploaded .docx: it opens, its Jinja parses, it uses only declared fields, and a demo render works."""
    from ..i18n import _
    from .demo import demo_source
    from .rendering import TemplateProblem, check_syntax, docx_text, render_strict

    letter = get_letter(code)
    errors: list[str] = []
    from ..security import ArchiveTooLarge, UnsafeArchive, check_zip_archive

    try:  # before anything inflates it: malformed archives and zip bombs
        check_zip_archive(data)
    except ArchiveTooLarge:
        return Validation(False, [_("The document unpacks to an unreasonable size; it is refused as unsafe.")], [], [])
    except UnsafeArchive:
        return Validation(False, [_("The file is not a Word .docx document.")], [], [])
    try:
        check_syntax(data)
    except UnsafeTemplate as exc:
        return Validation(False, [_unsafe_message(exc)], [], [])
    except TemplateProblem as exc:
        return Validation(False, [_("Template syntax error: %(msg)s", msg=str(exc))], [], [])
    except Exception:  # not a .docx at all (zip/xml errors)
        return Validation(False, [_("The file is not a Word .docx document.")], [], [])
    from .fields import BUILTIN_NAMES

    used = sorted(template_variables(data))
    unknown = [n for n in used if n not in FIELD_BY_NAME and n not in BUILTIN_NAMES]
    if unknown:
        errors.append(_("Unknown merge fields: %(names)s", names=", ".join(unknown)))
        return Validation(False, errors, unknown, used)
    try:
        src = demo_source(letter)
        out = render_strict(data, build_context(src, used))
        docx_text(out)
    except UnsafeTemplate as exc:
        errors.append(_unsafe_message(exc))
    except Exception as exc:  # any render failure is a reason to refuse
        errors.append(_("The test render failed: %(msg)s", msg=str(exc)[:300]))
    return Validation(not errors, errors, unknown, used)


def _unsafe_message(exc, in_use: bool = False) -> str:
    """The refusal of a template that reaches for a private attribute, naming the expression."""
    from ..i18n import _

    if in_use:
        return _("The template in use refers to the private attribute «%(name)s» and is not run; an administrator "
                 "must upload a corrected template.", name=exc.name)
    return _("The template refers to the private attribute «%(name)s»: templates may use only the merge fields "
             "and their values; the file is refused.", name=exc.name)


def add_template_version(code: str, data: bytes, original_name: str, note: str | None, user=None) -> TemplateVersion:
    """Validate and store an uploaded template as the new active version; earlier versions are kept."""
    res = validate_template(code, data)
    if not res.ok:
        raise DocumentError("; ".join(res.errors))
    last = db.session.scalar(select(func.max(TemplateVersion.version)).where(TemplateVersion.code == code)) or 0
    version = last + 1
    rel = storage.save("documents", f"templates/{code}/v{version:03d}.docx", data)
    db.session.execute(update(TemplateVersion).where(TemplateVersion.code == code).values(is_active=False))
    tv = TemplateVersion(code=code, version=version, file_path=rel, sha256=hashlib.sha256(data).hexdigest(),
                         original_name=original_name[:300], note=note, is_active=True,
                         uploaded_by_id=getattr(user, "id", None))
    db.session.add(tv)
    db.session.flush()
    return tv


def activate_template_version(code: str, version_id: int | None) -> None:
    """Make an earlier version (or, with None, the shipped template) the one in use."""
    get_letter(code)
    db.session.execute(update(TemplateVersion).where(TemplateVersion.code == code).values(is_active=False))
    if version_id is not None:
        tv = db.session.get(TemplateVersion, version_id)
        if tv is None or tv.code != code:
            raise DocumentError("version not found")
        tv.is_active = True
    db.session.flush()
