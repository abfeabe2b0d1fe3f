"""Legal pages: calculators, the account calculation and its printable form, rate tables (admin edits, audited)."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.legal.models import KeyRate
from tests.factories import add_entries, calc_account


def _account_with_debt():
    acc = calc_account()
    add_entries(acc.id, [{"kind": "charge", "period": "2019-03", "amount": "5000.00"},
                         {"kind": "payment", "amount": "5000.00", "paid_on": "2019-08-15", "paid_period": "2019-03"},
                         {"kind": "charge", "period": "2024-01", "amount": "1800.00"}])
    db.session.commit()
    return acc


@pytest.mark.parametrize("role", ["collector", "lawyer", "manager"])
def test_staff_see_the_account_calculation(client, login, role):
    login(role)
    acc = _account_with_debt()
    resp = client.get(f"/legal/account/{acc.id}?as_of=2019-08-15")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "175,67" in page  # PEN-01: 5000 × 7.25 % × (60/300 + 37/130)
    assert acc.number in page


def test_printable_penalty_calculation_lists_lines_and_totals(client, login, app):
    from casework.enterprise.models import get_enterprise

    ent = get_enterprise()
    ent.name, ent.inn = "МУП «Теплосеть»", "1414000000"
    db.session.commit()
    login("lawyer")
    acc = _account_with_debt()
    page = client.get(f"/legal/account/{acc.id}/penalty?as_of=2019-08-15").get_data(as_text=True)
    for text in ("МУП «Теплосеть»", "1414000000", "175,67", "7,25", "@media print"):
        assert text in page, text


def test_penalty_export_is_a_workbook_with_the_same_total(client, login):
    from openpyxl import load_workbook

    login("lawyer")
    acc = _account_with_debt()
    resp = client.get(f"/legal/account/{acc.id}?as_of=2019-08-15&export=penalty")
    assert resp.status_code == 200 and resp.mimetype.endswith("sheet")
    ws = load_workbook(BytesIO(resp.data)).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row]
    assert any(str(v) == "175.67" for v in values)


def test_missing_account_is_404(client, login):
    login("lawyer")
    assert client.get("/legal/account/999999").status_code == 404
    assert client.get("/legal/account/999999/penalty").status_code == 404


def test_duty_calculator_explains_scale_and_rounding(client, login):
    login("collector")
    resp = client.get("/legal/?calc=duty&claim=150000&court=general&kind=court_order&sent_on=2025-03-01&credit=0")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    # new scale: 4000 + 3 % × 50 000 = 5500; court order 50 % = 2750
    assert "2\u00a0750,00" in page and "5\u00a0500,00" in page and "НК ст.52 п.6" in page


def test_penalty_calculator_refuses_bad_lines_in_words(client, login):
    login("lawyer")
    page = client.get("/legal/?calc=penalty&charges=2025-13%3B100&calc_date=2025-06-01").get_data(as_text=True)
    assert "2025-13" in page and 'role="alert"' in page


def test_collector_may_not_open_or_edit_rate_tables(client, login):
    login("collector")
    assert client.get("/legal/reference").status_code == 403
    assert client.post("/legal/reference/key_rates/new", data={}).status_code == 403


def test_lawyer_reads_rate_tables_without_edit_buttons(client, login):
    login("lawyer")
    page = client.get("/legal/reference?table=calendar&year=2025").get_data(as_text=True)
    assert "ПП РФ" in page and "/legal/reference/calendar/new" not in page
    assert client.get("/legal/reference?table=nope").status_code == 404


def test_admin_adds_a_rate_and_the_change_is_audited(client, login):
    admin = login("admin")
    resp = client.post("/legal/reference/key_rates/new",
                       data={"date_from": "2026-10-26", "rate_percent": "13,5", "source": "решение 24.10.2026"})
    assert resp.status_code == 302
    row = db.session.scalar(select(KeyRate).where(KeyRate.date_from == date(2026, 10, 26)))
    assert str(row.rate_percent) == "13.50"
    ev = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "legal_key_rates",
                                                    AuditEvent.entity_id == row.id))
    assert ev.user_id == admin.id
    # a duplicate date is refused with a message, nothing stored
    resp = client.post("/legal/reference/key_rates/new", data={"date_from": "2026-10-26", "rate_percent": "14"},
                       follow_redirects=True)
    assert "26.10.2026" in resp.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(KeyRate).where(
        KeyRate.date_from == date(2026, 10, 26))) == 1
    # deactivate, then the edit form of a missing row is 404
    resp = client.post(f"/legal/reference/key_rates/{row.id}/active", data={})
    assert resp.status_code == 302
    db.session.refresh(row)
    assert row.is_active is False
    assert client.get("/legal/reference/key_rates/999999/edit").status_code == 404


def test_admin_edits_a_duty_scale_through_the_bands_text(client, login):
    from casework.legal.models import DutyScaleRow

    login("admin")
    row = db.session.scalar(select(DutyScaleRow).where(DutyScaleRow.code == "general_new"))
    form = client.get(f"/legal/reference/duty_scales/{row.id}/edit").get_data(as_text=True)
    assert "100000; 4000; 3" in form
    bad = client.post(f"/legal/reference/duty_scales/{row.id}/edit", data={
        "code": "general_new", "court": "general", "scale": "new", "valid_from": "2024-09-09",
        "order_share": "0.5", "bands": "100; 5; 1\n0; 4000; 0"}, follow_redirects=True)
    assert "ascend" in bad.get_data(as_text=True) or "threshold" in bad.get_data(as_text=True)


def test_staleness_warning_shows_for_admins_only(client, login, app):
    from casework.legal.services import current_reference

    newest = current_reference().rates.last_change.strftime("%d.%m.%Y")
    saved = {"KEY_RATE_STALE_DAYS": app.config.get("KEY_RATE_STALE_DAYS")}
    app.config["KEY_RATE_STALE_DAYS"] = 1
    try:
        login("lawyer")
        assert newest not in client.get("/legal/").get_data(as_text=True)
        client.post("/auth/logout")
        login("admin")
        page = client.get("/legal/").get_data(as_text=True)
    finally:
        app.config.update(saved)
    assert newest in page and 'class="warning"' in page


def test_portfolio_results_page_and_export(client, login, app):
    from casework.legal.portfolio import run_portfolio

    acc = _account_with_debt()
    run_portfolio(date(2025, 9, 30))
    db.session.commit()
    login("manager")
    page = client.get("/legal/portfolio?sort=debt").get_data(as_text=True)
    assert acc.number in page
    resp = client.get("/legal/portfolio?export=xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("sheet")


def test_the_account_card_links_to_the_calculation(client, login):
    login("collector")
    acc = _account_with_debt()
    page = client.get(f"/accounts/{acc.id}").get_data(as_text=True)
    assert f"/legal/account/{acc.id}" in page and f"/legal/account/{acc.id}/penalty" in page


def test_the_legal_page_states_what_a_court_application_of_the_day_claims(client, login):
    """The lawyer compares a court paper with the legal page: the page states the principal and penalty of the due,
    not time-barred months (legal.adapter.claim_checklist), the figures the application prints (issue 14.1)."""
    from casework.legal.adapter import claim_checklist
    from casework.legal.services import account_calculation

    login("lawyer")
    acc = calc_account()
    add_entries(acc.id, [{"kind": "charge", "period": "2019-03", "amount": "5000.00"},
                         {"kind": "charge", "period": "2024-01", "amount": "1800.00"}])
    db.session.commit()
    claim = claim_checklist(account_calculation(acc.id, date(2024, 6, 1)))
    assert claim.debt_kop == 1800_00 and claim.penalty_kop > 0  # 2019-03 is time-barred, not claimed by default
    page = client.get(f"/legal/account/{acc.id}?as_of=2024-06-01").get_data(as_text=True)
    assert f'data-claim-debt="{claim.debt_kop}" data-claim-penalty="{claim.penalty_kop}"' in page
    assert "Заявление в суд на эту дату взыщет" in page
