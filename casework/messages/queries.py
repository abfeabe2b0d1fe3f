"""Reads for messages: the list with its filters, an account's messages, documents a message may carry."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..timeutil import to_utc
from .models import Message


def search_messages_stmt(*, status: str | None = None, channel: str | None = None, date_from: date | None = None,
                         date_to: date | None = None, account_id: int | None = None):
    """SELECT of messages, newest first, filtered by status, channel and the local day they were queued."""
    stmt = select(Message)
    if status:
        stmt = stmt.where(Message.status == status)
    if channel:
        stmt = stmt.where(Message.channel == channel)
    if date_from:
        stmt = stmt.where(Message.queued_at >= to_utc(datetime.combine(date_from, time.min)))
    if date_to:
        stmt = stmt.where(Message.queued_at < to_utc(datetime.combine(date_to + timedelta(days=1), time.min)))
    if account_id:
        stmt = stmt.where(Message.account_id == account_id)
    return stmt.order_by(Message.queued_at.desc(), Message.id.desc())


def messages_for(account_id: int, limit: int = 50) -> list[Message]:
    return list(db.session.scalars(search_messages_stmt(account_id=account_id).limit(limit)))


def documents_for(account_id: int, role: str | None, limit: int = 50) -> list:
    """The account's issued documents a role may open (letters.LETTERS[…].access), newest first: those a message
    may carry."""
    from ..documents.letters import DOWNLOAD, kinds_allowed
    from ..documents.models import Document

    return list(db.session.scalars(select(Document).where(Document.account_id == account_id,
                                                          Document.kind.in_(kinds_allowed(DOWNLOAD, role)))
                                   .order_by(Document.issued_at.desc(), Document.id.desc()).limit(limit)))


def parties_for(account_id: int) -> list:
    """The persons of the account (owners, tenants …) whose rights have not ended: a message may name one."""
    from ..accounts.models import AccountParty, Party

    current = select(AccountParty.party_id).where(AccountParty.account_id == account_id,
                                                  AccountParty.until.is_(None))
    return list(db.session.scalars(select(Party).where(Party.id.in_(current)).order_by(Party.full_name, Party.id)))
