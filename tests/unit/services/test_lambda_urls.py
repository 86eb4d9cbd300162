"""Function URL data plane as pure functions: the 2.0 event, response mapping, CORS."""

from __future__ import annotations

import base64
import json

import pytest

from tenku.services.lambda_ import urls
from tenku.services.lambda_.urls import UrlRequest


def request(
    method: str = "GET",
    path: str = "/my/path",
    query: str = "",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
) -> UrlRequest:
    return UrlRequest(method, path, query, headers, body, "10.0.0.7")


def test_host_and_url_shapes() -> None:
    assert urls.parse_host("abc123.lambda-url.us-east-1.localhost:4566") == ("abc123", "us-east-1")
    assert urls.parse_host("ABC123.lambda-url.eu-west-2.localhost") == ("abc123", "eu-west-2")
    assert urls.parse_host("127.0.0.1:4566") is None
    assert urls.parse_host("abc.lambda-url.us-east-1.on.aws") is None
    assert (
        urls.function_url("abc", "us-east-1", "http://127.0.0.1:4566")
        == "http://abc.lambda-url.us-east-1.localhost:4566/"
    )
    url_id = urls.new_url_id()
    assert len(url_id) == 32 and url_id.isalnum() and url_id == url_id.lower()


def test_event_matches_the_payload_format_2_0() -> None:
    req = request(
        "post",
        query="parameter1=value1&parameter1=value2&parameter2=value&empty=",
        headers=(
            ("Host", "abc.lambda-url.us-east-1.localhost:4566"),
            ("User-Agent", "agent"),
            ("X-Multi", "a"),
            ("x-multi", "b"),
            ("Cookie", "cookie1=1; cookie2=2"),
            ("Content-Type", "application/json"),
        ),
        body=b'{"example": "test"}',
    )
    event = urls.build_event(
        req, url_id="abc", region="us-east-1", request_id="rid", now=1583348638.390
    )
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/my/path"
    assert event["rawQueryString"] == req.raw_query
    assert event["cookies"] == ["cookie1=1", "cookie2=2"]
    assert event["headers"] == {
        "host": "abc.lambda-url.us-east-1.localhost:4566",
        "user-agent": "agent",
        "x-multi": "a,b",
        "content-type": "application/json",
    }
    assert event["queryStringParameters"] == {
        "parameter1": "value1,value2",
        "parameter2": "value",
        "empty": "",
    }
    assert event["body"] == '{"example": "test"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["accountId"] == "anonymous" and ctx["apiId"] == "abc"
    assert ctx["domainName"] == "abc.lambda-url.us-east-1.localhost"
    assert ctx["domainPrefix"] == "abc"
    assert ctx["http"] == {
        "method": "POST",
        "path": "/my/path",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.7",
        "userAgent": "agent",
    }
    assert ctx["requestId"] == "rid" and ctx["routeKey"] == "$default"
    assert ctx["stage"] == "$default"
    assert ctx["time"] == "04/Mar/2020:19:03:58 +0000"
    assert ctx["timeEpoch"] == 1583348638390
    assert "authorizer" not in ctx


def test_event_without_query_body_or_cookies() -> None:
    event = urls.build_event(request(path=""), url_id="a", region="r", request_id="x", now=0)
    assert event["rawPath"] == "/" and event["rawQueryString"] == ""
    assert "queryStringParameters" not in event and "cookies" not in event
    assert "body" not in event and event["isBase64Encoded"] is False


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("text/plain; charset=utf-8", True),
        ("application/json", True),
        ("application/vnd.api+json", True),
        ("application/xml", True),
        ("application/octet-stream", False),
        ("image/png", False),
        ("application/x-www-form-urlencoded", False),
        (None, False),
    ],
)
def test_binary_bodies_are_base64(content_type: str | None, text: bool) -> None:
    headers = (("content-type", content_type),) if content_type else ()
    event = urls.build_event(
        request("POST", headers=headers, body=b"a=1"),
        url_id="a",
        region="r",
        request_id="x",
        now=0,
    )
    assert event["isBase64Encoded"] is (not text)
    assert event["body"] == ("a=1" if text else base64.b64encode(b"a=1").decode())


def test_signed_callers() -> None:
    signed = request(
        headers=(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/lambda/aws4_request, "
                "SignedHeaders=host, Signature=abc",
            ),
        )
    )
    assert urls.signing_key(signed) == "AKIDEXAMPLE"
    presigned = request(query="X-Amz-Credential=AKID2%2F20240101%2Fus-east-1&X-Amz-Signature=f")
    assert urls.signing_key(presigned) == "AKID2"
    assert urls.signing_key(request(headers=(("Authorization", "Bearer x"),))) is None
    caller = urls.iam_caller("000000000000", "AKIDEXAMPLE")
    event = urls.build_event(signed, url_id="a", region="r", request_id="x", now=0, caller=caller)
    assert event["requestContext"]["accountId"] == "000000000000"
    assert event["requestContext"]["authorizer"]["iam"]["accessKey"] == "AKIDEXAMPLE"


