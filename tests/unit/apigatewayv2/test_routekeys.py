"""Route keys of HTTP APIs: what parses, what is refused and why, conflicting variables."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.services.apigatewayv2.routekeys import (
    conflicting_variable,
    parse_http_route_key,
)


@pytest.mark.parametrize(
    ("key", "method", "path", "segments", "params", "greedy"),
    [
        ("$default", None, None, (), (), False),
        ("GET /", "GET", "/", ("",), (), False),
        ("ANY /pets", "ANY", "/pets", ("pets",), (), False),
        ("GET /pets/{id}", "GET", "/pets/{id}", ("pets", "{id}"), ("id",), False),
        ("ANY /{proxy+}", "ANY", "/{proxy+}", ("{proxy+}",), ("proxy",), True),
        (
            "DELETE /a/{b}/c/{rest+}",
            "DELETE",
            "/a/{b}/c/{rest+}",
            ("a", "{b}", "c", "{rest+}"),
            ("b", "rest"),
            True,
        ),
        (
            "OPTIONS /v1.2/files_x-y:z~",
            "OPTIONS",
            "/v1.2/files_x-y:z~",
            ("v1.2", "files_x-y:z~"),
            (),
            False,
        ),
    ],
)
def test_valid_keys(
    key: str,
    method: str | None,
    path: str | None,
    segments: tuple[str, ...],
    params: tuple[str, ...],
    greedy: bool,
) -> None:
    parsed = parse_http_route_key(key)
    assert (parsed.method, parsed.path, parsed.segments) == (method, path, segments)
    assert parsed.parameters == params
    assert parsed.greedy is greedy
    assert parsed.is_default is (key == "$default")


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "must be $default or an HTTP method"),
        ("GET", "must be $default or an HTTP method"),
        ("/pets", "must be $default or an HTTP method"),
        ("get /pets", "The method must be one of"),
        ("FETCH /pets", "The method must be one of"),
        ("GET  /pets", "The path must start with '/'"),
        ("GET pets", "The path must start with '/'"),
        ("GET /pets/", "must not end with '/'"),
        ("GET /pets//toys", "must not contain empty segments"),
        ("ANY /{proxy+}/more", "greedy path variable can only be the last"),
        ("GET /a/{id}/b/{id}", "used more than once"),
        ("GET /files/{name}.json", "must be a whole path segment"),
        ("GET /files/{}", "must be a whole path segment"),
        ("GET /a b", "contains characters not allowed"),
        ("$connect", "must be $default or an HTTP method"),
    ],
)
def test_invalid_keys(key: str, why: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_http_route_key(key)
    assert caught.value.code == "BadRequestException"
    assert caught.value.status == 400
    assert caught.value.message.startswith(f"Invalid route key: {key}.")
    assert why in caught.value.message


def keys(*texts: str) -> list:  # type: ignore[type-arg]
    return [parse_http_route_key(t) for t in texts]


def test_conflicting_variables_at_the_same_level() -> None:
    new = parse_http_route_key("DELETE /pets/{petId}")
    clash = conflicting_variable(new, keys("GET /pets/{id}", "GET /owners/{x}"))
    assert clash is not None and clash.text == "GET /pets/{id}"
    deeper = parse_http_route_key("GET /pets/{id}/toys/{toy}")
    assert conflicting_variable(deeper, keys("GET /pets/{id}/toys/{toyId}")) is not None


def test_compatible_neighbours() -> None:
    # the same names, literals beside variables, other branches, greedy beside plain
    assert (
        conflicting_variable(parse_http_route_key("POST /pets/{id}"), keys("GET /pets/{id}"))
        is None
    )
    assert (
        conflicting_variable(parse_http_route_key("GET /pets/{id}"), keys("GET /pets/mine")) is None
    )
    assert (
        conflicting_variable(parse_http_route_key("GET /owners/{o}"), keys("GET /pets/{id}"))
        is None
    )
    assert conflicting_variable(parse_http_route_key("ANY /{proxy+}"), keys("GET /{id}")) is None
    assert conflicting_variable(parse_http_route_key("$default"), keys("GET /{id}")) is None
