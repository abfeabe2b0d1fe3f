"""Issuing documents: gap-free outgoing numbers, stored files with checksums, contacts, delivery, templates."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update

from ..domain.errors import DomainError
from ..extensions import db
from ..timeutil import today as _today
from . import context as ctxmod
from .fields import FIELD_BY_NAME, build_context
from .letters import LETTERS, Letter
from .models import DELIVERY_METHODS, Document, DocumentCounter, TemplateVersion
from .rendering import CompiledTemplate, UnsafeTemplate, template_variables


class DocumentError(DomainError):
    """A document cannot be issued or changed; the message is for the user."""


# --------------------------------------------------------------------------- numbering

def next_number(year: int, enterprise_id: int = 1) -> int:
    """Take the next outgoing number for the enterprise and year, gap-free (ГОСТ Р 7.0.97 registration numbers).

    The counter row is written first in the transaction and stays locked until commit: SELECT … FOR UPDATE on
    PostgreSQL, and on SQLite the first write takes the database's RESERVED lock (BEGIN IMMEDIATE semantics).
    A rollback of the issuing transaction rolls the counter back, so no number is lost or used twice.
    """
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
    current = session.execute(select(table.c.last_seq).where(table.c.enterprise_id == enterprise_id,
                                                             table.c.year == year).with_for_update()).scalar_one()
    seq = int(current) + 1
    session.execute(update(table).where(table.c.enterprise_id == enterprise_id, table.c.year == year)
                    .values(last_seq=seq))
    return seq


def format_number(seq: int, year: int) -> str:
    return f"{seq}/{year}"


# --------------------------------------------------------------------------- templates

def shipped_template_path(letter: Letter) -> Path:
    return Path(current_app.config["LETTER_TEMPLATES_DIR"]) / letter.file


def versions_dir() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"]) / "templates"


def active_template(code: str) -> tuple[Path, int | None]:
    """The template file in use for a letter: the active uploaded version, else the shipped one."""
    letter = get_letter(code)
    tv = db.session.scalar(select(TemplateVersion).where(TemplateVersion.code == code, TemplateVersion.is_active))
    if tv is not None:
        path = Path(current_app.config["DOCUMENTS_DIR"]) / tv.file_path
        if path.is_file():
            return path, tv.id
    return shipped_template_path(letter), None


_TEMPLATE_CACHE: dict[tuple[str, float], tuple[bytes, frozenset]] = {}


def template_data(path: Path) -> tuple[bytes, frozenset]:
    """Template bytes and the merge fields it uses (cached by path and modification time)."""
    key = (str(path), path.stat().st_mtime)
    hit = _TEMPLATE_CACHE.get(key)
    if hit is None:
        data = path.read_bytes()
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


def check_letter_rules(letter: Letter, src) -> None:
    """Refusals before issuing: 229-ФЗ ст.9 ч.1 limit for the employer letter, required parameters, a debt to state,
    a court letter for an organisation / ИП debtor without an arbitrazh court (never the magistrate instead)."""
    params = src.common.params
    missing = [n for n in letter.required if not params.get(n)]
    if missing:
        from ..i18n import _

        raise DocumentError(_("Fill in: %(fields)s", fields=", ".join(FIELD_BY_NAME[n].description for n in missing)))
    choice = getattr(src, "court_choice", None)
    if (letter.recipient == "court" and getattr(src, "arbitrazh", False) and getattr(src, "court", None) is None
            and not params.get("court_name") and choice is not None and choice.problem):
        from ..cases.labels import refusal_message
        from ..i18n import _

        raise DocumentError(_("%(reason)s Or type the court's name on this form.",
                              reason=refusal_message(choice.error())))
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
    src = ctxmod.load_source(account_id, common, case_id)
    if src is None:
        raise DocumentError("account not found")
    if letter.duty_kind:
        src.extra["duty_kind"] = letter.duty_kind
    check_letter_rules(letter, src)
    case_id = case_id or (src.case.id if src.case is not None else None)
    return Prepared(letter, src, account_id, case_id, None, _addressee(letter, src), src.debt_kop)


def _addressee(letter: Letter, src) -> str:
    params = src.common.params
    if letter.recipient == "court":
        return params.get("court_name") or getattr(src.court, "name", "") or ""
    if letter.recipient == "bailiff":
        return params.get("bailiff_unit") or ""
    if letter.recipient == "employer":
        return params.get("employer_name") or ""
    return ", ".join(o.name for o in src.owners)


def preview_context(prep: Prepared, path: Path | None = None) -> dict:
    """The merged field values a template will receive (for the preview page)."""
    if path is None:
        path, _v = active_template(prep.letter.code)
    _data, names = template_data(path)
    return build_context(prep.source, sorted(names))


def store_file(data: bytes, year: int, name: str) -> tuple[str, str]:
    """Write bytes under DOCUMENTS_DIR/<year>/; returns (relative path, sha256)."""
    base = Path(current_app.config["DOCUMENTS_DIR"])
    rel = Path(str(year)) / name
    (base / rel).parent.mkdir(parents=True, exist_ok=True)
    (base / rel).write_bytes(data)
    return rel.as_posix(), hashlib.sha256(data).hexdigest()


def _safe(s: str) -> str:
    return re.sub(r"[^0-9A-Za-zА-Яа-яЁё_.-]+", "_", s)[:60]


def issue_document(prep: Prepared, *, user=None, batch_id: int | None = None, tpl: CompiledTemplate | None = None,
                   template_info: tuple[Path, int | None] | None = None, log_contact: bool = True) -> Document:
    """Number, render, store and register one document in the caller's transaction (the caller commits once)."""
    common = prep.source.common
    year = common.today.year
    seq = next_number(year)  # first write of the transaction: takes the lock
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
    rel, digest = store_file(data, year, f"{seq:06d}_{prep.letter.code}_{_safe(str(prep.account_id or prep.building_id or ''))}.docx")
    doc = Document(enterprise_id=1, year=year, seq=seq, number=number, kind=prep.letter.code,
                   title=prep.letter.title_for(prep.source),
                   case_id=prep.case_id, account_id=prep.account_id, building_id=prep.building_id, batch_id=batch_id,
                   template_version_id=version_id, addressee=prep.addressee[:500], amount_kop=prep.amount_kop,
                   file_path=rel, sha256=digest, size=len(data), issued_on=common.today,
                   issued_by_id=getattr(user, "id", None))
    db.session.add(doc)
    db.session.flush()
    if log_contact and prep.account_id is not None:
        _log_contact(doc, user)
    return doc


