"""Administrators' pages for API tokens (/api-tokens): create one (shown once), list them, revoke one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import ADMIN, roles
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..transaction import rollback
from . import services
from .forms import TokenForm
from .models import ApiToken

bp = Blueprint("api_tokens", __name__)


@bp.route("/", methods=["GET", "POST"])
@roles(ADMIN)
def index():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            row, new_token = services.create_token(form.name.data, form.scope.data, current_user)
        except DomainError as exc:
            rollback(str(exc))
        else:
            flash(_("Token «%(name)s» created. Copy it now: it is shown only once.", name=row.name), "success")
            form = TokenForm(formdata=None)
    return render_template("api/tokens.html", form=form, tokens=services.tokens(), new_token=new_token)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@roles(ADMIN)
def revoke(token_id: int):
    row = db.get_or_404(ApiToken, token_id)
    services.revoke_token(row, current_user)
    flash(_("Token «%(name)s» revoked.", name=row.name), "success")
    return redirect(url_for("api_tokens.index"))
