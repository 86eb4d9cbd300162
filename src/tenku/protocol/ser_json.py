"""Encode result dicts as JSON documents for the json and rest-json protocols.

Owns: per-shape compiled encoders that turn blobs into base64, timestamps into epoch
seconds (or the shape's `timestampFormat`), rename members that have a JSON
`locationName`, and drop `None`. Shapes with none of those needs below the top level
skip the walk entirely: only the top-level dict is filtered.
Must not: add headers, choose status codes or know any service.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tenku.protocol.models import ServiceModel, Shape
from tenku.protocol.timefmt import format_timestamp

Encode = Callable[[Any], Any]


def json_default(value: Any) -> Any:
    """Fallback for stray values in un-walked documents (datetimes, bytes)."""
    if isinstance(value, datetime):
        return format_timestamp(value, "unixTimestamp")
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# ASCII escapes keep lone surrogates (legal in JSON input) from breaking UTF-8 output.
_dumps = json.JSONEncoder(separators=(",", ":"), default=json_default).encode


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return _dumps(document).encode("utf-8")


def _identity(value: Any) -> Any:
    return value


def _blob(value: Any) -> Any:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return base64.b64encode(value).decode("ascii")


def body_encoder(model: ServiceModel, shape_name: str, skip: frozenset[str]) -> Encode:
    """An encoder of the JSON body of structure `shape_name`, leaving out `skip` members."""
    key = ("json-body", shape_name, skip)
    encoder: Encode | None = model.plans.get(key)
    if encoder is None:
        compiler = _Compiler(model)
        encoder = compiler.structure(model.shape(shape_name), skip, top=True)
        model.plans[key] = encoder
    return encoder


class _Compiler:
    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.done: dict[str, Encode] = {}
        self.walks: dict[str, bool] = {}

    def needs_walk(self, shape_name: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether values of this shape differ between the result dict and the JSON."""
        cached = self.walks.get(shape_name)
        if cached is not None:
            return cached
        if shape_name in seen:
            return False
        seen = seen | {shape_name}
        shape = self.model.shape(shape_name)
        kind = shape["type"]
        if kind in ("blob", "timestamp", "structure"):
            result = True  # structures nested in a result may carry None or extra keys
        elif kind == "list":
            result = self.needs_walk(shape["member"]["shape"], seen)
        elif kind == "map":
            result = self.needs_walk(shape["value"]["shape"], seen)
        else:
            result = False
        self.walks[shape_name] = result
        return result

    def encoder(self, shape_name: str, ref: dict[str, Any]) -> Encode:
        fmt = ref.get("timestampFormat")
        if fmt is None:
            cached = self.done.get(shape_name)
            if cached is not None:
                return cached
        shape = self.model.shape(shape_name)
        kind = shape["type"]
        if kind == "timestamp":
            stamp_format = fmt or shape.get("timestampFormat", "unixTimestamp")
            return lambda value: format_timestamp(value, stamp_format)
        if kind == "blob":
            return _blob
        if not self.needs_walk(shape_name) or shape.get("document"):
            return _identity
        table = self.done
        # Placeholder first, so recursive shapes resolve through the table at call time.
        table[shape_name] = lambda value: table[shape_name](value)
        built: Encode
        if kind == "structure":
            built = self.structure(shape, frozenset(), top=False)
        elif kind == "list":
            item = self.encoder(shape["member"]["shape"], shape["member"])
            built = lambda value: [item(v) for v in value]  # noqa: E731
        else:
            item = self.encoder(shape["value"]["shape"], shape["value"])
            built = lambda value: {k: item(v) for k, v in value.items() if v is not None}  # noqa: E731
        table[shape_name] = built
        return built

    def structure(self, shape: Shape, skip: frozenset[str], *, top: bool) -> Encode:
        members: list[tuple[str, str, Encode | None]] = []
        for name, ref in shape.get("members", {}).items():
            if name in skip or ref.get("location"):
                continue
            target = ref["shape"]
            wire = ref.get("locationName", name)
            walk = (
                self.needs_walk(target)
                or ref.get("timestampFormat") is not None
                or self.model.shape(target).get("type") in ("blob", "timestamp")
            )
            members.append((name, wire, self.encoder(target, ref) if walk else None))
        if top and all(enc is None and name == wire for name, wire, enc in members):
            names = frozenset(name for name, _, _ in members)
            # Hot path: a flat result only needs None and unknown keys dropped.
            return lambda value: {k: v for k, v in value.items() if v is not None and k in names}
        plan = tuple(members)
        by_name = {name: (wire, enc) for name, wire, enc in members}
        many = len(plan)

        def encode_structure(value: Any) -> Any:
            out: dict[str, Any] = {}
            if len(value) * 2 < many:
                # Sparse (a union such as DynamoDB's AttributeValue has one member of ten):
                # walk what the value holds rather than every member of the shape.
                for name, item in value.items():
                    known = by_name.get(name)
                    if known is not None and item is not None:
                        wire, enc = known
                        out[wire] = enc(item) if enc is not None else item
                return out
            for name, wire, enc in plan:
                item = value.get(name)
                if item is not None:
                    out[wire] = enc(item) if enc is not None else item
            return out

        return encode_structure
