from __future__ import annotations

from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ALL_ROLES, CASE_STAFF, LAWYER, MANAGER, has_role, roles
from ..accounts.pii import may_see_pii, shown_phone
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..pagination import paginate
from ..timeutil import today as business_today
from ..transaction import commit_now, refused, rollback
from . import bp, labels, queries, services
from .forms import AgreementForm, CancelForm, ContactFilterForm, ContactForm, PromiseForm, SignForm
from .models import AGREEMENT_STATUSES, PROMISE_STATUSES, PaymentAgreement, Promise


def _kop(amount) -> int | None:
    from ..domain.money import to_kopecks
    return None if amount is None else to_kopecks(amount)


def _target(account_id: int | None, case_id: int | None):
    """(account, case) for a page, 404 when either is missing."""
    from ..accounts.models import Account
    from ..cases.models import Case
    case = None
    if case_id is not None:
        case = db.get_or_404(Case, case_id)
        account_id = case.account_id
    account = db.get_or_404(Account, account_id)
    return account, case


def _page_url(account, case):
    if case is not None:
        return url_for("contacts.case_page", case_id=case.id)
    return url_for("contacts.account_page", account_id=account.id)


def _reveal_url(account, case) -> str | None:
    """«Show phone» for case staff who see the phone masked (collectors), when there is a phone to show."""
    if not account.phone or may_see_pii(current_user.role) or not has_role(*CASE_STAFF):
        return None
    if case is not None:
        return url_for("contacts.reveal_case_phone", case_id=case.id)
    return url_for("contacts.reveal_account_phone", account_id=account.id)


def _render_page(account, case, form, promise_form, warnings=None, revealed: str | None = None):
    account_phone = revealed or shown_phone(account)
    commit_now()  # the pii.view audit row of a full phone (a GET is not committed otherwise)
    return render_template("contacts/page.html", account=account, case=case, form=form, account_phone=account_phone,
                           phone_reveal_url=None if revealed else _reveal_url(account, case),
                           phone_revealed=bool(revealed),
                           promise_form=promise_form, warnings=warnings or [], L=labels,
                           contacts=queries.contacts_for(account.id),
                           promises=queries.promises_for(account.id),
                           agreements=queries.agreements_for(account.id),
                           acknowledgments=queries.acknowledgments_for(account.id),
                           may_write=has_role(*CASE_STAFF))


def _contact_page(account_id: int | None, case_id: int | None):
    account, case = _target(account_id, case_id)
    form = ContactForm()
    promise_form = PromiseForm(prefix="p")
    warnings: list[str] = []
    if request.method == "POST":
        if not has_role(*CASE_STAFF):
            abort(403)
        if form.validate_on_submit():
            when = datetime.combine(form.contacted_on.data, form.contacted_time.data)
            found = services.contact_warnings(account.id, form.channel.data, form.direction.data, when)
            warnings = [labels.warning_text(w) for w in found]
            if warnings and not form.confirm_warnings.data:
                flash(_("Check the warnings below. To save anyway, tick the confirmation box."), "warning")
                return _render_page(account, case, form, promise_form, warnings), 200
            try:
                contact = services.log_contact(
                    current_user, account_id=account.id, case_id=case.id if case else None,
                    channel=form.channel.data, direction=form.direction.data, outcome=form.outcome.data,
                    note=form.note.data or "", when=when, contact_person=form.contact_person.data or "",
                    contact_point=form.contact_point.data or "", next_action_kind=form.next_action_kind.data or None,
                    next_action_on=form.next_action_on.data, warnings=[str(w.code) for w in found] or None)
                if form.promise_amount.data:
                    services.record_promise(current_user, account_id=account.id,
                                            case_id=case.id if case else None, contact_id=contact.id,
                                            amount_kop=_kop(form.promise_amount.data),
                                            due_on=form.promise_due_on.data, promised_on=when.date())
            except DomainError as exc:
                rollback(str(exc))
                return _render_page(account, case, form, promise_form, warnings), 200
            flash(_("The contact has been saved."), "success")
            return redirect(_page_url(account, case))
        return _render_page(account, case, form, promise_form, warnings), 200
    return _render_page(account, case, form, promise_form)


@bp.route("/account/<int:account_id>", methods=["GET", "POST"])
@roles(ALL_ROLES)
def account_page(account_id: int):
    return _contact_page(account_id, None)


@bp.route("/case/<int:case_id>", methods=["GET", "POST"])
@roles(ALL_ROLES)
def case_page(case_id: int):
    return _contact_page(None, case_id)


