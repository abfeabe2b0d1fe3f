from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..domain import requisites
from ..i18n import _l
from ..timeutil import utc_offset_text, zone_name

# the time zones of Russia, west to east (one city per offset); the enterprise picks its own on its page
RUSSIAN_TIMEZONES = (
    ("Europe/Kaliningrad", _l("Kaliningrad")),
    ("Europe/Moscow", _l("Moscow")),
    ("Europe/Samara", _l("Samara")),
    ("Asia/Yekaterinburg", _l("Yekaterinburg")),
    ("Asia/Omsk", _l("Omsk")),
    ("Asia/Krasnoyarsk", _l("Krasnoyarsk")),
    ("Asia/Irkutsk", _l("Irkutsk")),
    ("Asia/Yakutsk", _l("Yakutsk (Lensk)")),
    ("Asia/Vladivostok", _l("Vladivostok")),
    ("Asia/Magadan", _l("Magadan")),
    ("Asia/Kamchatka", _l("Kamchatka")),
)


def timezone_label(name: str | None) -> str:
    """«Якутск (Ленск), UTC+9» for a zone of the list; the IANA name with its offset for any other."""
    if not name:
        return "—"
    label = dict(RUSSIAN_TIMEZONES).get(name, name)
    try:
        return f"{label}, {utc_offset_text(name)}"
    except ValueError:
        return str(label)


def _check(fn, message):
    def validator(form, field):
        if field.data and not fn(field.data):
            raise ValidationError(message)
    return validator


class EnterpriseForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=300)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[("resource_supplier", _l("Resource supplier")),
                                            ("management_company", _l("Management company"))])
    inn = StringField(_l("INN"), validators=[DataRequired(), _check(requisites.inn_is_valid,
                                             _l("The INN is not valid: check the digits."))])
    kpp = StringField(_l("KPP"), validators=[Optional(), _check(requisites.kpp_is_valid,
                                             _l("The KPP must be 9 characters: 4 digits, 2 digits or letters, 3 digits."))])
    ogrn = StringField(_l("OGRN"), validators=[Optional(), _check(requisites.ogrn_is_valid,
                                               _l("The OGRN is not valid: check the digits."))])
    legal_address = TextAreaField(_l("Legal address"), validators=[DataRequired()])
    postal_address = TextAreaField(_l("Postal address"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(_l("Enter a valid e-mail address, for example "
                                                                      "info@example.ru.")), Length(max=200)])
    bank_name = StringField(_l("Bank"), validators=[Optional(), Length(max=300)])
    bik = StringField(_l("BIK"), validators=[Optional(), Length(min=9, max=9)])
    settlement_account = StringField(_l("Settlement account"), validators=[Optional(), Length(min=20, max=20)])
    correspondent_account = StringField(_l("Correspondent account"), validators=[Optional(), Length(min=20, max=20)])
    signatory_name = StringField(_l("Signatory"), validators=[DataRequired(), Length(max=200)])
    signatory_position = StringField(_l("Signatory's position"), validators=[DataRequired(), Length(max=200)])
    signatory_basis = StringField(_l("Acting on the basis of"), validators=[Optional(), Length(max=200)])
    # declined forms for the documents (casework.enterprise.declension): pre-filled with the dictionary's suggestion
    name_gen = StringField(_l("Full name in the genitive (in favour of whom?)"),
                           validators=[Optional(), Length(max=400)])
    name_dat = StringField(_l("Full name in the dative (to whom?)"), validators=[Optional(), Length(max=400)])
    name_ins = StringField(_l("Full name in the instrumental (by whom?)"), validators=[Optional(), Length(max=400)])
    signatory_position_gen = StringField(_l("Signatory's position in the genitive (represented by whom?)"),
                                         validators=[Optional(), Length(max=200)])
    signatory_name_gen = StringField(_l("Signatory's full name in the genitive (represented by whom?)"),
                                     validators=[Optional(), Length(max=200)])
    contract_due_day = IntegerField(_l("Payment day under the contract (if not the statutory one)"),
                                    validators=[Optional(), NumberRange(min=1, max=28)])
    timezone = SelectField(_l("Time zone"), description=_l("Dates and times on every page, today's date, deadlines "
                                                           "and the daily job follow the enterprise's local time."))
    submit = SubmitField(_l("Save"))

    def validate_settlement_account(self, field):
        if field.data and self.bik.data and not requisites.bank_account_is_valid(self.bik.data, field.data):
            raise ValidationError(_l("The account does not match the BIK: check both."))

    def validate_correspondent_account(self, field):
        if field.data and self.bik.data and not requisites.correspondent_account_is_valid(self.bik.data, field.data):
            raise ValidationError(_l("The correspondent account does not match the BIK."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = zone_name()
        if not self.timezone.data:
            self.timezone.data = current
        names = [n for n, _label in RUSSIAN_TIMEZONES]
        if current not in names:  # a zone set in the database or the settings, outside the list, stays choosable
            names.append(current)
        self.timezone.choices = [(n, timezone_label(n)) for n in names]
