"""What API Gateway answers through the wire: malformed function results and function
errors (the table of `tests/unit/proxy/test_responses.py`), timeouts and unknown routes,
REST Lambda authorizers (TOKEN and REQUEST, with a cached deny), and HTTP API CORS."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.integration.apigateway_support import http_api, python_function, raw
from tests.integration.conftest import TenkuProcess
from tests.unit.proxy.test_responses import BAD_RESULTS

# Answers with whatever the request body asks for: {"result": ..., "raise": bool,
# "sleep": seconds}.
ANSWERER = """
import json, time

def handler(event, context):
    body = event.get("body") or "{}"
    wanted = json.loads(body)
    if wanted.get("sleep"):
        time.sleep(wanted["sleep"])
    if wanted.get("raise"):
        raise RuntimeError("asked to")
    return wanted.get("result")
"""

# A TOKEN/REQUEST authorizer: "allow" and "deny" tokens get policies, anything else
# raises Unauthorized. Every call is counted in /tmp so the test sees cache hits.
AUTHORIZER = """
import json, os

COUNT = "/tmp/authorizer-calls"

def handler(event, context):
    calls = int(open(COUNT).read()) if os.path.exists(COUNT) else 0
    open(COUNT, "w").write(str(calls + 1))
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    token = event.get("authorizationToken") or headers.get("x-token")
    if token not in ("allow", "deny"):
        raise Exception("Unauthorized")
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke",
            "Effect": "Allow" if token == "allow" else "Deny",
            "Resource": event["methodArn"],
        }]},
        "context": {"team": "blue", "calls": calls + 1},
    }
"""

USERS = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "route": event.get("resource") or event.get("routeKey"),
        "user": (event.get("pathParameters") or {}).get("userId"),
        "authorizer": event["requestContext"].get("authorizer"),
    })}
"""