def _reveal_phone(account_id: int | None, case_id: int | None):
    """The phone in full on a POST (logged as `pii.view`): JSON {"phone"} for a script, else the page with it shown."""
    account, case = _target(account_id, case_id)
    phone = services.reveal_phone(current_user, account)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"phone": phone})
    return _render_page(account, case, ContactForm(formdata=None), PromiseForm(prefix="p", formdata=None),
                        revealed=phone)


@bp.route("/account/<int:account_id>/phone", methods=["POST"])
@roles(CASE_STAFF)
def reveal_account_phone(account_id: int):
    return _reveal_phone(account_id, None)


@bp.route("/case/<int:case_id>/phone", methods=["POST"])
@roles(CASE_STAFF)
def reveal_case_phone(case_id: int):
    return _reveal_phone(None, case_id)


def _add_promise(account_id, case_id):
    account, case = _target(account_id, case_id)
    form = PromiseForm(prefix="p")
    if form.validate_on_submit():
        try:
            services.record_promise(current_user, account_id=account.id, case_id=case.id if case else None,
                                    amount_kop=_kop(form.amount.data), due_on=form.due_on.data,
                                    note=form.note.data or "")
        except DomainError as exc:
            return refused(exc, _page_url(account, case))
        flash(_("The promise has been saved; it will be checked against payments."), "success")
    else:
        for field in form:
            for err in field.errors:
                flash(f"{field.label.text}: {err}", "error")
    return redirect(_page_url(account, case))


@bp.route("/account/<int:account_id>/promise", methods=["POST"])
@roles(CASE_STAFF)
def add_account_promise(account_id: int):
    return _add_promise(account_id, None)


@bp.route("/case/<int:case_id>/promise", methods=["POST"])
@roles(CASE_STAFF)
def add_case_promise(case_id: int):
    return _add_promise(None, case_id)


@bp.route("/promises/<int:promise_id>/cancel", methods=["GET", "POST"])
@roles(CASE_STAFF)
def cancel_promise(promise_id: int):
    promise = db.get_or_404(Promise, promise_id)
    form = CancelForm()
    del form.void
    if form.validate_on_submit():
        try:
            services.cancel_promise(current_user, promise, form.reason.data)
        except DomainError as exc:
            rollback(str(exc))
        else:
            flash(_("The promise has been cancelled."), "success")
        return redirect(url_for("contacts.account_page", account_id=promise.account_id))
    return render_template("contacts/cancel.html", form=form, title=_("Cancel promise"),
                           back=url_for("contacts.account_page", account_id=promise.account_id))


# -------------------------------------------------------------------------------------------- lists

def _contact_filters():
    form = ContactFilterForm(request.args)
    form.validate()
    return form, queries.search_contacts_stmt(
        date_from=form.date_from.data, date_to=form.date_to.data, channel=form.channel.data or None,
        outcome=form.outcome.data or None, q=form.q.data or None)


@bp.route("/")
@roles(ALL_ROLES)
def index():
    form, stmt = _contact_filters()
    page = paginate(stmt, request.args.get("page", 1, type=int), per_page=50)
    return render_template("contacts/index.html", form=form, page=page, L=labels)


@bp.route("/export.xlsx")
@roles(ALL_ROLES)
def export():
    """The filtered contacts as XLSX: at once when small, else as a report job (casework/jobs/exports.py)."""
    from ..jobs.exports import export_response
    from .exports import filter_params

    form = ContactFilterForm(request.args)
    form.validate()
    return export_response("contacts", filter_params(form.date_from.data, form.date_to.data, form.channel.data or None,
                                                     form.outcome.data or None, form.q.data or None), "xlsx",
                           ALL_ROLES)


@bp.route("/promises")
@roles(ALL_ROLES)
def promises():
    status = request.args.get("status") or ""
    page = paginate(queries.promises_stmt(status if status in PROMISE_STATUSES else None), request.args.get("page", 1, type=int), per_page=50)
    return render_template("contacts/promises.html", page=page, status=status, L=labels,
                           statuses=PROMISE_STATUSES)


@bp.route("/agreements")
@roles(ALL_ROLES)
def agreements():
    status = request.args.get("status") or ""
    page = paginate(queries.agreements_stmt(status if status in AGREEMENT_STATUSES else None), request.args.get("page", 1, type=int), per_page=50)
    return render_template("contacts/agreements.html", page=page, status=status, L=labels,
                           statuses=AGREEMENT_STATUSES)


@bp.route("/due")
@roles(CASE_STAFF)
def due():
    mine = not (has_role(MANAGER) and request.args.get("all"))
    items = queries.due_items_for(current_user.id if mine else None, business_today())
    return render_template("contacts/due.html", items=items, mine=mine, L=labels)


