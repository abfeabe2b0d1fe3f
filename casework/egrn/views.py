"""ЕГРН extracts for managers: upload → differences per file → confirmation."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import ADMIN, MANAGER, roles
from ..i18n import _
from ..transaction import rollback
from ..views_common import uploaded_files
from . import bp, parser, services
from .forms import ConfirmForm, UploadForm


@bp.route("/", methods=["GET", "POST"])
@roles(MANAGER, ADMIN)
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        uploads = uploaded_files(form.files.data, "file.xml")
        try:
            token, _reviews = services.review_upload(uploads)
        except parser.ExtractError as exc:
            rollback()
            form.files.errors = [*form.files.errors, str(exc)]
            return render_template("egrn/upload.html", form=form), 400
        return redirect(url_for(".preview", token=token))
    return render_template("egrn/upload.html", form=form), (400 if form.errors else 200)


@bp.route("/preview/<token>")
@roles(MANAGER, ADMIN)
def preview(token: str):
    reviews = services.load_upload_review(token)
    if reviews is None:
        abort(404)
    pending = sum(len(r.changes) for r in reviews if r.account_id)
    return render_template("egrn/preview.html", reviews=reviews, token=token, form=ConfirmForm(), pending=pending)


@bp.route("/preview/<token>", methods=["POST"])
@roles(MANAGER, ADMIN)
def confirm(token: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    totals = services.apply_upload(token, current_user)
    if totals is None:
        abort(404)
    flash(_("Applied to %(files)s accounts: %(new)s owners added, %(changed)s changed, %(ended)s rights ended.",
            files=totals["files"], new=totals["new_owners"], changed=totals["changed"], ended=totals["ended"]),
          "success")
    return redirect(url_for(".preview", token=token))
