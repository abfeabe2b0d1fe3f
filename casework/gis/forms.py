"""Forms of the ГИС ЖКХ debt requests pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..i18n import _l


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Requests (exportDSRs result .xml or the web interface's .xlsx list)"), validators=[
        InputRequired(_l("Choose a file.")),
        FileAllowed(["xml", "xlsx"], _l("Only .xml and .xlsx files can be read."))],
        render_kw={"accept": ".xml,.xlsx", "multiple": True, "autofocus": True})
    submit = SubmitField(_l("Import the requests"))


class MatchForm(FlaskForm):
    account_id = HiddenField()
    party_id = HiddenField()
    action = HiddenField()  # "confirm" | "not_ours"


class AnswerForm(FlaskForm):
    has_debt = RadioField(_l("Answer"), choices=[("yes", _l("Debt confirmed by a court act in force")),
                                                 ("no", _l("No debt"))], validators=[InputRequired()])
    description = TextAreaField(_l("Description (the act's requisites)"), validators=[Optional(), Length(max=1000)],
                                render_kw={"rows": 4})
    submit = SubmitField(_l("Confirm the answer"))


class ExportForm(FlaskForm):
    submit = SubmitField(_l("Export the answers"))