# -------------------------------------------------------------------------------------------- agreements

def _new_agreement(account_id, case_id):
    account, case = _target(account_id, case_id)
    form = AgreementForm()
    if request.method == "GET":
        form.debt.data = services_default_debt(account.id)
    schedule = None
    if form.validate_on_submit():
        params = dict(debt_kop=_kop(form.debt.data), months=form.months.data, first_due_on=form.first_due_on.data,
                      day_of_month=form.day_of_month.data, down_payment_kop=_kop(form.down_payment.data) or 0,
                      down_payment_on=form.down_payment_on.data, round_rubles=form.round_rubles.data,
                      remainder_on=form.remainder_on.data)
        try:
            if form.save.data:
                ag = services.create_agreement(current_user, account_id=account.id,
                                               case_id=case.id if case else None, kind=form.kind.data,
                                               number=form.number.data or "", note=form.note.data or "", **params)
                flash(_("The draft agreement has been saved. Print it, have it signed, then mark it signed."),
                      "success")
                return redirect(url_for("contacts.agreement", agreement_id=ag.id))
            schedule = services.preview_schedule(**params)
        except DomainError as exc:
            rollback(str(exc))
    account_phone = shown_phone(account)
    commit_now()  # the pii.view audit row of a full phone (a GET is not committed otherwise)
    return render_template("contacts/agreement_new.html", form=form, account=account, case=case,
                           schedule=schedule, back=_page_url(account, case), account_phone=account_phone)


def services_default_debt(account_id: int):
    from ..domain.money import from_kopecks
    kop = queries.default_debt_kop(account_id)
    return from_kopecks(kop) if kop else None


@bp.route("/account/<int:account_id>/agreements/new", methods=["GET", "POST"])
@roles(CASE_STAFF)
def new_account_agreement(account_id: int):
    return _new_agreement(account_id, None)


@bp.route("/case/<int:case_id>/agreements/new", methods=["GET", "POST"])
@roles(CASE_STAFF)
def new_case_agreement(case_id: int):
    return _new_agreement(None, case_id)


@bp.route("/agreements/<int:agreement_id>")
@roles(ALL_ROLES)
def agreement(agreement_id: int):
    ag = db.get_or_404(PaymentAgreement, agreement_id)
    account_phone = shown_phone(ag.account)
    commit_now()  # the pii.view audit row of a full phone (a GET is not committed otherwise)
    return render_template("contacts/agreement.html", ag=ag, L=labels, sign_form=SignForm(), account_phone=account_phone,
                           cancel_form=CancelForm(), may_write=has_role(*CASE_STAFF),
                           may_void=has_role(LAWYER, MANAGER) or ag.status == "draft")


@bp.route("/agreements/<int:agreement_id>/print")
@roles(ALL_ROLES)
def agreement_print(agreement_id: int):
    from ..enterprise.models import get_enterprise
    ag = db.get_or_404(PaymentAgreement, agreement_id)
    return render_template("contacts/agreement_print.html", ag=ag, L=labels, ent=get_enterprise())


@bp.route("/agreements/<int:agreement_id>/sign", methods=["POST"])
@roles(CASE_STAFF)
def agreement_sign(agreement_id: int):
    ag = db.get_or_404(PaymentAgreement, agreement_id)
    form = SignForm()
    if form.validate_on_submit():
        try:
            services.sign_agreement(current_user, ag, form.signed_on.data, form.debtor_signatory.data or "")
        except DomainError as exc:
            rollback(str(exc))
        else:
            flash(_("The agreement is signed and is now tracked against payments."), "success")
    else:
        flash(_("Give the signing date."), "error")
    return redirect(url_for("contacts.agreement", agreement_id=agreement_id))


@bp.route("/agreements/<int:agreement_id>/cancel", methods=["POST"])
@roles(CASE_STAFF)
def agreement_cancel(agreement_id: int):
    ag = db.get_or_404(PaymentAgreement, agreement_id)
    form = CancelForm()
    if form.validate_on_submit():
        if form.void.data and ag.signed_on and not has_role(LAWYER, MANAGER):
            flash(_("Only a lawyer or a manager may void a signed agreement."), "error")
            return redirect(url_for("contacts.agreement", agreement_id=agreement_id))
        try:
            services.cancel_agreement(current_user, ag, form.reason.data, void=form.void.data)
        except DomainError as exc:
            rollback(str(exc))
        else:
            flash(_("The agreement has been cancelled."), "success")
    else:
        flash(_("Give the reason for cancelling."), "error")
    return redirect(url_for("contacts.agreement", agreement_id=agreement_id))

