"""The API's OpenAPI 3.1 document — the one place its shapes are defined.

`/api/v1/openapi.json` serves `openapi_document()`; the views validate every request body against the same
component schemas (`validate_body`), so the document cannot drift from what the API accepts. Refusals of the
schema come back as the same row problems (index, field, reason in the user's language) as the import's own.
"""
from __future__ import annotations

from functools import lru_cache

from ..i18n import _

MAX_ROWS = 10_000  # rows of one push request (the body limit API_MAX_BODY_BYTES applies too)
AMOUNT_MAX = 10**13  # kopecks: a hundred billion rubles, far beyond any ledger line, within BIGINT
PROBLEM = "application/problem+json"

_str = {"type": "string"}
NO_CONTROL = r"^[^\u0000-\u001f]*$"  # no NUL, tab or line breaks in a value (PostgreSQL refuses NUL in text)


def _text(max_length: int, min_length: int = 0, **extra) -> dict:
    """A one-line text value."""
    out = {"type": "string", "maxLength": max_length, "pattern": NO_CONTROL, **extra}
    if min_length:
        out["minLength"] = min_length
    return out


_date = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_month = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "description": "Billing month YYYY-MM."}
_nullable_date = {"type": ["string", "null"], "format": "date"}
_kop = {"type": "integer", "minimum": -AMOUNT_MAX, "maximum": AMOUNT_MAX}
_kop_out = {"type": "integer"}
_account_number = _text(32, 1, description="Account (лицевой счёт) number.")
_service = _text(100, 1, description="Service code or name as in the imports (e.g. cold_water, «ХВС»).")

