"""The patch operations every API Gateway `Update*` call takes, applied to a document.

Owns: reading `PatchOperation`s (`op`, a JSON-pointer `path` where `~1` is `/` and `~0`
is `~`, a string `value`), matching each path against the table of paths a resource
allows (`Rule`s), typing the string value, and applying add/remove/replace to a copy of
the document, so that a refused operation leaves nothing half-changed.
Must not: know any resource's own rules beyond the table it is given; callers validate
the patched document as they would a new one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from tenku.services.apigateway.errors import (
    bad_request,
    invalid_patch_path,
    unsupported_patch_op,
)

Keys = tuple[str, ...]

FIELD = "field"  # the path names one member: add/replace set it, remove deletes it
MAP = "map"  # the last segment is a key of a map member (`/variables/stage`)
SET = "set"  # the last segment is an item of a list of strings (`/binaryMediaTypes/x`)


class Rule(NamedTuple):
    """One patchable path. `template` segments: `*` is any one segment, a leading `**`
    any number (at least one). `target` maps the path's unescaped segments to the keys
    of the document to change (default: the segments themselves)."""

    template: str
    ops: frozenset[str]
    kind: str = "string"  # type of the value: string, boolean, integer, number
    container: str = FIELD
    target: Callable[[Keys], Keys] | None = None

    @property
    def pattern(self) -> Keys:
        return tuple(self.template.strip("/").split("/"))


def rule(
    template: str,
    ops: str = "replace",
    kind: str = "string",
    container: str = FIELD,
    target: Callable[[Keys], Keys] | None = None,
) -> Rule:
    """A `Rule`; `ops` is a space-separated list such as "add remove replace"."""
    return Rule(template, frozenset(ops.split()), kind, container, target)


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def split_path(path: str) -> Keys:
    """The unescaped segments of a patch path (`/a/b~1c` -> ("a", "b/c"))."""
    return tuple(unescape(part) for part in path[1:].split("/"))


def _matches(pattern: Keys, raw: Keys) -> bool:
    if pattern and pattern[0] == "**":
        tail = pattern[1:]
        return len(raw) > len(tail) and _matches(tail, raw[len(raw) - len(tail) :])
    if len(pattern) != len(raw):
        return False
    return all(p == "*" or p == r for p, r in zip(pattern, raw, strict=True))


def find_rule(rules: Sequence[Rule], op: str, path: str) -> Rule:
    """The rule that lets `op` change `path`; AWS's BadRequest otherwise."""
    raw = tuple(path[1:].split("/")) if path.startswith("/") else ()
    matched = [r for r in rules if raw and _matches(r.pattern, raw)]
    if not matched:
        allowed = [r.template for r in rules if op in r.ops]
        raise invalid_patch_path(path, op, allowed)
    for candidate in matched:
        if op in candidate.ops:
            return candidate
    raise unsupported_patch_op(path, op)


def typed(kind: str, value: Any, op: str) -> Any:
    """The patch's string value as the member's type."""
    if value is None:
        return None
    text = str(value)
    if kind == "boolean":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise bad_request(
            f"Invalid patch value  '{text}' specified for op '{op}'. Must be a boolean"
        )
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise bad_request(
                f"Invalid patch value  '{text}' specified for op '{op}'. Must be an integer"
            ) from None
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            raise bad_request(
                f"Invalid patch value  '{text}' specified for op '{op}'. Must be a number"
            )
        return number
    return text


def _parent(doc: dict[str, Any], keys: Keys, create: bool) -> dict[str, Any] | None:
    node = doc
    for key in keys:
        child = node.get(key)
        if not isinstance(child, dict):
            if not create:
                return None
            child = node[key] = {}
        node = child
    return node


def _apply_one(doc: dict[str, Any], op: str, found: Rule, keys: Keys, value: Any) -> None:
    if found.container == SET:
        parent = _parent(doc, keys[:-2], create=op != "remove")
        if parent is None:
            return
        items: list[str] = parent.setdefault(keys[-2], [])
        item = keys[-1]
        if item in items:
            items.remove(item)
        if op == "add":
            items.append(item)
        elif op == "replace":
            if value is None or value == "":
                raise bad_request(f"Invalid patch value for op '{op}' at path '/{'/'.join(keys)}'")
            if value not in items:
                items.append(str(value))
        if not items:
            del parent[keys[-2]]
        return
    parent = _parent(doc, keys[:-1], create=op != "remove")
    if parent is None:
        return
    if op == "remove":
        parent.pop(keys[-1], None)
        return
    converted = typed(found.kind, value, op)
    if converted is None or (converted == "" and found.kind != "string"):
        if found.container == MAP and found.kind == "string":
            parent[keys[-1]] = ""
        else:
            parent.pop(keys[-1], None)
        return
    parent[keys[-1]] = converted


def apply_patch(
    doc: dict[str, Any], operations: Sequence[dict[str, Any]] | None, rules: Sequence[Rule]
) -> dict[str, Any]:
    """A patched deep copy of `doc`; `doc` itself is never changed."""
    result = copy.deepcopy(doc)
    for operation in operations or ():
        op = str(operation.get("op") or "")
        path = str(operation.get("path") or "")
        found = find_rule(rules, op, path)
        segments = split_path(path)
        keys = found.target(segments) if found.target else segments
        _apply_one(result, op, found, keys, operation.get("value"))
    return result


def touched(operations: Sequence[dict[str, Any]] | None, prefix: str) -> bool:
    """Whether any operation's path is `prefix` or lies below it."""
    return any(
        str(o.get("path") or "") == prefix or str(o.get("path") or "").startswith(prefix + "/")
        for o in operations or ()
    )
