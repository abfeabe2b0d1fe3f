"""The daily queue's sections: what each holds, in which order, for whom, with the account's number and debtor."""
from datetime import timedelta

from casework.cases import queries, services
from casework.cases.models import Alert, Deadline
from casework.extensions import db
from tests.factories import billed_account
from tests.integration.test_case_services import TODAY


def _open(user, assignee, **kw):
    acc, _ = billed_account(**kw)
    return services.open_case(acc.id, user, TODAY - timedelta(days=30), assignee_id=assignee.id)


def test_sections_hold_their_items_in_order_for_their_owner(app, make_user):
    manager, mine, other = make_user("manager"), make_user("collector"), make_user("collector")
    late, early, foreign = _open(manager, mine), _open(manager, mine), _open(manager, other)
    late.next_action_on, late.next_action = TODAY, "Позвонить"
    early.next_action_on, early.next_action = TODAY - timedelta(days=3), "Обход"
    foreign.next_action_on = TODAY - timedelta(days=5)
    later = TODAY + timedelta(days=1)
    db.session.add_all([
        Deadline(case_id=early.id, kind="warning_term", starts_on=TODAY - timedelta(days=25),
                 due_on=TODAY - timedelta(days=4), reached_on=TODAY - timedelta(days=4)),
        Deadline(case_id=late.id, kind="objection_window", starts_on=TODAY - timedelta(days=15),
                 due_on=TODAY - timedelta(days=1), reached_on=TODAY - timedelta(days=1)),
        Deadline(case_id=late.id, kind="restriction_term", starts_on=TODAY, due_on=later),   # not reached yet
        Deadline(case_id=early.id, kind="limitation", starts_on=TODAY, due_on=TODAY + timedelta(days=45)),
        Deadline(case_id=late.id, kind="limitation", starts_on=TODAY, due_on=TODAY + timedelta(days=10)),
        Deadline(case_id=foreign.id, kind="limitation", starts_on=TODAY, due_on=TODAY + timedelta(days=120)),
        Alert(case_id=late.id, kind="promise_broken", raised_on=TODAY - timedelta(days=2)),
        Alert(case_id=early.id, kind="hold_review", raised_on=TODAY - timedelta(days=1), resolved_on=TODAY),
    ])
    db.session.commit()

    q = queries.queue(mine.id, TODAY)
    assert [r["case_id"] for r in q["actions"]] == [early.id, late.id]
    assert q["actions"][1]["text"] == "Позвонить" and q["actions"][0]["kind"] == "next_action"
    assert q["actions"][0]["number"] == early.account.number
    assert q["actions"][0]["debtor_name"] == early.account.debtor_name
    assert [(r["case_id"], r["kind"]) for r in q["deadlines"]] == [(early.id, "warning_term"),
                                                                  (late.id, "objection_window")]
    assert [(r["case_id"], r["kind"], r["due_on"]) for r in q["alerts"]] == [
        (late.id, "promise_broken", TODAY - timedelta(days=2))]
    assert [(r["case_id"], r["within"]) for r in q["limitation"]] == [(late.id, 30), (early.id, 60)]
    assert q["new_debtors"] == []

    everybody = queries.queue(None, TODAY)
    assert [r["case_id"] for r in everybody["actions"]] == [foreign.id, early.id, late.id]
    assert foreign.id not in [r["case_id"] for r in everybody["limitation"]]   # 120 days: not within 90
    assert queries.queue(other.id, TODAY)["deadlines"] == []
