"""Matching events against compiled patterns (patterns.py), as EventBridge does.

An event is flattened into leaves: (dotted path, kind, value, array memberships). A
field of the pattern is met when some leaf at its path meets one of its conditions; an
event array therefore matches when any element does. When several fields of one branch
reach into the same array of objects, they must be met by the same element of it (AWS
never combines fields of different array elements). `exists: false` holds when the
event has no leaf at that path at all (empty arrays and objects count as absent).
Numbers keep their JSON text so that numeric conditions compare them exactly.
Must not: parse or validate patterns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from tenku.patterns.compile import Branch, Pattern
from tenku.patterns.conditions import Cond, parse_ip
from tenku.patterns.numbers import comparable_or_none

STRING, NUMBER, LITERAL = "s", "n", "l"


class JsonNumber(str):
    """A number from an event, kept as its JSON text."""


class Leaf(NamedTuple):
    kind: str
    value: str
    memberships: tuple[tuple[int, int], ...]


Flat = dict[str, list[Leaf]]


def parse_event(text: str | bytes) -> Any:
    """Parse event JSON keeping numbers as their text (`JsonNumber`)."""
    return json.loads(text, parse_int=JsonNumber, parse_float=JsonNumber)


def to_json(value: Any) -> str:
    """Serialize a value from `parse_event` back to compact JSON, numbers untouched."""
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(k, ensure_ascii=False)}:{to_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def flatten(event: Any) -> Flat:
    flat: Flat = {}
    counter = iter(range(1 << 62))
    _walk(event, "", (), flat, counter)
    return flat


def _walk(
    value: Any, path: str, members: tuple[tuple[int, int], ...], flat: Flat, ids: Iterator[int]
) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else key, members, flat, ids)
    elif isinstance(value, list):
        array_id = next(ids)
        for index, item in enumerate(value):
            _walk(item, path, (*members, (array_id, index)), flat, ids)
    elif isinstance(value, JsonNumber):
        flat.setdefault(path, []).append(Leaf(NUMBER, str(value), members))
    elif isinstance(value, bool):
        flat.setdefault(path, []).append(Leaf(LITERAL, "true" if value else "false", members))
    elif value is None:
        flat.setdefault(path, []).append(Leaf(LITERAL, "null", members))
    elif isinstance(value, str):
        flat.setdefault(path, []).append(Leaf(STRING, value, members))
    else:  # a float or int from a caller that did not use parse_event
        text = json.dumps(value)
        flat.setdefault(path, []).append(Leaf(NUMBER, text, members))


def matches(pattern: Pattern, event: Any) -> bool:
    """Whether `event` (a parsed JSON object) matches `pattern`."""
    flat = flatten(event)
    return any(_branch_matches(branch, flat) for branch in pattern.branches)


def matches_flat(pattern: Pattern, flat: Flat) -> bool:
    return any(_branch_matches(branch, flat) for branch in pattern.branches)


def _branch_matches(branch: Branch, flat: Flat) -> bool:
    choices: list[list[Leaf]] = []
    for path, conditions in branch.items():
        leaves = flat.get(path, [])
        if not leaves:
            if any(c.kind == "exists" and c.a is False for c in conditions):
                continue
            return False
        fitting = [leaf for leaf in leaves if any(_meets(c, leaf) for c in conditions)]
        if not fitting:
            return False
        if any(leaf.memberships for leaf in fitting):
            choices.append(fitting)
    return _consistent(choices, {})


def _consistent(choices: list[list[Leaf]], fixed: dict[int, int]) -> bool:
    """Pick one leaf per field so that shared arrays agree on the element (backtracking)."""
    if not choices:
        return True
    first, rest = choices[0], choices[1:]
    for leaf in first:
        if all(fixed.get(array, index) == index for array, index in leaf.memberships):
            chosen = dict(fixed)
            chosen.update(leaf.memberships)
            if _consistent(rest, chosen):
                return True
    return False


def _meets(cond: Cond, leaf: Leaf) -> bool:
    kind, value = leaf.kind, leaf.value
    test = cond.kind
    if test == "exact_s":
        return kind == STRING and value == cond.a
    if test == "exact_num":
        if kind != NUMBER:
            return False
        if value == cond.a:
            return True
        return cond.b is not None and comparable_or_none(value) == cond.b
    if test == "exact_lit":
        return kind == LITERAL and value == cond.a
    if test == "exists":
        return bool(cond.a)
    if test == "range":
        if kind != NUMBER:
            return False
        number = comparable_or_none(value)
        if number is None:
            return False
        low_ok = number > cond.a if cond.b else number >= cond.a
        high_ok = number < cond.c if cond.d else number <= cond.c
        return bool(low_ok and high_ok)
    if test == "range_ip":
        if kind != STRING:
            return False
        address = parse_ip(value)
        return (
            address is not None and address.version == cond.a and cond.b <= int(address) <= cond.c
        )
    if test.startswith("ab"):
        return _anything_but(cond, kind, value)
    if kind != STRING:
        return False
    if test == "prefix":
        return value.startswith(cond.a)
    if test == "suffix":
        return value.endswith(cond.a)
    if test == "prefix_ic":
        return value.lower().startswith(cond.a)
    if test == "suffix_ic":
        return value.lower().endswith(cond.a)
    if test == "eic":
        return bool(value.lower() == cond.a)
    if test == "wildcard":
        return cond.a.fullmatch(value) is not None
    return False


def _anything_but(cond: Cond, kind: str, value: str) -> bool:
    """Anything-but holds for any present value outside the set, whatever its type."""
    test = cond.kind
    if test == "ab":
        if kind == STRING:
            return value not in cond.a
        if kind == NUMBER and cond.b:
            return comparable_or_none(value) not in cond.b
        return True
    if kind != STRING:
        return True
    if test == "ab_prefix":
        return not any(value.startswith(p) for p in cond.a)
    if test == "ab_suffix":
        return not any(value.endswith(s) for s in cond.a)
    if test == "ab_ic":
        return value.lower() not in cond.a
    if test == "ab_wildcard":
        return not any(r.fullmatch(value) for r in cond.a)
    return False
