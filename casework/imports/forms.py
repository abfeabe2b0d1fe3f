"""Forms of the import pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Optional

from ..i18n import _l

KIND_CHOICES = [("accounts", _l("Accounts registry")), ("persons", _l("Persons")),
                ("ledger", _l("Ledger (charges and payments)")), ("turnover", _l("Monthly turnover sheet"))]
STATUS_CHOICES = [("", _l("Any status")), ("committed", _l("Committed")), ("rejected", _l("Rejected")),
                  ("failed", _l("Failed")), ("dry_run", _l("Checked only")), ("undone", _l("Undone"))]


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=KIND_CHOICES, render_kw={"autofocus": True})
    file = FileField(_l("File (.csv or .xlsx)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported."))],
        render_kw={"accept": ".csv,.xlsx"})
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(FlaskForm):
    skip_bad_rows = BooleanField(_l("Skip the bad rows"))
    # «заменить данные периода»: reversing entries for the changed rows and the rows the file no longer has
    replace_period = BooleanField(_l("Replace the data of the period"))
    confirm_replace = BooleanField(_l("I have checked the changed and missing rows above: reverse them"))
    # rows of accounts the file has no row for at all (a partial file): reversed only when asked for separately
    replace_absent = BooleanField(_l("Also reverse the rows of the accounts that are not in the file"))


class UndoForm(FlaskForm):
    """«Отменить загрузку»: an explicit confirmation."""

    confirm = BooleanField(_l("I understand: every ledger row of this import gets a reversing entry"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Undo the import"))


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=[("", _l("Any kind"))] + KIND_CHOICES, validators=[Optional()])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validators=[Optional()])
    q = StringField(_l("File name"), validators=[Optional()], render_kw={"type": "search"})
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


class AliasForm(FlaskForm):
    """An administrator's alias: a value as the billing writes it, and what it means (kind:code)."""

    alias = StringField(_l("Value as the billing writes it"), render_kw={"maxlength": 200, "autofocus": True})
    meaning = SelectField(_l("Means"), choices=[])
    submit = SubmitField(_l("Add the alias"))
