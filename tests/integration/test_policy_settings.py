"""One policy factory: PENALTY_POLICY / LIMITATION_POLICY / DUTY_POLICY reach every area, and a wrong setting fails
loudly — the application refuses to start, and a setting changed at run time is refused where it is read — instead
of falling back to the defaults."""
from __future__ import annotations

from datetime import date

import pytest

from casework import create_app
from casework.domain.policy import InvalidPolicySetting, Reading
from casework.extensions import db
from casework.legal.adapter import duty_policy, limitation_policy, penalty_policy
from casework.legal.services import account_calculation
from tests.factories import add_entries, calc_account


@pytest.mark.parametrize("setting,value,words", [
    ("PENALTY_POLICY", {"cap": "nine_and_a_half"}, "cap"),
    ("PENALTY_POLICY", {"payment_day_inclusive": "yes"}, "payment_day_inclusive"),
    ("LIMITATION_POLICY", {"reading": "C"}, "reading"),
    ("LIMITATION_POLICY", {"readnig": "B"}, "readnig"),
    ("DUTY_POLICY", {"rounding": "cents"}, "rounding"),
    ("DUTY_POLICY", "rubles", "DUTY_POLICY"),
])
def test_a_wrong_setting_stops_the_start(tmp_path, monkeypatch, setting, value, words):
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(InvalidPolicySetting, match=words):
        create_app({setting: value, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})


def test_the_environment_layer_gives_a_working_policy(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CASEWORK_LIMITATION_POLICY", '{"reading": "B", "weekend_shift": false}')
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    with app.app_context():
        pol = limitation_policy()
    assert pol.reading == Reading.B and pol.weekend_shift is False


def test_a_setting_broken_at_run_time_is_refused_by_the_documents_too(app):
    """The court letters used to fall back to the default penalty policy on a bad setting."""
    from casework.documents.context import load_common, load_source

    acc = calc_account()
    add_entries(acc.id, [{"kind": "charge", "period": "2023-01", "amount": "1000.00"}])
    db.session.commit()
    app.config["PENALTY_POLICY"] = {"cap": "bogus"}
    try:
        with pytest.raises(InvalidPolicySetting):
            penalty_policy()
        with pytest.raises(InvalidPolicySetting):
            load_source(acc.id, load_common({}, date(2024, 6, 30))).penalty_kop
    finally:
        app.config["PENALTY_POLICY"] = {}
    app.config["DUTY_POLICY"] = {"rounding": 2}
    try:
        with pytest.raises(InvalidPolicySetting):
            duty_policy()
    finally:
        app.config["DUTY_POLICY"] = {}


def test_the_limitation_setting_reaches_the_cases_area(app):
    """Reading B ends a month a day earlier: 2022-02 is due 10.03.2022, so on 11.03.2025 it is barred under B only —
    in the legal calculation and in the cases area's court guard alike."""
    from casework.cases.services import limitation_for

    acc = calc_account()
    add_entries(acc.id, [{"kind": "charge", "period": "2022-02", "amount": "1000.00"}])
    db.session.commit()
    on = date(2025, 3, 11)
    assert limitation_for(acc.id, on)[0] == account_calculation(acc.id, on).claimable_kop == 100000
    app.config["LIMITATION_POLICY"] = {"reading": "B"}
    try:
        assert limitation_for(acc.id, on)[0] == account_calculation(acc.id, on).claimable_kop == 0
    finally:
        app.config["LIMITATION_POLICY"] = {}
