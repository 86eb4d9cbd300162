"""Scalar values that arrive as text: query params, headers, URI labels, XML elements.

Owns: converting one text value to the Python type its shape models (int, float, bool,
bytes, float epoch seconds, str), raising the service's validation style error when it
cannot be converted. Must not: walk containers or know where the text came from.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from tenku.protocol.models import Shape
from tenku.protocol.styles import ValidationStyle
from tenku.protocol.timefmt import parse_timestamp

_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def scalar_from_text(
    shape: Shape, text: str, name: str, style: ValidationStyle, *, blob_is_base64: bool = True
) -> Any:
    """`text` converted to the type of scalar `shape`; `name` is used in errors."""
    kind = shape["type"]
    if kind == "string":
        return text
    try:
        if kind in _INT_BOUNDS:
            value = int(text.strip())
            low, high = _INT_BOUNDS[kind]
            if not low <= value <= high:
                raise ValueError("out of range")
            return value
        if kind in ("float", "double"):
            number = float(text)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError("not finite")
            return number
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError("not a boolean")
            return lowered == "true"
        if kind == "blob":
            if not blob_is_base64:
                return text.encode("utf-8")
            return base64.b64decode(text, validate=True)
        if kind == "timestamp":
            return parse_timestamp(text)
    except (ValueError, OverflowError, binascii.Error) as exc:
        raise style.wrong_type(name, text, kind) from exc
    # Structures, lists and maps given as a bare value: a wrong type, never a crash.
    raise style.wrong_type(name, text, kind)


def json_header_value(text: str, name: str, style: ValidationStyle) -> Any:
    """A `jsonvalue` header: base64 of a JSON document."""
    try:
        return json.loads(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise style.wrong_type(name, text, "string") from exc
