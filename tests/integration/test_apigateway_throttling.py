"""Throttling through the wire: a REST API method that requires an API key (403 without
one), its usage plan's throttle (429) and quota (429 Limit Exceeded); an HTTP API stage's
route throttling (429)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.integration.apigateway_support import http_api, python_function, raw
from tests.integration.conftest import TenkuProcess

HELLO = """
def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
"""


@pytest.fixture(scope="module")
def tenku(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    """A server of this module's own: throttles are per process and the quota test moves
    its clock by a day."""
    server = TenkuProcess(tmp_path_factory.mktemp("throttling")).start()
    yield server
    server.stop()


def get(tenku: TenkuProcess, api: str, path: str, *headers: tuple[str, str]) -> tuple[int, bytes]:
    status, _, body = raw(tenku.port, f"{api}.execute-api.localhost", "GET", path, headers)
    return status, body


def test_api_keys_usage_plan_throttle_and_quota(tenku: TenkuProcess) -> None:
    fn = python_function(tenku, "hello-keys", HELLO)
    client = tenku.client("apigateway")
    api = client.create_rest_api(name="keys")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    client.put_method(restApiId=api, resourceId=root, httpMethod="GET",
                      authorizationType="NONE", apiKeyRequired=True)
    client.put_integration(
        restApiId=api, resourceId=root, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations",
    )
    client.create_deployment(restApiId=api, stageName="prod")
    key = client.create_api_key(name="k", enabled=True, value="a-long-enough-key-value-1")
    plan = client.create_usage_plan(
        name="p", apiStages=[{"apiId": api, "stage": "prod"}],
        throttle={"rateLimit": 0.01, "burstLimit": 2}, quota={"limit": 5, "period": "DAY"},
    )
    client.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert get(tenku, api, "/prod/")[0] == 403
    assert get(tenku, api, "/prod/", ("x-api-key", "wrong"))[0] == 403
    with_key = ("x-api-key", "a-long-enough-key-value-1")
    assert [get(tenku, api, "/prod/", with_key)[0] for _ in range(3)] == [200, 200, 429]
    client.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "replace", "path": "/throttle/rateLimit", "value": "1000"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": "1000"},
    ])
    statuses = [get(tenku, api, "/prod/", with_key) for _ in range(4)]
    assert [s for s, _ in statuses] == [200, 200, 200, 429]  # 2 + 3 = the quota of 5
    assert json.loads(statuses[-1][1]) == {"message": "Limit Exceeded"}
    tenku.advance_clock(86400)  # a new day, a new quota
    assert get(tenku, api, "/prod/", with_key)[0] == 200


def test_http_api_route_throttling(tenku: TenkuProcess) -> None:
    fn = python_function(tenku, "hello-throttle", HELLO)
    api, client = http_api(tenku, "throttled", fn, ["GET /hello"])
    client.update_stage(ApiId=api, StageName="$default", DefaultRouteSettings={
        "ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.01})
    statuses = [get(tenku, api, "/hello") for _ in range(3)]
    assert [s for s, _ in statuses] == [200, 200, 429]
    assert json.loads(statuses[-1][1]) == {"message": "Too Many Requests"}
