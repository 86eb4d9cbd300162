"""Subscription filter policies: compile (with SNS's validation) and match.

A policy compiles to branches (one per combination of `$or` choices); a branch maps a
key path to the conditions of its array, and a message matches when some branch has
every key matching (a key matches when any of its conditions does). Message
attributes are matched by name (`String`, `String.Array` elements and `Number`;
`Binary` is ignored); a body-scope policy is matched against the JSON body flattened
to dotted paths, arrays contributing each element.
Errors are `FilterPolicyError`s carrying the text after "Invalid parameter: FilterPolicy: ".
Must not: know about subscriptions, storage or the wire.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Iterator
from typing import Any, NamedTuple

ATTRIBUTES = "MessageAttributes"
BODY = "MessageBody"
MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_NUMBER = 1e9
_OR = "$or"

Value = str | int | float | bool | None


class FilterPolicyError(ValueError):
    """A policy SNS refuses; `str(error)` is the reason."""


class Condition(NamedTuple):
    kind: str  # see _MATCHERS
    arg: Any = None


Branch = dict[str, list[Condition]]


class FilterPolicy(NamedTuple):
    branches: tuple[Branch, ...]
    scope: str

    def matches_attributes(self, attributes: dict[str, dict[str, Any]]) -> bool:
        """`attributes` as the SNS envelope has them: name -> {"Type", "Value"}."""
        values = {name: _attribute_values(attr) for name, attr in attributes.items()}
        return self._matches({k: v for k, v in values.items() if v is not None})

    def matches_body(self, body: str) -> bool:
        try:
            document = json.loads(body)
        except ValueError:
            return False
        if not isinstance(document, dict):
            return False
        values: dict[str, list[Value]] = {}
        _flatten(document, "", values)
        return self._matches(values)

    def _matches(self, values: dict[str, list[Value]]) -> bool:
        return any(
            all(_key_matches(conditions, values.get(path)) for path, conditions in branch.items())
            for branch in self.branches
        )


# -- compiling -------------------------------------------------------------------------------


def compile_policy(text: str, scope: str = ATTRIBUTES) -> FilterPolicy:
    """Parse and validate a policy document; raises FilterPolicyError."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise FilterPolicyError(f"failed to parse JSON. {error}") from None
    if not isinstance(document, dict):
        raise FilterPolicyError("Filter is not an object")
    branches = _walk(document, "", [{}], scope)
    for branch in branches:
        if len(branch) > MAX_KEYS:
            raise FilterPolicyError(f"Filter policy can not have more than {MAX_KEYS} keys")
    combinations = sum(math.prod(len(c) for c in b.values()) for b in branches)
    if combinations > MAX_COMBINATIONS:
        raise FilterPolicyError("Filter policy is too complex")
    return FilterPolicy(tuple(branches), scope)


def _walk(node: dict[str, Any], prefix: str, branches: list[Branch], scope: str) -> list[Branch]:
    if not node:
        raise FilterPolicyError("Empty objects are not allowed")
    for key, value in node.items():
        if key == _OR:
            branches = _or(value, prefix, branches, scope)
        elif isinstance(value, dict):
            if scope == ATTRIBUTES:
                raise FilterPolicyError(
                    "Filter policy scope MessageAttributes does not support nested filter policy"
                )
            branches = _walk(value, f"{prefix}{key}.", branches, scope)
        elif isinstance(value, list):
            conditions = [_condition(item) for item in value]
            if not conditions:
                raise FilterPolicyError("Empty arrays are not allowed")
            for branch in branches:
                branch[prefix + key] = conditions
        else:
            raise FilterPolicyError(f'"{key}" must be an object or an array')
    return branches


def _or(value: Any, prefix: str, branches: list[Branch], scope: str) -> list[Branch]:
    if not isinstance(value, list):
        raise FilterPolicyError("It must be an Array followed with $or.")
    if len(value) < 2:
        raise FilterPolicyError("There must have at least 2 Objects in $or relationship.")
    forked: list[Branch] = []
    for choice in value:
        if not isinstance(choice, dict):
            raise FilterPolicyError("Only JSON object is allowed in array of $or relationship.")
        forked += _walk(choice, prefix, [dict(b) for b in branches], scope)
    return forked


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any, operator: str) -> float:
    if not _is_number(value):
        raise FilterPolicyError(f"Value of {operator} must be numeric")
    number = float(value)
    if not -MAX_NUMBER <= number <= MAX_NUMBER:
        raise FilterPolicyError("Value must be between -1.0E9 and 1.0E9, inclusive")
    return number


