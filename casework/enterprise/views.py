from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from ..access import ADMIN, ALL_ROLES, roles
from ..extensions import db
from ..i18n import _
from ..timeutil import forget_zone, zone_name
from . import bp
from .forms import EnterpriseForm, timezone_label
from .models import get_enterprise


@bp.route("/")
@roles(ALL_ROLES)
def show():
    return render_template("enterprise/show.html", ent=get_enterprise(), timezone=timezone_label(zone_name()))


@bp.route("/edit", methods=["GET", "POST"])
@roles(ADMIN)
def edit():
    ent = get_enterprise()
    form = EnterpriseForm(obj=ent)
    if form.validate_on_submit():
        form.populate_obj(ent)
        db.session.commit()
        forget_zone()
        flash(_("The enterprise's details have been saved."), "success")
        return redirect(url_for("enterprise.show"))
    return render_template("enterprise/edit.html", form=form)
