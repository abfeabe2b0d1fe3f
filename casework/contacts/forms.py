from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..i18n import _l
from ..moneyfield import MoneyField
from ..timeutil import now_local
from ..timeutil import today as business_today
from .labels import AGREEMENT_KIND_LABELS, CHANNEL_LABELS, DIRECTION_LABELS, NEXT_ACTION_LABELS, OUTCOME_LABELS, choices


def _two_decimals(form, field):
    if field.data is not None and field.data != field.data.quantize(type(field.data)("0.01")):
        raise ValidationError(_l("Give the amount in rubles with at most two decimals (kopecks)."))


def _positive(form, field):
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("The amount must be above zero."))


class ContactForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=choices(CHANNEL_LABELS), default="call",
                          render_kw={"autofocus": True})
    direction = SelectField(_l("Direction"), choices=choices(DIRECTION_LABELS), default="outgoing")
    outcome = SelectField(_l("Outcome"), choices=choices(OUTCOME_LABELS), default="reached")
    contacted_on = DateField(_l("Date"), validators=[DataRequired()], default=business_today)
    contacted_time = TimeField(_l("Time (debtor's local)"), validators=[DataRequired()],
                               default=lambda: now_local().time().replace(second=0))
    contact_person = StringField(_l("Who was contacted"), validators=[Optional(), Length(max=200)],
                                 description=_l("The debtor, a relative, a neighbour…"))
    contact_point = StringField(_l("Phone, e-mail or address used"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    promise_amount = MoneyField(_l("Promised amount, ₽"), places=2, validators=[Optional(), _positive,
                                                                                  _two_decimals])
    promise_due_on = DateField(_l("Promised to pay by"), validators=[Optional()])
    next_action_kind = SelectField(_l("Next action"), choices=[("", "—")] + choices(NEXT_ACTION_LABELS),
                                   validators=[Optional()])
    next_action_on = DateField(_l("Next action date"), validators=[Optional()])
    confirm_warnings = BooleanField(_l("Save anyway (I have read the warnings)"))
    submit = SubmitField(_l("Save contact"))

    def validate(self, extra_validators=None):
        """Pairs that go together: promise amount and date, next action and its date."""
        ok = super().validate(extra_validators)
        if self.promise_amount.data and not self.promise_due_on.data:
            self.promise_due_on.errors = list(self.promise_due_on.errors) + [
                _l("Give the date the debtor promised to pay by.")]
            ok = False
        if self.promise_due_on.data and not self.promise_amount.data:
            self.promise_amount.errors = list(self.promise_amount.errors) + [_l("Give the promised amount.")]
            ok = False
        if self.next_action_kind.data and not self.next_action_on.data:
            self.next_action_on.errors = list(self.next_action_on.errors) + [_l("Give the date of the next action.")]
            ok = False
        return ok


class PromiseForm(FlaskForm):
    amount = MoneyField(_l("Promised amount, ₽"), places=2,
                          validators=[DataRequired(), _positive, _two_decimals])
    due_on = DateField(_l("Promised to pay by"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save promise"))


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    void = BooleanField(_l("Entered in error (was never signed): not an acknowledgment of debt"))
    submit = SubmitField(_l("Cancel"))


class AgreementForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(AGREEMENT_KIND_LABELS), default="instalment")
    number = StringField(_l("Agreement number"), validators=[Optional(), Length(max=40)],
                         description=_l("Left empty, the record number is used."))
    debt = MoneyField(_l("Debt covered by the agreement, ₽"), places=2,
                        validators=[DataRequired(), _positive, _two_decimals])
    down_payment = MoneyField(_l("Down payment, ₽"), places=2, validators=[Optional(), _two_decimals])
    down_payment_on = DateField(_l("Down payment due on"), validators=[Optional()])
    months = IntegerField(_l("Number of monthly instalments"), validators=[DataRequired(), NumberRange(1, 120)],
                          default=6)
    first_due_on = DateField(_l("First instalment due on"), validators=[DataRequired()])
    day_of_month = IntegerField(_l("Day of month for later instalments"),
                                validators=[Optional(), NumberRange(1, 31)],
                                description=_l("31 means the last day of shorter months."))
    round_rubles = BooleanField(_l("Instalments in whole rubles"), default=True)
    remainder_on = SelectField(_l("Remainder goes to"), choices=[("last", _l("the last instalment")),
                                                                 ("first", _l("the first instalment"))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    preview = SubmitField(_l("Preview schedule"))
    save = SubmitField(_l("Save draft"))


class SignForm(FlaskForm):
    signed_on = DateField(_l("Signed on"), validators=[DataRequired()], default=business_today)
    debtor_signatory = StringField(_l("Signed by (debtor)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Mark as signed"))


class ContactFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    channel = SelectField(_l("Channel"), choices=[("", _l("All"))] + choices(CHANNEL_LABELS), validators=[Optional()])
    outcome = SelectField(_l("Outcome"), choices=[("", _l("All"))] + choices(OUTCOME_LABELS), validators=[Optional()])
