"""Reference tables: seeded equal to the packaged files, never overwritten, edits change the next calculation
and are audited, staleness warnings at their boundaries."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.domain.errors import DomainError
from casework.extensions import db
from casework.legal import reference
from casework.legal.models import CalendarDay, CapWindow, DutyScaleRow, KeyRate, Moratorium
from casework.legal.seed import seed
from casework.legal.services import (
    build_reference,
    current_reference,
    save_calendar_day,
    save_cap_window,
    save_key_rate,
    set_row_active,
    staleness_warnings,
)


def test_seeded_tables_equal_the_packaged_files(app):
    ref = build_reference()
    packaged = reference.load_key_rates()
    assert ref.rates.rows == packaged.rows
    assert ref.cap_windows == reference.load_cap_windows()
    assert ref.moratoria == reference.load_moratoria()
    assert sorted(ref.duty_scales, key=lambda s: s.code) == sorted(reference.load_duty_scales(), key=lambda s: s.code)
    cal = reference.load_calendar()
    assert ref.calendar.covered_years == cal.covered_years
    assert ref.calendar._exceptions == cal._exceptions  # same exceptions, day by day
    assert len(reference.calendar_rows()) == db.session.scalar(select(db.func.count()).select_from(CalendarDay))


def test_seed_is_idempotent_and_keeps_edits(app):
    row = db.session.scalar(select(KeyRate).order_by(KeyRate.date_from.desc()))
    row.rate_percent = Decimal("13.00")
    row.source = "edited"
    cal = db.session.scalar(select(CalendarDay).order_by(CalendarDay.day))
    cal.is_active = False
    db.session.commit()
    assert seed() == {"key_rates": 0, "cap_windows": 0, "moratoria": 0, "calendar": 0, "duty_scales": 0}
    db.session.commit()
    db.session.refresh(row)
    db.session.refresh(cal)
    assert row.rate_percent == Decimal("13.00") and row.source == "edited" and cal.is_active is False
    # a deleted row comes back from the packaged file
    db.session.delete(db.session.scalar(select(Moratorium).where(Moratorium.code == "pp424")))
    db.session.commit()
    assert seed()["moratoria"] == 1


def test_a_new_key_rate_row_changes_the_next_penalty_and_is_audited(app, make_user):
    from casework.legal.services import account_calculation
    from tests.factories import add_entries, calc_account

    acc = calc_account()
    # 2020 is outside the 9.5 % cap window, so the key rate on the calculation date counts
    add_entries(acc.id, [{"kind": "charge", "period": "2020-01", "amount": "10000.00"}])
    db.session.commit()
    before = account_calculation(acc.id, date(2021, 1, 30)).penalty
    assert before.rows[-1].rate_percent == Decimal("4.25")
    admin = make_user("admin")
    db.session.info["actor_id"] = admin.id
    try:
        save_key_rate(None, date(2021, 1, 25), "6.00", "test decision")
        db.session.commit()
    finally:
        db.session.info.pop("actor_id", None)
    after = account_calculation(acc.id, date(2021, 1, 30)).penalty
    assert after.rows[-1].rate_percent == Decimal("6.00")
    assert after.total > before.total
    new_id = db.session.scalar(select(KeyRate.id).where(KeyRate.date_from == date(2021, 1, 25)))
    ev = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "legal_key_rates",
                                                    AuditEvent.entity_id == new_id))
    assert ev.action == "insert" and ev.user_id == admin.id and ev.changes["rate_percent"] == "6.00"


def test_deactivating_a_rate_row_takes_it_out_and_the_last_one_is_kept(app):
    row = db.session.scalar(select(KeyRate).order_by(KeyRate.date_from.desc()))
    newest = row.date_from
    set_row_active(row, False)
    db.session.commit()
    assert current_reference().rates.last_change < newest
    for r in db.session.scalars(select(KeyRate).where(KeyRate.is_active.is_(True)).order_by(KeyRate.date_from)).all()[1:]:
        set_row_active(r, False)
    last = db.session.scalar(select(KeyRate).where(KeyRate.is_active.is_(True)))
    with pytest.raises(DomainError):
        set_row_active(last, False)


def test_edits_are_validated_in_the_users_words(app):
    with pytest.raises(DomainError, match="01.01.2016"):
        save_key_rate(None, date(2016, 1, 1), "11", "")
    with pytest.raises(DomainError):
        save_key_rate(None, date(2030, 1, 1), "9.555", "")
    with pytest.raises(DomainError, match="13.01.2027"):
        save_calendar_day(None, date(2027, 1, 13), "working", "")  # a Wednesday cannot become a working day
    with pytest.raises(DomainError, match="28.02.2022"):
        save_cap_window(None, date(2026, 6, 1), date(2027, 12, 31), "9.5", "")
    save_calendar_day(None, date(2027, 1, 4), "non_working", "ПП о переносе 2027")
    assert date(2027, 1, 4) in {r.day for r in db.session.scalars(select(CalendarDay))}


@pytest.mark.parametrize("today,warned", [(date(2026, 11, 30), False), (date(2026, 12, 1), True)])
def test_calendar_warning_starts_on_1_december(app, today, warned):
    ref = replace(build_reference(), rates=None)
    msgs = [m for m in staleness_warnings(today, ref) if "2027" in m]
    assert bool(msgs) is warned


def test_calendar_warning_goes_away_once_next_year_has_rows(app):
    save_calendar_day(None, date(2027, 1, 1), "non_working", "")
    db.session.commit()
    assert not [m for m in staleness_warnings(date(2026, 12, 1), current_reference()) if "2027" in m]


def test_key_rate_age_warning_at_its_boundary(app):
    ref = current_reference()
    last = ref.rates.last_change
    cap_end = ref.cap_windows[-1].end
    rate_mark, cap_mark = last.strftime("%d.%m.%Y"), cap_end.strftime("%d.%m.%Y")  # each warning names its date
    just = date.fromordinal(last.toordinal() + 120)
    assert not [m for m in staleness_warnings(just, ref, 120, 0) if rate_mark in m]
    late = [m for m in staleness_warnings(date.fromordinal(just.toordinal() + 1), ref, 120, 0) if rate_mark in m]
    assert late and "121" in late[0]
    # the cap window's notice
    assert [m for m in staleness_warnings(date.fromordinal(cap_end.toordinal() - 60), ref, 10_000, 60)
            if cap_mark in m]
    assert not [m for m in staleness_warnings(date.fromordinal(cap_end.toordinal() - 61), ref, 10_000, 60)
                if cap_mark in m]


def test_the_cached_reference_follows_an_edit(app):
    first = current_reference()
    assert current_reference() is first
    row = db.session.scalar(select(CapWindow))
    save_cap_window(row, row.start_on, date(2027, 12, 31), row.cap_percent, row.source)
    db.session.commit()
    assert current_reference().cap_windows[-1].end == date(2027, 12, 31)
    scale = db.session.scalar(select(DutyScaleRow).where(DutyScaleRow.code == "general_new"))
    assert scale.bands[0] == {"threshold": "0", "base": "4000", "percent": "0"}