def test_shorthand_answers_are_json_200s() -> None:
    for payload in (b'"Hello, world!"', b'{"message": "Hello, world!"}', b"[1, 2]", b"42"):
        answer = urls.map_result(payload)
        assert answer.status == 200
        assert answer.headers == [("content-type", "application/json")]
        assert answer.body == payload
    assert urls.map_result(b"null").body == b"null"


def test_structured_answer() -> None:
    answer = urls.map_result(
        json.dumps(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "text/plain", "X-Count": 3, "X-On": True},
                "body": "made",
                "cookies": ["a=1; Max-Age=60", "b=2"],
            }
        ).encode()
    )
    assert answer.status == 201 and answer.body == b"made"
    assert answer.headers == [
        ("Content-Type", "text/plain"),
        ("X-Count", "3"),
        ("X-On", "true"),
        ("set-cookie", "a=1; Max-Age=60"),
        ("set-cookie", "b=2"),
    ]
    binary = urls.map_result(
        json.dumps(
            {
                "statusCode": 200,
                "body": base64.b64encode(b"\x00\xff").decode(),
                "isBase64Encoded": True,
            }
        ).encode()
    )
    assert binary.body == b"\x00\xff"
    assert urls.map_result(b'{"statusCode": 204}').body == b""


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b'{"statusCode": "200"}',
        b'{"statusCode": 99}',
        b'{"statusCode": true}',
        b'{"statusCode": 200, "body": {"a": 1}}',
        b'{"statusCode": 200, "headers": ["x"]}',
        b'{"statusCode": 200, "headers": {"x": {"a": 1}}}',
        b'{"statusCode": 200, "cookies": "a=1"}',
        b'{"statusCode": 200, "body": "***", "isBase64Encoded": true}',
    ],
)
def test_malformed_answers(payload: bytes) -> None:
    with pytest.raises(urls.MalformedResponse):
        urls.map_result(payload)


def test_error_answers() -> None:
    assert urls.forbidden().status == 403
    assert json.loads(urls.forbidden().body) == {"Message": "Forbidden"}
    assert urls.throttled().status == 429
    assert urls.function_failed().status == 502
    assert urls.function_failed().body == b"Internal Server Error"
    assert urls.too_large().status == 413


CORS = {
    "AllowOrigins": ["https://app.example.com"],
    "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["x-custom"],
    "ExposeHeaders": ["x-total"],
    "AllowCredentials": True,
    "MaxAge": 300,
}


def test_cors_preflight() -> None:
    asked = request(
        "OPTIONS",
        headers=(
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "POST"),
        ),
    )
    assert urls.is_preflight(asked)
    assert not urls.is_preflight(request("OPTIONS"))
    answer = urls.preflight(CORS, asked)
    assert answer.status == 200 and answer.body == b""
    assert dict(answer.headers) == {
        "Access-Control-Allow-Origin": "https://app.example.com",
        "Access-Control-Allow-Methods": "GET,POST",
        "Access-Control-Allow-Headers": "x-custom",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Max-Age": "300",
        "Vary": "Origin",
    }
    stranger = request(
        "OPTIONS",
        headers=(("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET")),
    )
    assert urls.preflight(CORS, stranger).headers == []
    wrong_method = request(
        "OPTIONS",
        headers=(("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT")),
    )
    assert urls.preflight(CORS, wrong_method).headers == []
    anyone = urls.preflight({"AllowOrigins": ["*"], "AllowMethods": ["*"]}, stranger)
    assert dict(anyone.headers)["Access-Control-Allow-Origin"] == "*"


def test_cors_headers_win_over_the_function() -> None:
    answer = urls.UrlResponse(
        200, [("access-control-allow-origin", "https://other"), ("x-a", "1")], b"ok"
    )
    asked = request(headers=(("Origin", "https://app.example.com"),))
    out = urls.with_cors(CORS, asked, answer)
    assert ("access-control-allow-origin", "https://other") not in out.headers
    assert dict(out.headers) == {
        "x-a": "1",
        "Access-Control-Allow-Origin": "https://app.example.com",
        "Access-Control-Expose-Headers": "x-total",
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }
    assert urls.with_cors(None, asked, answer) is answer
    assert urls.with_cors(CORS, request(), answer) is answer
    stranger = request(headers=(("Origin", "https://evil.example"),))
    assert urls.with_cors(CORS, stranger, answer) is answer
