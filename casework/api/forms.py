from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..i18n import _l

SCOPE_CHOICES = [("read", _l("Read: accounts, figures, case stages")),
                 ("write", _l("Write: push payments and charges (and read)"))]


class TokenForm(FlaskForm):
    name = StringField(_l("Name (the system that will use it)"), validators=[DataRequired(), Length(max=100)])
    scope = SelectField(_l("Scope"), choices=SCOPE_CHOICES)
    submit = SubmitField(_l("Create token"))