def _log_contact(doc: Document, user) -> None:
    """Record the letter in the contact log (contacts area: channel letter, outcome letter_sent)."""
    try:
        from ..contacts.services import log_contact
    except ImportError:
        return
    try:
        log_contact(user, channel="letter", outcome="letter_sent", account_id=doc.account_id, case_id=doc.case_id,
                    note=f"{doc.title} № {doc.number}", document_id=doc.id)
    except DomainError as exc:  # the letter stands even when the contact log refuses the entry
        current_app.logger.warning("contact for document %s not logged: %s", doc.number, exc)


def document_file(doc: Document) -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"]) / doc.file_path


def verify_file(doc: Document) -> bool:
    """True when the stored file still has the checksum registered at issue."""
    p = document_file(doc)
    return p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == doc.sha256


# --------------------------------------------------------------------------- delivery

def record_delivery(doc: Document, delivered_on: date, method: str, proof: str | None, user=None,
                    today: date | None = None) -> Document:
    """Record delivery (date, method, proof): it starts the legal terms, e.g. ПП 354 п.119 — 20 days from delivery."""
    from ..i18n import _

    today = today or _today()
    if method not in DELIVERY_METHODS:
        raise DocumentError(_("Choose how the document was delivered."))
    if delivered_on < doc.issued_on:
        raise DocumentError(_("A document cannot be delivered before it was issued (%(d)s).",
                              d=doc.issued_on.strftime("%d.%m.%Y")))
    if delivered_on > today:
        raise DocumentError(_("The delivery date cannot be in the future."))
    if method in ("registered_mail", "hand") and not (proof or "").strip():
        raise DocumentError(_("Give the proof of delivery (postal tracking number or the receipt signature note)."))
    doc.delivered_on = delivered_on
    doc.delivery_method = method
    doc.delivery_proof = (proof or "").strip() or None
    doc.delivery_recorded_by_id = getattr(user, "id", None)
    db.session.flush()
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
    rel = Path("templates") / code / f"v{version:03d}.docx"
    full = Path(current_app.config["DOCUMENTS_DIR"]) / rel
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_bytes(data)
    db.session.execute(update(TemplateVersion).where(TemplateVersion.code == code).values(is_active=False))
    tv = TemplateVersion(code=code, version=version, file_path=rel.as_posix(), sha256=hashlib.sha256(data).hexdigest(),
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
