from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from ..access import ADMIN, ALL_ROLES, roles
from ..i18n import _
from ..timeutil import forget_zone, zone_name
from ..transaction import commit_now
from . import bp, declension
from .forms import EnterpriseForm, timezone_label
from .models import get_enterprise


@bp.route("/")
@roles(ALL_ROLES)
def show():
    ent = get_enterprise()
    forms = {d.attr: declension.declined(ent, d.attr) for d in declension.DECLINED}
    return render_template("enterprise/show.html", ent=ent, forms=forms, timezone=timezone_label(zone_name()))


@bp.route("/edit", methods=["GET", "POST"])
@roles(ADMIN)
def edit():
    ent = get_enterprise()
    form = EnterpriseForm(obj=ent)
    if form.validate_on_submit():
        before = declension.snapshot(ent)
        form.populate_obj(ent)
        declension.settle(ent, before)
        commit_now()  # the zone is read again from the stored enterprise
        forget_zone()
        flash(_("The enterprise's details have been saved."), "success")
        return redirect(url_for("enterprise.show"))
    for d in declension.DECLINED:  # the forms documents will print, and what the dictionary suggests
        f = form[d.attr]
        if not form.is_submitted() and not (f.data or "").strip():
            f.data = declension.suggestion(ent, d.attr)
        f.description = _("Suggested by the dictionary: %(value)s", value=declension.suggestion(ent, d.attr) or "—")
    return render_template("enterprise/edit.html", form=form)
