from __future__ import annotations

import json
import re
from datetime import date, datetime

from flask import render_template, request
from sqlalchemy import select

from ..access import ADMIN, MANAGER, roles
from ..extensions import db
from ..i18n import _, _l, format_date
from ..pagination import int_arg, paginate
from . import bp
from .models import AuditEvent

# what a reader of the trail sees instead of the stored codes (unknown codes are shown as they are)
ACTION_LABELS = {
    "insert": _l("created"), "update": _l("changed"), "delete": _l("deleted"),
    "pii.view": _l("personal data viewed"), "user.create": _l("user created"),
    "promise_kept": _l("promise kept"), "promise_partly_kept": _l("promise partly kept"),
    "promise_broken": _l("promise broken"), "agreement_late": _l("agreement payment late"),
    "agreement_broken": _l("agreement broken"), "debt_acknowledged": _l("debt acknowledged"),
    "case.warning_delivered": _l("warning delivered"),
}
ENTITY_LABELS = {
    "accounts": _l("account"), "parties": _l("debtor"), "users": _l("user"), "enterprises": _l("enterprise"),
    "cases": _l("case"), "case_stage_changes": _l("case stage change"), "court_records": _l("court record"),
    "case_deadlines": _l("case deadline"), "case_holds": _l("case hold"), "case_alerts": _l("case alert"),
    "promises": _l("promise to pay"), "payment_agreements": _l("payment agreement"),
    "enforcements": _l("enforcement proceedings"), "account_service_norms": _l("consumption norm"),
    "courts": _l("court"), "bailiff_units": _l("bailiff unit"), "writeoff_proposals": _l("write-off proposal"),
    "contacts": _l("contact"), "messages": _l("e-mail or SMS"), "documents": _l("document"), "document_template_versions": _l("document template"),
    "document_batches": _l("document batch"), "import_batches": _l("import"), "territories": _l("territory"),
    "buildings": _l("building"), "premises": _l("premises"), "account_parties": _l("debtor of an account"),
    "services": _l("service"), "agreement_instalments": _l("agreement instalment"),
    "legal_key_rates": _l("key rate"), "legal_cap_windows": _l("penalty rate cap"),
    "legal_moratoria": _l("moratorium"), "legal_calendar_days": _l("production calendar day"),
    "legal_duty_scales": _l("state duty scale"), "report_closed_months": _l("closed report month"),
}


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


# stored as local wall-clock time, not UTC: shown as they are (every other timestamp is UTC, shown in local time)
_LOCAL_TIMES = frozenset({"contacted_at"})


def _value(v, key: str | None = None) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, str) and _ISO.fullmatch(v):
        return format_date(datetime.fromisoformat(v) if "T" in v else date.fromisoformat(v),
                           utc=key not in _LOCAL_TIMES)
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def changes_text(changes) -> list[str]:
    """The stored changes as readable lines: `field: old → new` for updates, `field: value` otherwise."""
    if not changes:
        return []
    if not isinstance(changes, dict):
        return [_value(changes)]
    out = []
    for key, v in changes.items():
        if isinstance(v, list) and len(v) == 2:
            out.append(f"{key}: {_value(v[0], key)} → {_value(v[1], key)}")
        else:
            out.append(f"{key}: {_value(v, key)}")
    return out


@bp.route("/")
@roles(ADMIN, MANAGER)
def index():
    from ..auth.models import User

    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    entity = request.args.get("entity", "").strip()
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    entity_id = int_arg("entity_id")
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    page = paginate(stmt, request.args.get("page", 1, type=int), per_page=100, count=False)
    ids = {e.user_id for e in page.items if e.user_id}
    users = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    return render_template("audit/index.html", page=page, entity=entity, entity_id=entity_id, users=users,
                           action_labels=ACTION_LABELS, entity_labels=ENTITY_LABELS, changes_text=changes_text)
