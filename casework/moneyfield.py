"""A form field for amounts in rubles typed the Russian way."""
from __future__ import annotations

from wtforms import DecimalField
from wtforms.widgets import TextInput


class MoneyField(DecimalField):
    """Rubles as typed by people: «1 234,56», «1234.56», «1 500 ₽». A text input with the decimal keyboard, not
    <input type=number>: Chromium's number input silently drops a typed comma, so «1234,56» arrived as 123456 ₽."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, places=2, **kwargs):
        render_kw = dict(kwargs.pop("render_kw", None) or {})
        render_kw.setdefault("inputmode", "decimal")
        render_kw.setdefault("autocomplete", "off")
        super().__init__(label, validators, places=places, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            text = str(valuelist[0])
            for ch in ("\u00a0", "\u202f", " ", "₽"):
                text = text.replace(ch, "")
            valuelist = [text.replace(",", ".")] + list(valuelist[1:])
        super().process_formdata(valuelist)
