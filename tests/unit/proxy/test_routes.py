"""Route and resource selection: precedence tables for HTTP APIs and REST APIs."""

from __future__ import annotations

import pytest

from tenku.proxy.request import ProxyRequest
from tenku.proxy.routes import (
    HttpRouteTable,
    RestResource,
    RestResourceTree,
    parse_route_key,
    split_template,
)

# The example table of AWS's "Routing API requests" section, plus neighbours.
AWS_EXAMPLE = HttpRouteTable(
    {
        "GET /pets/dog/1": "static",
        "GET /pets/dog/{id}": "param",
        "GET /pets/{proxy+}": "greedy-get",
        "ANY /{proxy+}": "greedy-any",
        "$default": "default",
    }
)


@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", None),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
        ("POST", "/pets/dog/1", "ANY /{proxy+}", {"proxy": "pets/dog/1"}),
        ("GET", "/pets/dog/1/", "GET /pets/dog/1", None),
        ("GET", "/pets", "ANY /{proxy+}", {"proxy": "pets"}),
        ("GET", "/", "$default", None),
        ("DELETE", "/", "$default", None),
        ("GET", "/pets/dog", "GET /pets/{proxy+}", {"proxy": "dog"}),
        ("HEAD", "/pets/dog/1", "ANY /{proxy+}", {"proxy": "pets/dog/1"}),
    ],
)
def test_aws_documented_precedence(
    method: str, path: str, route_key: str, params: dict[str, str] | None
) -> None:
    found = AWS_EXAMPLE.match(method, path)
    assert found is not None
    assert (found.route_key, found.path_parameters) == (route_key, params)


TABLE = HttpRouteTable(
    [
        ("GET /", "root"),
        ("GET /users", "users-get"),
        ("ANY /users", "users-any"),
        ("GET /users/me", "me"),
        ("GET /users/{id}", "user"),
        ("ANY /users/{id}", "user-any"),
        ("GET /users/{id}/posts/{post}", "post"),
        ("GET /users/{id}/{proxy+}", "user-greedy"),
        ("PUT /users/{userId}/avatar", "avatar"),
        ("POST /users/{proxy+}", "users-post-greedy"),
        ("GET /a/{x}/c", "a-x-c"),
        ("GET /a/b/{y}", "a-b-y"),
        ("OPTIONS /cors", "cors-options"),
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "target", "params"),
    [
        ("GET", "/", "root", None),
        ("GET", "//", "root", None),
        ("GET", "/users", "users-get", None),
        ("GET", "/users/", "users-get", None),
        ("GET", "//users", "users-get", None),
        ("POST", "/users", "users-any", None),
        ("get", "/users", "users-get", None),
        ("GET", "/users/me", "me", None),
        ("GET", "/users/42", "user", {"id": "42"}),
        ("PATCH", "/users/42", "user-any", {"id": "42"}),
        ("GET", "/users/42/posts/7", "post", {"id": "42", "post": "7"}),
        ("GET", "/users/42/posts", "user-greedy", {"id": "42", "proxy": "posts"}),
        ("GET", "/users/42/posts/7/x", "user-greedy", {"id": "42", "proxy": "posts/7/x"}),
        ("PUT", "/users/42/avatar", "avatar", {"userId": "42"}),
        ("POST", "/users/42/avatar", "users-post-greedy", {"proxy": "42/avatar"}),
        ("GET", "/a/b/c", "a-b-y", {"y": "c"}),  # literal beats parameter at the first difference
        ("GET", "/a/z/c", "a-x-c", {"x": "z"}),
        ("GET", "/users/a b", "user", {"id": "a b"}),
        ("GET", "/users/é", "user", {"id": "é"}),
        ("OPTIONS", "/cors", "cors-options", None),
    ],
)
def test_precedence(method: str, path: str, target: str, params: dict[str, str] | None) -> None:
    found = TABLE.match(method, path)
    assert found is not None
    assert (found.target, found.path_parameters) == (target, params)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nothing"), ("DELETE", "/users/42/avatar"), ("GET", "/a/b"), ("HEAD", "/a/z/c")],
)
def test_no_route_without_default(method: str, path: str) -> None:
    assert TABLE.match(method, path) is None


def test_empty_segment_does_not_fill_a_parameter() -> None:
    table = HttpRouteTable({"GET /r/{name}": "x"})
    assert table.match("GET", "/r/") is None
    assert table.match("GET", "/r") is None


def test_head_does_not_borrow_get() -> None:
    table = HttpRouteTable({"GET /a": "get", "HEAD /b": "head"})
    assert table.match("HEAD", "/a") is None
    found = table.match("HEAD", "/b")
    assert found is not None and found.target == "head"


