"""Parse rest-json and rest-xml requests: pick the operation, then read every location.

Owns: the per-service table of compiled `requestUri` templates (labels, greedy labels,
literal query parts, most specific first) and reading members from the URI, the query
string, headers, prefixed header maps, the payload and the JSON or XML body.
Must not: serialize responses or hold any service-specific rule.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote

from tenku.core.errors import ServiceError
from tenku.protocol.http import Request
from tenku.protocol.models import ServiceModel
from tenku.protocol.styles import ValidationStyle
from tenku.protocol.textvalues import json_header_value, scalar_from_text
from tenku.protocol.validate import get_checker, run_checker
from tenku.protocol.xmlin import XmlDecoder, parse_xml

_LABEL = re.compile(r"\{([^}]+)\}")
# Literal query parts SDKs may omit (botocore sends them, other SDKs need not).
_OPTIONAL_LITERALS = frozenset({"x-id"})


class _Route:
    """One operation's compiled requestUri (a plain class: dataclasses cost import time)."""

    __slots__ = (
        "labels",
        "literals",
        "method",
        "needs_headers",
        "needs_query",
        "operation",
        "path",
        "rank",
    )

    def __init__(
        self,
        operation: str,
        method: str,
        path: re.Pattern[str],
        labels: tuple[tuple[str, str], ...],  # (regex group, label name)
        literals: tuple[tuple[str, str | None], ...],  # required query key, optional value
        needs_query: tuple[str, ...],  # required querystring members
        needs_headers: tuple[str, ...],  # required header members (lower-cased)
        rank: tuple[int, int, int, int, int],
    ) -> None:
        self.operation = operation
        self.method = method
        self.path = path
        self.labels = labels
        self.literals = literals
        self.needs_query = needs_query
        self.needs_headers = needs_headers
        self.rank = rank

    def accepts(self, query: dict[str, list[str]], headers: dict[str, str]) -> bool:
        for key, value in self.literals:
            if key in query:
                if value is not None and value not in query[key]:
                    return False
            elif key not in _OPTIONAL_LITERALS:
                return False
        return all(k in query for k in self.needs_query) and all(
            h in headers for h in self.needs_headers
        )


def _required_located(model: ServiceModel, input_name: str | None) -> tuple[list[str], list[str]]:
    if input_name is None:
        return [], []
    shape = model.shape(input_name)
    members = shape.get("members", {})
    needs_query, needs_headers = [], []
    for name in shape.get("required", ()):
        ref = members.get(name, {})
        if ref.get("location") == "querystring":
            needs_query.append(ref.get("locationName", name))
        elif ref.get("location") == "header":
            needs_headers.append(ref.get("locationName", name).lower())
    return needs_query, needs_headers


def _compile_route(model: ServiceModel, name: str) -> _Route:
    op = model.operation(name)
    method, uri = op.method, op.request_uri
    path_part, _, query_part = uri.partition("?")
    pattern = ["^"]
    labels = []
    position = 0
    for index, match in enumerate(_LABEL.finditer(path_part)):
        pattern.append(re.escape(path_part[position : match.start()]))
        label = match.group(1)
        group = f"g{index}"
        if label.endswith("+"):
            pattern.append(f"(?P<{group}>.+)")
            label = label[:-1]
        else:
            pattern.append(f"(?P<{group}>[^/]+)")
        labels.append((group, label))
        position = match.end()
    pattern.append(re.escape(path_part[position:]).rstrip("/"))
    pattern.append("/?$")
    literals = []
    for piece in filter(None, query_part.split("&")):
        key, sep, value = piece.partition("=")
        literals.append((key, value if sep else None))
    greedy = "+}" in path_part
    literal_segments = sum(1 for seg in path_part.split("/") if seg and "{" not in seg)
    required_literals = sum(1 for k, _ in literals if k not in _OPTIONAL_LITERALS)
    needs_query, needs_headers = _required_located(model, op.input_shape)
    # Most specific first: more literal query parts, non-greedy, more literal segments,
    # then more required query/header members (S3's PutObject vs CopyObject vs UploadPart
    # share a template once SDKs leave out `x-id`).
    # Last, current operations before deprecated ones bound to the same request (S3's
    # GetBucketLifecycle vs GetBucketLifecycleConfiguration).
    rank = (
        -required_literals,
        int(greedy),
        -literal_segments,
        -(len(needs_query) + len(needs_headers)),
        int(bool(op.raw.get("deprecated"))),
    )
    return _Route(
        name,
        method,
        re.compile("".join(pattern)),
        tuple(labels),
        tuple(literals),
        tuple(needs_query),
        tuple(needs_headers),
        rank,
    )


