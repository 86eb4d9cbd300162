"""Update expressions applied to an item: SET (with +, -, if_not_exists, list_append),
REMOVE, ADD and DELETE, with DynamoDB's evaluation-time errors, the key-attribute
check, and the updated paths behind ReturnValues UPDATED_OLD / UPDATED_NEW."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from tenku.services.dynamodb import values as _values
from tenku.services.dynamodb.errors import validation

from .ast import Arith, AttributeValue, Call, Item, Operand, Path, Value
from .evaluate import get_path
from .projection import project
from .rules import SET_TYPES, UpdateAction

MISSING_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"
INVALID_PATH = "The document path provided in the update expression is invalid for update"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
LEGACY_WRONG_TYPE = "Type mismatch for attribute to update"


class Update:
    """A parsed update: its actions in expression order. `legacy` marks one converted
    from AttributeUpdates (ADD appends lists; type errors use the legacy message)."""

    def __init__(
        self, actions: list[UpdateAction], expression: str = "", *, legacy: bool = False
    ) -> None:
        self.actions = actions
        self.expression = expression
        self.legacy = legacy

    def changed_paths(self) -> list[Path]:
        """Every path the update writes or removes, in expression order."""
        return [action.path for action in self.actions]

    def check_keys(self, key_names: Iterable[str]) -> None:
        """Reject an update that touches a key attribute (or anything under it)."""
        keys = set(key_names)
        for action in self.actions:
            if action.path.top in keys:
                raise validation(
                    "One or more parameter values were invalid: Cannot update attribute "
                    f"{action.path.top}. This attribute is part of the key"
                )

    def project(self, item: Item | None) -> Item:
        """The updated paths of `item`: ReturnValues UPDATED_OLD (old item) or
        UPDATED_NEW (new item)."""
        return project(item, self.changed_paths())

    def apply(self, item: Item | None) -> Item:
        """The new item: `item` (None = no item yet) with every action applied. Values
        are computed from the original item; raises DynamoDB's errors."""
        old = item or {}
        new: Item = copy.deepcopy(old)
        wrong_type = LEGACY_WRONG_TYPE if self.legacy else WRONG_TYPE
        assignments = [
            (a.path, self._evaluate(a.value, old))
            for a in self.actions
            if a.action == "SET" and a.value is not None
        ]
        for path, value in assignments:
            _assign(new, path, value)
        removals = [a.path for a in self.actions if a.action == "REMOVE"]
        for path in removals:
            _container(new, path)  # validate every parent before removing anything
        for path in sorted(removals, key=_removal_order):
            _remove(new, path)
        for action in self.actions:
            if action.action in ("ADD", "DELETE") and isinstance(action.value, Value):
                assert action.value.value is not None
                operand = action.value.value
                if action.action == "ADD":
                    self._add(new, action.path, operand, wrong_type)
                else:
                    _delete(new, action.path, operand, wrong_type)
        return new

    def _evaluate(self, operand: Operand | None, item: Item) -> AttributeValue:
        if isinstance(operand, Value):
            assert operand.value is not None
            return copy.deepcopy(operand.value)
        if isinstance(operand, Path):
            value = get_path(item, operand)
            if value is None:
                raise validation(MISSING_ATTRIBUTE)
            return copy.deepcopy(value)
        if isinstance(operand, Arith):
            left = self._evaluate(operand.left, item)
            right = self._evaluate(operand.right, item)
            if "N" not in left or "N" not in right:
                raise validation(WRONG_TYPE)
            return {"N": _arithmetic(operand.op, left["N"], right["N"])}
        if isinstance(operand, Call) and operand.name == "if_not_exists":
            path = operand.args[0]
            assert isinstance(path, Path)
            existing = get_path(item, path)
            if existing is not None:
                return copy.deepcopy(existing)
            return self._evaluate(operand.args[1], item)
        if isinstance(operand, Call) and operand.name == "list_append":
            first = self._evaluate(operand.args[0], item)
            second = self._evaluate(operand.args[1], item)
            if "L" not in first or "L" not in second:
                raise validation(WRONG_TYPE)
            return {"L": first["L"] + second["L"]}
        raise AssertionError(f"unexpected SET operand {operand!r}")

    def _add(self, item: Item, path: Path, operand: AttributeValue, wrong_type: str) -> None:
        parent, key = _container(item, path)
        current = _child(parent, key)
        if current is None:
            _put(parent, key, copy.deepcopy(operand))
            return
        kind, current_kind = _values.type_of(operand), _values.type_of(current)
        if kind != current_kind:
            raise validation(wrong_type)
        if kind == "N":
            _put(parent, key, {"N": _arithmetic("+", current["N"], operand["N"])})
        elif kind in SET_TYPES:
            merged = list(current[kind])
            for element in operand[kind]:
                if not any(_same(kind, element, e) for e in merged):
                    merged.append(element)
            _put(parent, key, {kind: merged})
        elif kind == "L" and self.legacy:
            _put(parent, key, {"L": current["L"] + copy.deepcopy(operand["L"])})
        else:
            raise validation(wrong_type)


