"""The enterprise's own details, used by every letter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class Enterprise(db.Model):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40), default="resource_supplier")  # or management_company
    inn: Mapped[str] = mapped_column(String(12), default="")
    kpp: Mapped[str] = mapped_column(String(9), default="")
    ogrn: Mapped[str] = mapped_column(String(15), default="")
    legal_address: Mapped[str] = mapped_column(Text, default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    bank_name: Mapped[str] = mapped_column(String(300), default="")
    bik: Mapped[str] = mapped_column(String(9), default="")
    settlement_account: Mapped[str] = mapped_column(String(20), default="")
    correspondent_account: Mapped[str] = mapped_column(String(20), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_position: Mapped[str] = mapped_column(String(200), default="")
    signatory_basis: Mapped[str] = mapped_column(String(200), default="")  # «действующего на основании Устава»
    contract_due_day: Mapped[int | None]  # a contract's payment day overriding ЖК 155 ч.1, if any
    # IANA name of the enterprise's time zone (Lensk: «Asia/Yakutsk», UTC+9); None: the DEFAULT_TIMEZONE setting.
    # The business date, deadlines, the daily job and every displayed time follow it (casework.timeutil).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # the administrator's declined forms ('' = the library's, casework.enterprise.declension)
    name_gen: Mapped[str] = mapped_column(String(400), default="", server_default="")  # в пользу кого
    name_dat: Mapped[str] = mapped_column(String(400), default="", server_default="")  # кому
    name_ins: Mapped[str] = mapped_column(String(400), default="", server_default="")  # кем
    signatory_position_gen: Mapped[str] = mapped_column(String(200), default="", server_default="")  # в лице кого
    signatory_name_gen: Mapped[str] = mapped_column(String(200), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: the one enterprise of an installation (each enterprise runs its own casework)
ENTERPRISE_ID = 1


def find_enterprise() -> Enterprise | None:
    """The installation's enterprise if it has been set up (reads only: safe on a GET)."""
    return db.session.get(Enterprise, ENTERPRISE_ID)


def get_enterprise() -> Enterprise:
    """The installation's enterprise (created empty on first use)."""
    ent = find_enterprise()
    if ent is None:
        from ..timeutil import default_zone_name

        ent = Enterprise(id=ENTERPRISE_ID, name="", timezone=default_zone_name())
        db.session.add(ent)
        db.session.flush()
    return ent


def enterprise_timezone() -> str | None:
    """The enterprise's time zone setting, read without creating the enterprise or flushing the session."""
    with db.session.no_autoflush:
        ent = find_enterprise()
    return ent.timezone if ent is not None else None
