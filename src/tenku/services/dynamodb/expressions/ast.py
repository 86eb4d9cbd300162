"""The expression syntax tree shared by every expression kind: document paths,
attribute-value placeholders, function calls, arithmetic and the condition nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]
PathElement = str | int


@dataclass(frozen=True)
class Path:
    """A document path: attribute names (str) and list indexes (int), names resolved."""

    elements: tuple[PathElement, ...]

    @property
    def top(self) -> str:
        first = self.elements[0]
        assert isinstance(first, str)
        return first

    def __str__(self) -> str:
        """DynamoDB's rendering in messages: `[a, b, [1]]`."""
        parts = [f"[{e}]" if isinstance(e, int) else e for e in self.elements]
        return "[" + ", ".join(parts) + "]"


@dataclass(frozen=True, eq=False)
class Value:
    """An `:name` placeholder and the attribute value it stands for (None if undefined)."""

    name: str
    value: AttributeValue | None


@dataclass(frozen=True, eq=False)
class Call:
    """A function used as an operand: size, if_not_exists, list_append (or a misuse)."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True, eq=False)
class Arith:
    """`left + right` or `left - right` in a SET action."""

    op: str
    left: Operand
    right: Operand


Operand = Path | Value | Call | Arith


@dataclass(frozen=True, eq=False)
class Compare:
    op: str  # = <> < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True, eq=False)
class Between:
    operand: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, eq=False)
class In:
    operand: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True, eq=False)
class And:
    left: Cond
    right: Cond


@dataclass(frozen=True, eq=False)
class Or:
    left: Cond
    right: Cond


@dataclass(frozen=True, eq=False)
class Not:
    operand: Cond


@dataclass(frozen=True, eq=False)
class Function:
    """A boolean function: attribute_exists, attribute_not_exists, attribute_type,
    begins_with, contains; plus the legacy-only `legacy_not_contains` (NOT_CONTAINS:
    false, not true, when the attribute is missing)."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True, eq=False)
class Always:
    """A condition that always holds (an empty legacy condition map)."""


Cond = Compare | Between | In | And | Or | Not | Function | Always
