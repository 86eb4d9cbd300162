"""The parsed PartiQL statements (SELECT, INSERT, UPDATE, DELETE) and what execution
needs from their WHERE clauses: the key equalities a write must pin, the partition
values and sort-key range a SELECT can turn into a Query.

Conditions are the expression engine's own syntax tree, with every literal and `?`
parameter already bound to an attribute value, so they evaluate like any condition.
Must not: touch storage or build responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenku.services.dynamodb import values
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.expressions.ast import (
    And,
    AttributeValue,
    Between,
    Compare,
    Cond,
    Function,
    In,
    Item,
    Or,
    Path,
    Value,
)
from tenku.services.dynamodb.expressions.evaluate import spine
from tenku.services.dynamodb.expressions.keycondition import KeyCondition
from tenku.services.dynamodb.expressions.rules import UpdateAction

INCOMPLETE_KEY = "Where clause does not contain a mandatory equality on all key attributes"
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass
class Select:
    table: str
    index: str | None
    projection: list[Path] | None  # None: *
    where: Cond | None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (key, descending)

    kind = "select"


@dataclass
class Insert:
    table: str
    item: Item

    kind = "insert"


@dataclass
class Update:
    table: str
    actions: list[UpdateAction]
    where: Cond | None
    returning: str | None  # "ALL OLD", "ALL NEW", "MODIFIED OLD", "MODIFIED NEW"

    kind = "update"


@dataclass
class Delete:
    table: str
    where: Cond | None
    returning: str | None

    kind = "delete"


Statement = Select | Insert | Update | Delete


def conjuncts(where: Cond | None) -> list[Cond]:
    """The terms of the WHERE clause's top-level AND chain."""
    return [] if where is None else spine(where, And)


def all_of(terms: list[Cond]) -> Cond | None:
    if not terms:
        return None
    node = terms[0]
    for term in terms[1:]:
        node = And(node, term)
    return node


def _equality(term: Cond) -> tuple[str, AttributeValue] | None:
    """`name = value` (either way round) on a top-level attribute, else None."""
    if not isinstance(term, Compare) or term.op != "=":
        return None
    left, right = term.left, term.right
    if isinstance(right, Path) and isinstance(left, Value):
        left, right = right, left
    if (
        isinstance(left, Path)
        and len(left.elements) == 1
        and isinstance(right, Value)
        and right.value is not None
    ):
        return left.top, right.value
    return None


def split_key(where: Cond | None, key_names: list[str]) -> tuple[Item, Cond | None]:
    """A write's WHERE: (the equality for every key attribute, the rest as a condition).
    A missing key equality is DynamoDB's ValidationException."""
    key: Item = {}
    rest: list[Cond] = []
    for term in conjuncts(where):
        found = _equality(term)
        if found is not None and found[0] in key_names and found[0] not in key:
            key[found[0]] = found[1]
        else:
            rest.append(term)
    if len(key) != len(key_names):
        raise validation(INCOMPLETE_KEY)
    return key, all_of(rest)


def _partition_values(term: Cond, hash_key: str) -> list[AttributeValue] | None:
    found = _equality(term)
    if found is not None:
        return [found[1]] if found[0] == hash_key else None
    if (
        isinstance(term, In)
        and isinstance(term.operand, Path)
        and term.operand.elements == (hash_key,)
        and all(isinstance(o, Value) and o.value is not None for o in term.options)
    ):
        return [o.value for o in term.options if isinstance(o, Value) and o.value is not None]
    if isinstance(term, Or):
        pinned: list[AttributeValue] = []
        for option in spine(term, Or):
            part = _partition_values(option, hash_key)
            if part is None:
                return None
            pinned += part
        return pinned
    return None


def partition_values(where: Cond | None, hash_key: str) -> list[AttributeValue] | None:
    """The partition-key values a SELECT's WHERE pins (by =, IN or an OR of them), in
    statement order without repeats; None when it pins none (a Scan)."""
    for term in conjuncts(where):
        pinned = _partition_values(term, hash_key)
        if pinned is not None:
            unique: list[AttributeValue] = []
            for value in pinned:
                if not any(values.equals(value, seen) for seen in unique):
                    unique.append(value)
            return unique
    return None


def range_condition(
    where: Cond | None, hash_key: str, hash_value: AttributeValue, range_key: str | None
) -> KeyCondition:
    """A key condition for one pinned partition, with the first sort-key term of the
    WHERE clause that a key condition can express (the whole WHERE still filters)."""
    condition = KeyCondition(hash_key, hash_value)
    if range_key is None:
        return condition
    for term in conjuncts(where):
        if isinstance(term, Compare) and term.op in _FLIPPED:
            left, right, op = term.left, term.right, term.op
            if isinstance(left, Value) and isinstance(right, Path):
                left, right, op = right, left, _FLIPPED[op]
            if _is_key(left, range_key) and isinstance(right, Value) and right.value:
                return KeyCondition(hash_key, hash_value, range_key, op, (right.value,))
        if (
            isinstance(term, Between)
            and _is_key(term.operand, range_key)
            and isinstance(term.low, Value)
            and isinstance(term.high, Value)
            and term.low.value
            and term.high.value
        ):
            bounds = (term.low.value, term.high.value)
            return KeyCondition(hash_key, hash_value, range_key, "BETWEEN", bounds)
        if (
            isinstance(term, Function)
            and term.name == "begins_with"
            and _is_key(term.args[0], range_key)
            and isinstance(term.args[1], Value)
            and term.args[1].value
        ):
            prefix = (term.args[1].value,)
            return KeyCondition(hash_key, hash_value, range_key, "BEGINS_WITH", prefix)
    return condition


def _is_key(operand: object, name: str) -> bool:
    return isinstance(operand, Path) and operand.elements == (name,)