Container = dict[str, AttributeValue] | list[AttributeValue]


def _arithmetic(op: str, left: str, right: str) -> str:
    a, b = _values.number(left), _values.number(right)
    result = (
        _values.NUMBER_CONTEXT.add(a, b) if op == "+" else _values.NUMBER_CONTEXT.subtract(a, b)
    )
    return _values.decimal_to_number(result)


def _container(item: Item, path: Path) -> tuple[Container, str | int]:
    """The map or list that holds the last element of `path`, checked for type."""
    if len(path.elements) == 1:
        return item, path.top
    parent = get_path(item, Path(path.elements[:-1]))
    last = path.elements[-1]
    if parent is not None:
        if isinstance(last, int) and isinstance(parent.get("L"), list):
            return parent["L"], last
        if isinstance(last, str) and isinstance(parent.get("M"), dict):
            return parent["M"], last
    raise validation(INVALID_PATH)


def _child(container: Container, key: str | int) -> AttributeValue | None:
    if isinstance(container, list):
        assert isinstance(key, int)
        return container[key] if key < len(container) else None
    assert isinstance(key, str)
    return container.get(key)


def _put(container: Container, key: str | int, value: AttributeValue) -> None:
    if isinstance(container, list):
        assert isinstance(key, int)
        if key < len(container):
            container[key] = value
        else:
            container.append(value)
    else:
        assert isinstance(key, str)
        container[key] = value


def _assign(item: Item, path: Path, value: AttributeValue) -> None:
    parent, key = _container(item, path)
    _put(parent, key, value)


def _removal_order(path: Path) -> tuple[int, int]:
    """Deepest first; list elements of one list from the highest index down, so that
    indexes keep referring to the original list."""
    last = path.elements[-1]
    return (-len(path.elements), -last if isinstance(last, int) else 0)


def _remove(item: Item, path: Path) -> None:
    parent, key = _container(item, path)
    if isinstance(parent, list):
        assert isinstance(key, int)
        if key < len(parent):
            del parent[key]
    else:
        assert isinstance(key, str)
        parent.pop(key, None)


def _same(kind: str, a: object, b: object) -> bool:
    if kind == "NS":
        return bool(_values.number(str(a)) == _values.number(str(b)))
    if kind == "BS":
        assert isinstance(a, bytes | bytearray) and isinstance(b, bytes | bytearray)
        return bytes(a) == bytes(b)
    return a == b


def _delete(item: Item, path: Path, operand: AttributeValue, wrong_type: str) -> None:
    parent, key = _container(item, path)
    current = _child(parent, key)
    if current is None:
        return
    kind = _values.type_of(operand)
    if kind not in SET_TYPES or _values.type_of(current) != kind:
        raise validation(wrong_type)
    remaining = [e for e in current[kind] if not any(_same(kind, e, d) for d in operand[kind])]
    if remaining:
        _put(parent, key, {kind: remaining})
    elif isinstance(parent, list):
        assert isinstance(key, int)
        del parent[key]
    else:
        assert isinstance(key, str)
        del parent[key]
