from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from ..access import ALL_ROLES, roles
from ..extensions import db
from . import bp
from .models import Account


@bp.route("/")
@roles(ALL_ROLES)
def index():
    accounts = db.session.scalars(select(Account).order_by(Account.number).limit(50)).all()
    return render_template("accounts/index.html", accounts=accounts)
