"""The accounts list filter (a GET form: bookmarkable, no CSRF token needed for a read)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..i18n import _, _l
from ..pagination import check_kopecks
from .labels import AGING_LABELS, CATEGORY_LABELS, TENURE_LABELS
from .queries import SORTS, AccountFilter

_AMOUNT = re.compile(r"^-?\d+([.,]\d{1,2})?$")


def parse_rubles(text: str | None) -> Decimal | None:
    """'1 500,50' / '1500.5' / '1500' → Decimal rubles; None when empty; ValueError when not an amount."""
    if text is None:
        return None
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("₽", "").strip()
    if not cleaned:
        return None
    if not _AMOUNT.match(cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refuses these
        raise ValueError(text) from exc


class RubleField(StringField):
    """An amount in rubles typed the Russian way (space between thousands, decimal comma)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.amount = None
        try:
            self.amount = parse_rubles(self.data)
        except ValueError:
            self.process_errors.append(_("Enter an amount in rubles, for example 1500 or 1 500,50."))


def _choices(labels: dict, empty) -> list[tuple[str, str]]:
    return [("", empty)] + [(k, v) for k, v in labels.items()]


class AccountFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)],
                    description=_l("Account number, debtor, address or phone"),
                    render_kw={"placeholder": _l("Number, name, address or phone"), "autofocus": True,
                               "accesskey": "s"})
    category = SelectField(_l("Category"), choices=[], validate_choice=True, default="")
    territory = SelectField(_l("Territory"), choices=[], validate_choice=True, default="")
    tenure = SelectField(_l("Tenure"), choices=[], validate_choice=True, default="")
    municipal = SelectField(_l("Municipal housing"), choices=[], validate_choice=True, default="")
    debt_min = RubleField(_l("Debt from, ₽"), render_kw={"inputmode": "decimal", "size": 10})
    debt_max = RubleField(_l("Debt to, ₽"), render_kw={"inputmode": "decimal", "size": 10})
    aging = SelectField(_l("Oldest debt"), choices=[], validate_choice=True, default="")
    has_case = SelectField(_l("Open case"), choices=[], validate_choice=True, default="")
    sort = HiddenField(default="number")
    dir = HiddenField(default="asc")

    def __init__(self, *args, territories: dict[int, str] | None = None, with_cases: bool = True, **kw):
        super().__init__(*args, **kw)
        any_ = _("any")
        self.category.choices = _choices(CATEGORY_LABELS, any_)
        self.tenure.choices = _choices(TENURE_LABELS, any_)
        self.territory.choices = [("", any_)] + [(str(k), v) for k, v in (territories or {}).items()]
        self.municipal.choices = [("", any_), ("yes", _("municipal only")), ("no", _("non-municipal"))]
        self.aging.choices = _choices(AGING_LABELS, any_)
        self.has_case.choices = [("", any_), ("yes", _("with an open case")), ("no", _("without an open case"))]
        if not with_cases:
            del self.has_case

    def validate_debt_max(self, field):
        low, high = getattr(self.debt_min, "amount", None), getattr(field, "amount", None)
        if low is not None and high is not None and high < low:
            raise ValidationError(_("The upper bound is below the lower one."))

    def to_filter(self) -> AccountFilter:
        """The filter the form describes; fields with errors are left out (the form shows why)."""
        def ok(f):
            return f is not None and not f.errors and f.data not in (None, "")

        def kop(f):
            amount = getattr(f, "amount", None)
            value = int(amount * 100) if ok(f) and amount is not None else None
            return check_kopecks(f.name, value, label=str(f.label.text))  # an oversized amount: 400

        sort = self.sort.data if self.sort.data in SORTS else "number"
        has_case = getattr(self, "has_case", None)
        return AccountFilter(
            q=(self.q.data or "").strip() if not self.q.errors else "",
            category=self.category.data if ok(self.category) else None,
            territory_id=int(self.territory.data) if ok(self.territory) else None,
            tenure=self.tenure.data if ok(self.tenure) else None,
            municipal={"yes": True, "no": False}.get(self.municipal.data) if ok(self.municipal) else None,
            debt_min_kop=kop(self.debt_min),
            debt_max_kop=kop(self.debt_max) if not self.debt_max.errors else None,
            aging=self.aging.data if ok(self.aging) else None,
            has_open_case={"yes": True, "no": False}.get(has_case.data) if ok(has_case) else None,
            sort=sort,
            descending=self.dir.data == "desc",
        )


