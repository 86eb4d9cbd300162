"""The request helpers, media type matching and access-log rendering."""

from __future__ import annotations

import json
import re

import pytest

from tenku.proxy import access_log
from tenku.proxy.binary import http_api_body, is_textual, matches_media_type, media_type
from tenku.proxy.request import (
    ProxyRequest,
    clf_time,
    new_request_id,
    new_short_id,
    new_trace_id,
    with_forwarding_headers,
)


def test_header_helpers() -> None:
    request = ProxyRequest("GET", "/", headers=(("X-A", "1"), ("x-a", "2"), ("Cookie", "a=1; b=2")))
    assert request.header("X-a") == "1,2"
    assert (request.first_header("x-A"), request.last_header("X-A")) == ("1", "2")
    assert request.header("missing") is None
    assert request.cookies == ["a=1", "b=2"]
    assert request.user_agent == ""


def test_paths_and_query() -> None:
    request = ProxyRequest("GET", "/a%20b/c%3Fd", "x=1+2&y")
    assert request.decoded_path == "/a b/c?d"
    assert request.http_api_path == "/a b/c"
    assert request.query_pairs == [("x", "1 2"), ("y", "")]
    assert ProxyRequest("GET", "").decoded_path == "/"
    assert ProxyRequest("GET", "/%ZZ").decoded_path == "/%ZZ"


def test_time_text() -> None:
    assert clf_time(1583348638.390) == "04/Mar/2020:19:03:58 +0000"
    assert clf_time(0) == "01/Jan/1970:00:00:00 +0000"


def test_forwarding_headers() -> None:
    request = ProxyRequest(
        "GET",
        "/",
        headers=(("X-Forwarded-For", "10.0.0.1"), ("Host", "h")),
        source_ip="203.0.113.5",
    )
    forwarded = with_forwarding_headers(request, "Root=1-a-b", 4566)
    assert forwarded.header("x-forwarded-for") == "10.0.0.1, 203.0.113.5"
    assert forwarded.header("x-forwarded-port") == "4566"
    assert forwarded.header("x-forwarded-proto") == "http"
    assert forwarded.header("x-amzn-trace-id") == "Root=1-a-b"
    assert forwarded.header("host") == "h"
    plain = with_forwarding_headers(ProxyRequest("GET", "/", source_ip="1.2.3.4"), "t", 80)
    assert plain.header("x-forwarded-for") == "1.2.3.4"


def test_ids() -> None:
    assert re.fullmatch(r"[0-9a-f-]{36}", new_request_id())
    short = new_short_id()
    assert len(short) == 16 and short.endswith("=")
    assert new_short_id() != short
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", new_trace_id(1_700_000_000))


@pytest.mark.parametrize(
    ("content_type", "textual"),
    [
        ("text/csv", True),
        ("application/json", True),
        ("Application/JSON; charset=UTF-8", True),
        ("application/ld+json", True),
        ("image/svg+xml", True),
        ("application/javascript", True),
        ("application/x-www-form-urlencoded", False),
        ("application/octet-stream", False),
        ("image/png", False),
        (None, False),
        ("", False),
    ],
)
def test_textual_types(content_type: str | None, textual: bool) -> None:
    assert is_textual(content_type) is textual


def test_media_type_matching() -> None:
    assert media_type(" Image/PNG ; q=1") == "image/png"
    assert matches_media_type("image/png", ["image/*"])
    assert not matches_media_type("imagex/png", ["image/*"])
    assert matches_media_type(None, ["*/*"])
    assert not matches_media_type(None, ["image/*"])
    assert matches_media_type("IMAGE/PNG", ["image/png"])
    assert http_api_body(b"", "text/plain", None) == ("", False)
    assert http_api_body(b"x", "text/plain", "identity") == ("x", False)


# -- access logs -----------------------------------------------------------------------------
REQ = ProxyRequest(
    "POST",
    "/pets",
    headers=(("User-Agent", 'ag"ent'),),
    source_ip="198.51.100.2",
    received_at=1583348638.390,
)


def _context(**extra: object) -> dict[str, object]:
    values = access_log.context_values(
        REQ,
        request_id="rid",
        api_id="api",
        stage="$default",
        route_key="POST /pets",
        status=201,
        response_length=12,
        integration_latency_ms=7,
    )
    values.update(extra)
    return values


def test_clf_format() -> None:
    line = access_log.render(access_log.CLF, _context())
    assert line == (
        '198.51.100.2 - - [04/Mar/2020:19:03:58 +0000] "POST POST /pets HTTP/1.1" 201 12 rid'
    )


def test_json_format_parses_and_escapes() -> None:
    fmt = (
        '{"requestId":"$context.requestId","ua":"$context.identity.userAgent",'
        '"err":"$context.error.message","lat":"$context.integrationLatency"}'
    )
    parsed = json.loads(access_log.render(fmt, _context()))
    assert parsed == {"requestId": "rid", "ua": 'ag"ent', "err": "-", "lat": "7"}
    with_error = access_log.render(fmt, {**_context(), "error": {"message": "Not Found"}})
    assert json.loads(with_error)["err"] == "Not Found"
    assert json.loads(access_log.render(access_log.JSON, _context()))["status"] == "201"


def test_unknown_and_nested_variables() -> None:
    context = _context(authorizer={"claims": {"sub": "u1"}})
    assert access_log.render("$context.authorizer.claims.sub $context.nope", context) == "u1 -"
    assert access_log.render("$context.status.", _context()) == "201."
    assert access_log.render("no variables", {}) == "no variables"
    flat = {"identity.sourceIp": "1.1.1.1"}
    assert access_log.render("$context.identity.sourceIp", flat) == "1.1.1.1"
    assert access_log.render("$context.x", {"x": True}) == "true"
