"""Bailiffs' reconciliation for lawyers: upload → review (matches, ambiguous and unmatched rows, receipts) → confirm."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import LAWYER, MANAGER, roles
from ..domain.errors import DomainError
from ..i18n import _
from ..transaction import refused, rollback
from ..views_common import uploaded_files
from . import bp, parser, services
from .forms import ConfirmForm, UploadForm


@bp.route("/", methods=["GET", "POST"])
@roles(LAWYER, MANAGER)
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        uploads = uploaded_files(form.files.data, "file")
        try:
            token, _rows = services.review_upload(uploads)
        except parser.ReconciliationError as exc:
            rollback()
            form.files.errors = [*form.files.errors, str(exc)]
            return render_template("fssp/upload.html", form=form), 400
        return redirect(url_for(".review", token=token))
    return render_template("fssp/upload.html", form=form), (400 if form.errors else 200)


def _picks() -> dict[int, int]:
    out = {}
    for k, v in request.values.items():
        if k.startswith("pick-") and v.isdigit() and k[5:].isdigit():
            out[int(k[5:])] = int(v)
    return out


@bp.route("/review/<token>")
@roles(LAWYER, MANAGER)
def review(token: str):
    rows = services.load_review(token, _picks())
    if rows is None:
        abort(404)
    return render_template("fssp/review.html", rows=rows, token=token, form=ConfirmForm(), services=services)


@bp.route("/review/<token>", methods=["POST"])
@roles(LAWYER, MANAGER)
def confirm(token: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    rows = {int(v) for v in request.form.getlist("row") if v.isdigit()}
    receipts = set()
    for v in request.form.getlist("receipt"):
        a, _sep, b = v.partition(":")
        if a.isdigit() and b.isdigit():
            receipts.add((int(a), int(b)))
    try:
        totals = services.apply_review(token, current_user, picks=_picks(), rows=rows, receipts=receipts)
    except DomainError as exc:
        return refused(exc, url_for(".review", token=token))
    if totals is None:
        abort(404)
    flash(_("Reconciliation applied: %(rows)s proceedings updated (%(changes)s changes), %(receipts)s receipts added "
            "to the ledger, %(in_ledger)s already there.", rows=totals["rows"], changes=totals["changes"],
            receipts=totals["receipts"], in_ledger=totals["in_ledger"]), "success")
    return redirect(url_for(".review", token=token))
