"""Forms of the ЕГРН pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import SubmitField
from wtforms.validators import InputRequired

from ..i18n import _l


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Extracts (.xml files, several at once, or a .zip)"), validators=[
        InputRequired(_l("Choose a file.")),
        FileAllowed(["xml", "zip"], _l("Only .xml and .zip files can be read."))],
        render_kw={"accept": ".xml,.zip", "multiple": True, "autofocus": True})
    submit = SubmitField(_l("Compare with the accounts"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Apply the changes"))
