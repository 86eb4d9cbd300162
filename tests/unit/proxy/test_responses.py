"""Lambda results -> HTTP answers, and the fixed answers of both API kinds."""

from __future__ import annotations

import base64
import json

import pytest

from tenku.proxy import responses as r
from tenku.proxy.responses import ProxyResponse

HTTP_500 = (500, b'{"message":"Internal Server Error"}')
REST_502 = (502, b'{"message": "Internal server error"}')


def _payload(value: object) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


BAD_RESULTS = [
    ("not json", b"<html>", True, True, True),
    ("empty payload", b"", True, True, True),
    ("status as text word", {"statusCode": "ok", "body": ""}, True, True, True),
    ("status as float", {"statusCode": 200.5}, True, True, True),
    ("status as bool", {"statusCode": True}, True, True, True),
    ("status out of range", {"statusCode": 99}, True, True, True),
    ("status 600", {"statusCode": 600}, True, True, True),
    ("status null", {"statusCode": None}, True, True, True),
    ("body is an object", {"statusCode": 200, "body": {"a": 1}}, True, True, True),
    ("body is a number", {"statusCode": 200, "body": 5}, True, True, True),
    ("body is a list", {"statusCode": 200, "body": ["a"]}, True, True, True),
    ("bad base64", {"statusCode": 200, "body": "%%%", "isBase64Encoded": True}, True, True, True),
    (
        "isBase64Encoded as text",
        {"statusCode": 200, "body": "", "isBase64Encoded": "yes"},
        True,
        True,
        True,
    ),
    ("headers is a list", {"statusCode": 200, "headers": ["a"]}, True, True, True),
    (
        "header value is an object",
        {"statusCode": 200, "headers": {"a": {"b": 1}}},
        True,
        True,
        True,
    ),
    ("header value is a list", {"statusCode": 200, "headers": {"a": ["x"]}}, True, True, True),
    (
        "multi header not a list",
        {"statusCode": 200, "multiValueHeaders": {"a": "x"}},
        False,
        True,
        True,
    ),
    ("cookies not a list", {"statusCode": 200, "cookies": "a=1"}, True, False, True),
    ("cookie not a string", {"statusCode": 200, "cookies": [1]}, True, False, True),
    ("1.0 without statusCode", {"body": "x"}, False, True, True),
    ("1.0 plain string", "hello", False, True, True),
    ("1.0 list", [1, 2], False, True, True),
    ("REST extra key", {"statusCode": 200, "body": "", "cookies": []}, False, False, True),
]


@pytest.mark.parametrize(
    ("payload", "bad_v2", "bad_http_v1", "bad_rest"),
    [case[1:] for case in BAD_RESULTS],
    ids=[case[0] for case in BAD_RESULTS],
)
def test_bad_results(payload: object, bad_v2: bool, bad_http_v1: bool, bad_rest: bool) -> None:
    data = _payload(payload)
    v2 = r.http_api_answer(data, version="2.0")
    v1 = r.http_api_answer(data, version="1.0")
    rest = r.rest_answer(data)
    assert ((v2.status, v2.body) == HTTP_500) is bad_v2
    assert ((v1.status, v1.body) == HTTP_500) is bad_http_v1
    assert ((rest.status, rest.body) == REST_502) is bad_rest


def test_function_errors() -> None:
    error = b'{"errorMessage": "boom", "errorType": "Error"}'
    assert (r.http_api_answer(error, version="2.0", function_error=True).status) == 500
    assert (r.http_api_answer(error, version="1.0", function_error=True).status) == 500
    rest = r.rest_answer(error, function_error=True)
    assert (rest.status, rest.body) == REST_502
    assert ("x-amzn-ErrorType", "InternalServerErrorException") in rest.headers
    # a function error is a failure even when its payload looks like a good answer
    good = b'{"statusCode": 200, "body": "ok"}'
    assert r.rest_answer(good, function_error=True).status == 502


@pytest.mark.parametrize(
    ("payload", "status", "body", "content_type"),
    [
        ({"a": 1}, 200, b'{"a": 1}', "application/json"),
        ("Hello from Lambda!", 200, b"Hello from Lambda!", "application/json"),
        ([1, 2], 200, b"[1, 2]", "application/json"),
        (5, 200, b"5", "application/json"),
        (None, 200, b"null", "application/json"),
        ({"message": "no status"}, 200, b'{"message": "no status"}', "application/json"),
        ({"statusCode": 201}, 201, b"", None),
        ({"statusCode": 204, "body": None}, 204, b"", None),
        ({"statusCode": 404, "body": "nope"}, 404, b"nope", "text/plain; charset=utf-8"),
        (
            {"statusCode": 200, "body": "é", "headers": {"Content-Type": "text/html"}},
            200,
            "é".encode(),
            "text/html",
        ),
        (
            {
                "statusCode": 200,
                "body": base64.b64encode(b"\x00\xff").decode(),
                "isBase64Encoded": True,
                "headers": {"content-type": "image/png"},
            },
            200,
            b"\x00\xff",
            "image/png",
        ),
    ],
)
def test_v2_results(payload: object, status: int, body: bytes, content_type: str | None) -> None:
    answer = r.http_api_answer(_payload(payload), version="2.0")
    assert (answer.status, answer.body) == (status, body)
    got = next((v for k, v in answer.headers if k.lower() == "content-type"), None)
    assert got == content_type


