"""Forms of the reports area."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..i18n import _l


class CloseMonthForm(FlaskForm):
    """Closing a month is final: the manager ticks the confirmation explicitly."""

    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(_l("I understand that closing is final: the figures will be stored as submitted"),
                           validators=[DataRequired(_l("Tick the confirmation to close the month."))])
    submit = SubmitField(_l("Close the month"))
