"""Forms of the cases area (labels are English msgids, translated in the catalogue)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..domain.money import from_kopecks
from ..domain.stages import TRANSITIONS, Stage
from ..i18n import _, _l
from ..moneyfield import MoneyField
from .labels import (
    COURT_KIND_LABELS,
    DESTINATION_LABELS,
    END_REASON_LABELS,
    GROUND_LABELS,
    HOLD_LABELS,
    OUTCOME_LABELS,
    STAGE_LABELS,
    choices,
)


def _money(form, field):
    if field.data is not None and (field.data < 0 or field.data != field.data.quantize(Decimal("0.01"))):
        raise ValidationError(_l("Enter an amount in rubles with at most two decimals."))


class StageForm(FlaskForm):
    version = HiddenField()
    target = SelectField(_l("Move to stage"), validators=[DataRequired()])
    service_id = SelectField(_l("Service (restriction, suspension)"), coerce=int, validators=[Optional()])
    court_kind = SelectField(_l("Court procedure"), choices=[], validators=[Optional()])
    lawyer_approved = BooleanField(_l("I am the lawyer and approve the restriction (Rules 354, p. 122)"))
    reason = TextAreaField(_l("Reason or comment"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Change stage"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.court_kind.choices = [("", "—")] + choices(COURT_KIND_LABELS)


class HoldForm(FlaskForm):
    version = HiddenField()
    reason = SelectField(_l("Hold reason"), validators=[DataRequired()])
    review_on = DateField(_l("Review date"), validators=[DataRequired(message=_l("Enter the review date."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Put on hold"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.reason.choices = choices(HOLD_LABELS)


class LiftHoldForm(FlaskForm):
    version = HiddenField()
    note = StringField(_l("Why the hold ends"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Lift the hold"))


class WarningForm(FlaskForm):
    version = HiddenField()
    delivered_on = DateField(_l("Warning delivered on"), validators=[DataRequired(message=_l("Enter the date."))])
    channel = SelectField(_l("Delivery method"), choices=[])
    service_id = SelectField(_l("Service"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Record delivery"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.channel.choices = [("hand", str(_l("By hand against signature"))),
                                ("registered_mail", str(_l("Registered letter"))),
                                ("payment_document", str(_l("In the payment document"))),
                                ("sms", str(_l("SMS"))), ("phone_recorded", str(_l("Recorded phone call"))),
                                ("email", str(_l("E-mail"))), ("gis_zhkh", str(_l("GIS ZhKKh")))]


class NextActionForm(FlaskForm):
    version = HiddenField()
    next_action_on = DateField(_l("Next action on"), validators=[Optional()])
    next_action = StringField(_l("What to do"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Plan"))


class AssignForm(FlaskForm):
    version = HiddenField()
    assignee_id = SelectField(_l("Assignee"), coerce=int)
    submit = SubmitField(_l("Assign"))


class CourtFilingForm(FlaskForm):
    version = HiddenField()
    kind = SelectField(_l("Procedure"))
    court_id = SelectField(_l("Court"), coerce=int, validators=[Optional()])
    filed_on = DateField(_l("Filed on"), validators=[DataRequired(message=_l("Enter the date."))])
    principal = MoneyField(_l("Principal claimed, ₽"), places=2, validators=[Optional(), _money])
    penalty = MoneyField(_l("Penalty claimed, ₽"), places=2, validators=[Optional(), _money])
    duty = MoneyField(_l("State duty, ₽"), places=2, validators=[Optional(), _money],
                      description=_l("Leave empty to compute it: Tax Code art. 333.19, for an organisation or an "
                                     "entrepreneur art. 333.21 (arbitrazh court)."))
    period_from = DateField(_l("Debt from (month)"), validators=[Optional()])
    period_to = DateField(_l("Debt to (month)"), validators=[Optional()])
    case_number = StringField(_l("Court case number"), validators=[Optional(), Length(max=60)])
    submit = SubmitField(_l("Record filing"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.kind.choices = choices(COURT_KIND_LABELS)


class CourtRecordForm(FlaskForm):
    case_number = StringField(_l("Court case number"), validators=[Optional(), Length(max=60)])
    outcome = SelectField(_l("Outcome"))
    issued_on = DateField(_l("Issued / decided on"), validators=[Optional()])
    received_on = DateField(_l("Debtor received the order on"), validators=[Optional()])
    objection_on = DateField(_l("Objection received on"), validators=[Optional()])
    cancelled_on = DateField(_l("Cancelled on"), validators=[Optional()])
    in_force_on = DateField(_l("In force on"), validators=[Optional()])
    awarded = MoneyField(_l("Awarded, ₽"), places=2, validators=[Optional(), _money])
    submit = SubmitField(_l("Save"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.outcome.choices = choices(OUTCOME_LABELS)


class WritForm(FlaskForm):
    version = HiddenField()
    writ_number = StringField(_l("Writ number"), validators=[DataRequired(message=_l("Enter the writ number.")),
                                                             Length(max=60)])
    writ_date = DateField(_l("Writ date"), validators=[DataRequired(message=_l("Enter the date."))])
    amount = MoneyField(_l("Amount, ₽"), places=2, validators=[DataRequired(), _money])
    destination = SelectField(_l("Sent to"))
    bailiff_unit_id = SelectField(_l("Bailiff unit"), coerce=int, validators=[Optional()])
    payer_name = StringField(_l("Employer or bank"), validators=[Optional(), Length(max=300)])
    sent_on = DateField(_l("Sent on"), validators=[DataRequired(message=_l("Enter the date."))])
    submit = SubmitField(_l("Send the writ"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.destination.choices = choices(DESTINATION_LABELS)


class EnforcementForm(FlaskForm):
    proceedings_number = StringField(_l("Enforcement proceedings number"), validators=[Optional(), Length(max=60)])
    proceedings_opened_on = DateField(_l("Proceedings opened on"), validators=[Optional()])
    travel_ban_requested_on = DateField(_l("Travel ban requested on"), validators=[Optional()])
    ended_on = DateField(_l("Ended on"), validators=[Optional()])
    end_reason = SelectField(_l("End reason"), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.end_reason.choices = [("", "—")] + choices(END_REASON_LABELS)


class WriteOffForm(FlaskForm):
    version = HiddenField()
    ground = SelectField(_l("Ground"))
    periods = SelectMultipleField(_l("Only these time-barred months (leave empty for the whole debt)"),
                                  choices=[], validate_choice=False)
    evidence = TextAreaField(_l("Supporting document (number, date, issuer)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Propose write-off"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.ground.choices = choices(GROUND_LABELS)


class NormForm(FlaskForm):
    service_id = HiddenField()
    norm = MoneyField(_l("Monthly charge at the norm, ₽"), places=2, validators=[Optional(), _money],
                      description=_l("Leave empty to use the service's default or the charges' mean."))
    submit = SubmitField(_l("Save"))


class DecisionForm(FlaskForm):
    note = StringField(_l("Comment"), validators=[Optional(), Length(max=500)])
    approve = SubmitField(_l("Approve write-off"))
    reject = SubmitField(_l("Reject"))


class BulkForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[])
    assignee_id = SelectField(_l("Assignee"), coerce=int, validators=[Optional()])
    visit_on = DateField(_l("Visit on"), validators=[Optional()])
    case_ids = HiddenField()
    confirm = HiddenField()
    submit = SubmitField(_l("Preview"))

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.action.choices = [("assign", str(_l("Assign to"))), ("notice", str(_l("Open the notice stage"))),
                               ("visits", str(_l("Plan visits")))]


# ------------------------------------------------------------------------------------------------ directory
def _digits(*lengths):
    def check(form, field):
        value = (field.data or "").strip()
        if value and (not value.isdigit() or len(value) not in lengths):
            raise ValidationError(_l("Enter digits only, %(n)s of them.", n="/".join(str(x) for x in lengths)))
    return check


class CourtForm(FlaskForm):
    kind = SelectField(_l("Kind of court"))
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the name of the court.")),
                                               Length(max=300)],
                       description=_l("As in the heading of an application, e.g. «Мировому судье судебного участка № 22 Ленского района»"))
    sector_number = StringField(_l("Sector number"), validators=[Optional(), Length(max=20)])
    judge_name = StringField(_l("Judge"), validators=[Optional(), Length(max=200)])
    territory_id = SelectField(_l("Territory"), coerce=int, validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=60)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    payee_name = StringField(_l("Duty recipient"), validators=[Optional(), Length(max=300)],
                             description=_l("The treasury body that receives the state duty"))
    payee_inn = StringField(_l("Recipient INN"), validators=[Optional(), _digits(10, 12)])
    payee_kpp = StringField(_l("Recipient KPP"), validators=[Optional(), _digits(9)])
    treasury_account = StringField(_l("Treasury account"), validators=[Optional(), _digits(20)])
    bik = StringField(_l("BIK"), validators=[Optional(), _digits(9)])
    kbk = StringField(_l("KBK"), validators=[Optional(), _digits(20)])
    oktmo = StringField(_l("OKTMO"), validators=[Optional(), _digits(8, 11)])
    code = StringField(_l("Short code"), validators=[Optional(), Length(max=40)],
                       description=_l("Used by the CSV import; filled in automatically when left empty"))
    is_active = BooleanField(_l("In use (offered when a filing is recorded)"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *a, **kw):
        from .labels import COURT_TYPE_LABELS

        super().__init__(*a, **kw)
        self.kind.choices = choices(COURT_TYPE_LABELS)


class BailiffUnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the name of the bailiff unit.")),
                                               Length(max=300)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=60)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    territory_id = SelectField(_l("Territory"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save"))


# ------------------------------------------------------------------------------------------- set-up for the views
def service_choices(services) -> list[tuple[int, str]]:
    """A service select: none, then the given services."""
    return [(0, "—")] + [(s.id, s.name) for s in services]


def territory_choices(territories, blank: str) -> list[tuple[int, str]]:
    """A territory select: `blank`, then the territories."""
    return [(0, blank)] + [(t.id, t.name) for t in territories]


def case_page_forms(case, today: date, *, services, assignees, courts, units) -> dict:
    """The forms of the case page, filled with the case's version (optimistic lock) and today's defaults; the stage
    form offers the moves the stage table allows from the case's stage (domain.stages.TRANSITIONS)."""
    v = {"version": case.version_id}
    stage = StageForm(data=v)
    stage.target.choices = [(s, str(STAGE_LABELS[s])) for s in sorted(TRANSITIONS[Stage(case.stage)],
                                                                       key=list(Stage).index)]
    stage.service_id.choices = service_choices(services)
    warning = WarningForm(data=dict(v, delivered_on=today))
    warning.service_id.choices = service_choices(services)
    assign = AssignForm(data=dict(v, assignee_id=case.assignee_id or 0))
    assign.assignee_id.choices = [(0, _("Nobody"))] + [(u.id, u.full_name) for u in assignees]
    court = CourtFilingForm(data=dict(v, filed_on=today))
    court.court_id.choices = [(0, _("By the debtor's address"))] + [(c.id, c.name) for c in courts]
    writ = WritForm(data=dict(v, sent_on=today))
    writ.bailiff_unit_id.choices = [(0, "—")] + [(b.id, b.name) for b in units]
    return dict(stage_form=stage, hold_form=HoldForm(data=v), lift_form=LiftHoldForm(data=v), warning_form=warning,
                next_form=NextActionForm(data=dict(v, next_action_on=case.next_action_on,
                                                   next_action=case.next_action)),
                assign_form=assign, court_form=court, writ_form=writ, writeoff_form=WriteOffForm(data=v))