def test_v2_headers_cookies_and_scalars() -> None:
    answer = r.http_v2_result(
        _payload(
            {
                "statusCode": 200,
                "headers": {"X-N": 5, "X-B": False, "X-S": "s", "X-Null": None},
                "multiValueHeaders": {"X-M": ["ignored"]},
                "cookies": ["a=1; Path=/", "b=2"],
                "body": "{}",
            }
        )
    )
    assert ("X-N", "5") in answer.headers and ("X-B", "false") in answer.headers
    assert all(k != "X-Null" and k != "X-M" for k, _ in answer.headers)
    assert [v for k, v in answer.headers if k == "set-cookie"] == ["a=1; Path=/", "b=2"]


def test_v1_merges_headers_and_multi_headers() -> None:
    payload = _payload(
        {
            "statusCode": 200,
            "headers": {"X-A": "single", "X-B": "b"},
            "multiValueHeaders": {"x-a": ["m1", "m2"], "Set-Cookie": ["c=1", "d=2"]},
            "body": "ok",
        }
    )
    for answer in (r.http_v1_result(payload), r.rest_result(payload)):
        assert [v for k, v in answer.headers if k.lower() == "x-a"] == ["m1", "m2"]
        assert ("X-B", "b") in answer.headers
        assert [v for k, v in answer.headers if k == "Set-Cookie"] == ["c=1", "d=2"]


def test_rest_defaults_and_numeric_text_status() -> None:
    answer = r.rest_result(b'{"statusCode": "201", "body": "x"}')
    assert answer.status == 201
    assert ("Content-Type", "application/json") in answer.headers
    assert r.http_api_answer(b'{"statusCode": "201"}', version="2.0").status == 500


@pytest.mark.parametrize(
    ("accept", "content_type", "types", "decoded"),
    [
        ("image/png", "image/png", ["image/png"], True),
        ("*/*", "image/png", ["image/png"], True),  # the result's type matches
        ("image/png", "application/octet-stream", ["image/png"], True),  # the Accept matches
        ("text/html", "application/octet-stream", ["image/png"], False),
        ("image/png", "image/png", [], False),
        (None, "application/pdf", ["*/*"], True),
        ("image/webp,image/*", "text/plain", ["image/*"], True),
        ("text/html,image/png", "text/plain", ["image/png"], False),  # only the first Accept counts
    ],
)
def test_rest_binary_results(
    accept: str | None, content_type: str, types: list[str], decoded: bool
) -> None:
    raw = b"\x89PNG\x00\x01"
    text = base64.b64encode(raw).decode()
    payload = _payload(
        {
            "statusCode": 200,
            "body": text,
            "isBase64Encoded": True,
            "headers": {"Content-Type": content_type},
        }
    )
    answer = r.rest_answer(payload, accept=accept, binary_media_types=types)
    assert answer.body == (raw if decoded else text.encode())


@pytest.mark.parametrize(
    ("answer", "status", "body"),
    [
        (r.http_not_found(), 404, b'{"message":"Not Found"}'),
        (r.http_internal_error(), 500, b'{"message":"Internal Server Error"}'),
        (r.http_service_unavailable(), 503, b'{"message":"Service Unavailable"}'),
        (r.http_too_large(), 413, b'{"message":"Request Entity Too Large"}'),
        (r.http_too_many_requests(), 429, b'{"message":"Too Many Requests"}'),
        (r.http_unauthorized(), 401, b'{"message":"Unauthorized"}'),
        (r.http_forbidden(), 403, b'{"message":"Forbidden"}'),
        (r.rest_missing_token(), 403, b'{"message":"Missing Authentication Token"}'),
        (r.rest_internal_error(), 502, b'{"message": "Internal server error"}'),
        (r.rest_timeout(), 504, b'{"message": "Endpoint request timed out"}'),
        (r.rest_too_large(), 413, b'{"message":"Request Too Long"}'),
        (r.rest_too_many_requests(), 429, b'{"message":"Too Many Requests"}'),
        (r.rest_unauthorized(), 401, b'{"message":"Unauthorized"}'),
        (
            r.rest_access_denied(explicit=True),
            403,
            b'{"Message":"User is not authorized to access this resource with an explicit deny"}',
        ),
        (
            r.rest_access_denied(explicit=False),
            403,
            b'{"Message":"User is not authorized to access this resource"}',
        ),
        (r.rest_authorizer_error(), 500, b'{"message": null}'),
    ],
)
def test_fixed_answers(answer: ProxyResponse, status: int, body: bytes) -> None:
    assert (answer.status, answer.body) == (status, body)
    assert json.loads(body) is not None
    assert any(k.lower() == "content-type" and v == "application/json" for k, v in answer.headers)


def test_request_id_headers() -> None:
    http = r.with_http_api_headers(r.http_not_found(), "Mc7UVioPPHcEKPA=")
    assert ("apigw-requestid", "Mc7UVioPPHcEKPA=") in http.headers
    rest = r.with_rest_headers(
        r.rest_missing_token(), request_id="rid", extended_request_id="ext", trace_id="Root=1-a-b"
    )
    assert ("x-amzn-RequestId", "rid") in rest.headers
    assert ("x-amz-apigw-id", "ext") in rest.headers
    assert ("X-Amzn-Trace-Id", "Root=1-a-b") in rest.headers
    assert ("x-amzn-ErrorType", "MissingAuthenticationTokenException") in rest.headers


def test_body_limit_is_ten_megabytes() -> None:
    assert r.MAX_REQUEST_BODY == 10_485_760
