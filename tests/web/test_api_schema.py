"""schemathesis against the API's own OpenAPI document, through the Flask app as a WSGI application: for generated
requests (valid and invalid) no answer is a 5xx, every status code and content type is documented, and every body
matches the document's schema."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casework.api import services
from casework.extensions import db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture()
def api_schema(app, monkeypatch):
    from tests.integration.test_imports import load_accounts

    load_accounts()
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_PER_MINUTE", 0)
    _row, token = services.create_token("schemathesis", "write", None)
    db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), token


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_openapi_document(api_schema, mode):
    schema, token = api_schema
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 5
    for op in operations:
        @settings(max_examples=40, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        run()


def test_known_accounts_answer_in_the_documented_shape(api_schema):
    """Generated numbers rarely name a real account: the read operations are also called for real ones."""
    schema, token = api_schema
    for path in ("/api/v1/accounts/{number}/balance", "/api/v1/accounts/{number}/case"):
        op = schema[path]["GET"]
        for number in ("100001", "100002", "100003"):
            case = op.Case(path_parameters={"number": number})
            resp = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
            assert resp.status_code == 200, (path, number)
