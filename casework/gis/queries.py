"""Reads of the ГИС ЖКХ debt requests: the queue with its filters, the exports."""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from ..pagination import Page, paginate
from .models import GisExport, GisRequest

OPEN_STATUSES = ("review", "matched", "not_ours")


def queue(today: date, *, status: str | None = None, overdue: bool = False, q: str | None = None,
          page: int = 1, per_page: int = 50) -> Page:
    """Requests by due date (unanswered first): status «open» means not answered yet; overdue = open and due before
    today; q searches the request number, address and applicant."""
    stmt = select(GisRequest)
    if status == "open":
        stmt = stmt.where(GisRequest.status.in_(OPEN_STATUSES))
    elif status:
        stmt = stmt.where(GisRequest.status == status)
    if overdue:
        stmt = stmt.where(GisRequest.status.in_(OPEN_STATUSES), GisRequest.due_on < today)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(GisRequest.request_number.like(like), GisRequest.address.like(like),
                              GisRequest.applicant_name.like(like), GisRequest.subrequest_guid.like(like)))
    stmt = stmt.order_by((GisRequest.status == "answered"), GisRequest.due_on, GisRequest.id)
    return paginate(stmt, page, per_page)


def exports(limit: int = 50) -> list[GisExport]:
    from ..extensions import db

    return list(db.session.scalars(select(GisExport).order_by(GisExport.id.desc()).limit(limit)))


def waiting_export() -> int:
    from sqlalchemy import func

    from ..extensions import db

    return db.session.scalar(select(func.count()).select_from(GisRequest).where(
        GisRequest.status == "answered", GisRequest.export_id.is_(None))) or 0
