"""Projection: which attributes (and nested paths) of an item a read returns, for
ProjectionExpression, AttributesToGet and the UPDATED_OLD/UPDATED_NEW return values."""

from __future__ import annotations

import copy
from typing import Any

from .ast import AttributeValue, Item, Path
from .evaluate import get_path


class Projection:
    """An ordered list of document paths to keep."""

    def __init__(self, paths: list[Path], expression: str = "") -> None:
        self.paths = paths
        self.expression = expression

    @property
    def top_level_names(self) -> list[str]:
        """The distinct top-level attributes the projection reads (e.g. for indexes)."""
        return list(dict.fromkeys(p.top for p in self.paths))

    def apply(self, item: Item | None) -> Item:
        """The projected copy of `item`: nested map paths keep their enclosing maps, list
        indexes keep the selected elements in list order (a[1] of a list -> [a[1]])."""
        return project(item, self.paths)

    def __repr__(self) -> str:
        return f"Projection({self.expression!r})"


def project(item: Item | None, paths: list[Path]) -> Item:
    """Keep only `paths` of `item` (missing paths are left out)."""
    tree: dict[Any, Any] = {}
    for path in paths:
        value = get_path(item, path)
        if value is None:
            continue
        node = tree
        for element, following in zip(path.elements, path.elements[1:], strict=False):
            kind = "L" if isinstance(following, int) else "M"
            child = node.setdefault(element, {"kind": kind, "children": {}})
            if "value" in child:  # a shorter path already took the whole value
                break
            node = child["children"]
        else:
            node[path.elements[-1]] = {"value": value}
    return {name: _build(entry) for name, entry in tree.items()}


def _build(entry: dict[str, Any]) -> AttributeValue:
    if "value" in entry:
        return copy.deepcopy(entry["value"])
    children = entry["children"]
    if entry["kind"] == "L":
        return {"L": [_build(children[i]) for i in sorted(children)]}
    return {"M": {name: _build(child) for name, child in children.items()}}
