"""API actions: tokens (made, revoked, checked) and pushing rows into the ledger through the import pipeline.

Pushed rows are never parsed a second way: `canonical_file` turns them into the import's own ledger records
(the columns of docs/import-format.md, amounts in rubles) and `push_rows` runs `imports.services.commit_import`
on them — the same validation, plausibility checks, dedup keys (`entry_key`, ON CONFLICT DO NOTHING), batch
record, audit and figures refresh as a file uploaded on the Imports page. Only the view commits.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from ..audit.services import record_event
from ..domain.errors import DomainError
from ..domain.money import from_kopecks
from ..extensions import db
from ..i18n import _
from ..imports import services as imports
from ..imports import uploads
from ..imports.models import ImportBatch
from ..imports.rows import RowError
from ..problems import ApiProblem
from ..timeutil import utcnow
from ..transaction import commit_now
from .models import SCOPES, ApiIdempotencyKey, ApiToken

TOKEN_PREFIX = "cw_"
LAST_USED_EVERY_S = 60  # last_used_at is written at most once a minute per token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------------ tokens
def create_token(name: str, scope: str, actor) -> tuple[ApiToken, str]:
    """A new API token: the row keeps only its sha256 and first characters; the token is returned to be shown once."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name (the system that will use it)."))
    if scope not in SCOPES:
        raise DomainError(_("Unknown scope «%(s)s».", s=scope))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name[:100], scope=scope, token_sha256=token_hash(token), prefix=token[:10],
                   created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke_token(row: ApiToken, actor) -> None:
    """Revoke a token: every request carrying it is refused (401) from now on; the row stays for the record."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_by_id = getattr(actor, "id", None)
        db.session.flush()


def tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def authenticate(header: str | None) -> ApiToken:
    """The active token of an `Authorization: Bearer <token>` header, else ApiProblem 401."""
    scheme, _sp, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise ApiProblem(401, _("An API token is required: send the header «Authorization: Bearer <token>»."),
                         slug="unauthenticated")
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_hash(token)))
    if row is None or row.revoked_at is not None:
        raise ApiProblem(401, _("The API token is unknown or revoked."), slug="unauthenticated")
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= LAST_USED_EVERY_S:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        commit_now()  # its own small transaction, before the request's work: kept when the request fails
    return row


# ------------------------------------------------------------------------------------------------ rate limit
class RateLimiter:
    """At most `limit` requests a minute per token in this process (a sliding window); 0 = no limit."""

    def __init__(self):
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def check(self, token_key: str, limit: int, now: float | None = None) -> int | None:
        """None when the request may go on, else the seconds to wait."""
        if not limit or limit <= 0:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.setdefault(token_key, deque())
            while q and now - q[0] >= 60:
                q.popleft()
            if len(q) >= limit:
                return max(1, int(60 - (now - q[0])) + 1)
            q.append(now)
            return None


CANONICAL = ("account_number", "period", "service", "kind", "amount", "paid_on", "source", "paid_period",
             "reference", "reverses")
# the import's column → the API's field
API_FIELD = {"amount": "amount_kop", "period": "period"}


# ------------------------------------------------------------------------------------------------ pushing rows
def canonical_file(kind: str, rows: list[dict]) -> bytes:
    """The pushed rows as the import's ledger records (docs/import-format.md columns), one JSON file: the bytes the
    import validates, hashes (sha256) and records."""
    out = []
    for r in rows:
        if kind == "payments":
            rec = {"account_number": r["account_number"], "period": "", "service": r["service"], "kind": "payment",
                   "amount": str(from_kopecks(r["amount_kop"])), "paid_on": r["paid_on"], "source": r.get("source", ""),
                   "paid_period": r.get("paid_period", ""), "reference": r.get("reference", ""),
                   "reverses": r.get("reverses", "")}
        else:
            rec = {"account_number": r["account_number"], "period": r["period"], "service": r["service"],
                   "kind": r["kind"], "amount": str(from_kopecks(r["amount_kop"])), "paid_on": "", "source": "",
                   "paid_period": "", "reference": r.get("reference", ""), "reverses": ""}
        out.append({k: rec[k] for k in CANONICAL})
    return json.dumps({"rows": out}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def row_problems(errors) -> list[dict]:
    """The import's RowErrors (row n = rows[n-1]) as the API's problems: index from 0, the API's field name."""
    out = []
    for e in errors:
        index = e.row - 1 if e.row is not None else None
        field = API_FIELD.get(e.column, e.column) or None
        pointer = f"/rows/{index}" + (f"/{field}" if field else "") if index is not None else ""
        out.append({"index": index, "field": field, "pointer": pointer, "reason": e.reason})
    return out