def post(
    tenku: TenkuProcess, api: str, target: str, body: Any
) -> tuple[int, dict[str, str], bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return raw(
        tenku.port,
        f"{api}.execute-api.localhost",
        "POST",
        target,
        (("Content-Type", "application/json"),),
        data,
    )


@pytest.fixture(scope="module")
def answer_apis(tenku: TenkuProcess) -> dict[str, str]:
    fn = python_function(tenku, "answerer", ANSWERER, Timeout=5)
    v2, _ = http_api(tenku, "answers-v2", fn, ["POST /answer"], "2.0")
    v1, _ = http_api(tenku, "answers-v1", fn, ["POST /answer"], "1.0")
    client = tenku.client("apigateway")
    rest = client.create_rest_api(name="answers")["id"]
    root = client.get_resources(restApiId=rest)["items"][0]["id"]
    resource = client.create_resource(restApiId=rest, parentId=root, pathPart="answer")["id"]
    client.put_method(
        restApiId=rest, resourceId=resource, httpMethod="POST", authorizationType="NONE"
    )
    client.put_integration(
        restApiId=rest,
        resourceId=resource,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        timeoutInMillis=1000,
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations",
    )
    client.create_deployment(restApiId=rest, stageName="prod")
    tenku.client("apigatewayv2").update_integration(
        ApiId=v2,
        IntegrationId=tenku.client("apigatewayv2").get_integrations(ApiId=v2)["Items"][0][
            "IntegrationId"
        ],
        TimeoutInMillis=1000,
    )
    return {"v2": v2, "v1": v1, "rest": rest}


# A Python function's result is always serialized as JSON, so the payloads that are not
# JSON at all (covered by the unit table) cannot come from one.
WIRE_RESULTS = [case for case in BAD_RESULTS if not isinstance(case[1], bytes)]


@pytest.mark.parametrize(
    ("result", "bad_v2", "bad_v1", "bad_rest"),
    [case[1:] for case in WIRE_RESULTS],
    ids=[case[0] for case in WIRE_RESULTS],
)
def test_bad_function_results(
    tenku: TenkuProcess,
    answer_apis: dict[str, str],
    result: Any,
    bad_v2: bool,
    bad_v1: bool,
    bad_rest: bool,
) -> None:
    asked = {"result": result}
    for kind, bad, status, message in (
        ("v2", bad_v2, 500, b'{"message":"Internal Server Error"}'),
        ("v1", bad_v1, 500, b'{"message":"Internal Server Error"}'),
        ("rest", bad_rest, 502, b'{"message": "Internal server error"}'),
    ):
        target = "/prod/answer" if kind == "rest" else "/answer"
        got, _, body = post(tenku, answer_apis[kind], target, asked)
        if bad:
            assert (got, body) == (status, message), kind
        else:
            assert (got, body) != (status, message), kind


def test_function_errors_and_timeouts(tenku: TenkuProcess, answer_apis: dict[str, str]) -> None:
    assert post(tenku, answer_apis["v2"], "/answer", {"raise": True})[0] == 500
    status, headers, _ = post(tenku, answer_apis["rest"], "/prod/answer", {"raise": True})
    assert status == 502 and headers["x-amzn-errortype"] == "InternalServerErrorException"
    assert post(tenku, answer_apis["v2"], "/answer", {"sleep": 2})[:1] == (503,)
    status, _, body = post(tenku, answer_apis["rest"], "/prod/answer", {"sleep": 2})
    assert status == 504 and json.loads(body) == {"message": "Endpoint request timed out"}
    good = post(tenku, answer_apis["v2"], "/answer", {"result": {"statusCode": 201, "body": "x"}})
    assert good[0] == 201 and good[2] == b"x" and "apigw-requestid" in good[1]


def test_unknown_routes_and_apis(tenku: TenkuProcess, answer_apis: dict[str, str]) -> None:
    status, _, body = raw(tenku.port, f"{answer_apis['v2']}.execute-api.localhost", "GET", "/x")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    status, _, body = raw(
        tenku.port, f"{answer_apis['rest']}.execute-api.localhost", "GET", "/prod/nowhere"
    )
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    status, _, _ = raw(tenku.port, "abcdefghij.execute-api.localhost", "GET", "/")
    assert status == 404
    # the path-style form reaches the same API
    status, _, body = raw(
        tenku.port,
        "127.0.0.1",
        "POST",
        f"/_tenku/execute-api/{answer_apis['rest']}/prod/answer",
        (("Content-Type", "application/json"),),
        json.dumps({"result": {"statusCode": 200, "body": "via path"}}).encode(),
    )
    assert (status, body) == (200, b"via path")


@pytest.fixture(scope="module")
def users_rest(tenku: TenkuProcess) -> dict[str, str]:
    users = python_function(tenku, "users-rest", USERS)
    authorizer = python_function(tenku, "authorizer", AUTHORIZER)
    client = tenku.client("apigateway")
    api = client.create_rest_api(name="users")["id"]
    invocation = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"
    token = client.create_authorizer(
        restApiId=api,
        name="token",
        type="TOKEN",
        authorizerUri=invocation.format(authorizer),
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=300,
    )["id"]
    request = client.create_authorizer(
        restApiId=api,
        name="request",
        type="REQUEST",
        authorizerUri=invocation.format(authorizer),
        identitySource="method.request.header.X-Token",
        authorizerResultTtlInSeconds=0,
    )["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    collection = client.create_resource(restApiId=api, parentId=root, pathPart="users")["id"]
    item = client.create_resource(restApiId=api, parentId=collection, pathPart="{userId}")["id"]
    routes = [
        (collection, "GET", token),
        (collection, "POST", token),
        (item, "GET", request),
        (item, "PUT", request),
        (item, "DELETE", request),
    ]
    for resource, verb, authorizer_id in routes:
        client.put_method(
            restApiId=api,
            resourceId=resource,
            httpMethod=verb,
            authorizationType="CUSTOM",
            authorizerId=authorizer_id,
        )
        client.put_integration(
            restApiId=api,
            resourceId=resource,
            httpMethod=verb,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=invocation.format(users),
        )
    client.create_deployment(restApiId=api, stageName="prod")
    return {"api": api}


def calls() -> int:
    import os

    path = "/tmp/authorizer-calls"
    return int(open(path).read()) if os.path.exists(path) else 0


def get(
    tenku: TenkuProcess, api: str, target: str, *headers: tuple[str, str], method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    return raw(tenku.port, f"{api}.execute-api.localhost", method, target, tuple(headers))


def test_rest_token_authorizer_with_a_cached_deny(
    tenku: TenkuProcess, users_rest: dict[str, str]
) -> None:
    api = users_rest["api"]
    status, _, body = get(tenku, api, "/prod/users")
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    status, _, body = get(tenku, api, "/prod/users", ("Authorization", "nonsense"))
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    status, _, body = get(tenku, api, "/prod/users", ("Authorization", "allow"))
    assert status == 200
    seen = json.loads(body)
    assert seen["route"] == "/users"
    assert seen["authorizer"]["principalId"] == "user-1"
    assert seen["authorizer"]["team"] == "blue"
    before = calls()
    status, _, body = get(tenku, api, "/prod/users", ("Authorization", "deny"))
    assert status == 403
    assert json.loads(body) == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    assert calls() == before + 1
    status, _, _ = get(tenku, api, "/prod/users", ("Authorization", "deny"))
    assert status == 403 and calls() == before + 1  # the deny came from the cache
    status, _, _ = get(tenku, api, "/prod/users", ("Authorization", "allow"), method="POST")
    assert status == 403 or status == 200  # the cached allow names GET /users only
    assert calls() == before + 1


def test_rest_request_authorizer(tenku: TenkuProcess, users_rest: dict[str, str]) -> None:
    api = users_rest["api"]
    status, _, _ = get(tenku, api, "/prod/users/42")
    assert status == 401  # no identity source: the authorizer is not called
    before = calls()
    status, _, body = get(tenku, api, "/prod/users/42", ("X-Token", "allow"))
    assert status == 200 and json.loads(body)["user"] == "42"
    assert json.loads(body)["route"] == "/users/{userId}"
    status, _, _ = get(tenku, api, "/prod/users/42", ("X-Token", "deny"), method="DELETE")
    assert status == 403
    status, _, _ = get(tenku, api, "/prod/users/42", ("X-Token", "allow"), method="PUT")
    assert status == 200
    assert calls() == before + 3  # TTL 0: every request asks the authorizer


def test_http_api_cors_preflight_and_headers(tenku: TenkuProcess) -> None:
    users = python_function(tenku, "users-cors", USERS)
    api, _ = http_api(
        tenku,
        "users-cors",
        users,
        [
            "GET /users",
            "POST /users",
            "GET /users/{userId}",
            "PUT /users/{userId}",
            "DELETE /users/{userId}",
        ],
        CorsConfiguration={
            "AllowOrigins": ["http://localhost:3000"],
            "AllowMethods": ["GET", "POST", "PUT", "DELETE"],
            "AllowHeaders": ["Content-Type", "Authorization"],
            "MaxAge": 600,
            "AllowCredentials": True,
        },
    )
    status, headers, _ = raw(
        tenku.port,
        f"{api}.execute-api.localhost",
        "OPTIONS",
        "/users/7",
        (
            ("Origin", "http://localhost:3000"),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "content-type,authorization"),
        ),
    )
    assert status == 204
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "PUT" in headers["access-control-allow-methods"]
    assert headers["access-control-max-age"] == "600"
    assert headers["access-control-allow-credentials"] == "true"
    status, headers, _ = raw(
        tenku.port,
        f"{api}.execute-api.localhost",
        "OPTIONS",
        "/users",
        (("Origin", "http://evil.example"), ("Access-Control-Request-Method", "GET")),
    )
    assert "access-control-allow-origin" not in headers
    status, headers, body = raw(
        tenku.port,
        f"{api}.execute-api.localhost",
        "GET",
        "/users/9",
        (("Origin", "http://localhost:3000"),),
    )
    assert status == 200 and json.loads(body)["user"] == "9"
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    time.sleep(0)


def test_route_metrics_count_requests_and_errors(
    tenku: TenkuProcess, answer_apis: dict[str, str]
) -> None:
    import urllib.request

    post(tenku, answer_apis["v2"], "/answer", {"result": {"statusCode": 404}})
    post(tenku, answer_apis["rest"], "/prod/answer", {"raise": True})
    with urllib.request.urlopen(f"{tenku.endpoint}/_tenku/apigateway/metrics") as answer:
        routes = json.loads(answer.read())["routes"]
    by_key = {(r["apiId"], r["route"]): r["minutes"] for r in routes}
    http = by_key[(answer_apis["v2"], "POST /answer")]
    rest = by_key[(answer_apis["rest"], "POST /answer")]
    assert sum(m["Count"] for m in http) >= 1 and sum(m["4XXError"] for m in http) >= 1
    assert sum(m["5XXError"] for m in rest) >= 1
    assert all(m["LatencyMaximum"] >= m["LatencyAverage"] > 0 for m in http)
