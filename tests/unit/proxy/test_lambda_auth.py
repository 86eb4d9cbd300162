"""Lambda authorizers: identity sources, events, policy tables, answers and the cache."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tenku.core.clock import ManualClock
from tenku.proxy import lambda_auth as la
from tenku.proxy.identity import identity_values, split_sources
from tenku.proxy.policy import Decision, MalformedPolicy, evaluate, execute_api_arn
from tenku.proxy.request import ProxyRequest, StageInfo

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/42"
STAGE = StageInfo(
    "123456789012",
    "abc123",
    "prod",
    "abc123.execute-api.us-east-1.amazonaws.com",
    stage_variables={"tier": "gold"},
)
REQUEST = ProxyRequest(
    "GET",
    "/pets/42",
    "a=1&a=2&token=q",
    headers=(("Authorization", "tok"), ("X-Tenant", "t1"), ("Cookie", "c=1")),
    source_ip="198.51.100.1",
    received_at=1_700_000_000.0,
)


def _policy(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": action, "Effect": effect, "Resource": resource}],
    }


# -- ARNs and policies -----------------------------------------------------------------------
def test_execute_api_arn() -> None:
    assert execute_api_arn("us-east-1", "123456789012", "abc123", "prod", "get", "/pets/42") == ARN
    root = execute_api_arn("us-east-1", "1", "a", "$default", "POST", "/")
    assert root == "arn:aws:execute-api:us-east-1:1:a/$default/POST/"


@pytest.mark.parametrize(
    ("policy", "decision"),
    [
        (_policy("Allow", ARN), Decision.ALLOW),
        (_policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/*"), Decision.ALLOW),
        (
            _policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/*"),
            Decision.ALLOW,
        ),
        (_policy("Allow", "arn:aws:execute-api:*:*:abc123/prod/*/pets/*"), Decision.ALLOW),
        (
            _policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/4?"),
            Decision.ALLOW,
        ),
        (
            _policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/?"),
            Decision.IMPLICIT_DENY,
        ),
        (_policy("Allow", "*"), Decision.ALLOW),
        (
            _policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/*"),
            Decision.IMPLICIT_DENY,
        ),
        (
            _policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/*"),
            Decision.IMPLICIT_DENY,
        ),
        (
            _policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/get/pets/42"),
            Decision.IMPLICIT_DENY,
        ),
        (_policy("Allow", [ARN + "x", ARN]), Decision.ALLOW),
        (_policy("Allow", ARN, "execute-api:*"), Decision.ALLOW),
        (_policy("Allow", ARN, "*"), Decision.ALLOW),
        (_policy("Allow", ARN, ["s3:GetObject", "execute-api:Invoke"]), Decision.ALLOW),
        (_policy("Allow", ARN, "s3:*"), Decision.IMPLICIT_DENY),
        (_policy("Allow", ARN, "execute-api:invoke"), Decision.ALLOW),
        (_policy("Deny", ARN), Decision.EXPLICIT_DENY),
        (_policy("Deny", "*"), Decision.EXPLICIT_DENY),
        (_policy("Deny", ARN + "/other"), Decision.IMPLICIT_DENY),
        (
            {
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
                    {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": ARN},
                ]
            },
            Decision.EXPLICIT_DENY,
        ),
        (
            {
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*/POST/*"},
                    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
                ]
            },
            Decision.ALLOW,
        ),
        (
            {"Statement": {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": ARN}},
            Decision.ALLOW,
        ),
    ],
)
def test_policy_table(policy: dict[str, Any], decision: Decision) -> None:
    assert evaluate(policy, ARN) is decision


@pytest.mark.parametrize(
    "policy",
    [
        None,
        "x",
        {},
        {"Statement": []},
        {"Statement": ["x"]},
        {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": 5}]},
    ],
)
def test_malformed_policies(policy: Any) -> None:
    with pytest.raises(MalformedPolicy):
        evaluate(policy, ARN)


# -- identity sources ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sources", "values"),
    [
        (["$request.header.Authorization"], ["tok"]),
        (["$request.header.authorization", "$request.header.x-tenant"], ["tok", "t1"]),
        (["$request.querystring.token"], ["q"]),
        (["$request.querystring.a"], ["1,2"]),
        (["$request.querystring.TOKEN"], None),  # query names are case-sensitive
        (["$stageVariables.tier"], ["gold"]),
        (["$context.routeKey"], ["GET /pets/{id}"]),
        (["$context.identity.sourceIp"], ["198.51.100.1"]),
        (["$request.header.Missing"], None),
        (["$request.header.Authorization", "$request.header.Missing"], None),
        ("method.request.header.Authorization", ["tok"]),
        ("method.request.header.Authorization, method.request.querystring.token", ["tok", "q"]),
        (
            "method.request.header.X-Tenant,stageVariables.tier,context.stage",
            ["t1", "gold", "prod"],
        ),
        ([], []),
        (["$request.body.x"], None),
    ],
)
def test_identity_sources(sources: Any, values: list[str] | None) -> None:
    context = {
        "routeKey": "GET /pets/{id}",
        "stage": "prod",
        "identity": {"sourceIp": "198.51.100.1"},
    }
    got = identity_values(sources, REQUEST, stage_variables={"tier": "gold"}, context=context)
    assert got == values


def test_empty_header_counts_as_missing() -> None:
    request = ProxyRequest("GET", "/", headers=(("Authorization", ""),))
    assert identity_values(["$request.header.Authorization"], request) is None
    assert split_sources(" a , ,b ") == ["a", "b"]


# -- events ----------------------------------------------------------------------------------
def test_rest_token_event() -> None:
    assert la.rest_token_event("tok", ARN) == {
        "type": "TOKEN",
        "authorizationToken": "tok",
        "methodArn": ARN,
    }


def test_rest_request_event() -> None:
    event = la.rest_request_event(
        REQUEST,
        STAGE,
        method_arn=ARN,
        resource_path="/pets/{id}",
        resource_id="r1",
        path_parameters={"id": "42"},
        request_id="rid",
        extended_request_id="ext",
    )
    assert event["type"] == "REQUEST" and event["methodArn"] == ARN
    assert event["resource"] == "/pets/{id}" and event["path"] == "/pets/42"
    assert event["headers"]["Authorization"] == "tok"
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "token": ["q"]}
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] == {"tier": "gold"}
    assert event["requestContext"]["path"] == "/prod/pets/42"
    assert "body" not in event


def test_http_request_events() -> None:
    v1 = la.http_request_event_v1(
        REQUEST,
        STAGE,
        method_arn=ARN,
        identity=["tok", "t1"],
        resource_path="/pets/{id}",
        path_parameters={"id": "42"},
        request_id="rid",
    )
    assert v1["version"] == "1.0" and v1["type"] == "REQUEST"
    assert v1["identitySource"] == "tok,t1" and v1["authorizationToken"] == "tok,t1"
    assert v1["path"] == "/prod/pets/42" and v1["headers"]["x-tenant"] == "t1"
    v2 = la.http_request_event_v2(
        REQUEST,
        STAGE,
        route_arn=ARN,
        identity=["tok"],
        route_key="GET /pets/{id}",
        path_parameters={"id": "42"},
        request_id="rid",
    )
    assert list(v2)[:5] == ["version", "type", "routeArn", "identitySource", "routeKey"]
    assert v2["identitySource"] == ["tok"] and v2["rawPath"] == "/prod/pets/42"
    assert v2["cookies"] == ["c=1"] and v2["queryStringParameters"]["a"] == "1,2"
    assert v2["pathParameters"] == {"id": "42"} and v2["stageVariables"] == {"tier": "gold"}
    assert "body" not in v2 and "authorizer" not in v2["requestContext"]


# -- the whole step --------------------------------------------------------------------------
class FakeFunction:
    def __init__(self, answer: Any, error: bool = False) -> None:
        self.answer = answer
        self.error = error
        self.events: list[dict[str, Any]] = []

    async def __call__(self, event: dict[str, Any]) -> tuple[bytes, bool]:
        self.events.append(event)
        raw = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
        return raw, self.error


REST_TOKEN = la.LambdaAuthorizer(
    "auth1",
    rest=True,
    kind="TOKEN",
    identity_sources=("method.request.header.Authorization",),
    ttl_seconds=300,
)
HTTP_SIMPLE = la.LambdaAuthorizer(
    "auth2",
    rest=False,
    identity_sources=("$request.header.Authorization",),
    ttl_seconds=60,
    payload_version="2.0",
    simple_responses=True,
)
HTTP_POLICY = la.LambdaAuthorizer(
    "auth3",
    rest=False,
    identity_sources=("$request.header.Authorization",),
    ttl_seconds=60,
    payload_version="1.0",
)


def _authorize(
    spec: la.LambdaAuthorizer,
    function: FakeFunction,
    *,
    identity: list[str] | None = None,
    arn: str = ARN,
    cache: la.AuthorizerCache | None = None,
) -> la.AuthOutcome:
    return asyncio.run(
        la.authorize(
            spec,
            identity=["tok"] if identity is None else identity,
            arn=arn,
            build_event=lambda values: {"identity": values},
            invoke=function,
            cache=cache,
        )
    )


def _allow(resource: Any = ARN, context: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "principalId": "user-1",
        "policyDocument": _policy("Allow", resource),
        "context": context or {"tenant": "t1", "n": 3, "ok": True},
        "usageIdentifierKey": "key-1",
    }


def _status(outcome: la.AuthOutcome) -> int | None:
    return None if outcome.response is None else outcome.response.status


@pytest.mark.parametrize(
    ("spec", "answer", "error", "status", "body"),
    [
        (REST_TOKEN, _allow(), False, None, None),
        (
            REST_TOKEN,
            {**_allow(), "policyDocument": _policy("Deny", ARN)},
            False,
            403,
            b'{"Message":"User is not authorized to access this resource with an explicit deny"}',
        ),
        (
            REST_TOKEN,
            _allow(ARN + "/nope"),
            False,
            403,
            b'{"Message":"User is not authorized to access this resource"}',
        ),
        (
            REST_TOKEN,
            {"errorMessage": "Unauthorized", "errorType": "Error"},
            True,
            401,
            b'{"message":"Unauthorized"}',
        ),
        (REST_TOKEN, {"errorMessage": "boom"}, True, 500, b'{"message": null}'),
        (REST_TOKEN, b"not json", False, 500, b'{"message": null}'),
        (REST_TOKEN, {"policyDocument": _policy("Allow", ARN)}, False, 500, b'{"message": null}'),
        (
            REST_TOKEN,
            {**_allow(), "context": {"nested": {"a": 1}}},
            False,
            500,
            b'{"message": null}',
        ),
        (REST_TOKEN, {**_allow(), "context": ["x"]}, False, 500, b'{"message": null}'),
        (
            REST_TOKEN,
            {"principalId": "u", "policyDocument": {"Statement": []}},
            False,
            500,
            b'{"message": null}',
        ),
        (REST_TOKEN, {"isAuthorized": True}, False, 500, b'{"message": null}'),
        (
            HTTP_SIMPLE,
            {"isAuthorized": True, "context": {"list": [1], "map": {"a": 1}}},
            False,
            None,
            None,
        ),
        (HTTP_SIMPLE, {"isAuthorized": False}, False, 403, b'{"message":"Forbidden"}'),
        (HTTP_SIMPLE, {"isAuthorized": "yes"}, False, 500, b'{"message":"Internal Server Error"}'),
        (HTTP_SIMPLE, _allow(), False, None, None),  # a policy is still understood
        (HTTP_SIMPLE, {"errorMessage": "Unauthorized"}, True, 401, b'{"message":"Unauthorized"}'),
        (
            HTTP_SIMPLE,
            {"errorMessage": "Task timed out"},
            True,
            500,
            b'{"message":"Internal Server Error"}',
        ),
        (HTTP_POLICY, _allow(), False, None, None),
        (HTTP_POLICY, {"policyDocument": _policy("Allow", ARN)}, False, None, None),
        (
            HTTP_POLICY,
            {**_allow(), "policyDocument": _policy("Deny", "*")},
            False,
            403,
            b'{"message":"Forbidden"}',
        ),
        (
            HTTP_POLICY,
            _allow("arn:aws:execute-api:*:*:other/*"),
            False,
            403,
            b'{"message":"Forbidden"}',
        ),
        (HTTP_POLICY, {"isAuthorized": True}, False, 500, b'{"message":"Internal Server Error"}'),
    ],
)
def test_answers(
    spec: la.LambdaAuthorizer, answer: Any, error: bool, status: int | None, body: bytes | None
) -> None:
    outcome = _authorize(spec, FakeFunction(answer, error))
    assert _status(outcome) == status
    if outcome.response is not None:
        assert outcome.response.body == body


def test_missing_identity_is_401_without_calling_the_function() -> None:
    for spec, body in (
        (REST_TOKEN, b'{"message":"Unauthorized"}'),
        (HTTP_SIMPLE, b'{"message":"Unauthorized"}'),
    ):
        function = FakeFunction(_allow())
        outcome = asyncio.run(
            la.authorize(spec, identity=None, arn=ARN, build_event=lambda v: {}, invoke=function)
        )
        assert (_status(outcome), outcome.response.body if outcome.response else None) == (
            401,
            body,
        )
        assert function.events == []


def test_identity_validation_expression() -> None:
    spec = la.LambdaAuthorizer(
        "a", rest=True, kind="TOKEN", identity_validation_expression=r"Bearer [a-z]+"
    )
    function = FakeFunction(_allow())
    assert _status(_authorize(spec, function, identity=["Bearer abc"])) is None
    assert _status(_authorize(spec, function, identity=["Bearer abc1"])) == 401
    assert _status(_authorize(spec, function, identity=["xBearer abc"])) == 401
    assert len(function.events) == 1


def test_contexts_for_the_integration() -> None:
    rest = _authorize(REST_TOKEN, FakeFunction(_allow()))
    assert rest.authorizer == {
        "principalId": "user-1",
        "integrationLatency": 0,
        "tenant": "t1",
        "n": "3",
        "ok": "true",
    }
    assert (rest.principal_id, rest.usage_identifier_key) == ("user-1", "key-1")
    http = _authorize(HTTP_SIMPLE, FakeFunction({"isAuthorized": True, "context": {"a": [1]}}))
    assert http.authorizer == {"lambda": {"a": [1]}}


def test_event_is_built_from_the_identity() -> None:
    function = FakeFunction(_allow())
    _authorize(REST_TOKEN, function, identity=["abc"])
    assert function.events == [{"identity": ["abc"]}]


# -- cache -----------------------------------------------------------------------------------
def test_cache_hit_skips_the_function_until_the_ttl_ends() -> None:
    clock = ManualClock()
    cache = la.AuthorizerCache(clock)
    function = FakeFunction(_allow("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*"))
    assert _status(_authorize(REST_TOKEN, function, cache=cache)) is None
    second = _authorize(REST_TOKEN, function, cache=cache)
    assert _status(second) is None and second.from_cache
    assert len(function.events) == 1
    clock.advance(299)
    assert _authorize(REST_TOKEN, function, cache=cache).from_cache
    clock.advance(1)
    assert not _authorize(REST_TOKEN, function, cache=cache).from_cache
    assert len(function.events) == 2


def test_cache_is_per_identity_and_per_authorizer() -> None:
    cache = la.AuthorizerCache(ManualClock())
    function = FakeFunction(_allow("*"))
    _authorize(REST_TOKEN, function, identity=["a"], cache=cache)
    _authorize(REST_TOKEN, function, identity=["b"], cache=cache)
    other = la.LambdaAuthorizer("other", rest=True, kind="TOKEN", ttl_seconds=300)
    _authorize(other, function, identity=["a"], cache=cache)
    assert len(function.events) == 3
    cache.forget("auth1")
    _authorize(REST_TOKEN, function, identity=["a"], cache=cache)
    assert len(function.events) == 4


def test_cached_policy_is_judged_again_for_another_method() -> None:
    cache = la.AuthorizerCache(ManualClock())
    function = FakeFunction(_allow(ARN))  # only GET /pets/42
    assert _status(_authorize(REST_TOKEN, function, cache=cache)) is None
    post = ARN.replace("/GET/", "/POST/")
    denied = _authorize(REST_TOKEN, function, arn=post, cache=cache)
    assert _status(denied) == 403 and denied.from_cache
    assert len(function.events) == 1


def test_cached_deny_stays_denied() -> None:
    cache = la.AuthorizerCache(ManualClock())
    function = FakeFunction({**_allow(), "policyDocument": _policy("Deny", "*")})
    assert _status(_authorize(REST_TOKEN, function, cache=cache)) == 403
    function.answer = _allow("*")  # the function would now allow; the cache still denies
    again = _authorize(REST_TOKEN, function, cache=cache)
    assert _status(again) == 403 and again.from_cache
    simple = FakeFunction({"isAuthorized": False})
    assert _status(_authorize(HTTP_SIMPLE, simple, cache=cache)) == 403
    simple.answer = {"isAuthorized": True}
    assert _status(_authorize(HTTP_SIMPLE, simple, cache=cache)) == 403
    assert len(function.events) == 1 and len(simple.events) == 1


def test_zero_ttl_and_failures_are_not_cached() -> None:
    cache = la.AuthorizerCache(ManualClock())
    no_cache = la.LambdaAuthorizer("n", rest=True, kind="TOKEN", ttl_seconds=0)
    function = FakeFunction(_allow("*"))
    _authorize(no_cache, function, cache=cache)
    _authorize(no_cache, function, cache=cache)
    assert len(function.events) == 2
    failing = FakeFunction({"errorMessage": "Unauthorized"}, error=True)
    _authorize(REST_TOKEN, failing, cache=cache)
    _authorize(REST_TOKEN, failing, cache=cache)
    assert len(failing.events) == 2


def test_request_authorizer_without_identity_sources_is_not_cached() -> None:
    spec = la.LambdaAuthorizer("r", rest=True, kind="REQUEST", ttl_seconds=300)
    cache = la.AuthorizerCache(ManualClock())
    function = FakeFunction(_allow("*"))
    _authorize(spec, function, identity=[], cache=cache)
    _authorize(spec, function, identity=[], cache=cache)
    assert len(function.events) == 2


def test_cache_is_bounded() -> None:
    cache = la.AuthorizerCache(ManualClock(), max_entries=2)
    answer = la.AuthorizerAnswer(True, None, None, {})
    for token in "abc":
        cache.put("x", [token], answer, 60)
    assert cache.get("x", ["a"]) is None and cache.get("x", ["c"]) is answer