def _routes(model: ServiceModel) -> dict[str, list[_Route]]:
    table: dict[str, list[_Route]] | None = model.plans.get("rest-routes")
    if table is None:
        table = {}
        for name in model.operation_names:
            route = _compile_route(model, name)
            table.setdefault(route.method, []).append(route)
        for routes in table.values():
            routes.sort(key=lambda r: r.rank)
        model.plans["rest-routes"] = table
    return table


_PATH_CACHE_SIZE = 4096


def match_operation(
    model: ServiceModel, request: Request, query: dict[str, list[str]]
) -> tuple[str, dict[str, str]]:
    """(operation, decoded URI labels) for a rest request; UnknownOperation otherwise."""
    path = request.path or "/"
    method = request.method.upper()
    # Clients repeat the same paths (one function, one queue…): the routes a path matches
    # are remembered, so a request costs no regex scan over every route of the service.
    cache: dict[tuple[str, str], list[tuple[_Route, dict[str, str]]]] = model.plans.setdefault(
        "rest-path-cache", {}
    )
    candidates = cache.get((method, path))
    if candidates is None:
        candidates = []
        for route in _routes(model).get(method, ()):
            match = route.path.match(path)
            if match is not None:
                labels = {label: unquote(match.group(g)) for g, label in route.labels}
                candidates.append((route, labels))
        if len(cache) >= _PATH_CACHE_SIZE:
            cache.clear()
        cache[(method, path)] = candidates
    for route, labels in candidates:
        if route.accepts(query, request.headers):
            return route.operation, dict(labels)
    raise ServiceError(
        "UnknownOperationException",
        f"No operation matches {request.method} {path}",
        404 if model.name != "s3" else 405,
    )


class _Member(NamedTuple):
    """One input member bound to a part of the request other than the body."""

    name: str
    location: str  # "uri", "querystring", "header" or "headers"
    wire: str
    ref: dict[str, Any]
    target: dict[str, Any]


def _located_members(model: ServiceModel, input_name: str) -> tuple[_Member, ...]:
    key = "rest-members:" + input_name
    plan: tuple[_Member, ...] | None = model.plans.get(key)
    if plan is None:
        members: dict[str, Any] = model.shape(input_name).get("members", {})
        plan = tuple(
            _Member(
                name,
                ref["location"],
                ref.get("locationName", name),
                ref,
                model.shape(ref["shape"]),
            )
            for name, ref in members.items()
            if ref.get("location")
        )
        model.plans[key] = plan
    return plan


