"""Parse query-protocol requests (`Action=...&Version=...`) into typed params.

Owns: reading the form body and query string, rebuilding the dotted keys into a tree
(`Attribute.1.Name`), and walking the input shape over that tree: members by model
name, locationName or legacy SQS name; lists as `X.member.N` or flattened `X.N`; maps
as `X.entry.N.key/value` or flattened `X.N.key/value`. Scalars are converted from text
and wrong types raise at once; required members and constraints are checked after.
Must not: serialize anything or know service behaviour beyond the legacy name table
and SQS's queue-URL path.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from tenku.protocol.http import Request
from tenku.protocol.legacy_query import legacy_entry_names, legacy_member_name
from tenku.protocol.models import ServiceModel, Shape
from tenku.protocol.styles import ValidationStyle
from tenku.protocol.textvalues import scalar_from_text
from tenku.protocol.validate import get_checker, run_checker

Node = dict[str, Any]  # children by dotted-key part; a leaf text sits under "" or as str

_SQS_QUEUE_PATH = re.compile(r"^/(\d{12})/([^/?]+)/?$")
_MAX_FIELDS = 10_000


def form_pairs(request: Request, style: ValidationStyle) -> list[tuple[str, str]]:
    """Decoded key/value pairs of the query string and a form-encoded body."""
    try:
        pairs = parse_qsl(
            request.query, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS
        )
        if request.body and request.method != "GET":
            text = request.body.decode("utf-8")
            pairs += parse_qsl(
                text, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS
            )
    except (UnicodeDecodeError, ValueError) as exc:
        raise style.malformed_body("not a valid form-encoded UTF-8 body") from exc
    return pairs


def is_query_request(request: Request) -> bool:
    """True when a request to a query-compatible JSON service uses the query protocol."""
    if "x-amz-target" in request.headers:
        return False
    if "x-www-form-urlencoded" in request.headers.get("content-type", ""):
        return True
    return "Action=" in request.query


def build_tree(pairs: list[tuple[str, str]]) -> Node:
    root: Node = {}
    for key, value in pairs:
        node = root
        *parents, last = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {} if child is None else {"": child}
                node[part] = child
            node = child
        existing = node.get(last)
        if isinstance(existing, dict):
            existing[""] = value
        else:
            node[last] = value
    return root


class QueryDecoder:
    """Walks one service's input shapes over a query tree."""

    def __init__(self, model: ServiceModel, style: ValidationStyle) -> None:
        self.model = model
        self.style = style

    def structure(self, shape_name: str, node: Node) -> dict[str, Any]:
        shape = self.model.shape(shape_name)
        out: dict[str, Any] = {}
        for name, ref in shape.get("members", {}).items():
            for wire in self._wire_names(shape_name, name, ref):
                if wire in node:
                    out[name] = self.value(ref["shape"], node[wire], wire)
                    break
        return out

    def _wire_names(self, shape_name: str, name: str, ref: dict[str, Any]) -> list[str]:
        names = []
        legacy = legacy_member_name(self.model.name, shape_name, name)
        if legacy:
            names.append(legacy)
        location_name = ref.get("locationName") or ref.get("queryName")
        if location_name:
            names.append(location_name)
        names.append(name)
        target = self.model.shape(ref["shape"])
        # A flattened list whose member has a locationName is sent under that name.
        if target["type"] == "list" and (target.get("flattened") or ref.get("flattened")):
            member_name = target["member"].get("locationName")
            if member_name:
                names.append(member_name)
        return names

    def value(self, shape_name: str, node: Any, wire: str) -> Any:
        shape = self.model.shape(shape_name)
        kind = shape["type"]
        if kind == "structure":
            if not isinstance(node, dict):
                if node == "":
                    return {}
                raise self.style.wrong_type(wire, node, kind)
            return self.structure(shape_name, node)
        if kind == "list":
            return self._list(shape, node, wire)
        if kind == "map":
            return self._map(shape_name, shape, node, wire)
        if isinstance(node, dict):
            if "" not in node:
                raise self.style.wrong_type(wire, "", kind)
            node = node[""]
        return scalar_from_text(shape, node, wire, self.style)

    def _items(self, node: Any, wrapper_names: tuple[str, ...], wire: str, kind: str) -> list[Any]:
        if not isinstance(node, dict):
            if node == "":
                return []  # botocore sends an empty list as a bare `Name=`
            raise self.style.wrong_type(wire, node, kind)
        for wrapper in wrapper_names:
            inner = node.get(wrapper)
            if isinstance(inner, dict):
                node = inner
                break
        indexed = sorted(
            (int(k), v) for k, v in node.items() if k.isascii() and k.isdigit() and len(k) < 7
        )
        return [v for _, v in indexed]

    def _list(self, shape: Shape, node: Any, wire: str) -> list[Any]:
        member_ref = shape["member"]
        wrappers = (member_ref.get("locationName", "member"), "member")
        return [
            self.value(member_ref["shape"], item, wire)
            for item in self._items(node, wrappers, wire, "list")
        ]

    def _map(self, shape_name: str, shape: Shape, node: Any, wire: str) -> dict[str, Any]:
        key_ref, value_ref = shape["key"], shape["value"]
        key_names = [key_ref.get("locationName", "key")]
        value_names = [value_ref.get("locationName", "value")]
        legacy = legacy_entry_names(self.model.name, shape_name)
        if legacy:
            key_names.insert(0, legacy[0])
            value_names.insert(0, legacy[1])
        out: dict[str, Any] = {}
        for entry in self._items(node, ("entry",), wire, "map"):
            if not isinstance(entry, dict):
                raise self.style.wrong_type(wire, entry, "map")
            key_node = next((entry[k] for k in key_names if k in entry), None)
            value_node = next((entry[k] for k in value_names if k in entry), None)
            if key_node is None or value_node is None:
                continue
            key = self.value(key_ref["shape"], key_node, wire)
            out[key] = self.value(value_ref["shape"], value_node, wire)
        return out


def parse_query_params(
    model: ServiceModel, request: Request, style: ValidationStyle
) -> tuple[str, dict[str, Any]]:
    """(operation, validated params) of a query-protocol request."""
    pairs = form_pairs(request, style)
    tree = build_tree(pairs)
    action = tree.pop("Action", None)
    tree.pop("Version", None)
    if isinstance(action, dict):
        action = action.get("")
    if not action or not model.has_operation(action):
        raise style.unknown_operation(action or "")
    operation = model.operation(action)
    if operation.input_shape is None:
        return action, {}
    decoder = QueryDecoder(model, style)
    params = decoder.structure(operation.input_shape, tree)
    if model.name == "sqs" and "QueueUrl" not in params:
        _queue_url_from_path(request, params)
    checker = get_checker(model, operation.input_shape, decode=False, style=style)
    return action, run_checker(checker, params, style)


def _queue_url_from_path(request: Request, params: dict[str, Any]) -> None:
    # Legacy SQS clients POST to the queue URL itself and leave QueueUrl out of the form.
    if _SQS_QUEUE_PATH.match(request.path):
        scheme = request.headers.get("x-forwarded-proto", "http")
        host = request.host or request.headers.get("host", "localhost")
        params["QueueUrl"] = f"{scheme}://{host}{request.path.rstrip('/')}"
