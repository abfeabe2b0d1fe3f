"""MoneyField reads rubles typed the Russian way and renders a text input (a number input drops the comma)."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from casework.moneyfield import MoneyField


class _F(Form):
    amount = MoneyField("Amount")


@pytest.mark.parametrize("typed, value", [("1234,56", Decimal("1234.56")), ("1 234,56", Decimal("1234.56")),
                                          ("1\u00a0500 ₽", Decimal("1500")), ("1234.5", Decimal("1234.5"))])
def test_reads_russian_amounts(typed, value):
    form = _F(MultiDict({"amount": typed}))
    assert form.validate() and form.amount.data == value


def test_refuses_text_and_renders_a_decimal_text_input():
    form = _F(MultiDict({"amount": "много"}))
    assert not form.validate()
    html = str(_F().amount())
    assert 'type="text"' in html and 'inputmode="decimal"' in html
