"""Forms of the bailiffs' reconciliation pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import SubmitField
from wtforms.validators import InputRequired

from ..i18n import _l


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Reconciliation (.xlsx, .csv) or ФССП notices (.xml, .zip)"), validators=[
        InputRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "csv", "xml", "zip"], _l("Only .xlsx, .csv, .xml and .zip files can be read."))],
        render_kw={"accept": ".xlsx,.csv,.xml,.zip", "multiple": True, "autofocus": True})
    submit = SubmitField(_l("Compare with the writs"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Apply the ticked changes"))
