"""A hand-built data set for the measures report (reporting month March 2026), inserted with Core.

Four accounts in two territories:

====  ==========  ==================  =========
acc   territory   tenure              municipal
====  ==========  ==================  =========
a1    Ленск       owner               no
a2    Ленск       social_tenancy      yes
a3    Витим       commercial_tenancy  yes
a4    Витим       owner               no
====  ==========  ==================  =========

each with one case (c1..c4). Records are dated in March 2026 (month), January–February 2026 (year to
date only), December 2025 or April 2026 (outside both). The expected figures are written out by hand in
tests/integration/test_measures_report.py next to each assertion.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlalchemy import insert

from casework.accounts.models import Account, Building, LedgerEntry, Territory
from casework.cases.models import Case, CourtRecord, Enforcement, StageChange, WriteOffProposal
from casework.contacts.models import Contact, PaymentAgreement
from casework.documents.models import Document
from casework.extensions import db

from .report_data import service_id

MARCH = date(2026, 3, 1)
_seq = itertools.count(1)


def _ins(model, **values) -> int:
    return db.session.execute(insert(model.__table__).values(**values)).inserted_primary_key[0]


def _doc(kind: str, issued_on: date, account_id: int | None = None, building_id: int | None = None) -> int:
    n = next(_seq)
    return _ins(Document, enterprise_id=1, year=issued_on.year, seq=n, number=f"{n}/{issued_on.year}", kind=kind,
                title=kind, account_id=account_id, building_id=building_id, file_path=f"x/{n}.docx", sha256="0" * 64,
                issued_on=issued_on)


def _contact(account_id: int, channel: str, at: datetime, corrects_id: int | None = None) -> int:
    return _ins(Contact, account_id=account_id, channel=channel, direction="outgoing", outcome="other",
                contacted_at=at, corrects_id=corrects_id)


def _agreement(account_id: int, status: str, signed_on: date | None, *, completed_on=None, broken_on=None,
               is_void=False) -> int:
    return _ins(PaymentAgreement, account_id=account_id, status=status, debt_kop=100000, months=3,
                first_due_on=date(2026, 4, 10), day_of_month=10, signed_on=signed_on, completed_on=completed_on,
                broken_on=broken_on, is_void=is_void)


def _move(case_id: int, to_stage: str, on: date) -> None:
    _ins(StageChange, case_id=case_id, to_stage=to_stage, changed_on=on, details={})


def _court(case_id: int, kind: str, filed_on, issued_on=None, cancelled_on=None, outcome="pending") -> int:
    return _ins(CourtRecord, case_id=case_id, kind=kind, filed_on=filed_on, issued_on=issued_on,
                cancelled_on=cancelled_on, outcome=outcome)


def _writ(case_id: int, destination: str, sent_on: date) -> None:
    _ins(Enforcement, case_id=case_id, writ_number=f"ВС {next(_seq)}", writ_date=sent_on, amount_kop=1000,
         destination=destination, sent_on=sent_on)


def _pay(account_id: int, paid_on: date, amount_kop: int, source: str, reverses_id: int | None = None) -> int:
    return _ins(LedgerEntry, account_id=account_id, service_id=service_id(), period=paid_on.replace(day=1),
                kind="payment", amount_kop=amount_kop, paid_on=paid_on, source=source, reverses_id=reverses_id,
                entry_key=f"m{next(_seq)}")


def _writeoff(case_id: int, user_id: int, ground: str, amount_kop: int, decided_on, decision) -> None:
    _ins(WriteOffProposal, case_id=case_id, ground=ground, amount_kop=amount_kop, proposed_by=user_id,
         proposed_on=date(2026, 1, 5), decided_by=user_id if decision else None, decided_on=decided_on,
         decision=decision)


def build(user_id: int) -> dict:
    """Insert the data set; returns the ids the tests filter by."""
    t1 = _ins(Territory, name="Ленск")
    t2 = _ins(Territory, name="Витим")
    b2 = _ins(Building, territory_id=t2, address="ул. Заречная, 5")
    acc = {}
    for key, terr, tenure, muni in (("a1", t1, "owner", False), ("a2", t1, "social_tenancy", True),
                                    ("a3", t2, "commercial_tenancy", True), ("a4", t2, "owner", False)):
        acc[key] = _ins(Account, number=key.upper(), category="population", tenure=tenure, is_municipal=muni,
                        debtor_name=f"Должник {key}", address=f"адрес {key}", territory_id=terr, search_text=key)
    cs = {k.replace("a", "c"): _ins(Case, account_id=v, stage="notice", stage_since=date(2026, 1, 1),
                                     opened_on=date(2025, 11, 1)) for k, v in acc.items()}
    a1, a2, a3, a4 = (acc[k] for k in ("a1", "a2", "a3", "a4"))
    c1, c2, c3, c4 = (cs[k] for k in ("c1", "c2", "c3", "c4"))

    # documents
    _doc("notice_debt", date(2026, 3, 5), a1)
    _doc("notice_debt", date(2026, 3, 10), a2)
    _doc("warning_restriction", date(2026, 2, 12), a3)
    _doc("pretrial_claim", date(2025, 12, 20), a4)            # before the year
    _doc("notice_debt", date(2026, 4, 1), a1)                 # after the month
    _doc("building_notice", date(2026, 3, 15), building_id=b2)
    _doc("court_order_application", date(2026, 3, 3), a2)     # not a notice

    # contacts
    _contact(a1, "call", datetime(2026, 3, 2, 10, 0))
    _contact(a1, "call", datetime(2026, 3, 31, 23, 30))
    wrong = _contact(a2, "visit", datetime(2026, 3, 16, 12, 0))
    _contact(a2, "visit", datetime(2026, 3, 15, 11, 0))
    _contact(a2, "call", datetime(2026, 3, 16, 12, 5), corrects_id=wrong)  # replaces the wrong visit
    _contact(a3, "raid", datetime(2026, 2, 20, 18, 0))
    _contact(a4, "sms", datetime(2026, 4, 1, 0, 0))            # after the month
    _contact(a4, "call", datetime(2025, 12, 31, 15, 0))        # before the year

    # payment agreements
    _agreement(a1, "completed", date(2026, 3, 3), completed_on=date(2026, 3, 28))
    _agreement(a2, "broken", date(2026, 1, 10), broken_on=date(2026, 3, 12))
    _agreement(a3, "cancelled", date(2026, 3, 20), is_void=True)  # entered in error
    _agreement(a4, "completed", date(2025, 11, 1), completed_on=date(2026, 2, 10))
    _agreement(a4, "draft", None)

    # stage changes
    _move(c1, "notice", date(2026, 1, 5))
    _move(c1, "restriction", date(2026, 2, 10))
    _move(c1, "suspension", date(2026, 3, 2))
    _move(c2, "restriction", date(2026, 3, 20))
    _move(c3, "restriction", date(2025, 12, 1))

    # court records
    _court(c1, "order", date(2026, 3, 4), date(2026, 3, 15), date(2026, 3, 30), "cancelled")
    _court(c2, "order", date(2026, 2, 2), date(2026, 2, 20), outcome="issued")
    _court(c3, "claim", date(2026, 3, 10), date(2026, 3, 25), outcome="satisfied")
    _court(c2, "eviction", date(2026, 3, 11), date(2026, 4, 2), outcome="satisfied")
    _court(c4, "order", date(2025, 12, 15), date(2026, 1, 20), date(2026, 2, 25), "cancelled")

    # writs
    _writ(c2, "bailiff", date(2026, 3, 5))
    _writ(c4, "employer", date(2026, 3, 6))
    _writ(c4, "bailiff", date(2026, 1, 15))
    _writ(c1, "bank", date(2025, 12, 1))

    # receipts
    p = _pay(a2, date(2026, 3, 10), 150000, "enforcement")
    _pay(a2, date(2026, 3, 12), -50000, "enforcement", reverses_id=p)
    _pay(a4, date(2026, 3, 20), 70000, "employer")
    _pay(a4, date(2026, 2, 5), 30000, "enforcement")
    _pay(a1, date(2026, 3, 1), 999999, "bank")
    _pay(a3, date(2025, 12, 30), 1234, "enforcement")

    # write-offs
    _writeoff(c3, user_id, "limitation", 500000, date(2026, 3, 15), "approved")
    _writeoff(c4, user_id, "bailiff_impossible", 200000, date(2026, 2, 15), "approved")
    _writeoff(c1, user_id, "limitation", 100, date(2026, 3, 16), "rejected")
    _writeoff(c2, user_id, "death_no_heirs", 300, None, None)
    db.session.flush()
    return {"t1": t1, "t2": t2, **acc, **cs}
