from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from ..access import ALL_ROLES, roles
from ..audit.services import record_event
from ..extensions import db
from ..i18n import _l
from ..pagination import MAX_PAGE
from ..transaction import commit_now
from . import bp, queries
from .forms import AccountFilterForm
from .labels import (
    AGING_LABELS,
    CATEGORY_LABELS,
    PARTY_KIND_LABELS,
    PARTY_ROLE_LABELS,
    SORT_LABELS,
    SOURCE_LABELS,
    TENURE_LABELS,
)
from .pii import mask_tail, may_see_pii, party_view

PER_PAGE = 50
# later areas: (blueprint name, section title); a section shows when that blueprint is registered and renders
# templates/<area>/_account_panel.html (context: account, account_id) when the area provides one
LATER_SECTIONS = (("cases", _l("Cases")), ("contacts", _l("Contacts")), ("documents", _l("Documents")))


def _filter_form() -> AccountFilterForm:
    has_cases = "cases" in current_app.blueprints or _cases_table_exists()
    form = AccountFilterForm(request.args, territories=queries.territory_names(), with_cases=has_cases)
    form.validate()
    return form


def _cases_table_exists() -> bool:
    return "cases" in db.metadata.tables


def _labels() -> dict:
    """Label lookups for the templates, translated once per request (not once per table cell)."""
    maps = {name: {k: str(v) for k, v in mapping.items()} for name, mapping in (
        ("category", CATEGORY_LABELS), ("tenure", TENURE_LABELS), ("aging", AGING_LABELS),
        ("party_role", PARTY_ROLE_LABELS), ("party_kind", PARTY_KIND_LABELS), ("source", SOURCE_LABELS))}
    out = {name: (lambda m: lambda code: "" if code is None else m.get(code, code))(m) for name, m in maps.items()}
    out["aging_bucket"] = queries.aging_bucket
    return out


@bp.route("/")
@roles(ALL_ROLES)
def index():
    form = _filter_form()
    flt = form.to_filter()
    page_no = min(request.args.get("page", 1, type=int), MAX_PAGE)  # a huge number must not overflow the database
    page, totals = queries.search_accounts(flt, page_no, PER_PAGE)
    return render_template("accounts/index.html", form=form, flt=flt, page=page, totals=totals,
                           territories=queries.territory_names(), sort_labels=SORT_LABELS, **_labels())


@bp.route("/export.<fmt>")
@roles(ALL_ROLES)
def export(fmt: str):
    """The filtered list as XLSX/CSV: at once when small, else as a report job (casework/jobs/exports.py)."""
    from ..jobs.exports import export_response
    from .exports import filter_params

    if fmt not in ("xlsx", "csv"):
        abort(404)
    return export_response("accounts", filter_params(_filter_form().to_filter()), fmt, ALL_ROLES)


@bp.route("/<int:account_id>")
@roles(ALL_ROLES)
def detail(account_id: int):
    account = queries.account_or_none(account_id)
    if account is None:
        abort(404)
    reveal = may_see_pii(current_user.role)
    parties = [party_view(link, party, reveal) for link, party in queries.parties_for(account_id)]
    if reveal:
        for p in parties:
            if p.has_pii:
                record_event("pii.view", "parties", p.party_id, {"account_id": account_id})
        if account.phone:
            record_event("pii.view", "accounts", account_id, {"field": "phone"})
        commit_now()  # the pii.view audit rows: a GET is not committed otherwise
    account_phone = account.phone if reveal else mask_tail(account.phone, 4)
    sections = [(area, str(title)) for area, title in LATER_SECTIONS if area in current_app.blueprints]
    return render_template(
        "accounts/detail.html", account=account, account_phone=account_phone, parties=parties, reveal=reveal,
        balance=queries.balance_for(account_id), months=queries.months_for(account_id),
        by_service=queries.ledger_by_month_and_service(account_id), payments=queries.payments_for(account_id),
        related=queries.related_counts(account_id), sections=sections, **_labels())
