"""Contacts, promises and agreements on a real database (SQLite and PostgreSQL)."""
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, insert, select

from casework.accounts.models import AccountMonth, LedgerEntry, Service
from casework.audit.models import AuditEvent
from casework.contacts import queries, services
from casework.contacts.models import AgreementInstalment, Contact, PaymentAgreement, Promise
from casework.domain.errors import DomainError
from casework.extensions import db
from tests.factories import notice_case, payment, plain_account


def audit_actions(entity, entity_id=None):
    stmt = select(AuditEvent.action).where(AuditEvent.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return list(db.session.scalars(stmt))


def test_log_contact_without_a_request_writes_the_record_and_an_audit_row(app, make_user):
    user = make_user("collector")
    acc = plain_account()
    c = services.log_contact(user, account_id=acc.id, channel="letter", outcome="letter_sent", note="Уведомление",
                             when=datetime(2026, 11, 2, 10, 0), document_id=42)
    db.session.commit()
    assert c.id and c.document_id == 42 and c.direction == "outgoing" and c.author_id == user.id
    rows = db.session.execute(select(AuditEvent.action, AuditEvent.user_id)
                              .where(AuditEvent.entity == "contacts", AuditEvent.entity_id == c.id)).all()
    assert rows == [("insert", user.id)]


def test_log_contact_on_a_case_takes_the_case_account(app, make_user):
    user = make_user("collector")
    acc = plain_account()
    case = notice_case(acc)
    c = services.log_contact(user, case_id=case.id, channel="call", outcome="reached",
                             when=datetime(2026, 11, 2, 10))
    assert c.account_id == acc.id and c.case_id == case.id


@pytest.mark.parametrize("kw,msg", [
    (dict(channel="pigeon", outcome="reached"), "channel|канал"),
    (dict(channel="call", outcome="??"), "outcome|результат"),
    (dict(channel="call", outcome="reached", next_action_kind="call"), "date of the next action|дату следующего"),
    (dict(channel="call", outcome="reached", when=datetime(2099, 1, 1)), "future|будущей"),
])
def test_log_contact_refuses_bad_input_in_words(app, make_user, kw, msg):
    acc = plain_account()
    with pytest.raises(DomainError, match=msg):
        services.log_contact(make_user(), account_id=acc.id, **kw)
    assert db.session.scalar(select(func.count(Contact.id))) == 0


def test_contact_warnings_count_the_accounts_own_history(app, make_user):
    user = make_user()
    acc, other = plain_account(), plain_account()
    wed = date(2026, 11, 18)
    services.log_contact(user, account_id=acc.id, channel="call", outcome="no_answer",
                         when=datetime.combine(wed, time(10)))
    ws = services.contact_warnings(acc.id, "call", "outgoing", datetime.combine(wed, time(15)))
    assert [str(w.code) for w in ws] == ["day_limit"]
    assert services.contact_warnings(other.id, "call", "outgoing", datetime.combine(wed, time(15))) == []
    # 04.11.2026 is a public holiday (production calendar): weekend quiet hours from 20:00
    ws = services.contact_warnings(other.id, "call", "outgoing", datetime(2026, 11, 4, 20, 30))
    assert [str(w.code) for w in ws] == ["quiet_hours"]


def test_promises_are_checked_from_the_ledger_and_the_check_is_idempotent(app, make_user):
    user = make_user()
    kept_acc, partly_acc, broken_acc, pending_acc = (plain_account() for _ in range(4))
    case = notice_case(broken_acc, assignee=user)
    p_kept = services.record_promise(user, account_id=kept_acc.id, amount_kop=500_00, due_on=date(2026, 11, 10),
                                     promised_on=date(2026, 11, 2), grace_days=3)
    p_partly = services.record_promise(user, account_id=partly_acc.id, amount_kop=500_00,
                                       due_on=date(2026, 11, 10), promised_on=date(2026, 11, 2), grace_days=3)
    p_broken = services.record_promise(user, case_id=case.id, amount_kop=500_00, due_on=date(2026, 11, 10),
                                       promised_on=date(2026, 11, 2), grace_days=3)
    p_pending = services.record_promise(user, account_id=pending_acc.id, amount_kop=500_00,
                                        due_on=date(2026, 11, 20), promised_on=date(2026, 11, 2), grace_days=3)
    payment(kept_acc, date(2026, 11, 13), 500_00)  # last grace day
    payment(partly_acc, date(2026, 11, 5), 200_00)
    payment(broken_acc, date(2026, 11, 14), 500_00)  # a day too late
    payment(broken_acc, date(2026, 11, 1), 500_00)  # before the promise
    db.session.commit()
    today = date(2026, 11, 14)
    counts = services.daily(today)
    db.session.commit()
    assert counts["promises_kept"] == 1 and counts["promises_partly_kept"] == 1 and counts["promises_broken"] == 1
    db.session.expire_all()
    status = {p.id: (p.status, p.paid_kop) for p in db.session.scalars(select(Promise))}
    assert status[p_kept.id] == ("kept", 500_00)
    assert status[p_partly.id] == ("partly_kept", 200_00)
    assert status[p_broken.id] == ("broken", 0)
    assert status[p_pending.id] == ("pending", 0)
    assert "promise_broken" in audit_actions("promises", p_broken.id)
    # the broken promise is in the assignee's queue, the partly kept one in its author's (no case)
    items = queries.due_items_for(user.id, today)
    assert {(i["kind"], i["account_id"]) for i in items} >= {("promise_broken", broken_acc.id),
                                                             ("promise_broken", partly_acc.id)}
    assert all(i["kind"] != "promise_broken" or i["account_id"] != kept_acc.id for i in items)
    # idempotent: a second run the same day changes nothing
    n_audit = db.session.scalar(select(func.count(AuditEvent.id)))
    again = services.daily(today)
    db.session.commit()
    assert again["promises_kept"] == again["promises_broken"] == again["promises_partly_kept"] == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == n_audit
    # a contact after the breach takes the alert out of the queue
    services.log_contact(user, account_id=broken_acc.id, channel="call", outcome="reached",
                         when=datetime(2026, 11, 14, 11, 0))
    items = queries.due_items_for(user.id, today)
    assert ("promise_broken", broken_acc.id) not in {(i["kind"], i["account_id"]) for i in items}


def test_cancel_promise_needs_a_reason_and_only_a_pending_one(app, make_user, same_day_clock):
    user = make_user()
    acc = plain_account()
    p = services.record_promise(user, account_id=acc.id, amount_kop=100_00, due_on=date.today())
    with pytest.raises(DomainError):
        services.cancel_promise(user, p, "  ")
    services.cancel_promise(user, p, "ошибка ввода")
    assert p.status == "cancelled"
    with pytest.raises(DomainError):
        services.cancel_promise(user, p, "ещё раз")


def test_next_action_is_due_until_a_later_contact(app, make_user):
    user = make_user()
    acc = plain_account()
    services.log_contact(user, account_id=acc.id, channel="call", outcome="no_answer",
                         when=datetime(2026, 11, 2, 10), next_action_kind="visit", next_action_on=date(2026, 11, 5))
    assert [i["kind"] for i in queries.due_items_for(user.id, date(2026, 11, 4))] == []
    assert [i["kind"] for i in queries.due_items_for(user.id, date(2026, 11, 5))] == ["next_action"]
    assert queries.due_items_for(user.id + 1000, date(2026, 11, 5)) == []  # somebody else's
    services.log_contact(user, account_id=acc.id, channel="visit", outcome="not_at_home",
                         when=datetime(2026, 11, 5, 12))
    assert queries.due_items_for(user.id, date(2026, 11, 6)) == []


def _agreement(user, acc, **kw):
    params = dict(account_id=acc.id, debt_kop=300_00, months=3, first_due_on=date(2026, 12, 10),
                  day_of_month=10, round_rubles=False)
    params.update(kw)
    return services.create_agreement(user, **params)


def test_agreement_draft_sign_track_break_and_acknowledge(app, make_user):
    user = make_user()
    acc = plain_account(balance_kop=300_00)
    case = notice_case(acc, assignee=user)
    ag = _agreement(user, acc, account_id=None, case_id=case.id)
    db.session.commit()
    assert ag.status == "draft" and [i.amount_kop for i in ag.instalments] == [100_00] * 3
    assert queries.acknowledgments_for(acc.id) == []  # a draft acknowledges nothing
    services.sign_agreement(user, ag, date(2026, 11, 20), "Иванов И.И.", today=date(2026, 11, 20))
    db.session.commit()
    assert [d for d, _m in queries.acknowledgments_for(acc.id)] == [date(2026, 11, 20)]
    assert "debt_acknowledged" in audit_actions("payment_agreements", ag.id)
    payment(acc, date(2026, 12, 9), 100_00)
    db.session.commit()
    assert services.daily(date(2026, 12, 20))["agreements_checked"] == 1
    db.session.commit()
    assert db.session.get(PaymentAgreement, ag.id).status == "on_track"
    # January instalment (11.01.2027, Monday after the holidays) not paid
    services.daily(date(2027, 1, 20))
    db.session.commit()
    ag = db.session.get(PaymentAgreement, ag.id)
    assert ag.status == "late" and ag.overdue_kop == 100_00
    items = queries.due_items_for(user.id, date(2027, 1, 20))
    assert [(i["kind"], i["amount_kop"]) for i in items] == [("instalment_overdue", 100_00)]
    counts = services.daily(date(2027, 2, 20))
    db.session.commit()
    assert counts["agreements_broken"] == 1
    ag = db.session.get(PaymentAgreement, ag.id)
    assert ag.status == "broken" and ag.broken_on == date(2027, 2, 20)
    assert "agreement_broken" in audit_actions("payment_agreements", ag.id)
    states = list(db.session.scalars(select(AgreementInstalment.state).where(AgreementInstalment.agreement_id == ag.id)
                                     .order_by(AgreementInstalment.number)))
    assert states == ["paid", "overdue", "overdue"]
    assert [i["kind"] for i in queries.due_items_for(user.id, date(2027, 2, 20))] == ["agreement_broken"]
    # idempotent
    n_audit = db.session.scalar(select(func.count(AuditEvent.id)))
    services.daily(date(2027, 2, 20))
    db.session.commit()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == n_audit
    # the acknowledgment stays after the breach
    assert [d for d, _m in queries.acknowledgments_for(acc.id)] == [date(2026, 11, 20)]


def test_unpaid_current_charges_make_a_signed_agreement_late(app, make_user):
    user = make_user()
    acc = plain_account()
    ag = _agreement(user, acc)
    services.sign_agreement(user, ag, date(2026, 11, 20), today=date(2026, 11, 20))
    db.session.execute(insert(AccountMonth.__table__), [{"account_id": acc.id, "month": date(2026, 11, 1),
                                                         "charged_kop": 40_00}])
    payment(acc, date(2026, 12, 9), 100_00)
    db.session.commit()
    # November's bill is due 15.12.2026 (ЖК 155 ч.1 as amended by 177-ФЗ); 5 grace days end on 20.12
    services.daily(date(2026, 12, 20))
    db.session.commit()
    assert db.session.get(PaymentAgreement, ag.id).status == "on_track"
    services.daily(date(2026, 12, 21))
    db.session.commit()
    ag = db.session.get(PaymentAgreement, ag.id)
    assert ag.status == "late" and ag.overdue_kop == 40_00


def test_completed_agreement_and_void_cancellation(app, make_user):
    user = make_user()
    acc = plain_account()
    ag = _agreement(user, acc)
    services.sign_agreement(user, ag, date(2026, 11, 20), today=date(2026, 11, 20))
    payment(acc, date(2026, 11, 25), 300_00)
    db.session.commit()
    assert services.daily(date(2026, 11, 26))["agreements_completed"] == 1
    db.session.commit()
    ag2 = _agreement(user, acc)
    services.sign_agreement(user, ag2, date(2026, 11, 26), today=date(2026, 11, 26))
    services.cancel_agreement(user, ag2, "введено по ошибке", void=True)
    db.session.commit()
    assert [d for d, _m in queries.acknowledgments_for(acc.id)] == [date(2026, 11, 20)]
    with pytest.raises(DomainError):
        services.cancel_agreement(user, ag2, "снова")


def test_sign_refuses_a_future_date_and_a_second_signature(app, make_user):
    user = make_user()
    ag = _agreement(user, plain_account())
    with pytest.raises(DomainError):
        services.sign_agreement(user, ag, date(2026, 11, 21), today=date(2026, 11, 20))
    services.sign_agreement(user, ag, date(2026, 11, 20), today=date(2026, 11, 20))
    with pytest.raises(DomainError):
        services.sign_agreement(user, ag, date(2026, 11, 20), today=date(2026, 11, 20))


def test_default_debt_is_the_current_balance(app):
    acc = plain_account(balance_kop=12_345_67)
    assert queries.default_debt_kop(acc.id) == 12_345_67
    assert queries.default_debt_kop(plain_account().id) == 0


def test_contact_counts_group_by_channel_and_outcome_within_dates(app, make_user):
    user = make_user()
    a, b = plain_account(), plain_account()
    for acc, ch, oc, d in [(a, "call", "reached", 2), (a, "call", "no_answer", 3), (b, "visit", "not_at_home", 3),
                           (b, "call", "reached", 30)]:
        services.log_contact(user, account_id=acc.id, channel=ch, outcome=oc, when=datetime(2026, 10, d, 12))
    rows = queries.contact_counts(date(2026, 10, 1), date(2026, 10, 29))
    assert {r["channel"]: (r["count"], r["accounts"]) for r in rows} == {"call": (2, 1), "visit": (1, 1)}
    rows = queries.contact_counts(date(2026, 10, 1), date(2026, 10, 31), by=("channel", "outcome"))
    assert {(r["channel"], r["outcome"]): r["count"] for r in rows} == {
        ("call", "reached"): 2, ("call", "no_answer"): 1, ("visit", "not_at_home"): 1}
    with pytest.raises(ValueError):
        queries.contact_counts(date(2026, 10, 1), date(2026, 10, 31), by=("note",))


def test_an_agreement_for_part_of_the_debt_acknowledges_only_the_months_its_sum_covers(app, make_user):
    """ГК 206 п.2 restarts limitation only for the debt acknowledged (Пленум ВС РФ № 43 п.20): an agreement for the
    last 12 months' charges leaves the older, time-barred months time-barred on the legal page."""
    from casework.legal.services import account_calculation

    user = make_user()
    acc = plain_account()
    sid = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    months = [date(2020 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 61)]  # 2020-01 … 2024-12
    db.session.execute(insert(LedgerEntry), [
        dict(account_id=acc.id, service_id=sid, period=p, kind="charge", amount_kop=1_000_00, entry_key=f"ack-{p}")
        for p in months])
    ag = services.create_agreement(user, debt_kop=12_000_00, months=3, first_due_on=date(2025, 4, 10),
                                   account_id=acc.id)
    services.sign_agreement(user, ag, date(2025, 3, 20), "Иванов И.И.", today=date(2025, 3, 20))
    db.session.commit()
    [(signed, periods)] = queries.acknowledgments_for(acc.id)
    assert signed == date(2025, 3, 20) and periods == frozenset(months[-12:])
    calc = account_calculation(acc.id, date(2025, 6, 16))
    barred = {r.period.first_day() for r in calc.limitation.rows if r.time_barred}
    assert date(2020, 1, 1) in barred and date(2022, 3, 1) in barred  # due before 16.06.2022, not acknowledged
    assert not barred & set(months[-12:])
    # an agreement for the whole debt acknowledges every month
    ag2 = services.create_agreement(user, debt_kop=60_000_00, months=3, first_due_on=date(2025, 8, 10),
                                    account_id=acc.id)
    services.sign_agreement(user, ag2, date(2025, 7, 1), "Иванов И.И.", today=date(2025, 7, 1))
    db.session.commit()
    assert queries.acknowledgments_for(acc.id)[-1] == (date(2025, 7, 1), None)
    assert not [r for r in account_calculation(acc.id, date(2025, 7, 2)).limitation.rows if r.time_barred]
