"""Property-based run of every operation of the live OpenAPI schema (schemathesis' Python API, in-process
through the Django WSGI application): no 5xx, and every documented answer matches its schema.

Marked `services` (run by .ci/run's PostgreSQL pass). Bounded: a fixed number of examples per operation,
derandomized, so the run finishes in well under the 4-minute budget.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import issue

EXAMPLES_PER_OPERATION = 15


def _exercise(operation, headers: dict[str, str], failures: list[str]) -> None:
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                   headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — collected, reported all at once
            failures.append(f"{operation.method.upper()} {operation.path} → {response.status_code}: {str(exc)[:3000]}")

    run()


@pytest.mark.services
def test_every_operation_answers_without_5xx_and_within_its_schema(world, region, dealer, settings):
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from aftersales.wsgi import application

    # Thousands of requests from one client: throttling is tested elsewhere, here it would only mask answers.
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "100000/min"}
    _token, raw = issue(region, dealers=[dealer])
    headers = {"Authorization": f"Bearer {raw}"}
    # The WSGI handler closes "old" connections around each request; inside the test's transaction that
    # would drop the seeded data, so (like Django's test client) keep the connection for the run.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    failures: list[str] = []
    operations = 0
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            _exercise(operation, headers, failures)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert operations >= 40
    assert not failures, "\n\n".join(failures[:20])
