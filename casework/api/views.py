"""API views (thin): authentication by token in the access hook, bodies checked against schema.py."""
from __future__ import annotations

import json
import re

from flask import current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from .. import access
from ..access import api_token, public
from ..domain.errors import DomainError
from ..extensions import csrf
from ..i18n import _
from ..problems import ApiProblem, from_exception, problem_response
from ..transaction import commit_now, rollback
from . import bp, queries, schema, services

_limiter = services.RateLimiter()
_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces


def check_token(rule) -> object | None:
    """The access hook for API views: a valid token of the rule's scope and within the rate limit, else a problem."""
    try:
        token = services.authenticate(request.headers.get("Authorization"))
        if not token.may(rule.scope):
            raise ApiProblem(403, _("This token may only read; writing needs a token with the «write» scope."),
                             slug="insufficient-scope")
        wait = _limiter.check(token.token_sha256, services.rate_limit())
        if wait:
            raise ApiProblem(429, _("Too many requests for this token; try again in %(s)s s.", s=wait),
                             slug="rate-limited", headers={"Retry-After": str(wait)})
    except ApiProblem as exc:
        return from_exception(exc)
    g.api_token = token
    return None


access.set_token_checker(check_token)
csrf.exempt(bp)  # tokens, not cookies: no cross-site request can carry one


@bp.before_request
def _limit_body():
    request.max_content_length = int(current_app.config.get("API_MAX_BODY_BYTES") or 0) or None


@bp.after_request
def _no_store(resp):
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.errorhandler(ApiProblem)
def _api_problem(exc):
    rollback()
    return from_exception(exc)


@bp.errorhandler(DomainError)
def _domain_error(exc):
    rollback()
    return problem_response(422, str(exc), slug="refused")


def _http_error(exc: HTTPException):
    rollback()
    return problem_response(exc.code or 500)


for _code in (400, 401, 403, 404, 405, 413, 415, 429, 500):
    bp.register_error_handler(_code, _http_error)


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not lo <= int(raw) <= hi:
        raise ApiProblem(400, _("The parameter «%(p)s» must be a whole number from %(lo)s to %(hi)s.", p=name,
                                lo=lo, hi=hi), slug="bad-parameter")
    return int(raw)


_CONTROL = re.compile(r"[\x00-\x1f]")


def _account(number: str):
    account = queries.account_by_number(number) if not _CONTROL.search(number) and len(number) <= 32 else None
    if account is None:
        raise ApiProblem(404, _("There is no account «%(n)s».", n=number[:40]), slug="no-such-account")
    return account


# ------------------------------------------------------------------------------------------------ writes
def _push(kind: str, schema_name: str):
    if not request.is_json:
        raise ApiProblem(415, _("The request body must be JSON (Content-Type: application/json)."),
                         slug="unsupported-media-type")
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiProblem(400, _("The request body is not valid JSON."), slug="malformed-json") from None
    problems = schema.validate_body(schema_name, body)
    if problems:
        raise ApiProblem(422, _("The request does not match the schema; nothing was imported."),
                         slug="schema-violation", errors=problems)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY_RE.fullmatch(key):
        raise ApiProblem(400, _("The Idempotency-Key must be 1 to 255 printable characters without spaces."),
                         slug="bad-idempotency-key")
    token = g.api_token
    data = services.canonical_file(kind, body["rows"])
    endpoint = request.endpoint
    outcome = services.remembered(token, key, endpoint, data) if key else None
    if outcome is None:
        try:
            outcome = services.push_rows(kind, data, token, key, endpoint)
            commit_now()  # inside the try: the same key committed meanwhile by a concurrent request fails here
        except IntegrityError:
            # the same key was committed meanwhile by a concurrent request: answer as it did
            rollback()
            outcome = services.remembered(token, key, endpoint, data) if key else None
            if outcome is None:
                raise ApiProblem(409, _("A request with this Idempotency-Key is being processed; retry later."),
                                 slug="idempotency-conflict") from None
        except DomainError as exc:  # a refusal of the import as a whole: nothing written, the attempt recorded
            rollback()
            services.record_failure(kind, data, str(exc))
            commit_now()  # the attempt is kept though the answer is a refusal
            raise ApiProblem(422, str(exc), slug="refused") from None
        except Exception as exc:  # nothing was written: record the attempt, then answer 500
            rollback()
            current_app.logger.exception("API import failed")
            services.record_failure(kind, data, repr(exc))
            commit_now()  # the attempt is kept though the answer is an error
            raise
    if outcome.status != 200:
        return problem_response(outcome.status, outcome.body["detail"], slug="invalid-rows",
                                errors=outcome.body["errors"], batch_id=outcome.batch_id)
    resp = jsonify(outcome.body)
    if outcome.replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


@bp.route("/payments", methods=["POST"])
@api_token("write")
def push_payments():
    """Payments and reversals into the ledger, through the import pipeline."""
    return _push("payments", "PaymentBatch")


@bp.route("/charges", methods=["POST"])
@api_token("write")
def push_charges():
    """Charges, recalculations and opening balances into the ledger, through the import pipeline."""
    return _push("charges", "ChargeBatch")


# ------------------------------------------------------------------------------------------------ reads
@bp.route("/accounts")
@api_token("read")
def accounts():
    number = (request.args.get("number") or "").strip() or None
    if number is not None and (_CONTROL.search(number) or len(number) > 32):
        raise ApiProblem(400, _("The parameter «%(p)s» must be one line of at most %(n)s characters.", p="number",
                                n=32), slug="bad-parameter")
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", 50, 1, 500)
    return jsonify(queries.account_page(number, page, per_page))


@bp.route("/accounts/<path:number>/balance")
@api_token("read")
def balance(number: str):
    account = _account(number)
    legal, legal_error = queries.legal_figures(account)
    return jsonify({"account_number": account.number, "figures": queries.figures(account), "legal": legal,
                    "legal_error": legal_error})


@bp.route("/accounts/<path:number>/case")
@api_token("read")
def case(number: str):
    return jsonify(queries.case_stage(_account(number)))


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document (public: it holds no data)."""
    return jsonify(schema.openapi_document())
