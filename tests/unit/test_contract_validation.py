"""calc-contract v1 input validation: every malformed document is refused with a message naming its path."""
import json

import pytest
from click.testing import CliRunner

from casework.legal.cli import calc_cli
from casework.legal.contract import ContractError, run

PEN = {"charges": [{"period": "2025-01", "amount": "3000.00"}],
       "payments": [{"date": "2025-05-15", "amount": "3000.00", "period": None}], "calc_date": "2025-06-30"}
LIM = {"charges": [{"period": "2021-02", "amount": "1000.00"}],
       "events": [{"kind": "court_order_filed", "date": "2024-03-01", "periods": None}], "as_of": "2024-11-15"}
DUTY = {"claim": "120000.00", "court": "general", "kind": "claim", "application_sent": "2025-05-12"}


def patched(doc, path, value, delete=False):
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


def refused(kind, doc):
    with pytest.raises(ContractError) as exc:
        run(kind, doc)
    return str(exc.value)


@pytest.mark.parametrize("path,value,needle", [
    (("charges", 0, "amount"), "1,000.00", "charges[0].amount"),
    (("charges", 0, "amount"), "-5.00", "charges[0].amount"),
    (("charges", 0, "amount"), "1.234", "charges[0].amount"),
    (("charges", 0, "amount"), "0.00", "positive"),
    (("charges", 0, "amount"), 3000, "charges[0].amount"),
    (("charges", 0, "amount"), "1 000", "charges[0].amount"),
    (("charges", 0, "amount"), "+5", "charges[0].amount"),
    (("charges", 0, "period"), "2025-13", "charges[0].period"),
    (("charges", 0, "due_date"), "2025-02-30", "charges[0].due_date"),
    (("charges", 0, "amont"), "1.00", "charges[0].amont: unknown key"),
    (("payments", 0, "date"), "2025/05/15", "payments[0].date"),
    (("payments", 0, "period"), "2024-12", "payments[0].period"),
    (("payments", 0, "ref"), "x", "payments[0].ref: unknown key"),
    (("calc_date",), "30.06.2025", "calc_date"),
    (("policy",), {"cap": "min9_5"}, "policy.cap"),
    (("policy",), {"capp": "none"}, "policy.capp: unknown key"),
    (("policy",), {"pp424": "false"}, "policy.pp424"),
    (("policy",), {"payment_day_inclusive": 0}, "policy.payment_day_inclusive"),
    (("policy",), {"due15_from": "2026-3"}, "policy.due15_from"),
    (("policy",), [], "policy"),
    (("extra",), 1, "extra: unknown key"),
])
def test_penalty_refusals(path, value, needle):
    assert needle in refused("penalty", patched(PEN, path, value))


def test_penalty_missing_keys():
    assert "calc_date: missing" in refused("penalty", patched(PEN, ("calc_date",), None, delete=True))
    assert "charges: missing" in refused("penalty", patched(PEN, ("charges",), None, delete=True))
    assert "charges[0].amount: missing" in refused("penalty", patched(PEN, ("charges", 0, "amount"), None, delete=True))
    assert "payments[0].date: missing" in refused("penalty", patched(PEN, ("payments", 0, "date"), None, delete=True))


def test_duplicate_period_and_pre_2016_debt():
    doc = patched(PEN, ("charges",), [{"period": "2025-01", "amount": "1"}, {"period": "2025-01", "amount": "2"}])
    assert "charges[1].period: duplicate" in refused("penalty", doc)
    doc = patched(PEN, ("charges",), [{"period": "2015-11", "amount": "1"}])
    doc["payments"] = []
    assert "before 01.01.2016" in refused("penalty", doc)


def test_payments_optional_and_policy_null():
    doc = patched(PEN, ("payments",), None, delete=True)
    doc["policy"] = None
    assert run("penalty", doc)["rows"][0]["paid"] is False


@pytest.mark.parametrize("path,value,needle", [
    (("events", 0, "kind"), "order_filed", "events[0].kind"),
    (("events", 0, "periods"), ["2021-2"], "events[0].periods[0]"),
    (("events", 0, "note"), "x", "events[0].note: unknown key"),
    (("as_of",), "2024-02-30", "as_of"),
    (("policy",), {"reading": "C"}, "policy.reading"),
    (("policy",), {"cap": "none"}, "policy.cap: unknown key"),
])
def test_limitation_refusals(path, value, needle):
    assert needle in refused("limitation", patched(LIM, path, value))


@pytest.mark.parametrize("path,value,needle", [
    (("claim",), "0", "claim"),
    (("claim",), "120000.001", "claim"),
    (("court",), "district", "court"),
    (("kind",), "order", "kind"),
    (("application_sent",), "2014-12-31", "before 01.01.2015"),
    (("credit",), "-1", "credit"),
    (("policy",), {"rounding": "rubbles"}, "policy.rounding"),
])
def test_duty_refusals(path, value, needle):
    assert needle in refused("duty", patched(DUTY, path, value))


def test_duty_credit_may_be_zero():
    assert run("duty", patched(DUTY, ("credit",), "0"))["to_pay"] == "4600.00"


def test_document_must_be_an_object():
    assert "document" in refused("duty", [])


def test_cli_invalid_input_exit_2_with_json_error_on_stderr():
    r = CliRunner().invoke(calc_cli, ["penalty"], input='{"charges": [], "calc_date": "2025-01-01", "oops": 1}')
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "oops: unknown key" in json.loads(r.stderr)["error"]
    r = CliRunner().invoke(calc_cli, ["duty"], input="{not json")
    assert r.exit_code == 2 and "not valid JSON" in json.loads(r.stderr)["error"]


def test_cli_ok_exit_0():
    r = CliRunner().invoke(calc_cli, ["duty"], input=json.dumps(DUTY))
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["claim_duty"] == "4600.00"
