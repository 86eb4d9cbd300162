"""The request-shape table of `tests/unit/proxy/test_events.py`, through the wire: each
request is sent byte for byte to an HTTP API (payload 2.0 and 1.0) and a REST API in a
real server, and the event a Python function receives must have every field the table
states. Fields that depend on the client rather than the shape (source address, times,
ids, host) are left out, and the headers API Gateway adds (`X-Forwarded-*`,
`X-Amzn-Trace-Id`, `Host`, `Content-Length`) are set aside before header maps are
compared."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.apigateway_support import ECHO, event_of, http_api, python_function, raw
from tests.integration.conftest import TenkuProcess
from tests.unit.proxy.test_events import ABSENT, CASES, Case, _dig

ADDED = {"host", "content-length", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto",
         "x-amzn-trace-id", "connection"}  # fmt: skip
# Shapes that need what a raw client cannot give (another source address, fixed times)
# or a stage of their own.
SKIPPED = {"lowercase method", "named stage", "stage variables", "source ip and protocol",
           "times", "ids and names", "very long path"}  # fmt: skip
CLIENT_FIELDS = ("sourceIp", "requestId", "time", "Time", "domain", "apiId", "accountId",
                 "extendedRequestId", "identity", "protocol", "stage", "deploymentId",
                 "resourceId")  # fmt: skip
WIRE_CASES = [c for c in CASES if c.id not in SKIPPED]


@pytest.fixture(scope="module")
def apis(tenku: TenkuProcess) -> dict[str, Any]:
    echo = python_function(tenku, "shape-echo", ECHO)
    routes = ["GET /pets/{id}", "ANY /files/{proxy+}", "$default"]
    v2, _ = http_api(tenku, "shapes-v2", echo, routes, "2.0")
    v1, _ = http_api(tenku, "shapes-v1", echo, routes, "1.0")
    rest: dict[tuple[str, ...], str] = {}
    client = tenku.client("apigateway")
    for types in {c.binary_types for c in WIRE_CASES}:
        api = client.create_rest_api(name="shapes", binaryMediaTypes=list(types))["id"]
        root = client.get_resources(restApiId=api)["items"][0]["id"]
        pets = client.create_resource(restApiId=api, parentId=root, pathPart="pets")["id"]
        pet = client.create_resource(restApiId=api, parentId=pets, pathPart="{id}")["id"]
        files = client.create_resource(restApiId=api, parentId=root, pathPart="files")["id"]
        greedy = client.create_resource(restApiId=api, parentId=files, pathPart="{proxy+}")["id"]
        anything = client.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
        uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{echo}/invocations"
        for resource, verb in ((pet, "GET"), (greedy, "ANY"), (anything, "ANY"), (root, "ANY")):
            client.put_method(
                restApiId=api, resourceId=resource, httpMethod=verb, authorizationType="NONE"
            )
            client.put_integration(
                restApiId=api,
                resourceId=resource,
                httpMethod=verb,
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=uri,
            )
        client.create_deployment(restApiId=api, stageName="test")
        rest[types] = api
    return {"v2": v2, "v1": v1, "rest": rest}


def send(tenku: TenkuProcess, api: str, case: Case, stage_prefix: str = "") -> dict[str, Any]:
    target = stage_prefix + case.path + (f"?{case.query}" if case.query else "")
    status, _, payload = raw(
        tenku.port,
        f"{api}.execute-api.localhost:{tenku.port}",
        case.method,
        target,
        case.headers,
        case.body,
        case.protocol,
    )
    assert status == 200, payload
    return event_of(payload)


def check(event: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, want in expected.items():
        if any(part in key for part in CLIENT_FIELDS):
            continue
        got = _dig(event, key)
        if key in ("headers", "multiValueHeaders") and isinstance(got, dict):
            got = {k: v for k, v in got.items() if k.lower() not in ADDED} or None
            if want == {}:
                want = None
        if want is ABSENT:
            assert got is ABSENT, f"{key}: {got!r} should be absent"
        else:
            assert got == want, f"{key}: {got!r} != {want!r}"


def test_the_wire_table_is_big_enough() -> None:
    assert len(WIRE_CASES) >= 60


@pytest.mark.parametrize("case", WIRE_CASES, ids=[c.id for c in WIRE_CASES])
def test_http_api_payload_2(tenku: TenkuProcess, apis: dict[str, Any], case: Case) -> None:
    if case.method == "HEAD":
        pytest.skip("a HEAD answer has no body to carry the event back")
    check(send(tenku, apis["v2"], case), case.v2)


@pytest.mark.parametrize("case", WIRE_CASES, ids=[c.id for c in WIRE_CASES])
def test_http_api_payload_1(tenku: TenkuProcess, apis: dict[str, Any], case: Case) -> None:
    if case.method == "HEAD":
        pytest.skip("a HEAD answer has no body to carry the event back")
    check(send(tenku, apis["v1"], case), case.v1)


@pytest.mark.parametrize("case", WIRE_CASES, ids=[c.id for c in WIRE_CASES])
def test_rest_api(tenku: TenkuProcess, apis: dict[str, Any], case: Case) -> None:
    if case.method == "HEAD":
        pytest.skip("a HEAD answer has no body to carry the event back")
    check(send(tenku, apis["rest"][case.binary_types], case, "/test"), case.rest)
