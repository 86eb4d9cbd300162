"""HTTP API CORS: preflights answered by the gateway and headers on normal answers."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.proxy.cors import apply_cors, gateway_answers_preflight, origin_allowed, preflight
from tenku.proxy.request import ProxyRequest
from tenku.proxy.responses import ProxyResponse

CORS: dict[str, Any] = {
    "AllowOrigins": ["https://app.example.com", "https://*.example.org"],
    "AllowMethods": ["GET", "post"],
    "AllowHeaders": ["Content-Type", "X-Api-Key"],
    "ExposeHeaders": ["X-Request-Id"],
    "MaxAge": 600,
    "AllowCredentials": True,
}


def _preflight(
    origin: str | None = "https://app.example.com", method: str = "GET", headers: str | None = None
) -> ProxyRequest:
    items = []
    if origin is not None:
        items.append(("Origin", origin))
    items.append(("Access-Control-Request-Method", method))
    if headers is not None:
        items.append(("Access-Control-Request-Headers", headers))
    return ProxyRequest("OPTIONS", "/items", headers=tuple(items))


def _h(response: ProxyResponse) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers}


@pytest.mark.parametrize(
    ("origins", "origin", "allowed"),
    [
        (["*"], "https://anything.test", True),
        (["https://app.example.com"], "https://app.example.com", True),
        (["https://app.example.com"], "HTTPS://APP.EXAMPLE.COM", True),
        (["https://app.example.com"], "http://app.example.com", False),
        (["https://app.example.com"], "https://app.example.com:8443", False),
        (["https://*.example.org"], "https://a.example.org", True),
        (["https://*.example.org"], "https://a.b.example.org", True),
        (["https://*.example.org"], "https://example.org", False),
        (["https://*.example.org"], "https://evil.test/.example.org", False),
        (["https://*.example.org"], "http://a.example.org", False),
        (["http://localhost:*"], "http://localhost:3000", True),
        ([], "https://app.example.com", False),
    ],
)
def test_origin_table(origins: list[str], origin: str, allowed: bool) -> None:
    assert origin_allowed({"AllowOrigins": origins}, origin) is allowed


@pytest.mark.parametrize(
    ("request_", "answered"),
    [
        (_preflight(), True),
        (_preflight(origin=None), False),
        (ProxyRequest("OPTIONS", "/x", headers=(("Origin", "https://a"),)), False),
        (
            ProxyRequest(
                "GET",
                "/x",
                headers=(("Origin", "https://a"), ("Access-Control-Request-Method", "GET")),
            ),
            False,
        ),
    ],
)
def test_what_is_a_preflight(request_: ProxyRequest, answered: bool) -> None:
    assert gateway_answers_preflight(CORS, request_, None) is answered


def test_preflight_left_to_an_options_route_or_when_unconfigured() -> None:
    assert gateway_answers_preflight(CORS, _preflight(), "OPTIONS /items") is False
    assert gateway_answers_preflight(CORS, _preflight(), "ANY /{proxy+}") is True
    assert gateway_answers_preflight(CORS, _preflight(), "$default") is True
    assert gateway_answers_preflight(None, _preflight(), None) is False
    assert gateway_answers_preflight({}, _preflight(), None) is False


def test_allowed_preflight_gets_every_header() -> None:
    answer = preflight(CORS, _preflight(headers="content-type, x-api-key"))
    assert answer.status == 204 and answer.body == b""
    assert _h(answer) == {
        "access-control-allow-origin": "https://app.example.com",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "content-type,x-api-key",
        "access-control-allow-credentials": "true",
        "access-control-max-age": "600",
    }


@pytest.mark.parametrize(
    "request_",
    [
        _preflight(origin="https://other.test"),
        _preflight(method="DELETE"),
        _preflight(headers="content-type, x-secret"),
    ],
    ids=["origin", "method", "header"],
)
def test_refused_preflight_has_no_cors_headers(request_: ProxyRequest) -> None:
    answer = preflight(CORS, request_)
    assert answer.status == 204 and answer.headers == []


def test_wildcards_for_methods_and_headers() -> None:
    cors = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
    answer = preflight(cors, _preflight(origin="https://x.test", method="PATCH", headers="X-Any"))
    headers = _h(answer)
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "*"
    assert headers["access-control-allow-headers"] == "*"
    assert "access-control-max-age" not in headers


def test_method_match_is_case_insensitive() -> None:
    assert _h(preflight(CORS, _preflight(method="post")))["access-control-allow-methods"]


def test_normal_answer_gets_cors_headers_and_loses_the_integrations_own() -> None:
    request = ProxyRequest("GET", "/items", headers=(("Origin", "https://a.example.org"),))
    integration = ProxyResponse(
        200,
        [
            ("Content-Type", "application/json"),
            ("Access-Control-Allow-Origin", "*"),
            ("access-control-allow-methods", "DELETE"),
        ],
        b"{}",
    )
    answer = apply_cors(CORS, request, integration)
    assert answer.headers == [
        ("Content-Type", "application/json"),
        ("access-control-allow-origin", "https://a.example.org"),
        ("access-control-expose-headers", "x-request-id"),
        ("access-control-allow-credentials", "true"),
    ]
    assert answer.body == b"{}" and answer.status == 200


def test_disallowed_origin_gets_no_cors_headers_at_all() -> None:
    request = ProxyRequest("GET", "/items", headers=(("Origin", "https://evil.test"),))
    integration = ProxyResponse(200, [("Access-Control-Allow-Origin", "*")], b"")
    assert apply_cors(CORS, request, integration).headers == []


def test_without_cors_configuration_the_answer_is_untouched() -> None:
    request = ProxyRequest("GET", "/items", headers=(("Origin", "https://a.example.org"),))
    integration = ProxyResponse(200, [("Access-Control-Allow-Origin", "*")], b"")
    assert apply_cors(None, request, integration) is integration


def test_star_origin_without_credentials_answers_star() -> None:
    request = ProxyRequest("GET", "/", headers=(("Origin", "https://z.test"),))
    answer = apply_cors({"AllowOrigins": ["*"]}, request, ProxyResponse(200, [], b""))
    assert _h(answer)["access-control-allow-origin"] == "*"
