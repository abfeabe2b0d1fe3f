"""Reads other areas may call: delivery dates that start legal terms, a case's documents, the registry filter."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, or_, select

from ..accounts.models import Territory
from ..extensions import db
from .models import Document, DocumentBatch, TemplateVersion

WARNING_KIND = "warning_restriction"


def _of(case_id: int | None, account_id: int | None):
    """Documents of the case or of the account (either given); None when neither is."""
    cond = ([Document.case_id == case_id] if case_id is not None else []) + \
        ([Document.account_id == account_id] if account_id is not None else [])
    return or_(*cond) if cond else None


def warning_delivered_on(case_id: int | None = None, account_id: int | None = None) -> date | None:
    """Delivery date of the latest delivered restriction warning (ПП 354 п.119: the 20 days run from delivery)."""
    cond = _of(case_id, account_id)
    if cond is None:
        return None
    return db.session.scalar(select(func.max(Document.delivered_on)).where(
        Document.kind == WARNING_KIND, Document.delivered_on.is_not(None), cond))


PRETRIAL_CLAIM_KIND = "pretrial_claim"


def pretrial_claim_sent_on(case_id: int | None = None, account_id: int | None = None) -> date | None:
    """Issue date of the latest pre-claim letter (досудебная претензия) of the case or account: the registry's
    date of sending, from which the 30 days before an arbitrazh claim run (АПК ст.4 ч.5)."""
    cond = _of(case_id, account_id)
    if cond is None:
        return None
    return db.session.scalar(select(func.max(Document.issued_on)).where(
        Document.kind == PRETRIAL_CLAIM_KIND, cond))


def latest_pretrial_claim(case_id: int | None = None, account_id: int | None = None) -> Document | None:
    """The latest pre-claim letter of the case or account (by issue date, then number): the one a claim in the
    arbitrazh court names as the observed pre-claim procedure (АПК ст.4 ч.5, ст.125 ч.2 п.8)."""
    cond = _of(case_id, account_id)
    if cond is None:
        return None
    return db.session.scalars(select(Document).where(Document.kind == PRETRIAL_CLAIM_KIND, cond)
                              .order_by(Document.issued_on.desc(), Document.id.desc()).limit(1)).first()


def documents_for(case_id: int | None = None, account_id: int | None = None) -> list[Document]:
    """Documents of a case or account, newest first (for the case page)."""
    stmt = select(Document).order_by(Document.issued_at.desc(), Document.id.desc())
    if case_id is not None:
        stmt = stmt.where(Document.case_id == case_id)
    elif account_id is not None:
        stmt = stmt.where(Document.account_id == account_id)
    else:
        return []
    return list(db.session.scalars(stmt))


def registry_query(q: str | None = None, kind: str | None = None, date_from: date | None = None,
                   date_to: date | None = None, delivered: str | None = None, batch_id: int | None = None,
                   kinds: list[str] | None = None) -> Select:
    """The registry of issued documents with its filters (number, addressee, account; type; dates; delivery);
    `kinds` — only these letters (the ones the user's role may open: letters.kinds_allowed)."""
    from ..accounts.models import Account

    stmt = select(Document).outerjoin(Account, Account.id == Document.account_id)
    if kinds is not None:
        stmt = stmt.where(Document.kind.in_(kinds))
    if q:
        like = q.strip().lower()  # % and _ are literal
        stmt = stmt.where(or_(*(func.lower(col).contains(like, autoescape=True) for col in
                                (Document.number, Document.addressee, Account.number, Account.address))))
    if kind:
        stmt = stmt.where(Document.kind == kind)
    if date_from:
        stmt = stmt.where(Document.issued_on >= date_from)
    if date_to:
        stmt = stmt.where(Document.issued_on <= date_to)
    if delivered == "yes":
        stmt = stmt.where(Document.delivered_on.is_not(None))
    elif delivered == "no":
        stmt = stmt.where(Document.delivered_on.is_(None))
    if batch_id:
        stmt = stmt.where(Document.batch_id == batch_id)
    return stmt.order_by(Document.year.desc(), Document.seq.desc())


def territories() -> list[Territory]:
    """Every territory by name (the bulk form's filter)."""
    return list(db.session.scalars(select(Territory).order_by(Territory.name)))


def latest_batches(kinds: list[str], limit: int = 20) -> list[DocumentBatch]:
    """The latest batches of the given letter kinds, newest first."""
    return list(db.session.scalars(select(DocumentBatch).where(DocumentBatch.kind.in_(kinds))
                                   .order_by(DocumentBatch.id.desc()).limit(limit)))


def batch_documents(batch_id: int) -> list[Document]:
    """The documents of a batch in number order."""
    return list(db.session.scalars(select(Document).where(Document.batch_id == batch_id).order_by(Document.seq)))


def template_versions(code: str | None = None) -> list[TemplateVersion]:
    """The uploaded versions of a letter's template (of every letter when `code` is None), newest first per letter."""
    stmt = select(TemplateVersion).order_by(TemplateVersion.code, TemplateVersion.version.desc())
    if code is not None:
        stmt = stmt.where(TemplateVersion.code == code)
    return list(db.session.scalars(stmt))
