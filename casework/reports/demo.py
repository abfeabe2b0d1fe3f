"""Demo part of the reports area: closed months and a late correction, so the demo shows both.

Called by `casework demo` through `casework.demo.generator.DEMO_EXTENSIONS` after the other areas' parts.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from ..accounts.models import AccountMonth, LedgerEntry
from ..extensions import db
from .queries import add_month, months_with_data
from .services import close_month, get_closed

MONTHS_CLOSED = 6


def extend_demo(rng: random.Random, today: date, months_closed: int = MONTHS_CLOSED) -> dict[str, int]:
    """Close the `months_closed` reporting months before the previous one (submitted by the demo manager), then
    post one recalculation dated in the last closed month, as a late import would: the closed figures stay as
    submitted and the next month's form shows it on the line «корректировки прошлых периодов»."""
    from ..auth.models import User

    manager = db.session.scalar(select(User).where(User.role == "manager").order_by(User.id).limit(1))
    last = add_month(today.replace(day=1), -2)
    have = set(months_with_data(120))
    closed = 0
    closed_last = False
    for i in range(months_closed - 1, -1, -1):
        m = add_month(last, -i)
        if m in have and get_closed(m) is None:
            close_month(m, manager, today, note="Представлен в администрацию (демо)")
            closed += 1
            closed_last = m == last
    done = get_closed(last)
    if done is None or not closed_last:  # the correction goes with the closing, once
        return {"months_closed": closed, "late_corrections": 0}
    am = AccountMonth.__table__
    candidates = db.session.execute(select(am.c.account_id, am.c.charged_kop).where(
        am.c.month == last, am.c.charged_kop > 100_00).order_by(am.c.account_id).limit(50)).all()
    if not candidates:
        return {"months_closed": closed, "late_corrections": 0}
    account_id, charged = rng.choice(candidates)
    le = LedgerEntry.__table__
    service_id = db.session.scalar(select(le.c.service_id).where(
        le.c.account_id == account_id, le.c.period == last, le.c.kind == "charge").limit(1))
    amount = -max(1, int(charged) // 10)  # a tenth of the month's charge taken back
    db.session.execute(insert(le).values(
        account_id=account_id, service_id=service_id, period=last, kind="recalculation", amount_kop=amount,
        reference="демо: перерасчёт после закрытия месяца", entry_key=f"demo-late-recalc-{account_id}-{last:%Y%m}",
        created_at=done.closed_at + timedelta(seconds=1)))
    from ..accounts.services import refresh_account_figures

    refresh_account_figures([account_id], as_of=today)
    db.session.flush()
    return {"months_closed": closed, "late_corrections": 1}