SCHEMAS: dict[str, dict] = {
    "PaymentRow": {
        "type": "object", "additionalProperties": False,
        "required": ["account_number", "service", "amount_kop", "paid_on"],
        "properties": {
            "account_number": _account_number, "service": _service,
            "amount_kop": {**_kop, "description": "Amount in kopecks; negative for a reversal (with `reverses`)."},
            "paid_on": _date,
            "source": _text(40, description="cash_desk, bank, online, enforcement, employer, work_off, other (or "
                                            "alias)."),
            "reference": _text(100, description="The billing's payment document."),
            "paid_period": {**_month, "description": "The month the payer named (ГК 319.1)."},
            "reverses": _text(100, description="Reference of the payment reversed."),
        },
    },
    "ChargeRow": {
        "type": "object", "additionalProperties": False,
        "required": ["account_number", "service", "period", "kind", "amount_kop"],
        "properties": {
            "account_number": _account_number, "service": _service, "period": _month,
            "kind": {"type": "string", "enum": ["charge", "recalculation", "opening"]},
            "amount_kop": {**_kop, "description": "Amount in kopecks; negative only for a recalculation."},
            "reference": _text(100, description="Recalculation document."),
        },
    },
    "PaymentBatch": {
        "type": "object", "additionalProperties": False, "required": ["rows"],
        "properties": {"rows": {"type": "array", "minItems": 1, "maxItems": MAX_ROWS,
                                "items": {"$ref": "#/components/schemas/PaymentRow"}}},
    },
    "ChargeBatch": {
        "type": "object", "additionalProperties": False, "required": ["rows"],
        "properties": {"rows": {"type": "array", "minItems": 1, "maxItems": MAX_ROWS,
                                "items": {"$ref": "#/components/schemas/ChargeRow"}}},
    },
    "ImportResult": {
        "type": "object", "additionalProperties": False,
        "required": ["batch_id", "status", "sha256", "rows_total", "rows_inserted", "rows_duplicate",
                     "earlier_batch_id"],
        "properties": {
            "batch_id": {"type": "integer"}, "status": {"type": "string", "enum": ["committed"]},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "rows_total": {"type": "integer"}, "rows_inserted": {"type": "integer"},
            "rows_duplicate": {"type": "integer"},
            "earlier_batch_id": {"type": ["integer", "null"],
                                 "description": "An earlier committed batch with the same payload (sha256)."},
        },
    },
    "RowProblem": {
        "type": "object", "additionalProperties": False, "required": ["index", "field", "reason"],
        "properties": {
            "index": {"type": ["integer", "null"], "description": "Position in `rows`, from 0; null: the request."},
            "field": {"type": ["string", "null"]},
            "pointer": {"type": ["string", "null"], "description": "JSON pointer into the body."},
            "reason": _str,
        },
    },
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": _str, "title": _str, "status": {"type": "integer"}, "detail": _str, "instance": _str,
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RowProblem"}},
            "batch_id": {"type": ["integer", "null"]},
        },
    },
    "Account": {
        "type": "object", "additionalProperties": False,
        "required": ["number", "category", "debtor_name", "address", "opened_on", "closed_on", "balance_kop",
                     "has_open_case"],
        "properties": {
            "number": _str, "category": {"type": "string", "enum": ["population", "other"]},
            "debtor_name": _str, "address": _str, "opened_on": _nullable_date, "closed_on": _nullable_date,
            "balance_kop": {"type": ["integer", "null"]}, "has_open_case": {"type": "boolean"},
        },
    },
    "AccountPage": {
        "type": "object", "additionalProperties": False, "required": ["items", "page", "per_page", "total"],
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}},
                       "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}},
    },
    "Figures": {
        "type": "object", "additionalProperties": False,
        "required": ["as_of", "balance_kop", "overdue_kop", "months_in_arrears", "avg_monthly_charge_kop",
                     "oldest_debt_days", "aging_kop", "last_payment_on", "last_period"],
        "properties": {
            "as_of": _date, "balance_kop": _kop_out, "overdue_kop": _kop_out,
            "months_in_arrears": {"type": "integer"}, "avg_monthly_charge_kop": _kop_out,
            "oldest_debt_days": {"type": ["integer", "null"]},
            "aging_kop": {"type": "object", "additionalProperties": False,
                          "required": ["0_30", "31_90", "91_180", "181_365", "1_3y", "over_3y"],
                          "properties": {k: _kop_out for k in ("0_30", "31_90", "91_180", "181_365", "1_3y",
                                                               "over_3y")}},
            "last_payment_on": _nullable_date, "last_period": {"type": ["string", "null"]},
        },
    },
    "LegalFigures": {
        "type": "object", "additionalProperties": False,
        "required": ["as_of", "debt_kop", "overpaid_kop", "penalty_kop", "penalty_error", "time_barred_kop",
                     "claimable_kop", "next_bar_date"],
        "properties": {
            "as_of": _date, "debt_kop": _kop_out, "overpaid_kop": _kop_out,
            "penalty_kop": {"type": ["integer", "null"]}, "penalty_error": {"type": ["string", "null"]},
            "time_barred_kop": _kop_out, "claimable_kop": _kop_out, "next_bar_date": _nullable_date,
        },
    },
    "Balance": {
        "type": "object", "additionalProperties": False,
        "required": ["account_number", "figures", "legal", "legal_error"],
        "properties": {
            "account_number": _str,
            "figures": {"oneOf": [{"$ref": "#/components/schemas/Figures"}, {"type": "null"}]},
            "legal": {"oneOf": [{"$ref": "#/components/schemas/LegalFigures"}, {"type": "null"}]},
            "legal_error": {"type": ["string", "null"]},
        },
    },
    "Case": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "stage", "stage_label", "stage_since", "is_open", "opened_on", "closed_on", "hold_reason",
                     "hold_until"],
        "properties": {
            "id": {"type": "integer"}, "stage": _str, "stage_label": _str, "stage_since": _date,
            "is_open": {"type": "boolean"}, "opened_on": _date, "closed_on": _nullable_date,
            "hold_reason": {"type": ["string", "null"]}, "hold_until": _nullable_date,
        },
    },
    "CaseStage": {
        "type": "object", "additionalProperties": False, "required": ["account_number", "case", "cases_total"],
        "properties": {"account_number": _str,
                       "case": {"oneOf": [{"$ref": "#/components/schemas/Case"}, {"type": "null"}],
                                "description": "The open case, else the latest one; null when none."},
                       "cases_total": {"type": "integer"}},
    },
}


