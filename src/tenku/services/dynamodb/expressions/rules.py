"""The static rules of the expression language: which functions exist where, their
operand counts, the type names DynamoDB prints, what an operand's type is before any
item is read, and the parsed form of one update action."""

from __future__ import annotations

from dataclasses import dataclass

from tenku.services.dynamodb import values as _values

from .ast import Arith, Call, Operand, Path, Value

CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
VALID_TYPES = ("B", "NULL", "SS", "BOOL", "L", "BS", "N", "NS", "S", "M")
SIZED_TYPES = frozenset({"S", "B", "SS", "NS", "BS", "L", "M"})
SET_TYPES = frozenset({"SS", "NS", "BS"})
LONG_TYPE_NAMES = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "M": "MAP",
    "L": "LIST",
    "SS": "STRING_SET",
    "NS": "NUMBER_SET",
    "BS": "BINARY_SET",
}


@dataclass(frozen=True, eq=False)
class UpdateAction:
    """One action of an update expression: SET (value), REMOVE, ADD or DELETE (value)."""

    action: str
    path: Path
    value: Operand | None = None


def static_type(operand: Operand) -> str | None:
    """The type an operand is known to have before any item is read, if any."""
    if isinstance(operand, Value):
        return _values.type_of(operand.value) if operand.value is not None else None
    if isinstance(operand, Call):
        return {"size": "N", "list_append": "L"}.get(operand.name)
    if isinstance(operand, Arith):
        return "N"
    return None
