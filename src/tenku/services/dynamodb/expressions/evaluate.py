"""Evaluation against an item: reading document paths, resolving operands (size()),
and deciding condition and filter expressions the way DynamoDB does (a missing
attribute or a type mismatch makes a comparison false, never an error)."""

from __future__ import annotations

import base64
from typing import Any

from tenku.services.dynamodb import values as _values

from .ast import (
    Always,
    And,
    AttributeValue,
    Between,
    Call,
    Compare,
    Cond,
    Function,
    In,
    Item,
    Not,
    Operand,
    Or,
    Path,
    Value,
)


def get_path(item: Item | None, path: Path) -> AttributeValue | None:
    """The value at `path` in `item`, or None when any step is missing or mistyped."""
    if not item:
        return None
    current: AttributeValue | None = item.get(path.top)
    for element in path.elements[1:]:
        if current is None:
            return None
        if isinstance(element, int):
            items = current.get("L")
            if not isinstance(items, list) or element >= len(items):
                return None
            current = items[element]
        else:
            members = current.get("M")
            if not isinstance(members, dict):
                return None
            current = members.get(element)
    return current


def as_bytes(data: Any) -> bytes:
    """A binary value's bytes, whether held as bytes or as base64 text."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    return base64.b64decode(str(data))


def size_of(value: AttributeValue | None) -> AttributeValue | None:
    """size(): length of a string or binary, element count of a set, list or map."""
    if value is None:
        return None
    type_name = _values.type_of(value)
    inner = value[type_name]
    if type_name == "S":
        return {"N": str(len(inner))}
    if type_name == "B":
        return {"N": str(len(as_bytes(inner)))}
    if type_name in ("SS", "NS", "BS", "L", "M"):
        return {"N": str(len(inner))}
    return None


def resolve(operand: Operand, item: Item | None) -> AttributeValue | None:
    """The value of a condition operand against `item` (None if it has none)."""
    if isinstance(operand, Path):
        return get_path(item, operand)
    if isinstance(operand, Value):
        return operand.value
    if isinstance(operand, Call) and operand.name == "size":
        return size_of(resolve(operand.args[0], item))
    return None


def _compare(op: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    if op == "<>":
        if left is None or right is None:
            return left is not right
        return not _values.equals(left, right)
    if left is None or right is None:
        return False
    if op == "=":
        return _values.equals(left, right)
    order = _values.compare(left, right)
    if order is None:
        return False
    if op == "<":
        return order < 0
    if op == "<=":
        return order <= 0
    if op == ">":
        return order > 0
    return order >= 0


def _set_member(container: AttributeValue, element: AttributeValue) -> bool:
    set_type = _values.type_of(container)
    element_type = _values.type_of(element)
    if set_type != element_type + "S":
        return False
    return any(_values.equals({element_type: e}, element) for e in container[set_type])


def contains(container: AttributeValue | None, operand: AttributeValue | None) -> bool:
    """contains(): substring of a string, byte run of a binary, member of a set or list."""
    if container is None or operand is None:
        return False
    container_type = _values.type_of(container)
    operand_type = _values.type_of(operand)
    if container_type == "S":
        return operand_type == "S" and operand["S"] in container["S"]
    if container_type == "B":
        return operand_type == "B" and as_bytes(operand["B"]) in as_bytes(container["B"])
    if container_type in ("SS", "NS", "BS"):
        return _set_member(container, operand)
    if container_type == "L":
        return any(_values.equals(e, operand) for e in container["L"])
    return False


def begins_with(value: AttributeValue | None, prefix: AttributeValue | None) -> bool:
    if value is None or prefix is None:
        return False
    value_type, prefix_type = _values.type_of(value), _values.type_of(prefix)
    if value_type != prefix_type:
        return False
    if value_type == "S":
        return bool(value["S"].startswith(prefix["S"]))
    if value_type == "B":
        return as_bytes(value["B"]).startswith(as_bytes(prefix["B"]))
    return False


def _function(node: Function, item: Item | None) -> bool:
    name = node.name
    args = [resolve(arg, item) for arg in node.args]
    if name == "attribute_exists":
        return args[0] is not None
    if name == "attribute_not_exists":
        return args[0] is None
    if name == "attribute_type":
        return (
            args[0] is not None
            and args[1] is not None
            and _values.type_of(args[0]) == args[1].get("S")
        )
    if name == "begins_with":
        return begins_with(args[0], args[1])
    if name == "contains":
        return contains(args[0], args[1])
    if name == "legacy_not_contains":
        return args[0] is not None and not contains(args[0], args[1])
    raise AssertionError(f"unknown condition function {name}")


def spine(node: Cond, kind: type[And] | type[Or]) -> list[Cond]:
    """The terms of a chain of one operator (`a AND b AND c`), left to right, walked
    without recursion along the left-deep spine the parser builds."""
    terms: list[Cond] = []
    while isinstance(node, kind):
        terms.append(node.right)
        node = node.left
    terms.append(node)
    terms.reverse()
    return terms


def evaluate(node: Cond, item: Item | None) -> bool:
    """Whether `item` (None = no item, i.e. empty) satisfies the condition."""
    if isinstance(node, And):
        return all(evaluate(term, item) for term in spine(node, And))
    if isinstance(node, Or):
        return any(evaluate(term, item) for term in spine(node, Or))
    if isinstance(node, Not):
        return not evaluate(node.operand, item)
    if isinstance(node, Compare):
        return _compare(node.op, resolve(node.left, item), resolve(node.right, item))
    if isinstance(node, Between):
        value = resolve(node.operand, item)
        low, high = resolve(node.low, item), resolve(node.high, item)
        if value is None or low is None or high is None:
            return False
        above = _values.compare(value, low)
        below = _values.compare(value, high)
        return above is not None and below is not None and above >= 0 and below <= 0
    if isinstance(node, In):
        value = resolve(node.operand, item)
        if value is None:
            return False
        return any(
            (option := resolve(o, item)) is not None and _values.equals(value, option)
            for o in node.options
        )
    if isinstance(node, Function):
        return _function(node, item)
    if isinstance(node, Always):
        return True
    raise AssertionError(f"unknown condition node {node!r}")


class Condition:
    """A parsed condition or filter expression."""

    def __init__(self, node: Cond, expression: str = "") -> None:
        self.node = node
        self.expression = expression

    def evaluate(self, item: Item | None) -> bool:
        """Whether `item` satisfies the condition; a missing item counts as empty."""
        return evaluate(self.node, item)

    def __repr__(self) -> str:
        return f"Condition({self.expression!r})"
