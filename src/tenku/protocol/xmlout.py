"""Write result dicts as XML elements for the query and rest-xml protocols.

Owns: escaping (including characters XML 1.0 forbids, which become U+FFFD, and CR,
which is sent as `&#xD;` so parsers do not fold it into LF), and the shape walk:
member names from locationName or the legacy SQS table, wrapped or flattened lists
and maps, xmlAttribute members, ISO 8601 timestamps, base64 blobs.
Must not: choose envelopes, status codes or headers (serializers.py does).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from functools import cache
from typing import Any

from tenku.protocol.legacy_query import legacy_entry_names, legacy_member_name
from tenku.protocol.models import ServiceModel, Shape
from tenku.protocol.timefmt import format_timestamp

# Characters XML 1.0 forbids, as a small positive class: a negated class spanning all
# of Unicode costs ~20 ms to compile, which the startup budget cannot afford.
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    # Compiled on first use: 2 ms that a JSON-only process never needs to pay.
    return re.compile(f'[&<>\r"{_FORBIDDEN}]'), re.compile(f"[{_FORBIDDEN}]")


def escape(text: str) -> str:
    """Text safe inside an element or a double-quoted attribute."""
    needs_escape, invalid = _patterns()
    if needs_escape.search(text) is None:
        return text
    text = invalid.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#xD;")
    )


def scalar_text(shape: Shape, ref: dict[str, Any], value: Any) -> str:
    kind = shape["type"]
    if kind == "timestamp":
        fmt = ref.get("timestampFormat") or shape.get("timestampFormat") or "iso8601"
        return str(format_timestamp(value, fmt))
    if kind == "blob":
        if isinstance(value, str):
            value = value.encode("utf-8")
        return base64.b64encode(value).decode("ascii")
    if kind == "boolean" or isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(format_timestamp(value, "iso8601"))
    if isinstance(value, float) and value.is_integer() and kind in ("integer", "long"):
        return str(int(value))
    return escape(str(value))


class XmlWriter:
    """Appends XML text for one service's shapes to a list of parts."""

    def __init__(self, model: ServiceModel, *, legacy: bool) -> None:
        self.model = model
        self.service = model.name if legacy else ""

    def members(self, shape_name: str, value: dict[str, Any], out: list[str]) -> None:
        """The child elements of a structure value (without its own element)."""
        shape = self.model.shape(shape_name)
        for name, ref in shape.get("members", {}).items():
            item = value.get(name)
            if item is None or ref.get("location") or ref.get("xmlAttribute"):
                continue
            target_name = ref["shape"]
            target = self.model.shape(target_name)
            wire = (
                legacy_member_name(self.service, shape_name, name)
                or ref.get("locationName")
                or name
            )
            kind = target["type"]
            flattened = bool(target.get("flattened") or ref.get("flattened"))
            if kind == "list" and flattened:
                if legacy_member_name(self.service, shape_name, name) is None:
                    wire = target["member"].get("locationName") or wire
                for element in item:
                    self.element(wire, target["member"]["shape"], target["member"], element, out)
            elif kind == "map" and flattened:
                for key, element in item.items():
                    if element is None:
                        continue
                    out.append(f"<{wire}>")
                    self._entry(target_name, target, key, element, out)
                    out.append(f"</{wire}>")
            else:
                self.element(wire, target_name, ref, item, out)

    def element(
        self, wire: str, shape_name: str, ref: dict[str, Any], value: Any, out: list[str]
    ) -> None:
        shape = self.model.shape(shape_name)
        kind = shape["type"]
        if kind == "structure":
            out.append(f"<{wire}{self._attributes(shape, value)}>")
            self.members(shape_name, value, out)
            out.append(f"</{wire}>")
        elif kind == "list":
            item_ref = shape["member"]
            item_name = item_ref.get("locationName", "member")
            out.append(f"<{wire}>")
            for element in value:
                self.element(item_name, item_ref["shape"], item_ref, element, out)
            out.append(f"</{wire}>")
        elif kind == "map":
            out.append(f"<{wire}>")
            for key, element in value.items():
                if element is None:
                    continue
                out.append("<entry>")
                self._entry(shape_name, shape, key, element, out)
                out.append("</entry>")
            out.append(f"</{wire}>")
        else:
            out.append(f"<{wire}>{scalar_text(shape, ref, value)}</{wire}>")

    def _entry(self, shape_name: str, shape: Shape, key: Any, value: Any, out: list[str]) -> None:
        key_ref, value_ref = shape["key"], shape["value"]
        legacy = legacy_entry_names(self.service, shape_name) if self.service else None
        key_name = legacy[0] if legacy else key_ref.get("locationName", "key")
        value_name = legacy[1] if legacy else value_ref.get("locationName", "value")
        self.element(key_name, key_ref["shape"], key_ref, key, out)
        self.element(value_name, value_ref["shape"], value_ref, value, out)

    def _attributes(self, shape: Shape, value: Any) -> str:
        attrs = []
        for name, ref in shape.get("members", {}).items():
            if ref.get("xmlAttribute") and value.get(name) is not None:
                wire = ref.get("locationName", name)
                target = self.model.shape(ref["shape"])
                if ":" in wire and wire.startswith("xsi:"):
                    attrs.append(' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
                attrs.append(f' {wire}="{scalar_text(target, ref, value[name])}"')
        return "".join(attrs)
