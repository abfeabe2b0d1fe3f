"""Messages: send form on an account or case, the list, one message, the admin's settings page, and the
delivery callbacks providers post to."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ADMIN, ALL_ROLES, CASE_STAFF, public, roles
from ..accounts.pii import mask_tail, may_see_pii
from ..domain.errors import DomainError
from ..extensions import csrf, db
from ..i18n import _
from ..pagination import paginate
from ..transaction import rollback
from . import bp, labels, queries, services, texts
from .forms import MessageFilterForm, SendForm
from .models import Message


def shown_address(msg: Message) -> str:
    """The phone or e-mail as the current user may see it (collectors see the tail only, like the account's phone)."""
    return msg.to_address if may_see_pii(current_user.role) else (mask_tail(msg.to_address) or "")


def _target(account_id: int | None, case_id: int | None):
    from ..accounts.models import Account
    from ..cases.models import Case

    case = None
    if case_id is not None:
        case = db.get_or_404(Case, case_id)
        account_id = case.account_id
    return db.get_or_404(Account, account_id), case


def _letter(account, case, kind: str, channel: str) -> tuple[str, str]:
    from ..contacts.queries import default_debt_kop
    from ..enterprise.models import find_enterprise

    ent = find_enterprise()
    service = ""
    if case is not None and case.service_id:
        from ..accounts.models import Service

        svc = db.session.get(Service, case.service_id)
        service = svc.name.lower() if svc is not None else ""
    return texts.fill(kind, channel, number=account.number, name=account.debtor_name, address=account.address,
                      debt_kop=default_debt_kop(account.id),
                      enterprise=(ent.short_name or ent.name) if ent is not None else "",
                      phone=ent.phone if ent is not None else "", service=service)


def _send_page(account_id: int | None, case_id: int | None):
    account, case = _target(account_id, case_id)
    form = SendForm()
    docs = queries.documents_for(account.id, current_user.role)
    form.document_id.choices = [("", "—")] + [(str(d.id), f"{d.title} № {d.number}") for d in docs]
    parties = queries.parties_for(account.id)
    form.party_id.choices = [("", account.debtor_name)] + [(str(p.id), p.full_name) for p in parties]
    back = (url_for("contacts.case_page", case_id=case.id) if case is not None
            else url_for("contacts.account_page", account_id=account.id))
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in labels.KIND_LABELS else "notice"
        form.channel.data = request.args.get("channel") if request.args.get("channel") in labels.CHANNEL_LABELS \
            else ("sms" if account.phone else "email")
        form.subject.data, form.body.data = _letter(account, case, form.kind.data, form.channel.data)
    elif form.fill.data and form.channel.data in labels.CHANNEL_LABELS and form.kind.data in labels.KIND_LABELS:
        form.subject.data, form.body.data = _letter(account, case, form.kind.data, form.channel.data)
        form.body.raw_data = [form.body.data]
        form.subject.raw_data = [form.subject.data]
    elif form.validate_on_submit():
        try:
            msg = services.queue_message(
                current_user, account_id=account.id, case_id=case.id if case else None, channel=form.channel.data,
                kind=form.kind.data, to=form.to.data or None, subject=form.subject.data or "", body=form.body.data,
                document_id=int(form.document_id.data) if form.document_id.data else None,
                party_id=int(form.party_id.data) if form.party_id.data else None)
        except DomainError as exc:
            rollback(str(exc))
        else:
            if msg.status == "refused":
                flash(_("The message is refused: %(why)s", why=msg.error), "error")
                return redirect(url_for(".show", message_id=msg.id))
            flash(_("The message is queued; it is sent by the next run of «casework messages send»."), "success")
            return redirect(back)
    on_file = {"sms": account.phone, "email": account.email}
    if not may_see_pii(current_user.role):
        on_file = {k: mask_tail(v) for k, v in on_file.items()}
    return render_template("messages/send.html", form=form, account=account, case=case, back=back, on_file=on_file,
                           sent=queries.messages_for(account.id, 20), L=labels, shown_address=shown_address)


@bp.route("/account/<int:account_id>/send", methods=["GET", "POST"])
@roles(CASE_STAFF)
def send_account(account_id: int):
    return _send_page(account_id, None)


@bp.route("/case/<int:case_id>/send", methods=["GET", "POST"])
@roles(CASE_STAFF)
def send_case(case_id: int):
    return _send_page(None, case_id)


@bp.route("/")
@roles(ALL_ROLES)
def index():
    form = MessageFilterForm(request.args)
    form.validate()
    stmt = queries.search_messages_stmt(status=form.status.data or None, channel=form.channel.data or None,
                                        date_from=form.date_from.data, date_to=form.date_to.data)
    page = paginate(stmt, request.args.get("page", 1, type=int), per_page=50)
    return render_template("messages/index.html", form=form, page=page, L=labels, shown_address=shown_address)


@bp.route("/<int:message_id>")
@roles(ALL_ROLES)
def show(message_id: int):
    msg = db.get_or_404(Message, message_id)
    return render_template("messages/show.html", msg=msg, L=labels, shown_address=shown_address)


@bp.route("/settings")
@roles(ADMIN)
def settings():
    cfg = current_app.config
    secret = cfg["MESSAGES_CALLBACK_SECRET"]
    callback = {p: (url_for(".callback", provider=p, _external=True)
                    + (f"?token={services.callback_token(p, secret)}" if p == "smsru" else ""))
                for p in services.CALLBACK_PROVIDERS} if secret else {}
    return render_template("messages/settings.html", cfg=cfg, callback=callback)


def _form_array(name: str) -> list[str]:
    """A PHP-style form array as SMS.ru posts it: `data[]=…&data[]=…` or `data[0]=…&data[1]=…`, in order."""
    out = []
    for key in request.form:
        if key == name or (key.startswith(name + "[") and key.endswith("]")):
            out += request.form.getlist(key)
    return out


@bp.route("/callback/<provider>", methods=["POST"])
@public
@csrf.exempt
def callback(provider: str):
    """A provider's delivery notice: refused (403) unless signed (services.signature_ok); SMS.ru wants «100» back."""
    body = request.get_data(cache=True)
    if not services.signature_ok(provider, body, request.headers.get("X-Casework-Signature"),
                                 request.args.get("token")):
        abort(403)
    try:
        if provider == "smsru":
            counts = services.take_smsru_callback(_form_array("data"))
        else:
            counts = services.take_email_callback(request.get_json(force=True, silent=True))
    except DomainError:
        rollback()
        abort(400)
    current_app.logger.info("messages callback %s: %s", provider, counts)
    if provider == "smsru":
        return "100", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return counts, 200