def test_matching_is_on_the_decoded_path() -> None:
    table = HttpRouteTable({"GET /files/{name}": "one", "GET /files/{a}/{b}": "two"})
    request = ProxyRequest("GET", "/files/a%2Fb")
    found = table.match("GET", request.http_api_path)
    assert found is not None
    assert (found.target, found.path_parameters) == ("two", {"a": "a", "b": "b"})
    found = table.match("GET", ProxyRequest("GET", "/files/x%20y").http_api_path)
    assert found is not None and found.path_parameters == {"name": "x y"}


def test_literal_segments_are_case_sensitive() -> None:
    table = HttpRouteTable({"GET /Pets": "x"})
    assert table.match("GET", "/pets") is None
    assert table.match("GET", "/Pets") is not None


def test_first_definition_of_a_duplicate_wins() -> None:
    table = HttpRouteTable([("GET /a", "first"), ("GET /a", "second")])
    found = table.match("GET", "/a")
    assert found is not None and found.target == "first"


@pytest.mark.parametrize(
    "bad", ["GET", "/pets", "FETCH /pets", "GET pets", "GET /{proxy+}/x", "GET /{a", "GET /{}"]
)
def test_bad_route_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        HttpRouteTable({bad: 1})


def test_parse_route_key_and_templates() -> None:
    assert parse_route_key("get /a/{b}") == ("GET", "/a/{b}")
    assert split_template("/a/{b}/{c+}") == ["a", "{b}", "{c+}"]


# -- REST resource trees ---------------------------------------------------------------------
TREE = RestResourceTree(
    [
        RestResource("/", "root", {"GET": "root-get"}),
        RestResource("/users", "users", {"GET": "users-get", "POST": "users-post"}),
        RestResource("/users/{userId}", "user", {"GET": "user-get", "ANY": "user-any"}),
        RestResource("/users/{userId}/orders/{orderId}", "order", {"GET": "order-get"}),
        RestResource("/static/{proxy+}", "static", {"GET": "static-get"}),
        RestResource("/{proxy+}", "proxy", {"ANY": "catch-all"}),
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "resource", "method_key", "params"),
    [
        ("GET", "/", "/", "GET", None),
        ("GET", "/users", "/users", "GET", None),
        ("POST", "/users/", "/users", "POST", None),
        ("GET", "/users/u1", "/users/{userId}", "GET", {"userId": "u1"}),
        ("DELETE", "/users/u1", "/users/{userId}", "ANY", {"userId": "u1"}),
        (
            "GET",
            "/users/u1/orders/o2",
            "/users/{userId}/orders/{orderId}",
            "GET",
            {"userId": "u1", "orderId": "o2"},
        ),
        ("POST", "/users/u1/orders/o2", "/{proxy+}", "ANY", {"proxy": "users/u1/orders/o2"}),
        ("GET", "/static/css/site.css", "/static/{proxy+}", "GET", {"proxy": "css/site.css"}),
        ("PUT", "/static/x", "/{proxy+}", "ANY", {"proxy": "static/x"}),
        ("DELETE", "/users", "/{proxy+}", "ANY", {"proxy": "users"}),
        ("GET", "/users/a%2Fb", "/users/{userId}", "GET", {"userId": "a/b"}),
        ("GET", "/users/a%20b", "/users/{userId}", "GET", {"userId": "a b"}),
        ("GET", "/users/a+b", "/users/{userId}", "GET", {"userId": "a+b"}),
        ("GET", "/nope/deeper", "/{proxy+}", "ANY", {"proxy": "nope/deeper"}),
    ],
)
def test_rest_resource_selection(
    method: str, path: str, resource: str, method_key: str, params: dict[str, str] | None
) -> None:
    found = TREE.match(method, path)
    assert found is not None
    assert (found.resource_path, found.method, found.path_parameters) == (
        resource,
        method_key,
        params,
    )


def test_rest_missing_method_or_resource() -> None:
    tree = RestResourceTree(
        [RestResource("/", "r", {"GET": 1}), RestResource("/a", "a", {"GET": 2})]
    )
    assert tree.match("POST", "/a") is None
    assert tree.match("GET", "/b") is None
    assert tree.match("GET", "/a/b") is None
    found = tree.match("GET", "/a")
    assert found is not None and (found.resource_id, found.target) == ("a", 2)


def test_rest_refuses_unknown_methods() -> None:
    with pytest.raises(ValueError):
        RestResourceTree([RestResource("/", "r", {"FETCH": 1})])
