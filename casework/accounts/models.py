"""Territories, buildings, premises, accounts, their parties, services and the ledger.

Money is stored as integer kopecks (`*_kop` columns, BIGINT) on both engines and turned into
Decimal rubles only at the domain boundary. Billing periods are stored as the first day of the month.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import BigID, ScaledDecimal
from ..extensions import db
from ..timeutil import utcnow

CATEGORIES = ("population", "other")
TENURES = ("owner", "social_tenancy", "commercial_tenancy", "other")
PARTY_KINDS = ("person", "organization")
PARTY_ROLES = ("owner", "registered", "tenant", "representative", "heir")
ENTRY_KINDS = ("opening", "charge", "recalculation", "payment")
PAYMENT_SOURCES = ("cash_desk", "bank", "online", "enforcement", "employer", "work_off", "other")
RESTRICTION_RULES = ("allowed", "never", "approval_in_apartment_building")


class Territory(db.Model):
    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="settlement")


class Building(db.Model):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("territory_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    address: Mapped[str] = mapped_column(String(400))  # street and house, as on letters
    is_apartment_building: Mapped[bool] = mapped_column(default=True)
    court_id: Mapped[int | None] = mapped_column(index=True)  # set by the court directory (cases area)

    territory: Mapped[Territory | None] = relationship()


class Premises(db.Model):
    __tablename__ = "premises"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), default="")  # apartment; "" for a private house
    area_m2 = mapped_column(ScaledDecimal(2), nullable=True)
    is_municipal: Mapped[bool] = mapped_column(default=False)
    cadastral_number: Mapped[str | None] = mapped_column(String(40), index=True)  # ЕГРН, e.g. 14:14:050101:123

    building: Mapped[Building] = relationship()


class Account(db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("category IN ('population','other')", name="category"),
        CheckConstraint("tenure IN ('owner','social_tenancy','commercial_tenancy','other')", name="tenure"),
        Index("ix_accounts_territory_category", "territory_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    tenure: Mapped[str] = mapped_column(String(24), default="owner")
    is_municipal: Mapped[bool] = mapped_column(default=False)  # municipal housing, monitored separately
    debtor_name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(500))  # full address as imported
    settlement: Mapped[str | None] = mapped_column(String(200))
    apartment: Mapped[str | None] = mapped_column(String(20))
    inn: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    area_m2 = mapped_column(ScaledDecimal(2), nullable=True)
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    premises_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"), index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased number, name, address, phone digits
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    territory: Mapped[Territory | None] = relationship()
    building: Mapped[Building | None] = relationship()
    premises: Mapped[Premises | None] = relationship()
    parties: Mapped[list["AccountParty"]] = relationship(back_populates="account", order_by="AccountParty.id")
    balance: Mapped["AccountBalance | None"] = relationship(uselist=False, viewonly=True)


class Party(db.Model):
    """A person or organization liable for an account (debtor), with the identifiers a court needs."""

    __tablename__ = "parties"
    __table_args__ = (CheckConstraint("kind IN ('person','organization')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    full_name: Mapped[str] = mapped_column(String(300), index=True)
    last_name: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))  # 'm' / 'f', for grammatical case in letters
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_place: Mapped[str | None] = mapped_column(String(300))
    passport_series: Mapped[str | None] = mapped_column(String(10))
    passport_number: Mapped[str | None] = mapped_column(String(20))
    passport_issued_by: Mapped[str | None] = mapped_column(String(300))
    passport_issued_on: Mapped[date | None] = mapped_column(Date)
    snils: Mapped[str | None] = mapped_column(String(14))
    inn: Mapped[str | None] = mapped_column(String(12))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    registration_address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    deceased_on: Mapped[date | None] = mapped_column(Date)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # billing's person id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountParty(db.Model):
    __tablename__ = "account_parties"
    __table_args__ = (
        UniqueConstraint("account_id", "party_id", "role"),
        CheckConstraint("share_num IS NULL OR (share_num > 0 AND share_den >= share_num)", name="share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    share_num: Mapped[int | None]
    share_den: Mapped[int | None]
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="parties")
    party: Mapped[Party] = relationship()

    @property
    def share(self) -> str | None:
        return f"{self.share_num}/{self.share_den}" if self.share_num else None


class Service(db.Model):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("restriction_rule IN ('allowed','never','approval_in_apartment_building')",
                        name="restriction_rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # Russian name as on bills and letters
    # ПП 354 п.119, п.122: 'never' (heating; not a utility), 'approval_in_apartment_building' (disputed: a lawyer
    # approves restriction in an apartment building), 'allowed'
    restriction_rule: Mapped[str] = mapped_column(String(32), default="allowed")
    suspendable_in_apartment_building: Mapped[bool] = mapped_column(default=True)  # False for cold water
    norm_monthly_kop: Mapped[int | None] = mapped_column(BigInteger)  # default charge at the norm × tariff (п.118)
    is_utility: Mapped[bool] = mapped_column(default=True)  # коммунальная услуга (vs maintenance, capital repair)
    is_capital_repair: Mapped[bool] = mapped_column(default=False)  # ЖК 155 ч.14.1 penalty rule
    sort_order: Mapped[int] = mapped_column(default=100)


class LedgerEntry(db.Model):
    """One immutable ledger line. Corrections are new lines; nothing is edited or deleted."""

    __tablename__ = "ledger_entries"
    __audit__ = False  # written in bulk; the import batch is the audit record
    __table_args__ = (
        CheckConstraint("kind IN ('opening','charge','recalculation','payment')", name="kind"),
        CheckConstraint("kind <> 'payment' OR paid_on IS NOT NULL", name="payment_date"),
        # negative: a recalculation, or a reversing entry (a payment reversal from billing, or the application's
        # reversal of a row a corrected export changed or no longer has, or of an undone import; see imports/corrections.py)
        CheckConstraint("amount_kop >= 0 OR kind = 'recalculation' OR reverses_id IS NOT NULL", name="sign"),
        Index("ix_ledger_account_period", "account_id", "period"),
        Index("ix_ledger_paid_on", "paid_on"),
        Index("ix_ledger_batch", "batch_id"),
        Index("ix_ledger_reverses", "reverses_id"),
        # «lines imported after the month was closed» (reports.queries.corrections_after_close): the ledger is only
        # appended to, so its creation time follows the physical order and a BRIN index of a few pages answers it
        # (PostgreSQL only; SQLite has no BRIN and would pay a whole B-tree on every import for one rare check)
        Index("ix_ledger_created_brin", "created_at", postgresql_using="brin").ddl_if(dialect="postgresql"),
        # an account's payments by date (the dashboard's receipts by the stage of the case on the payment day: one
        # short range per stage interval instead of every payment of the year); PostgreSQL reads the amount from it
        Index("ix_ledger_payments_by_account", "account_id", "paid_on", postgresql_include=["amount_kop"],
              postgresql_where=text("kind = 'payment'"), sqlite_where=text("kind = 'payment'")),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    period: Mapped[date] = mapped_column(Date)  # billing month (first day); for payments the posting month
    kind: Mapped[str] = mapped_column(String(16))
    amount_kop: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(16))
    paid_period: Mapped[date | None] = mapped_column(Date)  # the month the payer named
    reference: Mapped[str | None] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(BigID, ForeignKey("ledger_entries.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    entry_key: Mapped[str] = mapped_column(String(40), unique=True)  # dedup key, see imports/keys.py
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountMonth(db.Model):
    """Per-account monthly figures kept current on every import (reports never rescan the ledger).

    debt_start = Σ earlier (openings + charges + recalculations − payments) + this month's openings;
    charged/recalculated by billing period; paid by payment date (paid_on) in the month;
    debt_end = debt_start + charged + recalculated − paid.
    """

    __tablename__ = "account_months"
    __audit__ = False
    __table_args__ = (Index("ix_account_months_month", "month"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    opening_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    debt_start_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    charged_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    recalculated_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_enforcement_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    debt_end_kop: Mapped[int] = mapped_column(BigInteger, default=0)


class _ServiceFigures:
    """The month's movements of a service, in kopecks: the columns both ledger summaries share."""

    opening_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    charged_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    recalculated_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_enforcement_kop: Mapped[int] = mapped_column(BigInteger, default=0)


