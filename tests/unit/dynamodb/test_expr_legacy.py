"""ExpressionContext (placeholder validation and usage across a request's expressions)
and the legacy parameters converted into the expression engine."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.expressions import (
    ExpressionContext,
    check_expression_attributes,
    check_no_mixing,
    condition_from_expected,
    condition_from_filter,
    key_condition_from_legacy,
    parse_condition,
    parse_projection,
    parse_update,
    projection_from_attributes_to_get,
    update_from_attribute_updates,
)

INVALID = "One or more parameter values were invalid: "


def message(call: Any) -> str:
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == "ValidationException"
    return str(info.value.message)


# -- ExpressionContext -------------------------------------------------------------------


def test_usage_is_tracked_across_expressions() -> None:
    context = ExpressionContext({"#a": "a", "#b": "b"}, {":x": {"S": "x"}, ":y": {"N": "1"}})
    parse_update("SET #a = :x", context=context)
    with pytest.raises(ServiceError):
        context.check_all_used()
    parse_condition("#b > :y", context=context)
    context.check_all_used()


@pytest.mark.parametrize(
    ("names", "values", "expected"),
    [
        (
            {"#a": "a", "#b": "b", "#c": "c"},
            {":x": {"S": "x"}},
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}",
        ),
        (
            {"#a": "a"},
            {":x": {"S": "x"}, ":c": {"S": "a"}, ":a": {"S": "a"}},
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:c, :a}",
        ),
    ],
)
def test_unused_placeholders(names: Any, values: Any, expected: str) -> None:
    context = ExpressionContext(names, values)
    parse_condition("#a = :x", context=context)
    assert message(context.check_all_used) == expected


def test_undefined_placeholders_are_not_marked_used() -> None:
    context = ExpressionContext({"#a": "a"}, None)
    parse_projection("#a", context=context)
    context.check_all_used()


@pytest.mark.parametrize(
    ("names", "values", "expected"),
    [
        ({}, None, "ExpressionAttributeNames must not be empty"),
        (None, {}, "ExpressionAttributeValues must not be empty"),
        (
            {"a": "a"},
            None,
            'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"',
        ),
        (
            {"#a-b": "a"},
            None,
            'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"',
        ),
        (
            None,
            {"b": {"S": "a"}},
            'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"',
        ),
        (
            None,
            {":b": {"NULL": False}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values "
            "were invalid: Null attribute value types must have the value of true for key :b",
        ),
    ],
)
def test_context_validation(names: Any, values: Any, expected: str) -> None:
    assert message(lambda: ExpressionContext(names, values)) == expected


# -- mixing legacy and expression parameters ----------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"AttributesToGet": ["a"], "ProjectionExpression": "a"},
            "{AttributesToGet} Expression parameters: {ProjectionExpression}",
        ),
        (
            {
                "Expected": {"a": {}},
                "AttributeUpdates": {},
                "ConditionExpression": "",
                "UpdateExpression": "",
            },
            "{AttributeUpdates, Expected} Expression parameters: "
            "{UpdateExpression, ConditionExpression}",
        ),
        (
            {
                "KeyConditions": {},
                "QueryFilter": {},
                "ConditionalOperator": "AND",
                "AttributesToGet": ["a"],
                "KeyConditionExpression": "a = :a",
                "FilterExpression": "b",
                "ProjectionExpression": "c",
            },
            "{AttributesToGet, QueryFilter, ConditionalOperator, KeyConditions} Expression "
            "parameters: {ProjectionExpression, FilterExpression, KeyConditionExpression}",
        ),
    ],
)
def test_no_mixing(params: dict[str, Any], expected: str) -> None:
    assert message(lambda: check_no_mixing(params)) == (
        "Can not use both expression and non-expression parameters in the same request: "
        f"Non-expression parameters: {expected}"
    )


def test_mixing_check_ignores_absent_parameters() -> None:
    check_no_mixing({"AttributesToGet": ["a"], "ProjectionExpression": None})
    check_no_mixing({"ProjectionExpression": "a", "FilterExpression": "b"})


def test_expression_attributes_need_expressions() -> None:
    expressions = ("UpdateExpression", "ConditionExpression")
    assert message(
        lambda: check_expression_attributes(
            {"Expected": {}, "ExpressionAttributeNames": {"#a": "a"}}, expressions
        )
    ) == ("ExpressionAttributeNames can only be specified when using expressions")
    assert message(
        lambda: check_expression_attributes({"ExpressionAttributeValues": {}}, expressions)
    ) == (
        "ExpressionAttributeValues can only be specified when using expressions: "
        "UpdateExpression and ConditionExpression are null"
    )
    assert message(
        lambda: check_expression_attributes(
            {"ExpressionAttributeValues": {}, "ProjectionExpression": "a"}, ("FilterExpression",)
        )
    ) == (
        "ExpressionAttributeValues can only be specified when using expressions: "
        "FilterExpression is null"
    )
    check_expression_attributes(
        {"ExpressionAttributeNames": {"#a": "a"}, "ProjectionExpression": "#a"}, expressions
    )


# -- Expected ---------------------------------------------------------------------------

ITEM: dict[str, Any] = {
    "s": {"S": "abc"},
    "n": {"N": "5"},
    "ss": {"SS": ["a", "b"]},
    "l": {"L": [{"S": "a"}]},
}


@pytest.mark.parametrize(
    ("expected", "operator", "result"),
    [
        ({"s": {"Value": {"S": "abc"}}}, None, True),
        ({"s": {"Value": {"S": "abc"}, "Exists": True}}, None, True),
        ({"s": {"Value": {"S": "x"}}}, None, False),
        ({"nope": {"Exists": False}}, None, True),
        ({"s": {"Exists": False}}, None, False),
        ({"s": {"Exists": False}, "n": {"Value": {"N": "5"}}}, "OR", True),
        ({"s": {"Exists": False}, "n": {"Value": {"N": "5"}}}, "AND", False),
        ({"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}}, None, True),
        ({"n": {"ComparisonOperator": "LT", "Value": {"N": "4"}}}, None, False),
        ({}, None, True),
    ],
)
def test_expected(expected: Any, operator: str | None, result: bool) -> None:
    assert condition_from_expected(expected, operator).evaluate(ITEM) is result


@pytest.mark.parametrize(
    ("expected", "error"),
    [
        ({"a": {}}, "Value must be provided when Exists is null for Attribute: a"),
        ({"a": {"Exists": True}}, "Value must be provided when Exists is true for Attribute: a"),
        (
            {"a": {"Exists": False, "Value": {"S": "a"}}},
            "Value cannot be used when Exists is false for Attribute: a",
        ),
        (
            {"a": {"Exists": True, "ComparisonOperator": "NULL"}},
            "Exists and ComparisonOperator cannot be used together for Attribute: a",
        ),
        (
            {"a": {"AttributeValueList": [{"S": "a"}]}},
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
        ),
    ],
)
def test_expected_errors(expected: Any, error: str) -> None:
    assert message(lambda: condition_from_expected(expected)) == INVALID + error


# -- Query/Scan filters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "values", "result"),
    [
        ("EQ", [{"N": "5"}], True),
        ("NE", [{"N": "5"}], False),
        ("LE", [{"N": "5"}], True),
        ("LT", [{"N": "5"}], False),
        ("GE", [{"N": "6"}], False),
        ("GT", [{"N": "4"}], True),
        ("NULL", [], False),
        ("NOT_NULL", None, True),
        ("IN", [{"N": "1"}, {"N": "5"}], True),
        ("BETWEEN", [{"N": "1"}, {"N": "5"}], True),
    ],
)
def test_filter_operators_on_numbers(operator: str, values: Any, result: bool) -> None:
    spec = {"n": {"ComparisonOperator": operator, "AttributeValueList": values}}
    assert condition_from_filter(spec).evaluate(ITEM) is result


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "result"),
    [
        ("s", "BEGINS_WITH", {"S": "ab"}, True),
        ("s", "CONTAINS", {"S": "bc"}, True),
        ("s", "NOT_CONTAINS", {"S": "bc"}, False),
        ("ss", "CONTAINS", {"S": "a"}, True),
        ("ss", "NOT_CONTAINS", {"S": "z"}, True),
        ("l", "CONTAINS", {"S": "a"}, True),
        ("nope", "NOT_CONTAINS", {"S": "a"}, False),
        ("nope", "NE", {"S": "a"}, True),
        ("nope", "NULL", None, True),
    ],
)
def test_filter_operators(attribute: str, operator: str, value: Any, result: bool) -> None:
    spec = {
        attribute: {
            "ComparisonOperator": operator,
            "AttributeValueList": [value] if value is not None else None,
        }
    }
    assert condition_from_filter(spec).evaluate(ITEM) is result


def test_filter_conditional_operator() -> None:
    spec = {
        "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]},
        "s": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "abc"}]},
    }
    assert condition_from_filter(spec, "OR").evaluate(ITEM)
    assert not condition_from_filter(spec, "AND").evaluate(ITEM)
    assert not condition_from_filter(spec).evaluate(ITEM)


@pytest.mark.parametrize(
    ("operator", "values", "error"),
    [
        ("EQ", None, f"{INVALID}Invalid number of argument(s) for the EQ ComparisonOperator"),
        ("EQ", [], f"{INVALID}Invalid number of argument(s) for the EQ ComparisonOperator"),
        (
            "NULL",
            [{"S": "a"}],
            f"{INVALID}Invalid number of argument(s) for the NULL ComparisonOperator",
        ),
        (
            "BETWEEN",
            [{"S": "a"}],
            f"{INVALID}Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
        ("IN", [], f"{INVALID}Invalid number of argument(s) for the IN ComparisonOperator"),
        (
            "LT",
            [{"BOOL": True}],
            f"{INVALID}ComparisonOperator LT is not valid for BOOL AttributeValue type",
        ),
        (
            "IN",
            [{"L": []}],
            f"{INVALID}ComparisonOperator IN is not valid for L AttributeValue type",
        ),
        (
            "CONTAINS",
            [{"SS": ["a"]}],
            f"{INVALID}ComparisonOperator CONTAINS is not valid for SS AttributeValue type",
        ),
        (
            "BEGINS_WITH",
            [{"N": "1"}],
            f"{INVALID}ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
        ),
        (
            "IN",
            [{"S": "b"}, {"N": "1"}],
            f"{INVALID}AttributeValues inside AttributeValueList must be of same type",
        ),
        (
            "BETWEEN",
            [{"S": "b"}, {"S": "a"}],
            "The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound",
        ),
    ],
)
def test_filter_errors(operator: str, values: Any, error: str) -> None:
    spec = {"a": {"ComparisonOperator": operator, "AttributeValueList": values}}
    assert message(lambda: condition_from_filter(spec)) == error


# -- KeyConditions ----------------------------------------------------------------------


def test_legacy_key_conditions() -> None:
    condition = key_condition_from_legacy(
        {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]},
        },
        hash_key="pk",
        range_key="sk",
    )
    assert (condition.hash_value, condition.range_op) == ({"S": "p"}, "BEGINS_WITH")
    assert condition.range_values == ({"S": "x"},)


@pytest.mark.parametrize(
    ("conditions", "error"),
    [
        ({}, "Conditions can be of length 1 or 2 only"),
        (
            {
                "pk": {"ComparisonOperator": "NULL"},
                "sk": {"ComparisonOperator": "NULL"},
                "c": {"ComparisonOperator": "NULL"},
            },
            "Conditions can be of length 1 or 2 only",
        ),
        (
            {"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
            "Query condition missed key schema element: pk",
        ),
        (
            {"pk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "a"}]}},
            "Query key condition not supported",
        ),
        (
            {
                "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                "sk": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "a"}]},
            },
            "Query key condition not supported",
        ),
        (
            {"pk": {"ComparisonOperator": "EQ"}},
            f"{INVALID}Invalid number of argument(s) for the EQ ComparisonOperator",
        ),
    ],
)
def test_legacy_key_condition_errors(conditions: Any, error: str) -> None:
    assert (
        message(lambda: key_condition_from_legacy(conditions, hash_key="pk", range_key="sk"))
        == error
    )


# -- AttributeUpdates and AttributesToGet -----------------------------------------------


def test_attribute_updates() -> None:
    update = update_from_attribute_updates(
        {
            "s": {"Action": "PUT", "Value": {"S": "new"}},
            "n": {"Action": "ADD", "Value": {"N": "2"}},
            "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
            "l": {"Action": "ADD", "Value": {"L": [{"S": "b"}]}},
            "gone": {"Action": "DELETE"},
            "fresh": {"Value": {"NS": ["1"]}},
        }
    )
    result = update.apply({**ITEM, "gone": {"S": "x"}})
    assert result == {
        "s": {"S": "new"},
        "n": {"N": "7"},
        "ss": {"SS": ["b"]},
        "l": {"L": [{"S": "a"}, {"S": "b"}]},
        "fresh": {"NS": ["1"]},
    }
    assert update.project(result)["n"] == {"N": "7"}


@pytest.mark.parametrize(
    ("updates", "error"),
    [
        (
            {"a": {"Action": "PUT"}},
            f"{INVALID}Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            {"a": {"Action": "DELETE", "Value": {"S": "1"}}},
            f"{INVALID}DELETE action with value is not supported for the type S",
        ),
        (
            {"a": {"Action": "ADD", "Value": {"BOOL": True}}},
            f"{INVALID}ADD action is not supported for the type BOOL",
        ),
        (
            {"a": {"Action": "ADD", "Value": {"M": {}}}},
            f"{INVALID}ADD action is not supported for the type M",
        ),
    ],
)
def test_attribute_update_errors(updates: Any, error: str) -> None:
    assert message(lambda: update_from_attribute_updates(updates)) == error


@pytest.mark.parametrize(
    "updates",
    [
        {"ss": {"Action": "DELETE", "Value": {"NS": ["1"]}}},
        {"n": {"Action": "DELETE", "Value": {"NS": ["1"]}}},
        {"ss": {"Action": "ADD", "Value": {"NS": ["1"]}}},
        {"s": {"Action": "ADD", "Value": {"N": "1"}}},
    ],
)
def test_attribute_update_type_mismatch(updates: Any) -> None:
    update = update_from_attribute_updates(updates)
    assert message(lambda: update.apply(ITEM)) == "Type mismatch for attribute to update"


def test_attribute_updates_respect_keys() -> None:
    update = update_from_attribute_updates({"pk": {"Value": {"S": "x"}}})
    assert message(lambda: update.check_keys(["pk"])) == (
        f"{INVALID}Cannot update attribute pk. This attribute is part of the key"
    )


def test_attributes_to_get() -> None:
    projection = projection_from_attributes_to_get(["s", "status", "s", "a.b", "nope"])
    item = {**ITEM, "status": {"S": "on"}, "a.b": {"N": "1"}}
    assert projection.apply(item) == {"s": ITEM["s"], "status": {"S": "on"}, "a.b": {"N": "1"}}
