"""ГИС ЖКХ debt (sub)requests («Запросы о наличии задолженности за ЖКУ», service debtreq, schema drs) and the
answers given to them; the houses learned from them (ФИАС house GUID → building)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

STATUSES = ("review", "matched", "not_ours", "answered")
SOURCES = ("api", "web")


class GisExport(db.Model):
    """One importDSRResponses message built from answered requests (re-downloaded byte for byte)."""

    __tablename__ = "gis_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_guid: Mapped[str] = mapped_column(String(36), unique=True)  # RequestHeader/MessageGUID
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    count: Mapped[int] = mapped_column(default=0)

    created_by = relationship("User")


class GisRequest(db.Model):
    """One subrequest of a УСЗН debt request addressed to this supplier, what it was matched to and the answer."""

    __tablename__ = "gis_requests"
    __table_args__ = (Index("ix_gis_requests_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subrequest_guid: Mapped[str] = mapped_column(String(36), unique=True)  # subrequestGUID (or the web row's key)
    request_guid: Mapped[str | None] = mapped_column(String(36))
    request_number: Mapped[str | None] = mapped_column(String(60), index=True)
    source: Mapped[str] = mapped_column(String(8), default="api")  # api | web
    file_name: Mapped[str | None] = mapped_column(String(255))
    sent_on: Mapped[date] = mapped_column(Date)  # sentDate: the day ГИС ЖКХ sent it
    gis_due_on: Mapped[date | None] = mapped_column(Date)  # responseDate: the deadline ГИС ЖКХ states
    due_on: Mapped[date] = mapped_column(Date)  # 5 working days after sent_on by the production calendar
    org_name: Mapped[str | None] = mapped_column(String(500))  # the УСЗН that asked
    org_guid: Mapped[str | None] = mapped_column(String(36))
    applicant_name: Mapped[str | None] = mapped_column(String(300))
    applicant_snils: Mapped[str | None] = mapped_column(String(14))
    applicant_document: Mapped[str | None] = mapped_column(String(100))
    fias_house_guid: Mapped[str | None] = mapped_column(String(36), index=True)
    house_guid: Mapped[str | None] = mapped_column(String(36))
    address: Mapped[str] = mapped_column(String(1000), default="")
    flat: Mapped[str | None] = mapped_column(String(60))  # addressDetails: кв. 5
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="review")
    match_note: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    matched_at: Mapped[datetime | None]
    # the answer, kept as given (never recomputed): hasDebt, the acts with their requisites, the description
    has_debt: Mapped[bool | None]
    answer: Mapped[dict | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(1000))
    transport_guid: Mapped[str | None] = mapped_column(String(36))  # TransportGUID of the action, fixed once
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    answered_on: Mapped[date | None] = mapped_column(Date)
    export_id: Mapped[int | None] = mapped_column(ForeignKey("gis_exports.id"), index=True)
    debt_kop: Mapped[int | None] = mapped_column(BigInteger)  # the debt of the acts named in the answer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account = relationship("Account")
    party = relationship("Party")
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    matched_by = relationship("User", foreign_keys=[matched_by_id])
    export = relationship(GisExport)


class GisHouse(db.Model):
    """A ФИАС house GUID learned when a lawyer confirmed a request's account: later requests find the building."""

    __tablename__ = "gis_houses"

    id: Mapped[int] = mapped_column(primary_key=True)
    fias_house_guid: Mapped[str] = mapped_column(String(36), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    learned_at: Mapped[datetime] = mapped_column(default=utcnow)