def parse_rest_params(
    model: ServiceModel, request: Request, style: ValidationStyle, protocol: str
) -> tuple[str, dict[str, Any]]:
    """(operation, validated params) of a rest-json or rest-xml request."""
    query: dict[str, list[str]] = {}
    if request.query:
        try:
            pairs = parse_qsl(request.query, keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError) as exc:
            raise style.malformed_body("query string is not UTF-8") from exc
        for key, value in pairs:
            query.setdefault(key, []).append(value)
    operation, labels = match_operation(model, request, query)
    input_name = model.operation(operation).input_shape
    if input_name is None:
        return operation, {}
    params: dict[str, Any] = {}
    bound_query: set[str] = set()
    query_map: _Member | None = None
    for member in _located_members(model, input_name):
        location, wire, target = member.location, member.wire, member.target
        if location == "uri":
            if wire in labels:
                params[member.name] = scalar_from_text(target, labels[wire], wire, style)
        elif location == "querystring":
            if target["type"] == "map":
                query_map = member
            elif wire in query:
                bound_query.add(wire)
                params[member.name] = _from_query(model, target, query[wire], wire, style)
        elif location == "header":
            header = request.headers.get(wire.lower())
            if header is not None:
                params[member.name] = _from_header(model, member.ref, target, header, wire, style)
        elif location == "headers":
            prefix = wire.lower()
            found = {
                k[len(prefix) :]: v for k, v in request.headers.items() if k.startswith(prefix)
            }
            if found:
                params[member.name] = found
    if query_map is not None:
        rest = {k: v for k, v in query.items() if k not in bound_query}
        value_type = model.shape(query_map.target["value"]["shape"])
        if rest:
            params[query_map.name] = {
                k: (v if value_type["type"] == "list" else v[-1]) for k, v in rest.items()
            }
    decode = protocol == "rest-json"
    _read_body(model, input_name, request, params, style, decode)
    checker = get_checker(model, input_name, decode=decode, style=style)
    return operation, run_checker(checker, params, style)


def _from_query(
    model: ServiceModel,
    target: dict[str, Any],
    values: list[str],
    wire: str,
    style: ValidationStyle,
) -> Any:
    if target["type"] == "list":
        item = model.shape(target["member"]["shape"])
        return [scalar_from_text(item, v, wire, style) for v in values]
    return scalar_from_text(target, values[-1], wire, style)


def _from_header(
    model: ServiceModel,
    ref: dict[str, Any],
    target: dict[str, Any],
    text: str,
    wire: str,
    style: ValidationStyle,
) -> Any:
    if ref.get("jsonvalue") or target.get("jsonvalue"):
        return json_header_value(text, wire, style)
    if target["type"] == "list":
        item = model.shape(target["member"]["shape"])
        return [
            scalar_from_text(item, v.strip(), wire, style) for v in text.split(",") if v.strip()
        ]
    # Blob headers are base64 on the wire (e.g. Lambda's X-Amz-Client-Context is a string).
    return scalar_from_text(target, text, wire, style)


def _read_body(
    model: ServiceModel,
    input_name: str,
    request: Request,
    params: dict[str, Any],
    style: ValidationStyle,
    decode_json: bool,
) -> None:
    shape = model.shape(input_name)
    body = request.body
    payload = shape.get("payload")
    if payload is not None:
        ref = shape["members"][payload]
        target = model.shape(ref["shape"])
        if target["type"] == "blob":
            params[payload] = body
        elif target["type"] == "string":
            if body:
                params[payload] = _text(body, style)
        elif body.strip():
            if decode_json:
                params[payload] = _json_document(body, style)
            else:
                params[payload] = XmlDecoder(model, style).structure(ref["shape"], parse_xml(body))
        return
    if not body.strip():
        return
    if decode_json:
        document = _json_document(body, style)
        if type(document) is not dict:
            raise style.wrong_type("", document, "structure")
        members = shape.get("members", {})
        located = {n for n, r in members.items() if r.get("location")}
        # body keys that a URI member's name also takes stay apart under the member name
        renamed = {
            r["locationName"]: n
            for n, r in members.items()
            if not r.get("location") and r.get("locationName") in located
        }
        for key, value in document.items():
            if key in renamed:
                params[renamed[key]] = value
            elif key not in located:
                params.setdefault(key, value)
    else:
        params.update(XmlDecoder(model, style).structure(input_name, parse_xml(body)))


def _text(body: bytes, style: ValidationStyle) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise style.malformed_body("body is not UTF-8") from exc


def _json_document(body: bytes, style: ValidationStyle) -> Any:
    try:
        return _DECODER.decode(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise style.malformed_body("body is not JSON") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity are not JSON to AWS


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
