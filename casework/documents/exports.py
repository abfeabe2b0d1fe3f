"""The documents registry as an export (XLSX): one description for the immediate download and the report job."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import joinedload

from ..export import Column
from ..extensions import db
from ..i18n import _
from ..jobs.exports import ExportSpec, count_rows
from .forms import DELIVERY_LABELS
from .letters import DOWNLOAD, kinds_allowed
from .models import Document
from .queries import registry_query

MAX_ROWS = 100_000
_DATES = ("date_from", "date_to")


def filter_params(q: str | None, kind: str | None, date_from: date | None, date_to: date | None,
                  delivered: str | None, batch_id: int | None) -> dict:
    """The registry's filter as JSON values (what the job is queued with; the letters the role may open are not
    part of it: the job reads them for the role of the user when it runs)."""
    return {"q": q, "kind": kind, "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None, "delivered": delivered, "batch_id": batch_id}


def documents_export(params: dict, role: str | None) -> ExportSpec:
    """The registry as `role` sees it: only the letters the role may open (letters.LETTERS[…].access)."""
    kw = {k: (date.fromisoformat(v) if k in _DATES and v else v) for k, v in params.items()}
    stmt = registry_query(**kw, kinds=kinds_allowed(DOWNLOAD, role)).limit(MAX_ROWS)
    cols = [Column(_("Number"), width=12), Column(_("Date"), "date"), Column(_("Document"), width=36),
            Column(_("Addressee"), width=36), Column(_("Account"), width=14), Column(_("Amount, rubles"), "kop"),
            Column(_("Delivered on"), "date"), Column(_("Delivery method")), Column(_("Proof")),
            Column(_("SHA-256"), width=66)]

    def rows():
        for d in db.session.scalars(stmt.options(joinedload(Document.account)).execution_options(yield_per=2000)):
            yield (d.number, d.issued_on, d.title, d.addressee, d.account.number if d.account else "", d.amount_kop,
                   d.delivered_on, str(DELIVERY_LABELS.get(d.delivery_method, "")) if d.delivery_method else "",
                   d.delivery_proof or "", d.sha256)

    return ExportSpec(filename="documents", columns=cols, rows=rows, count=lambda limit: count_rows(stmt, limit),
                      sheet_title=_("Documents"), formats=("xlsx",))