@dataclass
class PushOutcome:
    status: int
    body: dict
    batch_id: int | None
    replayed: bool = False


def request_hash(endpoint: str, data: bytes) -> str:
    return hashlib.sha256(endpoint.encode() + b"\n" + data).hexdigest()


def remembered(token: ApiToken, key: str, endpoint: str, data: bytes) -> PushOutcome | None:
    """The answer already given to this token's request with this Idempotency-Key, or None; the same key with
    another body or endpoint is refused (422)."""
    row = db.session.scalar(select(ApiIdempotencyKey).where(ApiIdempotencyKey.token_id == token.id,
                                                            ApiIdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_sha256 != request_hash(endpoint, data):
        raise ApiProblem(422, _("This Idempotency-Key was already used with another request body."),
                         slug="idempotency-key-reused")
    return PushOutcome(row.status_code, row.response, row.batch_id, replayed=True)


def push_rows(kind: str, data: bytes, token: ApiToken, key: str | None, endpoint: str) -> PushOutcome:
    """Import pushed rows with the file import's pipeline; bad rows → 422 with every problem and nothing written
    to the ledger (the rejected batch is recorded, as for a file); a successful answer is remembered under the
    Idempotency-Key (only successes: a corrected retry may reuse the key). `data`: `canonical_file` of the rows."""
    name = f"api-{kind}.json"
    earlier = db.session.scalar(select(ImportBatch.id).where(
        ImportBatch.file_sha256 == uploads.sha256_of(data), ImportBatch.status == "committed")
        .order_by(ImportBatch.id.desc()).limit(1))
    batch = imports.commit_import("ledger", data, name, None, via="api")
    options = dict(batch.options or {})
    options["api_token_id"] = token.id
    if key:
        options["idempotency_key"] = key
    batch.options = options
    record_event("api.push", "import_batches", batch.id, {
        "token_id": token.id, "token": token.name, "kind": kind, "status": batch.status, "rows": batch.rows_total,
        "idempotency_key": key})
    if batch.status != "committed":
        errors = [RowError(**e) for e in (batch.options or {}).get("errors", [])]
        body_out = {"detail": _("%(n)s bad rows; nothing was imported.", n=batch.rows_bad or len(errors)),
                    "errors": row_problems(errors), "batch_id": batch.id}
        db.session.flush()
        return PushOutcome(422, body_out, batch.id)
    out = {"batch_id": batch.id, "status": "committed", "sha256": batch.file_sha256, "rows_total": batch.rows_total,
           "rows_inserted": batch.rows_inserted, "rows_duplicate": batch.rows_duplicate, "earlier_batch_id": earlier}
    if key:
        db.session.add(ApiIdempotencyKey(token_id=token.id, key=key, endpoint=endpoint,
                                         request_sha256=request_hash(endpoint, data), status_code=200, response=out,
                                         batch_id=batch.id))
    db.session.flush()
    return PushOutcome(200, out, batch.id)


def record_failure(kind: str, data: bytes, message: str) -> None:
    """After the caller rolled back a failed push: the attempt is recorded as a `failed` import batch."""
    imports.record_failure("ledger", data, f"api-{kind}.json", None, "api", message)


def rate_limit() -> int:
    return int(current_app.config.get("API_RATE_LIMIT_PER_MINUTE") or 0)
