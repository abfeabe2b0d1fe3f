from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from ..access import ADMIN, MANAGER, roles
from ..extensions import db
from ..pagination import paginate
from . import bp
from .models import AuditEvent


@bp.route("/")
@roles(ADMIN, MANAGER)
def index():
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    entity = request.args.get("entity", "").strip()
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    entity_id = request.args.get("entity_id", type=int)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    page = paginate(stmt, request.args.get("page", 1, type=int), per_page=100, count=False)
    return render_template("audit/index.html", page=page, entity=entity, entity_id=entity_id)
