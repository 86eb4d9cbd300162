"""Read XML request documents (rest-xml bodies) into typed params by walking a shape.

Owns: parsing an XML body safely (expat via ElementTree, which refuses entity-expansion
bombs) and mapping elements to members by locationName, flattened lists and maps,
xmlAttribute members, ignoring namespaces. Must not: write XML or read other locations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tenku.core.errors import ServiceError
from tenku.protocol.models import ServiceModel
from tenku.protocol.styles import ValidationStyle
from tenku.protocol.textvalues import scalar_from_text

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MALFORMED_XML = (
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
)


def parse_xml(body: bytes) -> Element:
    """The root element of `body`; S3's MalformedXML error when it is not XML."""
    from xml.etree import ElementTree  # imported on first XML body: JSON-only runs skip it

    try:
        return ElementTree.fromstring(body)
    except (ElementTree.ParseError, ValueError, RecursionError) as exc:
        raise ServiceError(*MALFORMED_XML, 400) from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class XmlDecoder:
    """Typed values of one service's shapes from ElementTree elements."""

    def __init__(self, model: ServiceModel, style: ValidationStyle) -> None:
        self.model = model
        self.style = style

    def structure(self, shape_name: str, elem: Element) -> dict[str, Any]:
        shape = self.model.shape(shape_name)
        children: dict[str, list[Element]] = {}
        for child in elem:
            children.setdefault(_local(child.tag), []).append(child)
        attributes = {_local(k): v for k, v in elem.attrib.items()}
        out: dict[str, Any] = {}
        for name, ref in shape.get("members", {}).items():
            if ref.get("location"):
                continue
            wire = ref.get("locationName", name)
            target = self.model.shape(ref["shape"])
            if ref.get("xmlAttribute"):
                attr = attributes.get(_local(wire))
                if attr is not None:
                    out[name] = scalar_from_text(target, attr, wire, self.style)
                continue
            flattened = bool(target.get("flattened") or ref.get("flattened"))
            if flattened and target["type"] in ("list", "map"):
                found = children.get(wire)
                if found:
                    out[name] = self._flat(ref["shape"], found, wire)
                continue
            found = children.get(wire)
            if found:
                out[name] = self.value(ref["shape"], found[0], wire)
        return out

    def value(self, shape_name: str, elem: Element, wire: str) -> Any:
        shape = self.model.shape(shape_name)
        kind = shape["type"]
        if kind == "structure":
            return self.structure(shape_name, elem)
        if kind == "list":
            item_ref = shape["member"]
            item_name = item_ref.get("locationName", "member")
            return [
                self.value(item_ref["shape"], child, wire)
                for child in elem
                if _local(child.tag) == item_name
            ]
        if kind == "map":
            return self._entries(shape_name, [c for c in elem if _local(c.tag) == "entry"], wire)
        return scalar_from_text(shape, elem.text or "", wire, self.style)

    def _flat(self, shape_name: str, elems: list[Element], wire: str) -> Any:
        shape = self.model.shape(shape_name)
        if shape["type"] == "map":
            return self._entries(shape_name, elems, wire)
        return [self.value(shape["member"]["shape"], e, wire) for e in elems]

    def _entries(self, shape_name: str, entries: list[Element], wire: str) -> dict[str, Any]:
        shape = self.model.shape(shape_name)
        key_ref, value_ref = shape["key"], shape["value"]
        key_name = key_ref.get("locationName", "key")
        value_name = value_ref.get("locationName", "value")
        out: dict[str, Any] = {}
        for entry in entries:
            key_elem = value_elem = None
            for child in entry:
                tag = _local(child.tag)
                if tag == key_name:
                    key_elem = child
                elif tag == value_name:
                    value_elem = child
            if key_elem is not None and value_elem is not None:
                key = self.value(key_ref["shape"], key_elem, wire)
                out[key] = self.value(value_ref["shape"], value_elem, wire)
        return out
