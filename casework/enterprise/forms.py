from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..domain import requisites
from ..i18n import _l


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
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=200)])
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
    submit = SubmitField(_l("Save"))

    def validate_settlement_account(self, field):
        if field.data and self.bik.data and not requisites.bank_account_is_valid(self.bik.data, field.data):
            raise ValidationError(_l("The account does not match the BIK: check both."))

    def validate_correspondent_account(self, field):
        if field.data and self.bik.data and not requisites.correspondent_account_is_valid(self.bik.data, field.data):
            raise ValidationError(_l("The correspondent account does not match the BIK."))
