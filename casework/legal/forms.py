"""Forms of the legal area: reference-table rows (admin) and the calculators."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..i18n import _l
from ..moneyfield import MoneyField

_REQ = _l("Fill in this field.")


class KeyRateForm(FlaskForm):
    date_from = DateField(_l("In force from"), validators=[InputRequired(_REQ)],
                          description=_l("The effective date (usually the Monday after the board meeting)."))
    rate_percent = StringField(_l("Rate, %"), validators=[InputRequired(_REQ), Length(max=10)])
    source = TextAreaField(_l("Source"), validators=[Optional(), Length(max=2000)],
                           description=_l("Where the rate comes from: the Bank of Russia page or decision."))
    submit = SubmitField(_l("Save"))


class CapWindowForm(FlaskForm):
    start_on = DateField(_l("First day"), validators=[InputRequired(_REQ)])
    end_on = DateField(_l("Last day"), validators=[InputRequired(_REQ)])
    cap_percent = StringField(_l("Cap, %"), validators=[InputRequired(_REQ), Length(max=10)])
    source = TextAreaField(_l("Source"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class MoratoriumForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(_REQ), Length(max=40)],
                       description=_l("A short name, e.g. pp497."))
    start_on = DateField(_l("First day"), validators=[InputRequired(_REQ)])
    end_on = DateField(_l("Last day"), validators=[InputRequired(_REQ)])
    max_period = DateField(_l("Only charges up to the month"), format="%Y-%m", validators=[Optional()],
                           render_kw={"type": "month"},
                           description=_l("Leave empty when the moratorium covers every charge."))
    source = TextAreaField(_l("Source"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(_REQ)])
    kind = SelectField(_l("The day is"), choices=[("non_working", _l("a day off (on a weekday)")),
                                                  ("working", _l("a working day (on a Saturday or Sunday)"))])
    source = TextAreaField(_l("Source"), validators=[Optional(), Length(max=2000)],
                           description=_l("The government decree on moving days off."))
    submit = SubmitField(_l("Save"))


class DutyScaleForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(_REQ), Length(max=40)])
    court = SelectField(_l("Court"), choices=[("general", _l("General jurisdiction (НК 333.19)")),
                                              ("arbitrazh", _l("Arbitrazh (НК 333.21)"))])
    scale = StringField(_l("Scale name"), validators=[Optional(), Length(max=12)])
    valid_from = DateField(_l("For applications sent from"), validators=[InputRequired(_REQ)])
    valid_to = DateField(_l("up to (inclusive)"), validators=[Optional()])
    order_share = StringField(_l("Court order share"), default="0.5", validators=[InputRequired(_REQ)],
                              description=_l("Court order duty = share × claim duty (0.5 = 50 %)."))
    order_min = StringField(_l("Court order minimum, rubles"), validators=[Optional(), Length(max=20)])
    bands = TextAreaField(_l("Bands"), validators=[InputRequired(_REQ)], render_kw={"rows": 10},
                          description=_l("One band per line: threshold; base; percent[; min; max]. A band applies "
                                         "when the claim exceeds its threshold: base + percent of the excess."))
    source = TextAreaField(_l("Source"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class _GetForm(FlaskForm):
    class Meta:
        csrf = False  # calculations change nothing; GET keeps the result bookmarkable


class AsOfForm(_GetForm):
    as_of = DateField(_l("As of"), validators=[Optional()])
    submit = SubmitField(_l("Calculate"))


class DutyCalcForm(_GetForm):
    claim = MoneyField(_l("Claim amount, rubles"), places=2, validators=[InputRequired(_REQ),
                                                                         NumberRange(min=0.01)])
    court = SelectField(_l("Court"), choices=[("general", _l("Magistrate / district court")),
                                              ("arbitrazh", _l("Arbitrazh court"))])
    kind = SelectField(_l("Application"), choices=[("court_order", _l("Court order")), ("claim", _l("Claim"))])
    sent_on = DateField(_l("Date sent"), validators=[InputRequired(_REQ)])
    credit = MoneyField(_l("Duty already paid (credited), rubles"), places=2, default=0,
                          validators=[Optional(), NumberRange(min=0)],
                          description=_l("Duty paid for a cancelled court order counts towards the claim."))
    submit = SubmitField(_l("Calculate duty"))


class PenaltyCalcForm(_GetForm):
    charges = TextAreaField(_l("Charges"), validators=[DataRequired(_REQ)], render_kw={"rows": 6},
                            description=_l("One line per month: period; amount — e.g. 2025-01; 3000.00"))
    payments = TextAreaField(_l("Payments"), validators=[Optional()], render_kw={"rows": 4},
                             description=_l("One line per payment: date; amount[; month named by the payer] — "
                                            "e.g. 2025-05-15; 3000.00; 2025-01"))
    calc_date = DateField(_l("Calculation date"), validators=[InputRequired(_REQ)])
    submit = SubmitField(_l("Calculate penalty"))


class LimitationCalcForm(_GetForm):
    charges = TextAreaField(_l("Unpaid months"), validators=[DataRequired(_REQ)], render_kw={"rows": 6},
                            description=_l("One line per month: period; amount — e.g. 2022-01; 3000.00"))
    events = TextAreaField(_l("Events"), validators=[Optional()], render_kw={"rows": 3},
                           description=_l("One line per event: kind; date — kinds: court_order_filed, "
                                          "court_order_cancelled, claim_filed, acknowledged"))
    as_of = DateField(_l("As of"), validators=[InputRequired(_REQ)])
    submit = SubmitField(_l("Check limitation"))
