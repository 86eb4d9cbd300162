"""Key conditions (KeyConditionExpression and legacy KeyConditions): the partition-key
equality plus at most one sort-key condition, validated against the key schema and
exposed so that a provider can turn it into a range scan."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenku.services.dynamodb import values as _values
from tenku.services.dynamodb.errors import validation

from .ast import (
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
    Or,
    Path,
    Value,
)
from .evaluate import begins_with, spine

RANGE_OPERATORS = ("=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH")
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_PREFIX = "Invalid condition in KeyConditionExpression: "


@dataclass
class KeyCondition:
    """`hash_key = hash_value` and optionally `range_key <range_op> range_values`.

    range_op is one of "=", "<", "<=", ">", ">=", "BETWEEN" (two values) and
    "BEGINS_WITH" (one value), always with the key attribute on the left."""

    hash_key: str
    hash_value: AttributeValue
    range_key: str | None = None
    range_op: str | None = None
    range_values: tuple[AttributeValue, ...] = field(default_factory=tuple)

    def matches_range(self, value: AttributeValue | None) -> bool:
        """Whether a sort-key value satisfies the sort-key condition (if any)."""
        if self.range_op is None:
            return True
        if value is None:
            return False
        if self.range_op == "BEGINS_WITH":
            return begins_with(value, self.range_values[0])
        if self.range_op == "BETWEEN":
            low = _values.compare(value, self.range_values[0])
            high = _values.compare(value, self.range_values[1])
            return low is not None and high is not None and low >= 0 and high <= 0
        order = _values.compare(value, self.range_values[0])
        if order is None:
            return False
        return {
            "=": order == 0,
            "<": order < 0,
            "<=": order <= 0,
            ">": order > 0,
            ">=": order >= 0,
        }[self.range_op]

    def matches(self, item: Item) -> bool:
        """Whether `item` is selected by the key condition."""
        hash_value = item.get(self.hash_key)
        if hash_value is None or not _values.equals(hash_value, self.hash_value):
            return False
        return self.matches_range(item.get(self.range_key) if self.range_key else None)


def _invalid_operator(node: Cond) -> str | None:
    if isinstance(node, And):
        for term in spine(node, And):
            found = _invalid_operator(term)
            if found is not None:
                return found
        return None
    if isinstance(node, Or):
        return "OR"
    if isinstance(node, Not):
        return "NOT"
    if isinstance(node, In):
        return "IN"
    if isinstance(node, Compare) and node.op == "<>":
        return "<>"
    if isinstance(node, Function) and node.name != "begins_with":
        return node.name
    return None


def _flatten(node: Cond) -> list[Cond]:
    terms: list[Cond] = []
    for term in spine(node, And):
        terms.extend(_flatten(term) if isinstance(term, And) else [term])
    return terms


def _single(node: Cond) -> tuple[str, str, tuple[AttributeValue, ...]]:
    """(attribute, operator, values) of one key condition, key attribute first."""
    if isinstance(node, Between):
        operands = [node.operand, node.low, node.high]
        operator = "BETWEEN"
    elif isinstance(node, Function):
        operands = list(node.args)
        operator = "begins_with"
    else:
        assert isinstance(node, Compare)
        operands = [node.left, node.right]
        operator = node.op
    if operator in ("BETWEEN", "begins_with") and not isinstance(operands[0], Path):
        raise validation(
            f"{_PREFIX}{operator} operator must have the key attribute as its first operand"
        )
    attribute: str | None = None
    position = 0
    for index, operand in enumerate(operands):
        if isinstance(operand, Call):
            raise validation("KeyConditionExpressions cannot contain nested operations")
        if isinstance(operand, Path):
            if attribute is not None:
                raise validation(f"{_PREFIX}Multiple attribute names used in one condition")
            if len(operand.elements) > 1:
                raise validation(
                    "KeyConditionExpressions cannot have conditions on nested attributes"
                )
            attribute, position = operand.top, index
    if attribute is None:
        raise validation(f"{_PREFIX}No key attribute specified")
    found = []
    for i, operand in enumerate(operands):
        if i != position:
            assert isinstance(operand, Value) and operand.value is not None
            found.append(operand.value)
    if operator in _FLIPPED and position == 1:
        operator = _FLIPPED[operator]
    return attribute, operator.upper(), tuple(found)


def build_key_condition(
    conditions: list[tuple[str, str, tuple[AttributeValue, ...]]],
    hash_key: str,
    range_key: str | None,
) -> KeyCondition:
    """Check (attribute, operator, values) triples against the key schema."""
    names = [c[0] for c in conditions]
    if len(set(names)) != len(names):
        raise validation("KeyConditionExpressions must only contain one condition per key")
    if not 1 <= len(conditions) <= 2:
        raise validation("Conditions can be of length 1 or 2 only")
    by_name = {c[0]: c for c in conditions}
    if hash_key not in by_name:
        raise validation(f"Query condition missed key schema element: {hash_key}")
    _, hash_op, hash_values = by_name.pop(hash_key)
    if hash_op != "=":
        raise validation("Query key condition not supported")
    key = KeyCondition(hash_key, hash_values[0], range_key)
    for name, operator, operands in by_name.values():
        if name != range_key:
            raise validation(f"Query condition missed key schema element: {range_key or hash_key}")
        if operator not in RANGE_OPERATORS:
            raise validation("Query key condition not supported")
        key.range_op, key.range_values = operator, operands
    return key


def key_condition_from_tree(node: Cond, hash_key: str, range_key: str | None) -> KeyCondition:
    """Validate a parsed KeyConditionExpression the way DynamoDB does."""
    invalid = _invalid_operator(node)
    if invalid is not None:
        raise validation(f"Invalid operator used in KeyConditionExpression: {invalid}")
    return build_key_condition([_single(c) for c in _flatten(node)], hash_key, range_key)
