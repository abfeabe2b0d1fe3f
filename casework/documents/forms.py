from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..i18n import _l
from .letters import PREVIEW, letters_allowed
from .models import DELIVERY_METHODS

DELIVERY_LABELS = {
    "hand": _l("By hand against signature"), "registered_mail": _l("Registered letter with a list of contents"),
    "payment_document": _l("In the payment document"), "sms": _l("SMS to the debtor's phone"),
    "phone_recorded": _l("Recorded phone call"), "email": _l("E-mail"), "gis_zhkh": _l("GIS ZhKKh personal account"),
    "website": _l("Personal account on our website"), "court_office": _l("Handed in at the court office"),
    "bailiff_office": _l("Handed in at the bailiff unit"),
}
OUTPUT_LABELS = {"zip": _l("ZIP of .docx files"), "merged": _l("One .docx for printing"), "pdf": _l("PDF (LibreOffice)")}


def letter_choices(subject: str | None, role: str | None, action: str = PREVIEW):
    """The letters of a subject the role may prepare (or issue), for the choose lists."""
    return [(l.code, l.label) for l in letters_allowed(action, role, subject)]


class ChooseLetterForm(FlaskForm):
    code = SelectField(_l("Document"), choices=[])


class DeliveryForm(FlaskForm):
    delivered_on = DateField(_l("Delivered on"), validators=[DataRequired(message=_l("Give the delivery date."))])
    method = SelectField(_l("How it was delivered"), choices=[(m, DELIVERY_LABELS[m]) for m in DELIVERY_METHODS])
    proof = TextAreaField(_l("Proof of delivery"), validators=[Optional(), Length(max=2000)],
                          description=_l("Postal tracking number, receipt note, call record id, SMS report."))
    submit = SubmitField(_l("Record delivery"))


class BulkForm(FlaskForm):
    code = SelectField(_l("Document"), choices=[])
    building_id = SelectField(_l("Building"), coerce=int, choices=[], validators=[Optional()])
    territory_id = SelectField(_l("Territory"), coerce=int, choices=[], validators=[Optional()])
    stage = StringField(_l("Case stage (optional)"), validators=[Optional(), Length(max=32)])
    min_debt = IntegerField(_l("Debt at least, rubles"), default=1, validators=[Optional(), NumberRange(min=0)])
    output = SelectField(_l("Output"), choices=[])
    submit = SubmitField(_l("Generate"))


class TemplateUploadForm(FlaskForm):
    file = FileField(_l("Word template (.docx)"), validators=[FileRequired(message=_l("Choose a .docx file."))])
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Check and upload"))
