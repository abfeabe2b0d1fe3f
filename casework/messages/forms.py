from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..i18n import _l
from .labels import CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS


class SendForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=list(CHANNEL_LABELS.items()), default="sms")
    party_id = SelectField(_l("Addressee"), choices=[("", "—")], validators=[Optional()],
                           description=_l("A person of the account: their phone or e-mail is used when «To» is empty."))
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), default="notice")
    to = StringField(_l("To (phone or e-mail)"), validators=[Optional(), Length(max=200)],
                     description=_l("Left empty, the phone or e-mail on file is used."))
    subject = StringField(_l("Subject (e-mail)"), validators=[Optional(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=10000)])
    document_id = SelectField(_l("Attach document (e-mail)"), choices=[("", "—")], validators=[Optional()])
    fill = SubmitField(_l("Fill in the text"))
    submit = SubmitField(_l("Send"))


class MessageFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[("", _l("All"))] + list(STATUS_LABELS.items()),
                         validators=[Optional()])
    channel = SelectField(_l("Channel"), choices=[("", _l("All"))] + list(CHANNEL_LABELS.items()),
                          validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