def _condition(item: Any) -> Condition:
    if isinstance(item, str):
        return Condition("eq_str", item)
    if _is_number(item):
        return Condition("eq_num", float(item))
    if item is None or isinstance(item, bool):
        return Condition("eq_lit", item)
    if not isinstance(item, dict):
        raise FilterPolicyError("Match value must be String, number, true, false, or null")
    if not item:
        raise FilterPolicyError("Match expression name not found")
    operator, argument = next(iter(item.items()))
    if len(item) > 1 and operator != "numeric":
        raise FilterPolicyError("Only one key allowed in match expression")
    if len(item) > 1:
        raise FilterPolicyError("Too many elements in numeric expression")
    if operator in ("prefix", "suffix"):
        if isinstance(argument, dict):
            return Condition(f"{operator}_ic", _ignore_case_argument(argument, operator))
        if not isinstance(argument, str):
            raise FilterPolicyError(f"{operator} match pattern must be a string")
        return Condition(operator, argument)
    if operator == "equals-ignore-case":
        if not isinstance(argument, str):
            raise FilterPolicyError("equals-ignore-case match pattern must be a string")
        return Condition("eq_ic", argument.lower())
    if operator == "exists":
        if not isinstance(argument, bool):
            raise FilterPolicyError("exists match pattern must be either true or false.")
        return Condition("exists", argument)
    if operator == "numeric":
        return _numeric(argument)
    if operator == "anything-but":
        return _anything_but(argument)
    if operator == "cidr":
        if not isinstance(argument, str):
            raise FilterPolicyError("cidr match pattern must be a string")
        try:
            return Condition("cidr", ipaddress.ip_network(argument, strict=False))
        except ValueError:
            raise FilterPolicyError(f"Malformed CIDR, one '/' required: {argument}") from None
    raise FilterPolicyError(f"Unrecognized match type {operator}")


def _ignore_case_argument(argument: dict[str, Any], operator: str) -> str:
    name, value = next(iter(argument.items()), ("", None))
    if name != "equals-ignore-case":
        raise FilterPolicyError(f"Unsupported {operator} pattern: {name}")
    if not isinstance(value, str) or len(argument) != 1:
        raise FilterPolicyError("equals-ignore-case match pattern must be a string")
    return value.lower()


def _numeric(argument: Any) -> Condition:
    if not isinstance(argument, list):
        raise FilterPolicyError("Value of numeric must be an array.")
    if not argument or not isinstance(argument[0], str):
        first = argument[0] if argument else ""
        raise FilterPolicyError(f"Invalid member in numeric match: {first}")
    operator = argument[0]
    if operator == "=":
        value = _number(argument[1] if len(argument) > 1 else None, "equals")
        if len(argument) > 2:
            raise FilterPolicyError("Too many elements in numeric expression")
        return Condition("numeric", (value, False, value, False))
    if operator in ("<", "<="):
        top = _number(argument[1] if len(argument) > 1 else None, operator)
        if len(argument) > 2:
            raise FilterPolicyError("Too many elements in numeric expression")
        return Condition("numeric", (-math.inf, True, top, operator == "<"))
    if operator not in (">", ">="):
        raise FilterPolicyError(f"Unrecognized numeric range operator: {operator}")
    bottom = _number(argument[1] if len(argument) > 1 else None, operator)
    if len(argument) == 2:
        return Condition("numeric", (bottom, operator == ">", math.inf, True))
    upper = argument[2]
    if not isinstance(upper, str):
        raise FilterPolicyError(f"Bad value in numeric range: {upper}")
    if upper not in ("<", "<="):
        raise FilterPolicyError(f"Bad numeric range operator: {upper}")
    top = _number(argument[3] if len(argument) > 3 else None, upper)
    if len(argument) > 4:
        raise FilterPolicyError("Too many terms in numeric range expression")
    if bottom >= top:
        raise FilterPolicyError("Bottom must be less than top")
    return Condition("numeric", (bottom, operator == ">", top, upper == "<"))