def _problem(description: str) -> dict:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _ok(schema: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_AUTH_ERRORS = {"401": _problem("No token, an unknown or a revoked token."),
                "403": _problem("The token's scope does not allow this."),
                "429": _problem("Too many requests for this token; see Retry-After."),
                "503": _problem("The database took too long to answer; retry later.")}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": _account_number}


def _push(schema: str, summary: str, op_id: str) -> dict:
    return {"post": {
        "operationId": op_id, "summary": summary, "security": [{"bearerAuth": []}],
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]+$"},
                        "description": "A retry with the same key and body returns the first answer."}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{schema}"}}}},
        "responses": {"200": _ok("ImportResult", "Imported (rows already in the ledger are counted as duplicates)."),
                      "400": _problem("The body is not JSON."), **_AUTH_ERRORS,
                      "409": _problem("A request with this Idempotency-Key is still being processed."),
                      "413": _problem("The body is too large."),
                      "415": _problem("The body is not application/json."),
                      "422": _problem("Bad rows (nothing was written) or an Idempotency-Key reused with another "
                                      "body.")},
    }}


def _read(op_id: str, summary: str, schema: str, parameters: list) -> dict:
    return {"get": {"operationId": op_id, "summary": summary, "security": [{"bearerAuth": []}],
                    "parameters": parameters,
                    "responses": {"200": _ok(schema), "400": _problem("A bad query parameter."), **_AUTH_ERRORS,
                                  "404": _problem("No such account.")}}}


PATHS: dict[str, dict] = {
    "/api/v1/payments": _push("PaymentBatch", "Push payments (and reversals) into the ledger", "pushPayments"),
    "/api/v1/charges": _push("ChargeBatch", "Push charges, recalculations and opening balances", "pushCharges"),
    "/api/v1/accounts": _read("listAccounts", "Accounts, a page at a time", "AccountPage", [
        {"name": "number", "in": "query", "required": False, "schema": _text(32),
         "description": "Exactly this account number."},
        {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                      "maximum": 1_000_000}},
        {"name": "per_page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                          "maximum": 500}}]),
    "/api/v1/accounts/{number}/balance": _read("accountBalance", "An account's figures, as its page shows them",
                                               "Balance", [_NUMBER]),
    "/api/v1/accounts/{number}/case": _read("accountCase", "The stage of the account's case", "CaseStage",
                                            [_NUMBER]),
}


def openapi_document() -> dict:
    """The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json)."""
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "casework API", "version": "1.0.0",
                 "description": "Push payments and charges from billing; read accounts, their figures and case "
                                "stages. See docs/api.md."},
        "paths": {**PATHS, "/api/v1/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
                "schema": {"type": "object"}}}}}}}},
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }
    return doc


@lru_cache(maxsize=None)
def _validator(name: str):
    import jsonschema_rs

    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def validate_body(name: str, body) -> list[dict]:
    """Row problems (index, field, pointer, reason) of a request body against the component schema `name`."""
    out = []
    for err in _validator(name).iter_errors(body):
        path = list(err.instance_path)
        index = path[1] if len(path) >= 2 and path[0] == "rows" and isinstance(path[1], int) else None
        field = next((p for p in reversed(path) if isinstance(p, str) and p != "rows"), None)
        kind = type(err.kind).__name__
        reason = _reason(kind, err.kind)
        if kind == "Required":
            field = str(err.kind.property)
        elif kind == "AdditionalProperties":
            field = ", ".join(str(u) for u in err.kind.unexpected)
        pointer = "/" + "/".join(str(p) for p in path) if path else ""
        out.append({"index": index, "field": field, "pointer": pointer,
                    "reason": reason})
        if len(out) >= 1000:
            break
    return out


def _reason(kind: str, k) -> str:
    if kind == "Required":
        return _("the field is required")
    if kind == "AdditionalProperties":
        return _("unknown field")
    if kind == "Type":
        return _("wrong type of value")
    if kind in ("Minimum", "Maximum", "ExclusiveMinimum", "ExclusiveMaximum"):
        return _("the number is out of range")
    if kind in ("MinLength", "MaxLength"):
        return _("the text is empty or too long")
    if kind == "MinItems":
        return _("there are no rows")
    if kind == "MaxItems":
        return _("too many rows in one request (at most %(n)s)", n=MAX_ROWS)
    if kind == "Pattern" and getattr(k, "pattern", None) == NO_CONTROL:
        return _("the text must be one line without control characters")
    if kind in ("Pattern", "Format"):
        return _("the value does not have the expected form (dates YYYY-MM-DD, months YYYY-MM)")
    if kind == "Enum":
        return _("the value is not one of the allowed ones")
    return _("the value is not valid")
