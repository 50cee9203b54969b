"""Property-based fuzzing of /api/v1 from its own OpenAPI document (schemathesis).

Every documented operation gets generated requests, valid (positive) and invalid (negative);
a bounded number of examples keeps it to seconds. It must find no 5xx, no response that breaks
the documented schema or status codes, and no crash. Authenticated operations get a real
sandbox session, the admin API the sandbox's admin token. (schemathesis' own pytest plugin does
not run on pytest 9 yet, so hypothesis drives each operation's strategy here.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.channel_steps import ADMIN_TOKEN
from tests.integration.flows import login

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25  # per operation and mode
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def fuzz_operation(operation, mode, token, cases, statuses):
    label = f"{operation.label} [{mode.value}]"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def fuzz(case):
        if case.operation.path != "/api/v1/sessions":
            admin = case.operation.path.startswith("/api/v1/admin/")
            bearer = ADMIN_TOKEN if admin else token
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {bearer}"}
        response = case.call_and_validate(checks=CHECKS)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        cases[label] = cases.get(label, 0) + 1

    try:
        fuzz()
    except Unsatisfiable:
        # an operation with no parameters or body has no invalid request to generate
        assert mode is GenerationMode.NEGATIVE, label


def test_api_v1_holds_its_contract(flask_app, worker):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", flask_app)
    token = login(flask_app.test_client(), code="fuzzer")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 4
    cases: dict[str, int] = {}
    statuses: dict[int, int] = {}
    for operation in operations:
        for mode in MODES:
            fuzz_operation(operation, mode, token, cases, statuses)
    assert not [status for status in statuses if status >= 500 and status != 503], statuses
    assert len(cases) >= len(operations), cases
    print(
        f"\nschemathesis: {sum(cases.values())} cases over {len(operations)} operations, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
