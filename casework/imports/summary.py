"""What the preview tells besides the counts: sums by kind and month, the column mapping, the period range,
rows in closed months, and an earlier import of the same file (by its sha256)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..i18n import _
from . import parsing
from .labels import column_label
from .models import ImportBatch

LEDGER_KINDS = ("opening", "charge", "recalculation", "payment")


def column_mapping(parsed: parsing.Parsed) -> list[list[str]]:
    """[what the column is read as (user's language), the header as the file writes it] in the file's order."""
    if parsed.extra.get("osv"):
        return [list(c) for c in parsed.extra["osv"]["columns"]]
    by_index = sorted(parsed.columns.items(), key=lambda kv: kv[1])
    return [[column_label(canonical), parsed.headers[i]] for canonical, i in by_index]


def ledger_sums(entries: list) -> dict:
    """Sums in kopecks by kind and month (the entry's period: a payment's posting month) and the period range."""
    by: dict[str, dict[str, int]] = {}
    months: set[str] = set()
    for t in entries:
        month = t[parsing.L_PERIOD][:7]
        months.add(month)
        row = by.setdefault(t[parsing.L_KIND], {})
        row[month] = row.get(month, 0) + t[parsing.L_AMOUNT]
    ordered = sorted(months)
    rows = [{"kind": k, "by_month": by[k], "total": sum(by[k].values())} for k in LEDGER_KINDS if k in by]
    return {"months": ordered, "rows": rows, "period_from": ordered[0] if ordered else None,
            "period_to": ordered[-1] if ordered else None}


def latest_closed_month() -> date | None:
    from ..reports.models import ClosedMonth

    return db.session.scalar(select(func.max(ClosedMonth.month)))


def closed_month_rows(entries: list, closed: date | None) -> list[int]:
    """Rows of the file with an entry dated in a closed month or earlier (they change a submitted month's figures:
    payments by their date, the rest by their period)."""
    if closed is None:
        return []
    m = closed.isoformat()
    nxt = date(closed.year + (closed.month == 12), closed.month % 12 + 1, 1).isoformat()
    rows = set()
    for t in entries:
        if t[parsing.L_KIND] == "payment" and t[parsing.L_PAID_ON]:
            if t[parsing.L_PAID_ON] < nxt:
                rows.add(t[parsing.L_ROW])
        elif t[parsing.L_PERIOD] <= m:
            rows.add(t[parsing.L_ROW])
    return sorted(rows)


def previous_import(sha256: str) -> dict | None:
    """The latest committed import of a file with the same sha256: its number and date."""
    row = db.session.execute(select(ImportBatch.id, ImportBatch.started_at, ImportBatch.kind)
                             .where(ImportBatch.file_sha256 == sha256, ImportBatch.status == "committed")
                             .order_by(ImportBatch.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"batch_id": row[0], "on": row[1].date().isoformat(), "kind": row[2]}


def build(parsed: parsing.Parsed, entries: list, sha256: str) -> dict:
    """The preview's summary (JSON-ready)."""
    out: dict = {"columns": column_mapping(parsed), "warnings": [], "previous": previous_import(sha256)}
    if parsed.extra.get("osv"):
        out["osv"] = parsed.extra["osv"]
        out["warnings"].extend(parsed.extra["osv"].get("warnings", []))
    if parsed.kind in ("ledger", "turnover"):
        out["sums"] = ledger_sums(entries)
        closed = latest_closed_month()
        rows = closed_month_rows(entries, closed)
        if rows:
            shown = ", ".join(str(r) for r in rows[:20]) + (" …" if len(rows) > 20 else "")
            out["warnings"].append(_(
                "%(n)s rows fall into closed months (the last closed month is %(m)s): rows %(rows)s. They change the "
                "live figures of a submitted month and appear in the next month's report as «корректировки прошлых "
                "периодов».", n=len(rows), m=f"{closed:%m.%Y}", rows=shown))
            out["closed_rows"] = len(rows)
    return out
