"""Request shapes -> the exact payload 2.0, REST 1.0 and HTTP API 1.0 event fields.

Each case names only the fields it is about; `ABSENT` means the key must not exist.
Routes used by every case: HTTP API `GET /pets/{id}`, `ANY /files/{proxy+}`,
`$default`; REST resources `/pets/{id}` (GET), `/files/{proxy+}` (ANY), `/{proxy+}`
(ANY) and `/` (ANY).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pytest

from tenku.proxy.events_v1 import build_http_v1_event, build_rest_event
from tenku.proxy.events_v2 import build_event_v2
from tenku.proxy.request import ProxyRequest, StageInfo
from tenku.proxy.routes import HttpRouteTable, RestResource, RestResourceTree

ABSENT = object()
T0 = 1583348638.390  # 04/Mar/2020:19:03:58.390 UTC
HTTP_ROUTES = HttpRouteTable({"GET /pets/{id}": "r1", "ANY /files/{proxy+}": "r2", "$default": "d"})
REST_TREE = RestResourceTree(
    [
        RestResource("/pets/{id}", "pet1", {"GET": "m1"}),
        RestResource("/files/{proxy+}", "fil1", {"ANY": "m2"}),
        RestResource("/{proxy+}", "prx1", {"ANY": "m3"}),
        RestResource("/", "root1", {"ANY": "m4"}),
    ]
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


@dataclass
class Case:
    id: str
    method: str = "GET"
    path: str = "/"
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    stage: str = "$default"
    variables: dict[str, str] | None = None
    binary_types: tuple[str, ...] = ()
    source_ip: str = "203.0.113.7"
    protocol: str = "HTTP/1.1"
    v2: dict[str, Any] = field(default_factory=dict)
    rest: dict[str, Any] = field(default_factory=dict)
    v1: dict[str, Any] = field(default_factory=dict)


def ct(value: str) -> tuple[tuple[str, str], ...]:
    return (("Content-Type", value),)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


CASES = [
    # -- the bare request ---------------------------------------------------------------
    Case(
        "root",
        v2={
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/",
            "rawQueryString": "",
            "queryStringParameters": ABSENT,
            "cookies": ABSENT,
            "body": ABSENT,
            "pathParameters": ABSENT,
            "stageVariables": ABSENT,
            "isBase64Encoded": False,
            "requestContext.authorizer": ABSENT,
            "requestContext.routeKey": "$default",
            "requestContext.stage": "$default",
            "requestContext.http.method": "GET",
        },
        rest={
            "resource": "/",
            "path": "/",
            "httpMethod": "GET",
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "pathParameters": None,
            "stageVariables": None,
            "body": None,
            "isBase64Encoded": False,
            "version": ABSENT,
            "headers": None,
            "multiValueHeaders": None,
        },
        v1={
            "version": "1.0",
            "resource": "$default",
            "path": "/",
            "body": None,
            "queryStringParameters": None,
            "pathParameters": None,
            "stageVariables": None,
            "requestContext.resourceId": None,
            "requestContext.resourcePath": "$default",
        },
    ),
    Case(
        "lowercase method",
        method="get",
        v2={"requestContext.http.method": "GET"},
        rest={"httpMethod": "GET"},
        v1={"httpMethod": "GET"},
    ),
    Case(
        "head",
        method="HEAD",
        path="/x",
        v2={"requestContext.http.method": "HEAD"},
        rest={"httpMethod": "HEAD", "resource": "/{proxy+}"},
        v1={"httpMethod": "HEAD"},
    ),
    Case(
        "options",
        method="OPTIONS",
        path="/x",
        headers=(("Origin", "https://a.example"),),
        v2={"requestContext.http.method": "OPTIONS", "headers": {"origin": "https://a.example"}},
        rest={"httpMethod": "OPTIONS"},
    ),
    # -- paths --------------------------------------------------------------------------
    Case(
        "space %20",
        path="/a%20b",
        v2={"rawPath": "/a b", "requestContext.http.path": "/a b"},
        rest={"path": "/a%20b", "pathParameters": {"proxy": "a b"}},
        v1={"path": "/a b"},
    ),
    Case(
        "plus stays plus",
        path="/a+b",
        v2={"rawPath": "/a+b"},
        rest={"path": "/a+b", "pathParameters": {"proxy": "a+b"}},
    ),
    Case(
        "%2F in path",
        path="/a%2Fb",
        v2={"rawPath": "/a/b"},
        rest={"path": "/a%2Fb", "pathParameters": {"proxy": "a/b"}},
        v1={"path": "/a/b"},
    ),
    Case(
        "utf-8 path",
        path="/caf%C3%A9",
        v2={"rawPath": "/café"},
        rest={"path": "/caf%C3%A9", "pathParameters": {"proxy": "café"}},
    ),
    Case("check mark path", path="/%E2%9C%93", v2={"rawPath": "/✓"}),
    Case("decoded ? ends the path", path="/a%3Fb", v2={"rawPath": "/a"}, rest={"path": "/a%3Fb"}),
    Case(
        "trailing slash kept",
        path="/pets/",
        v2={"rawPath": "/pets/", "routeKey": "$default"},
        rest={"path": "/pets/", "resource": "/{proxy+}"},
    ),
    Case("double slash kept", path="/a//b", v2={"rawPath": "/a//b"}, rest={"path": "/a//b"}),
    Case(
        "very long path",
        path="/" + "x" * 4000,
        v2={"rawPath": "/" + "x" * 4000},
        rest={"path": "/" + "x" * 4000},
    ),
    Case(
        "path parameter",
        path="/pets/42",
        v2={
            "routeKey": "GET /pets/{id}",
            "pathParameters": {"id": "42"},
            "requestContext.routeKey": "GET /pets/{id}",
        },
        rest={
            "resource": "/pets/{id}",
            "pathParameters": {"id": "42"},
            "requestContext.resourcePath": "/pets/{id}",
            "requestContext.resourceId": "pet1",
        },
        v1={"resource": "/pets/{id}", "pathParameters": {"id": "42"}},
    ),
    Case(
        "encoded path parameter",
        path="/pets/a%20b",
        v2={"pathParameters": {"id": "a b"}},
        rest={"pathParameters": {"id": "a b"}},
    ),
    Case(
        "%2F in a REST parameter stays in it",
        path="/pets/a%2Fb",
        v2={"routeKey": "$default", "pathParameters": ABSENT},
        rest={"resource": "/pets/{id}", "pathParameters": {"id": "a/b"}},
    ),
    Case(
        "greedy",
        method="POST",
        path="/files/a/b/c",
        v2={"routeKey": "ANY /files/{proxy+}", "pathParameters": {"proxy": "a/b/c"}},
        rest={"resource": "/files/{proxy+}", "pathParameters": {"proxy": "a/b/c"}},
        v1={"resource": "/files/{proxy+}"},
    ),
    Case(
        "greedy with trailing slash",
        path="/files/a/",
        v2={"pathParameters": {"proxy": "a/"}},
        rest={"pathParameters": {"proxy": "a/"}},
    ),
    Case(
        "greedy with %2F",
        path="/files/a%2Fb",
        v2={"pathParameters": {"proxy": "a/b"}},
        rest={"pathParameters": {"proxy": "a/b"}},
    ),
    Case(
        "greedy needs a segment",
        path="/files",
        v2={"routeKey": "$default"},
        rest={"resource": "/{proxy+}", "pathParameters": {"proxy": "files"}},
    ),
    # -- stages -------------------------------------------------------------------------
    Case(
        "named stage",
        path="/pets/1",
        stage="prod",
        v2={
            "rawPath": "/prod/pets/1",
            "requestContext.http.path": "/prod/pets/1",
            "requestContext.stage": "prod",
        },
        rest={
            "path": "/pets/1",
            "requestContext.path": "/prod/pets/1",
            "requestContext.stage": "prod",
        },
        v1={"path": "/prod/pets/1", "requestContext.path": "/prod/pets/1"},
    ),
    Case(
        "stage variables",
        variables={"env": "dev"},
        v2={"stageVariables": {"env": "dev"}},
        rest={"stageVariables": {"env": "dev"}},
        v1={"stageVariables": {"env": "dev"}},
    ),
    Case(
        "empty stage variables",
        variables={},
        v2={"stageVariables": ABSENT},
        rest={"stageVariables": None},
    ),
    # -- query strings ------------------------------------------------------------------
    Case(
        "simple query",
        query="a=1",
        v2={"rawQueryString": "a=1", "queryStringParameters": {"a": "1"}},
        rest={"queryStringParameters": {"a": "1"}, "multiValueQueryStringParameters": {"a": ["1"]}},
    ),
    Case(
        "repeated key",
        query="a=1&a=2",
        v2={"queryStringParameters": {"a": "1,2"}},
        rest={
            "queryStringParameters": {"a": "2"},
            "multiValueQueryStringParameters": {"a": ["1", "2"]},
        },
        v1={
            "queryStringParameters": {"a": "2"},
            "multiValueQueryStringParameters": {"a": ["1", "2"]},
        },
    ),
    Case(
        "interleaved keys",
        query="a=1&b=2&a=3",
        v2={"queryStringParameters": {"a": "1,3", "b": "2"}},
        rest={"multiValueQueryStringParameters": {"a": ["1", "3"], "b": ["2"]}},
    ),
    Case(
        "empty value",
        query="a=",
        v2={"queryStringParameters": {"a": ""}},
        rest={"queryStringParameters": {"a": ""}},
    ),
    Case(
        "key without =",
        query="flag",
        v2={"queryStringParameters": {"flag": ""}},
        rest={
            "queryStringParameters": {"flag": ""},
            "multiValueQueryStringParameters": {"flag": [""]},
        },
    ),
    Case(
        "repeated with an empty value",
        query="a=1&a=",
        v2={"queryStringParameters": {"a": "1,"}},
        rest={
            "queryStringParameters": {"a": ""},
            "multiValueQueryStringParameters": {"a": ["1", ""]},
        },
    ),
    Case(
        "plus is a space",
        query="q=a+b",
        v2={"rawQueryString": "q=a+b", "queryStringParameters": {"q": "a b"}},
        rest={"queryStringParameters": {"q": "a b"}},
    ),
    Case("%20 is a space", query="q=a%20b", v2={"queryStringParameters": {"q": "a b"}}),
    Case(
        "%2B is a plus",
        query="q=a%2Bb",
        v2={"queryStringParameters": {"q": "a+b"}},
        rest={"queryStringParameters": {"q": "a+b"}},
    ),
    Case(
        "%26 inside a value",
        query="q=a%26b&r=1",
        v2={"queryStringParameters": {"q": "a&b", "r": "1"}},
    ),
    Case("%2F in query", query="p=a%2Fb", v2={"queryStringParameters": {"p": "a/b"}}),
    Case(
        "utf-8 query",
        query="q=%C3%A9t%C3%A9",
        v2={"queryStringParameters": {"q": "été"}},
        rest={"queryStringParameters": {"q": "été"}},
    ),
    Case("encoded key", query="a%20b=1", v2={"queryStringParameters": {"a b": "1"}}),
    Case(
        "empty pieces skipped", query="a=1&&b=2", v2={"queryStringParameters": {"a": "1", "b": "2"}}
    ),
    Case("raw query kept exactly", query="q=a+b&x=%20&y", v2={"rawQueryString": "q=a+b&x=%20&y"}),
    Case(
        "comma in a value",
        query="a=1,2",
        v2={"queryStringParameters": {"a": "1,2"}},
        rest={"multiValueQueryStringParameters": {"a": ["1,2"]}},
    ),
    # -- headers ------------------------------------------------------------------------
    Case(
        "one header",
        headers=(("X-Custom", "v"),),
        v2={"headers": {"x-custom": "v"}},
        rest={"headers": {"X-Custom": "v"}, "multiValueHeaders": {"X-Custom": ["v"]}},
        v1={"headers": {"x-custom": "v"}, "multiValueHeaders": {"x-custom": ["v"]}},
    ),
    Case(
        "repeated header",
        headers=(("X-A", "1"), ("X-A", "2")),
        v2={"headers": {"x-a": "1,2"}},
        rest={"headers": {"X-A": "2"}, "multiValueHeaders": {"X-A": ["1", "2"]}},
        v1={"headers": {"x-a": "2"}, "multiValueHeaders": {"x-a": ["1", "2"]}},
    ),
    Case(
        "repeated header, mixed case",
        headers=(("X-A", "1"), ("x-a", "2")),
        v2={"headers": {"x-a": "1,2"}},
        rest={"headers": {"X-A": "2"}, "multiValueHeaders": {"X-A": ["1", "2"]}},
    ),
    Case(
        "mixed-case names",
        headers=(("CoNtEnT-tYpE", "text/plain"), ("ACCEPT", "*/*")),
        v2={"headers": {"content-type": "text/plain", "accept": "*/*"}},
        rest={"headers": {"CoNtEnT-tYpE": "text/plain", "ACCEPT": "*/*"}},
    ),
    Case(
        "empty header value",
        headers=(("X-E", ""),),
        v2={"headers": {"x-e": ""}},
        rest={"headers": {"X-E": ""}},
    ),
    Case(
        "header value with comma",
        headers=(("Accept", "a/b, c/d"),),
        v2={"headers": {"accept": "a/b, c/d"}},
    ),
    Case(
        "authorization passes",
        headers=(("Authorization", "Bearer t"),),
        v2={"headers": {"authorization": "Bearer t"}},
        rest={"headers": {"Authorization": "Bearer t"}},
    ),
    Case(
        "user agent",
        headers=(("User-Agent", "curl/8.0"),),
        v2={"requestContext.http.userAgent": "curl/8.0"},
        rest={"requestContext.identity.userAgent": "curl/8.0"},
        v1={"requestContext.identity.userAgent": "curl/8.0"},
    ),
    Case(
        "no user agent",
        v2={"requestContext.http.userAgent": ""},
        rest={"requestContext.identity.userAgent": None, "requestContext.identity.caller": None},
    ),
    # -- cookies ------------------------------------------------------------------------
    Case(
        "one cookie",
        headers=(("Cookie", "a=1"),),
        v2={"cookies": ["a=1"], "headers": {}},
        rest={"headers": {"Cookie": "a=1"}},
        v1={"headers": {"cookie": "a=1"}},
    ),
    Case(
        "cookies in one header", headers=(("Cookie", "a=1; b=2"),), v2={"cookies": ["a=1", "b=2"]}
    ),
    Case(
        "several Cookie headers",
        headers=(("Cookie", "a=1"), ("cookie", "b=2; c=3")),
        v2={"cookies": ["a=1", "b=2", "c=3"], "headers": {}},
        rest={"multiValueHeaders": {"Cookie": ["a=1", "b=2; c=3"]}},
    ),
    Case(
        "cookie with = in value",
        headers=(("Cookie", "t=a=b; u=1"),),
        v2={"cookies": ["t=a=b", "u=1"]},
    ),
    Case(
        "cookie beside other headers",
        headers=(("Cookie", "a=1"), ("X-Y", "z")),
        v2={"cookies": ["a=1"], "headers": {"x-y": "z"}},
    ),
    # -- bodies -------------------------------------------------------------------------
    Case(
        "empty POST body",
        method="POST",
        v2={"body": ABSENT, "isBase64Encoded": False},
        rest={"body": None, "isBase64Encoded": False},
        v1={"body": None},
    ),
    Case(
        "json body",
        method="POST",
        headers=ct("application/json"),
        body=b'{"a": 1}',
        v2={"body": '{"a": 1}', "isBase64Encoded": False},
        rest={"body": '{"a": 1}', "isBase64Encoded": False},
        v1={"body": '{"a": 1}'},
    ),
    Case(
        "json with charset",
        method="POST",
        headers=ct("application/json; charset=utf-8"),
        body='{"é": 1}'.encode(),
        v2={"body": '{"é": 1}', "isBase64Encoded": False},
    ),
    Case("text/plain", method="POST", headers=ct("text/plain"), body=b"hi", v2={"body": "hi"}),
    Case(
        "text/html",
        method="POST",
        headers=ct("text/html; charset=utf-8"),
        body=b"<p>",
        v2={"body": "<p>"},
    ),
    Case("xml", method="POST", headers=ct("application/xml"), body=b"<a/>", v2={"body": "<a/>"}),
    Case(
        "+json suffix",
        method="POST",
        headers=ct("application/vnd.api+json"),
        body=b"{}",
        v2={"body": "{}", "isBase64Encoded": False},
    ),
    Case(
        "form body is base64 for HTTP APIs",
        method="POST",
        headers=ct("application/x-www-form-urlencoded"),
        body=b"a=1&b=2",
        v2={"body": b64(b"a=1&b=2"), "isBase64Encoded": True},
        rest={"body": "a=1&b=2", "isBase64Encoded": False},
        v1={"body": b64(b"a=1&b=2"), "isBase64Encoded": True},
    ),
    Case(
        "multipart",
        method="POST",
        headers=ct("multipart/form-data; boundary=x"),
        body=b"--x--",
        v2={"isBase64Encoded": True},
        rest={"body": "--x--", "isBase64Encoded": False},
    ),
    Case(
        "png without binary types",
        method="POST",
        headers=ct("image/png"),
        body=PNG,
        v2={"body": b64(PNG), "isBase64Encoded": True},
        rest={"body": PNG.decode("utf-8", errors="replace"), "isBase64Encoded": False},
    ),
    Case(
        "png with binary type",
        method="POST",
        headers=ct("image/png"),
        body=PNG,
        binary_types=("image/png",),
        rest={"body": b64(PNG), "isBase64Encoded": True},
    ),
    Case(
        "image/* wildcard",
        method="POST",
        headers=ct("image/jpeg"),
        body=PNG,
        binary_types=("image/*",),
        rest={"body": b64(PNG), "isBase64Encoded": True},
    ),
    Case(
        "*/* wildcard takes json too",
        method="POST",
        headers=ct("application/json"),
        body=b"{}",
        binary_types=("*/*",),
        rest={"body": b64(b"{}"), "isBase64Encoded": True},
    ),
    Case(
        "escaped binary type",
        method="POST",
        headers=ct("image/png"),
        body=PNG,
        binary_types=("image~1png",),
        rest={"isBase64Encoded": True},
    ),
    Case(
        "json not in binary types",
        method="POST",
        headers=ct("application/json"),
        body=b"{}",
        binary_types=("image/png",),
        rest={"body": "{}", "isBase64Encoded": False},
    ),
    Case(
        "no content type",
        method="PUT",
        body=b"raw",
        v2={"body": b64(b"raw"), "isBase64Encoded": True},
        rest={"body": "raw", "isBase64Encoded": False},
    ),
    Case(
        "gzip json",
        method="POST",
        headers=(*ct("application/json"), ("Content-Encoding", "gzip")),
        body=b"\x1f\x8b\x08",
        v2={"body": b64(b"\x1f\x8b\x08"), "isBase64Encoded": True},
    ),
    Case(
        "text that is not utf-8",
        method="POST",
        headers=ct("text/plain"),
        body=b"\xff\xfe",
        v2={"body": b64(b"\xff\xfe"), "isBase64Encoded": True},
    ),
    # -- context ------------------------------------------------------------------------
    Case(
        "source ip and protocol",
        source_ip="198.51.100.9",
        protocol="HTTP/1.0",
        v2={
            "requestContext.http.sourceIp": "198.51.100.9",
            "requestContext.http.protocol": "HTTP/1.0",
        },
        rest={
            "requestContext.identity.sourceIp": "198.51.100.9",
            "requestContext.protocol": "HTTP/1.0",
        },
        v1={"requestContext.identity.sourceIp": "198.51.100.9"},
    ),
    Case(
        "times",
        v2={
            "requestContext.time": "04/Mar/2020:19:03:58 +0000",
            "requestContext.timeEpoch": 1583348638390,
        },
        rest={
            "requestContext.requestTime": "04/Mar/2020:19:03:58 +0000",
            "requestContext.requestTimeEpoch": 1583348638390,
        },
        v1={"requestContext.requestTime": "04/Mar/2020:19:03:58 +0000"},
    ),
    Case(
        "ids and names",
        v2={
            "requestContext.accountId": "123456789012",
            "requestContext.apiId": "abc123",
            "requestContext.domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "requestContext.domainPrefix": "abc123",
            "requestContext.requestId": "RID",
        },
        rest={
            "requestContext.requestId": "RID",
            "requestContext.extendedRequestId": "EXT",
            "requestContext.apiId": "abc123",
            "requestContext.domainPrefix": "abc123",
        },
        v1={"requestContext.requestId": "RID", "requestContext.extendedRequestId": "RID"},
    ),
]


def _stage(case: Case) -> StageInfo:
    return StageInfo(
        account_id="123456789012",
        api_id="abc123",
        stage=case.stage,
        domain_name="abc123.execute-api.us-east-1.amazonaws.com",
        stage_variables=case.variables,
    )


def _request(case: Case) -> ProxyRequest:
    return ProxyRequest(
        method=case.method,
        path=case.path,
        query=case.query,
        headers=case.headers,
        body=case.body,
        source_ip=case.source_ip,
        protocol=case.protocol,
        host="abc123.execute-api.us-east-1.amazonaws.com",
        received_at=T0,
    )


def _dig(event: dict[str, Any], dotted: str) -> Any:
    value: Any = event
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return ABSENT
        value = value[part]
    return value


def _check(event: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, want in expected.items():
        got = _dig(event, key)
        assert got == want if want is not ABSENT else got is ABSENT, f"{key}: {got!r} != {want!r}"


def _events(case: Case) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    request, stage = _request(case), _stage(case)
    route = HTTP_ROUTES.match(request.method, request.http_api_path)
    assert route is not None
    v2 = build_event_v2(
        request,
        stage,
        route_key=route.route_key,
        path_parameters=route.path_parameters,
        request_id="RID",
    )
    v1 = build_http_v1_event(
        request,
        stage,
        resource_path=route.resource_path,
        path_parameters=route.path_parameters,
        request_id="RID",
    )
    found = REST_TREE.match(request.method, request.path)
    assert found is not None
    rest = build_rest_event(
        request,
        stage,
        resource_path=found.resource_path,
        resource_id=found.resource_id,
        path_parameters=found.path_parameters,
        request_id="RID",
        extended_request_id="EXT",
        binary_media_types=case.binary_types,
    )
    return v2, rest, v1


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_event_fields(case: Case) -> None:
    v2, rest, v1 = _events(case)
    _check(v2, case.v2)
    _check(rest, case.rest)
    _check(v1, case.v1)


def test_v2_key_order_and_complete_shape() -> None:
    case = Case(
        "full",
        method="GET",
        path="/pets/7",
        query="a=1",
        body=b"{}",
        headers=(("Content-Type", "application/json"), ("Cookie", "s=1")),
        variables={"v": "1"},
    )
    v2, _, _ = _events(case)
    assert list(v2) == [
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "cookies",
        "headers",
        "queryStringParameters",
        "requestContext",
        "body",
        "pathParameters",
        "isBase64Encoded",
        "stageVariables",
    ]
    assert list(v2["requestContext"]) == [
        "accountId",
        "apiId",
        "domainName",
        "domainPrefix",
        "http",
        "requestId",
        "routeKey",
        "stage",
        "time",
        "timeEpoch",
    ]


def test_rest_identity_has_every_field_aws_sends() -> None:
    _, rest, _ = _events(Case("identity"))
    assert set(rest["requestContext"]["identity"]) == {
        "cognitoIdentityPoolId",
        "accountId",
        "cognitoIdentityId",
        "caller",
        "sourceIp",
        "principalOrgId",
        "accessKey",
        "cognitoAuthenticationType",
        "cognitoAuthenticationProvider",
        "userArn",
        "userAgent",
        "user",
    }
    assert set(rest) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }


def test_authorizer_contexts_land_in_the_events() -> None:
    request, stage = _request(Case("a")), _stage(Case("a"))
    v2 = build_event_v2(
        request,
        stage,
        route_key="$default",
        path_parameters=None,
        request_id="r",
        authorizer={"jwt": {"claims": {"sub": "u"}, "scopes": None}},
    )
    assert v2["requestContext"]["authorizer"] == {"jwt": {"claims": {"sub": "u"}, "scopes": None}}
    rest = build_rest_event(
        request,
        stage,
        resource_path="/",
        resource_id="x",
        path_parameters=None,
        request_id="r",
        extended_request_id="e",
        authorizer={"principalId": "me"},
        identity={"apiKey": "k"},
    )
    assert rest["requestContext"]["authorizer"] == {"principalId": "me"}
    assert rest["requestContext"]["identity"]["apiKey"] == "k"
