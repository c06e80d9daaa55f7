"""Fuzz the standalone verifier's API from its own OpenAPI document (schemathesis, in-process ASGI).

Whatever schemathesis sends — wrong types, huge strings, odd unicode, missing fields — the verifier
must answer with a 2xx/4xx, never a server error. The network is a MockTransport with a fake DNS.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.verifier.factory import World
from verifier.app import create_app

_world = World()
app = create_app(_world.config(time_budget=2.0))
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case):
    case.call_and_validate(checks=[not_a_server_error])
