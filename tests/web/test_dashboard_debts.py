"""The dashboard with overpaid accounts: debts (gross), overpayments and the net balance side by side, so that the
overdue debt (a part of the debts) is never set against a smaller net figure without a word."""
from __future__ import annotations

import re
from datetime import date

from casework.extensions import db
from casework.reports.analysis import debts_and_overpayments, key_numbers
from tests.integration.report_data import add_account, entry, refresh_figures

MARCH = date(2026, 3, 1)


def _cards(html: str) -> dict[str, str]:
    """{label: amount} of the dashboard's figure cards, spaces normalised."""
    out = {}
    for label, amount in re.findall(r'<div class="card stat"[^>]*><div class="muted">([^<]+)</div><strong>([^<]+)'
                                    r'</strong>', html):
        out[label.strip()] = amount.replace("\u00a0", " ").replace("\u202f", " ").strip()
    return out


def _data(with_overpayment: bool = True):
    debtor = add_account("D1")
    for m in (1, 2, 3):                                  # 3 × 1 000 ₽ charged, nothing paid
        entry(debtor, "charge", date(2026, m, 1), 1000_00)
    if with_overpayment:
        ahead = add_account("D2")
        for m in (1, 2, 3):
            entry(ahead, "charge", date(2026, m, 1), 1000_00)
        entry(ahead, "payment", date(2026, 1, 1), 5000_00, paid_on=date(2026, 1, 20), source="bank")  # 2 000 ahead
    refresh_figures(MARCH)
    db.session.commit()


def test_debts_and_overpayments_are_summed_apart(app):
    _data()
    assert debts_and_overpayments(MARCH) == (3000_00, 2000_00)
    key = key_numbers(MARCH)
    assert key["debt_end"] == 1000_00 and key["overdue"] == 2000_00  # overdue > net: the manager's puzzle
    assert key["overdue"] <= key["debts"]


def test_dashboard_labels_gross_overpayments_and_net(client, login):
    _data()
    login("manager")
    cards = _cards(client.get("/reports/dashboard").get_data(as_text=True))
    assert cards["Задолженность (без учёта переплат)"] == "3 000,00 ₽"
    assert cards["Переплаты"] == "2 000,00 ₽"
    assert cards["Сальдо (нетто): задолженность минус переплаты"] == "1 000,00 ₽"
    assert cards["Просроченная задолженность"] == "2 000,00 ₽"
    assert "Задолженность на конец месяца" not in cards


def test_without_overpayments_one_debt_figure_is_shown(client, login):
    _data(with_overpayment=False)
    login("manager")
    cards = _cards(client.get("/reports/dashboard").get_data(as_text=True))
    assert cards["Задолженность на конец месяца"] == "3 000,00 ₽"
    assert "Переплаты" not in cards and "Задолженность (без учёта переплат)" not in cards