def offer_writeoff_periods(form: WriteOffForm, claim) -> None:
    """A partial write-off offers the unpaid time-barred months of the claim checklist (ГК 196, 199)."""
    form.periods.choices = [(str(p.period), f"{p.period.month:02d}.{p.period.year}")
                            for p in claim.periods if p.time_barred and p.debt_kop > 0]


def court_record_form(record) -> CourtRecordForm:
    """The edit form of a court record on the case page; the awarded kopecks shown as rubles."""
    return CourtRecordForm(obj=record, formdata=None,
                           awarded=from_kopecks(record.awarded_kop) if record.awarded_kop is not None else None)


def enforcement_form(enforcement) -> EnforcementForm:
    """The edit form of an enforcement on the case page."""
    return EnforcementForm(obj=enforcement, formdata=None)


def bind_action_choices(form, *, services, assignees, courts, units) -> None:
    """The choices a posted case action is validated against: every service, assignee, court and unit it may name
    and every stage."""
    if "service_id" in form:
        form.service_id.choices = service_choices(services)
    if "assignee_id" in form:
        form.assignee_id.choices = [(0, "")] + [(u.id, u.full_name) for u in assignees]
    if "court_id" in form:
        form.court_id.choices = [(0, "")] + [(c.id, c.name) for c in courts]
    if "bailiff_unit_id" in form:
        form.bailiff_unit_id.choices = [(0, "")] + [(b.id, b.name) for b in units]
    if "target" in form:
        form.target.choices = [(s.value, s.value) for s in Stage]


def bulk_form(assignees) -> BulkForm:
    """The bulk form of the case list, offering the assignable users."""
    form = BulkForm()
    form.assignee_id.choices = [(u.id, u.full_name) for u in assignees]
    return form


def norm_form(service_id: int, own_kop: int | None) -> NormForm:
    """The norm charge form of one service on the account's norms page, the account's own charge in rubles."""
    return NormForm(formdata=None, data=dict(service_id=service_id,
                                             norm=from_kopecks(own_kop) if own_kop is not None else None))