class AccountServiceMonth(_ServiceFigures, db.Model):
    """Per account, month and service, the ledger summed as in `account_months` (openings, charges and
    recalculations by billing period, payments by the month of paid_on); a row only where the ledger has lines.
    Kept by the figures refresh together with `account_months` (accounts.services); `service_months` sums it."""

    __tablename__ = "account_service_months"
    __audit__ = False

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)


class ServiceMonth(_ServiceFigures, db.Model):
    """The whole ledger per month and service (the sum of `account_service_months` over the accounts): the
    breakdown by service and the dashboard's receipts read these few rows instead of the ledger. Kept by the figures
    refresh by adding what changed (the new figures of the refreshed accounts minus their old ones)."""

    __tablename__ = "service_months"
    __audit__ = False

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)


class AccountBalance(db.Model):
    """Current derived figures per account for lists, filters and queues (recomputed, never entered)."""

    __tablename__ = "account_balances"
    __audit__ = False
    __table_args__ = (Index("ix_account_balances_balance", "balance_kop"),
                      # list sorts by a figure (ties broken on account_id) and the aging filter with its totals
                      Index("ix_account_balances_overdue", "overdue_kop", "account_id"),
                      Index("ix_account_balances_months", "months_in_arrears", "account_id"),
                      Index("ix_account_balances_oldest", "oldest_debt_days", "account_id"),
                      Index("ix_account_balances_oldest_balance", "oldest_debt_days", "balance_kop"),
                      # the queue's «new debtors above the threshold without a case»: a range of this partial
                      # index (a composite one misleads PostgreSQL: it does not know that nearly every account above
                      # the threshold has a case, and walks the balance index instead)
                      Index("ix_account_balances_without_case", "balance_kop",
                            sqlite_where=text("has_open_case = 0"), postgresql_where=text("has_open_case = false")))

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    # whether the account has an open case: written by the figures refresh and kept by the cases area on every
    # case opened or closed (casework.cases.services.sync_open_case_flags)
    has_open_case: Mapped[bool] = mapped_column(default=False, server_default=text("false"))  # both engines
    balance_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    overdue_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    months_in_arrears: Mapped[int] = mapped_column(default=0)
    avg_monthly_charge_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    oldest_debt_days: Mapped[int | None]
    aging_0_30_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    aging_31_90_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    aging_91_180_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    aging_181_365_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    aging_1_3y_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    aging_over_3y_kop: Mapped[int] = mapped_column(BigInteger, default=0)
    last_payment_on: Mapped[date | None] = mapped_column(Date)
    last_period: Mapped[date | None] = mapped_column(Date)


class FiguresVersion(db.Model):
    """One row: a token that changes whenever the derived figures (account_months, account_balances) or the
    accounts' report categories may have changed; caches of aggregates over them are keyed by it."""

    __tablename__ = "account_figures_version"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountServiceNorm(db.Model):
    """An account's own monthly charge at the norm for a service (п.118), overriding services.norm_monthly_kop."""

    __tablename__ = "account_service_norms"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    norm_monthly_kop: Mapped[int] = mapped_column(BigInteger)
