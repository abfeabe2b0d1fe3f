"""What the preview tells besides the counts: sums by kind and month, the column mapping, the period range,
rows in closed months, an earlier import of the same file (by its sha256), and what a corrected export changes
(rows changed, gone, openings not added)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ..accounts.models import Account, Service
from ..extensions import db
from ..i18n import _
from . import corrections
from .labels import column_label
from .ledger_file import L_ACC, L_AMOUNT, L_KIND, L_PAID_ON, L_PERIOD, L_REF, L_ROW, L_SVC
from .models import ImportBatch
from .rows import Parsed

LEDGER_KINDS = ("opening", "charge", "recalculation", "payment")


def column_mapping(parsed: Parsed) -> list[list[str]]:
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
        month = t[L_PERIOD][:7]
        months.add(month)
        row = by.setdefault(t[L_KIND], {})
        row[month] = row.get(month, 0) + t[L_AMOUNT]
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
        if t[L_KIND] == "payment" and t[L_PAID_ON]:
            if t[L_PAID_ON] < nxt:
                rows.add(t[L_ROW])
        elif t[L_PERIOD] <= m:
            rows.add(t[L_ROW])
    return sorted(rows)


def previous_import(sha256: str) -> dict | None:
    """The latest committed import of a file with the same sha256: its number and date."""
    row = db.session.execute(select(ImportBatch.id, ImportBatch.started_at, ImportBatch.kind)
                             .where(ImportBatch.file_sha256 == sha256, ImportBatch.status == "committed")
                             .order_by(ImportBatch.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"batch_id": row[0], "on": row[1].date().isoformat(), "kind": row[2]}


def build(parsed: Parsed, entries: list, sha256: str) -> dict:
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


MAX_SHOWN = 200  # changed / gone / kept rows listed in the preview (the counts and sums are always complete)


def corrections_summary(cmp: corrections.Comparison) -> dict:
    """The preview's «changed», «gone», «absent» and «openings not added» parts: counts, sums (kopecks) and the
    first rows."""
    acc_ids = {s.account_id for s, _t in cmp.changed[:MAX_SHOWN]} | {s.account_id for s in cmp.gone[:MAX_SHOWN]} | \
        {s.account_id for s in cmp.absent[:MAX_SHOWN]} | {t[L_ACC] for t, _r, _s in cmp.kept_openings[:MAX_SHOWN]}
    numbers = {}
    ids = sorted(acc_ids)
    for i in range(0, len(ids), 500):
        numbers.update(db.session.execute(select(Account.id, Account.number)
                                          .where(Account.id.in_(ids[i:i + 500]))).all())
    names = dict(db.session.execute(select(Service.id, Service.name)).all())
    closed = latest_closed_month()
    closed_iso = closed.isoformat() if closed else None
    next_closed = None
    if closed is not None:
        next_closed = date(closed.year + (closed.month == 12), closed.month % 12 + 1, 1).isoformat()

    def in_closed(s: corrections.StoredRow) -> bool:
        if closed_iso is None:
            return False
        return s.paid_on < next_closed if s.kind == "payment" and s.paid_on else s.period <= closed_iso

    def row(s: corrections.StoredRow | None, t: tuple | None) -> dict:
        base = s if s is not None else None
        acc = base.account_id if base else t[L_ACC]
        svc = base.service_id if base else t[L_SVC]
        return {"row": t[L_ROW] if t else None, "account": numbers.get(acc, str(acc)),
                "service": names.get(svc, str(svc)), "kind": base.kind if base else t[L_KIND],
                "period": (base.period if base else t[L_PERIOD])[:7],
                "paid_on": base.paid_on if base else t[L_PAID_ON],
                "reference": base.reference if base else t[L_REF],
                "old": base.amount if base else None, "new": t[L_AMOUNT] if t else None,
                "new_period": t[L_PERIOD][:7] if t else None, "new_paid_on": t[L_PAID_ON] if t else None,
                "batch_id": base.batch_id if base else None}

    kept = [dict(row(s, t), reason=r) for t, r, s in cmp.kept_openings[:MAX_SHOWN]]
    for k, (t, _r, _s) in zip(kept, cmp.kept_openings):
        k.update(kind=t[L_KIND], period=t[L_PERIOD][:7], old=_s.amount if _s else None,
                 old_period=_s.period[:7] if _s else None)
    return {
        "changed_count": len(cmp.changed), "changed_old_kop": sum(s.amount for s, _t in cmp.changed),
        "changed_new_kop": sum(t[L_AMOUNT] for _s, t in cmp.changed),
        "changed": [row(s, t) for s, t in cmp.changed[:MAX_SHOWN]],
        "gone_count": len(cmp.gone), "gone_kop": sum(s.amount for s in cmp.gone),
        "gone": [row(s, None) for s in cmp.gone[:MAX_SHOWN]],
        "absent_count": len(cmp.absent), "absent_kop": sum(s.amount for s in cmp.absent),
        "absent_accounts": len({s.account_id for s in cmp.absent}),
        "absent": [row(s, None) for s in cmp.absent[:MAX_SHOWN]],
        "kept_openings_count": len(cmp.kept_openings),
        "kept_openings_kop": sum(t[L_AMOUNT] for t, _r, _s in cmp.kept_openings),
        "kept_openings": kept,
        "closed_count": sum(1 for s, _t in cmp.changed if in_closed(s)) + sum(1 for s in cmp.gone if in_closed(s)),
        "absent_closed_count": sum(1 for s in cmp.absent if in_closed(s)),
    }
