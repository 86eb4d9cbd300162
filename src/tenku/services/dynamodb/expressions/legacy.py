"""The legacy (non-expression) parameters converted into the expression engine:
Expected, QueryFilter/ScanFilter, KeyConditions, AttributeUpdates and AttributesToGet,
with DynamoDB's validation of them and of mixing them with expression parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tenku.services.dynamodb import values as _values
from tenku.services.dynamodb.errors import validation

from .ast import Always, And, AttributeValue, Between, Compare, Cond, Function, In, Or, Path, Value
from .evaluate import Condition
from .keycondition import KeyCondition, build_key_condition
from .projection import Projection
from .rules import SET_TYPES, UpdateAction
from .update import Update

_INVALID = "One or more parameter values were invalid: "
NON_EXPRESSION_PARAMETERS = (
    "AttributesToGet",
    "AttributeUpdates",
    "QueryFilter",
    "ScanFilter",
    "ConditionalOperator",
    "Expected",
    "KeyConditions",
)
EXPRESSION_PARAMETERS = (
    "ProjectionExpression",
    "UpdateExpression",
    "ConditionExpression",
    "FilterExpression",
    "KeyConditionExpression",
)
_ARGUMENTS = {
    "EQ": (1, 1),
    "NE": (1, 1),
    "LE": (1, 1),
    "LT": (1, 1),
    "GE": (1, 1),
    "GT": (1, 1),
    "NOT_NULL": (0, 0),
    "NULL": (0, 0),
    "CONTAINS": (1, 1),
    "NOT_CONTAINS": (1, 1),
    "BEGINS_WITH": (1, 1),
    "IN": (1, None),
    "BETWEEN": (2, 2),
}
_SCALARS = ("S", "N", "B")
_ALLOWED_TYPES = {
    "LT": _SCALARS,
    "LE": _SCALARS,
    "GT": _SCALARS,
    "GE": _SCALARS,
    "IN": _SCALARS,
    "BETWEEN": _SCALARS,
    "BEGINS_WITH": ("S", "B"),
    "CONTAINS": ("S", "N", "B", "BOOL", "NULL"),
    "NOT_CONTAINS": ("S", "N", "B", "BOOL", "NULL"),
}
_KEY_OPERATORS = {
    "EQ": "=",
    "LE": "<=",
    "LT": "<",
    "GE": ">=",
    "GT": ">",
    "BEGINS_WITH": "BEGINS_WITH",
    "BETWEEN": "BETWEEN",
}


def _present(params: Mapping[str, Any], key: str) -> bool:
    return params.get(key) is not None


def check_no_mixing(params: Mapping[str, Any]) -> None:
    """Reject a request that uses both legacy and expression parameters."""
    legacy = [k for k in NON_EXPRESSION_PARAMETERS if _present(params, k)]
    modern = [k for k in EXPRESSION_PARAMETERS if _present(params, k)]
    if legacy and modern:
        raise validation(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(legacy)}}} "
            f"Expression parameters: {{{', '.join(modern)}}}"
        )


def check_expression_attributes(params: Mapping[str, Any], expressions: Sequence[str]) -> None:
    """ExpressionAttributeNames/Values need an expression: `expressions` are the
    operation's expression parameters that may use them, in DynamoDB's order."""
    if any(_present(params, k) for k in (*expressions, "ProjectionExpression")):
        used = True
    else:
        used = False
    if _present(params, "ExpressionAttributeNames") and not used:
        raise validation("ExpressionAttributeNames can only be specified when using expressions")
    if _present(params, "ExpressionAttributeValues") and not any(
        _present(params, k) for k in expressions
    ):
        verb = "is" if len(expressions) == 1 else "are"
        raise validation(
            "ExpressionAttributeValues can only be specified when using expressions: "
            f"{' and '.join(expressions)} {verb} null"
        )


def _checked_values(operator: str, raw: Sequence[AttributeValue] | None) -> list[AttributeValue]:
    if operator not in _ARGUMENTS:
        raise validation(f"{_INVALID}Unsupported operator on ComparisonOperator: {operator}")
    arguments = list(raw or [])
    low, high = _ARGUMENTS[operator]
    if len(arguments) < low or (high is not None and len(arguments) > high):
        raise validation(
            f"{_INVALID}Invalid number of argument(s) for the {operator} ComparisonOperator"
        )
    for argument in arguments:
        _values.validate_value(argument)
    allowed = _ALLOWED_TYPES.get(operator)
    if allowed is not None:
        for argument in arguments:
            type_name = _values.type_of(argument)
            if type_name not in allowed:
                raise validation(
                    f"{_INVALID}ComparisonOperator {operator} is not valid for "
                    f"{type_name} AttributeValue type"
                )
    if len({_values.type_of(a) for a in arguments}) > 1:
        raise validation(
            f"{_INVALID}AttributeValues inside AttributeValueList must be of same type"
        )
    if operator == "BETWEEN":
        order = _values.compare(arguments[0], arguments[1])
        if order is not None and order > 0:
            raise validation(
                "The BETWEEN condition was provided a range where the lower bound is "
                "greater than the upper bound"
            )
    return arguments


def _comparison(name: str, operator: str, arguments: list[AttributeValue]) -> Cond:
    path = Path((name,))
    operands = [Value(f":{name}{i}", v) for i, v in enumerate(arguments)]
    simple = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
    if operator in simple:
        return Compare(simple[operator], path, operands[0])
    if operator == "NULL":
        return Function("attribute_not_exists", (path,))
    if operator == "NOT_NULL":
        return Function("attribute_exists", (path,))
    if operator == "CONTAINS":
        return Function("contains", (path, operands[0]))
    if operator == "NOT_CONTAINS":
        return Function("legacy_not_contains", (path, operands[0]))
    if operator == "BEGINS_WITH":
        return Function("begins_with", (path, operands[0]))
    if operator == "IN":
        return In(path, tuple(operands))
    return Between(path, operands[0], operands[1])


def _combine(conditions: list[Cond], conditional_operator: str | None) -> Condition:
    operator = (conditional_operator or "AND").upper()
    if not conditions:
        return Condition(Always())
    node = conditions[0]
    for condition in conditions[1:]:
        node = Or(node, condition) if operator == "OR" else And(node, condition)
    return Condition(node)


def condition_from_filter(
    conditions: Mapping[str, Mapping[str, Any]], conditional_operator: str | None = None
) -> Condition:
    """QueryFilter / ScanFilter: {attribute: {ComparisonOperator, AttributeValueList}}."""
    nodes = []
    for name, spec in conditions.items():
        operator = str(spec.get("ComparisonOperator"))
        nodes.append(
            _comparison(name, operator, _checked_values(operator, spec.get("AttributeValueList")))
        )
    return _combine(nodes, conditional_operator)


def condition_from_expected(
    expected: Mapping[str, Mapping[str, Any]], conditional_operator: str | None = None
) -> Condition:
    """Expected: per attribute either Value/Exists or ComparisonOperator/AttributeValueList."""
    nodes: list[Cond] = []
    for name, spec in expected.items():
        value = spec.get("Value")
        exists = spec.get("Exists")
        operator = spec.get("ComparisonOperator")
        value_list = spec.get("AttributeValueList")
        if operator is not None:
            if exists is not None:
                raise validation(
                    f"{_INVALID}Exists and ComparisonOperator cannot be used together "
                    f"for Attribute: {name}"
                )
            if value is not None and value_list is not None:
                raise validation(
                    f"{_INVALID}Value and AttributeValueList cannot be used together "
                    f"for Attribute: {name}"
                )
            arguments = _checked_values(str(operator), value_list if value is None else [value])
            nodes.append(_comparison(name, str(operator), arguments))
            continue
        if value_list is not None:
            raise validation(
                f"{_INVALID}AttributeValueList can only be used with a ComparisonOperator "
                f"for Attribute: {name}"
            )
        if exists is False:
            if value is not None:
                raise validation(
                    f"{_INVALID}Value cannot be used when Exists is false for Attribute: {name}"
                )
            nodes.append(Function("attribute_not_exists", (Path((name,)),)))
            continue
        if value is None:
            state = "null" if exists is None else "true"
            raise validation(
                f"{_INVALID}Value must be provided when Exists is {state} for Attribute: {name}"
            )
        _values.validate_value(value)
        nodes.append(Compare("=", Path((name,)), Value(f":{name}", value)))
    return _combine(nodes, conditional_operator)


def key_condition_from_legacy(
    key_conditions: Mapping[str, Mapping[str, Any]], *, hash_key: str, range_key: str | None
) -> KeyCondition:
    """KeyConditions: {attribute: {ComparisonOperator, AttributeValueList}}."""
    if not 1 <= len(key_conditions) <= 2:
        raise validation("Conditions can be of length 1 or 2 only")
    triples = []
    for name, spec in key_conditions.items():
        operator = str(spec.get("ComparisonOperator"))
        arguments = _checked_values(operator, spec.get("AttributeValueList"))
        triples.append((name, _KEY_OPERATORS.get(operator, operator), tuple(arguments)))
    return build_key_condition(triples, hash_key, range_key)


def update_from_attribute_updates(updates: Mapping[str, Mapping[str, Any]]) -> Update:
    """AttributeUpdates: {attribute: {Action: PUT|ADD|DELETE, Value}}."""
    actions = []
    for name, spec in updates.items():
        action = str(spec.get("Action") or "PUT")
        value = spec.get("Value")
        path = Path((name,))
        if value is None:
            if action != "DELETE":
                raise validation(
                    f"{_INVALID}Only DELETE action is allowed when no attribute value is specified"
                )
            actions.append(UpdateAction("REMOVE", path))
            continue
        _values.validate_value(value)
        type_name = _values.type_of(value)
        if action == "DELETE" and type_name not in SET_TYPES:
            raise validation(
                f"{_INVALID}DELETE action with value is not supported for the type {type_name}"
            )
        if action == "ADD" and type_name not in SET_TYPES | {"N", "L"}:
            raise validation(f"{_INVALID}ADD action is not supported for the type {type_name}")
        kind = "SET" if action == "PUT" else action
        actions.append(UpdateAction(kind, path, Value(f":{name}", value)))
    return Update(actions, legacy=True)


def projection_from_attributes_to_get(names: Sequence[str]) -> Projection:
    """AttributesToGet: top-level attribute names, no reserved-word or syntax rules."""
    return Projection([Path((name,)) for name in dict.fromkeys(names)])
