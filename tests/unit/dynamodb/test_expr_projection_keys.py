"""Projection expressions and key condition expressions."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.expressions import (
    ExpressionContext,
    KeyCondition,
    parse_key_condition,
    parse_projection,
)

ITEM: dict[str, Any] = {
    "a": {"S": "x"},
    "l": {"L": [{"S": "0"}, {"M": {"p": {"N": "1"}, "q": {"N": "2"}}}, {"S": "2"}]},
    "m": {"M": {"b": {"M": {"c": {"S": "deep"}, "d": {"S": "other"}}}, "e": {"N": "5"}}},
    "dot.ted": {"N": "1"},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("a", {"a": {"S": "x"}}),
        ("a, nope", {"a": {"S": "x"}}),
        ("m.b.c", {"m": {"M": {"b": {"M": {"c": {"S": "deep"}}}}}}),
        ("m.b.c, m.e", {"m": {"M": {"b": {"M": {"c": {"S": "deep"}}}, "e": {"N": "5"}}}}),
        ("l[1]", {"l": {"L": [ITEM["l"]["L"][1]]}}),
        ("l[2], l[0]", {"l": {"L": [{"S": "0"}, {"S": "2"}]}}),
        ("l[1].q", {"l": {"L": [{"M": {"q": {"N": "2"}}}]}}),
        ("l[7], m.zz, a.b", {}),
        ("m[0], l.x", {}),
        ("#d", {"dot.ted": {"N": "1"}}),
        ("dot.ted", {}),
    ],
)
def test_projection(expression: str, expected: dict[str, Any]) -> None:
    names = {"#d": "dot.ted"} if "#d" in expression else None
    assert parse_projection(expression, names).apply(ITEM) == expected


def test_projection_of_no_item_and_top_level_names() -> None:
    projection = parse_projection("m.b, a, m.e")
    assert projection.apply(None) == {}
    assert projection.top_level_names == ["m", "a"]


def projection_error(expression: str, names: Any = None) -> str:
    with pytest.raises(ServiceError) as info:
        parse_projection(expression, names)
    return info.value.message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "a, a",
            "Two document paths overlap with each other; must remove or rewrite one of these "
            "paths; path one: [a], path two: [a]",
        ),
        (
            "m.b, m",
            "Two document paths overlap with each other; must remove or rewrite one of these "
            "paths; path one: [m, b], path two: [m]",
        ),
        (
            "a.b, a[1]",
            "Two document paths conflict with each other; must remove or rewrite one of these "
            "paths; path one: [a, b], path two: [a, [1]]",
        ),
        ("a, name", "Attribute name is a reserved keyword; reserved keyword: name"),
        (
            "a, #x",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #x",
        ),
    ],
)
def test_projection_errors(expression: str, message: str) -> None:
    assert projection_error(expression) == f"Invalid ProjectionExpression: {message}"


def test_projection_unused_names() -> None:
    assert projection_error("a", {"#a": "a", "#b": "b"}) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
    )


VALUES: dict[str, Any] = {
    ":p": {"S": "part"},
    ":a": {"S": "a"},
    ":b": {"S": "b"},
    ":n": {"N": "1"},
    ":n2": {"N": "2"},
}


def key(expression: str, names: Any = None, range_key: str | None = "sk") -> KeyCondition:
    context = ExpressionContext(names, VALUES)
    return parse_key_condition(expression, hash_key="pk", range_key=range_key, context=context)


@pytest.mark.parametrize(
    ("expression", "op", "operands"),
    [
        ("pk = :p", None, ()),
        (":p = pk", None, ()),
        ("pk = :p AND sk = :a", "=", (VALUES[":a"],)),
        ("pk = :p and sk < :a", "<", (VALUES[":a"],)),
        ("sk <= :a AND pk = :p", "<=", (VALUES[":a"],)),
        ("pk = :p AND sk > :a", ">", (VALUES[":a"],)),
        ("pk = :p AND sk >= :a", ">=", (VALUES[":a"],)),
        ("pk = :p AND :a < sk", ">", (VALUES[":a"],)),
        ("pk = :p AND :a >= sk", "<=", (VALUES[":a"],)),
        ("pk = :p AND sk BETWEEN :a AND :b", "BETWEEN", (VALUES[":a"], VALUES[":b"])),
        ("pk = :p AND begins_with(sk, :a)", "BEGINS_WITH", (VALUES[":a"],)),
        ("(pk = :p) AND (sk > :a)", ">", (VALUES[":a"],)),
        ("#h = :p AND #r > :a", ">", (VALUES[":a"],)),
    ],
)
def test_key_conditions(expression: str, op: str | None, operands: tuple[Any, ...]) -> None:
    names = {"#h": "pk", "#r": "sk"} if "#h" in expression else None
    condition = key(expression, names)
    assert condition.hash_key == "pk"
    assert condition.hash_value == VALUES[":p"]
    assert condition.range_op == op
    assert condition.range_values == operands


@pytest.mark.parametrize(
    ("expression", "sort_value", "expected"),
    [
        ("pk = :p", {"S": "anything"}, True),
        ("pk = :p AND sk = :a", {"S": "a"}, True),
        ("pk = :p AND sk < :b", {"S": "a"}, True),
        ("pk = :p AND sk > :b", {"S": "a"}, False),
        ("pk = :p AND sk BETWEEN :a AND :b", {"S": "ab"}, True),
        ("pk = :p AND sk BETWEEN :a AND :b", {"S": "bb"}, False),
        ("pk = :p AND begins_with(sk, :a)", {"S": "abc"}, True),
        ("pk = :p AND begins_with(sk, :a)", {"S": "bac"}, False),
        ("pk = :p AND sk <= :n", {"S": "a"}, False),
    ],
)
def test_key_condition_matching(expression: str, sort_value: Any, expected: bool) -> None:
    condition = key(expression)
    assert condition.matches({"pk": {"S": "part"}, "sk": sort_value}) is expected
    assert not condition.matches({"pk": {"S": "other"}, "sk": sort_value})


def key_error(expression: str, range_key: str | None = "sk", values: Any = None) -> str:
    with pytest.raises(ServiceError) as info:
        parse_key_condition(
            expression,
            None,
            values,
            hash_key="pk",
            range_key=range_key,
        )
    return info.value.message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a > b and size(b) > c or a > c", "Invalid operator used in KeyConditionExpression: OR"),
        ("a in (b, size(c), d)", "Invalid operator used in KeyConditionExpression: IN"),
        (
            "attribute_exists(a)",
            "Invalid operator used in KeyConditionExpression: attribute_exists",
        ),
        (
            "attribute_not_exists(a)",
            "Invalid operator used in KeyConditionExpression: attribute_not_exists",
        ),
        ("contains(a.d, b)", "Invalid operator used in KeyConditionExpression: contains"),
        ("not a > b", "Invalid operator used in KeyConditionExpression: NOT"),
        ("a <> b", "Invalid operator used in KeyConditionExpression: <>"),
        (
            "size(b) > a AND a.b > b AND b > c",
            "KeyConditionExpressions cannot contain nested operations",
        ),
        ("a > size(b.d)", "KeyConditionExpressions cannot contain nested operations"),
        (
            "a between size(b) and size(a)",
            "KeyConditionExpressions cannot contain nested operations",
        ),
        (
            "b > a.b",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition",
        ),
        (
            "b between c[1] and d",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition",
        ),
        (
            "a between b and size(a)",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition",
        ),
        (
            "begins_with(a, b)",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition",
        ),
        (
            "b.d > a AND c.d > e.f",
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ),
        ("a.d > c", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("b[0] > a", "KeyConditionExpressions cannot have conditions on nested attributes"),
    ],
)
def test_key_condition_structure_errors(expression: str, message: str) -> None:
    assert key_error(expression) == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            ":a between size(b) and size(a) and b > :b",
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
            "attribute as its first operand",
        ),
        (
            "begins_with(:a, b) and a > :b",
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
            "attribute as its first operand",
        ),
        (
            ":b > :a AND pk < :b",
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ),
        (
            "sk > :a AND sk < :a and pk = :a and d = :a",
            "KeyConditionExpressions must only contain one condition per key",
        ),
        (
            "(pk > :a and sk > :a) and (sk > :a and c > :a)",
            "KeyConditionExpressions must only contain one condition per key",
        ),
        (":a = pk and sk = :a and :a = c", "Conditions can be of length 1 or 2 only"),
        ("sk = :a", "Query condition missed key schema element: pk"),
        ("extra = :a AND sk = :b", "Query condition missed key schema element: pk"),
        ("pk = :a AND extra = :b", "Query condition missed key schema element: sk"),
        ("pk > :a", "Query key condition not supported"),
        ("pk = :a AND sk <> :b", "Invalid operator used in KeyConditionExpression: <>"),
        (
            "pk = :a AND sk between :b and :a",
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be "
            "greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, "
            "upper bound operand: AttributeValue: {S:a}",
        ),
        (
            "pk = :a AND sk between :n and :a",
            "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for "
            "lower and upper bounds; lower bound operand: AttributeValue: {N:1}, "
            "upper bound operand: AttributeValue: {S:a}",
        ),
        (
            "pk = :a AND begins_with(sk, :n)",
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N",
        ),
        (
            "pk = :a AND status = :b",
            "Invalid KeyConditionExpression: Attribute name is a reserved keyword; "
            "reserved keyword: status",
        ),
        (
            "pk = :a AND",
            'Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"',
        ),
    ],
)
def test_key_condition_value_errors(expression: str, message: str) -> None:
    values = {k: v for k, v in VALUES.items() if k in expression.replace(":n2", "")}
    if ":n" not in expression:
        values.pop(":n", None)
    assert key_error(expression, values=values or None) == message


def test_hash_only_table_rejects_a_second_condition() -> None:
    assert key_error("pk = :a AND sk = :b", None, {":a": VALUES[":a"], ":b": VALUES[":b"]}) == (
        "Query condition missed key schema element: pk"
    )


def test_key_condition_unused_values() -> None:
    assert key_error("pk = :a", values={":a": VALUES[":a"], ":b": VALUES[":b"]}) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}"
    )