def _anything_but(argument: Any) -> Condition:
    if isinstance(argument, dict):
        name, value = next(iter(argument.items()), ("", None))
        if name not in ("prefix", "suffix", "equals-ignore-case") or len(argument) != 1:
            raise FilterPolicyError(f"Unsupported anything-but pattern: {name}")
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) for v in values):
            if name == "equals-ignore-case":
                raise FilterPolicyError(
                    "Inside anything-but/equals-ignore-case list, "
                    "number|start|null|boolean is not supported."
                )
            raise FilterPolicyError("prefix/suffix match pattern must be a string")
        if name != "equals-ignore-case" and "" in values:
            raise FilterPolicyError("Null prefix/suffix not allowed")
        kind = {"prefix": "ab_prefix", "suffix": "ab_suffix"}.get(name, "ab_ic")
        texts = tuple(str(v).lower() if kind == "ab_ic" else str(v) for v in values)
        return Condition(kind, texts)
    if isinstance(argument, str):
        return Condition("ab_str", frozenset([argument]))
    if _is_number(argument):
        return Condition("ab_num", frozenset([_number(argument, "anything-but")]))
    if not isinstance(argument, list):
        raise FilterPolicyError(
            "Value of anything-but must be an array or single string/number value."
        )
    if any(not isinstance(v, str) and not _is_number(v) for v in argument):
        raise FilterPolicyError("Inside anything but list, start|null|boolean is not supported.")
    strings = [v for v in argument if isinstance(v, str)]
    if not argument or (strings and len(strings) != len(argument)):
        raise FilterPolicyError(
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported"
        )
    if strings:
        return Condition("ab_str", frozenset(strings))
    return Condition("ab_num", frozenset(_number(v, "anything-but") for v in argument))


# -- matching --------------------------------------------------------------------------------


def _attribute_values(attribute: dict[str, Any]) -> list[Value] | None:
    """The values an attribute offers to a policy; None when it is invisible (Binary)."""
    kind = str(attribute.get("Type") or attribute.get("DataType") or "")
    value = attribute.get("Value", attribute.get("StringValue"))
    if kind.startswith("Binary") or value is None:
        return None
    if kind == "String.Array":
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return _leaves(parsed) if isinstance(parsed, list) else [value]
    if kind.startswith("Number"):
        try:
            return [float(value)]
        except ValueError:
            return [value]
    return [str(value)]


def _leaves(items: list[Any]) -> list[Value]:
    out: list[Value] = []
    for item in items:
        if isinstance(item, list):
            out += _leaves(item)
        elif not isinstance(item, dict):
            out.append(item)
    return out


def _flatten(node: Any, prefix: str, out: dict[str, list[Value]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            _flatten(value, path, out)
    elif isinstance(node, list):
        for item in node:
            _flatten(item, prefix, out)
    elif prefix:
        out.setdefault(prefix, []).append(node)


def _key_matches(conditions: list[Condition], values: list[Value] | None) -> bool:
    for condition in conditions:
        if condition.kind == "exists":
            if (values is not None) == condition.arg:
                return True
        elif values is not None:
            matcher = _MATCHERS[condition.kind]
            if any(matcher(condition.arg, v) for v in values):
                return True
    return False


def _as_number(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _in_range(bounds: tuple[float, bool, float, bool], value: Value) -> bool:
    number = _as_number(value)
    if number is None:
        return False
    low, low_open, high, high_open = bounds
    above = number > low if low_open else number >= low
    below = number < high if high_open else number <= high
    return above and below


def _in_network(network: Any, value: Value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False


def _is_str(value: Value) -> bool:
    return isinstance(value, str)


_MATCHERS: dict[str, Any] = {
    "eq_str": lambda arg, v: _is_str(v) and v == arg,
    "eq_num": lambda arg, v: _as_number(v) == arg,
    "eq_lit": lambda arg, v: v is arg,
    "eq_ic": lambda arg, v: _is_str(v) and v.lower() == arg,
    "prefix": lambda arg, v: _is_str(v) and v.startswith(arg),
    "suffix": lambda arg, v: _is_str(v) and v.endswith(arg),
    "prefix_ic": lambda arg, v: _is_str(v) and v.lower().startswith(arg),
    "suffix_ic": lambda arg, v: _is_str(v) and v.lower().endswith(arg),
    "numeric": _in_range,
    "cidr": _in_network,
    "ab_str": lambda arg, v: not (_is_str(v) and v in arg),
    "ab_num": lambda arg, v: _as_number(v) not in arg,
    "ab_prefix": lambda arg, v: not (_is_str(v) and v.startswith(arg)),
    "ab_suffix": lambda arg, v: not (_is_str(v) and v.endswith(arg)),
    "ab_ic": lambda arg, v: not (_is_str(v) and v.lower() in arg),
}


def policy_keys(policy: FilterPolicy) -> Iterator[str]:
    """Every key path the policy names (for diagnostics and tests)."""
    seen: set[str] = set()
    for branch in policy.branches:
        for path in branch:
            if path not in seen:
                seen.add(path)
                yield path
