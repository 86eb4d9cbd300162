"""Condition and filter expressions: precedence, every comparator and function, missing
attributes and type mismatches, and parse-time validation messages."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.expressions import ExpressionContext, parse_condition
from tenku.services.dynamodb.expressions.ast import And, Not, Or

VALUES: dict[str, Any] = {
    ":s": {"S": "abc"},
    ":a": {"S": "a"},
    ":z": {"S": "z"},
    ":n1": {"N": "1"},
    ":n5": {"N": "5.0"},
    ":n10": {"N": "10"},
    ":n3": {"N": "3"},
    ":b": {"B": b"\x01\x02"},
    ":b1": {"B": b"\x01"},
    ":t": {"BOOL": True},
    ":null": {"NULL": True},
    ":l": {"L": [{"S": "x"}, {"N": "1"}]},
    ":m": {"M": {"k": {"S": "v"}}},
    ":ss": {"SS": ["x", "y"]},
    ":x": {"S": "x"},
    ":typeS": {"S": "S"},
    ":typeN": {"S": "N"},
    ":typeL": {"S": "L"},
}

ITEM: dict[str, Any] = {
    "s": {"S": "abcdef"},
    "n": {"N": "5"},
    "b": {"B": b"\x01\x02\x03"},
    "t": {"BOOL": True},
    "nul": {"NULL": True},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"deep": {"S": "d"}}}]},
    "m": {"M": {"k": {"S": "v"}, "kid": {"M": {"n": {"N": "7"}}}}},
    "ss": {"SS": ["x", "y", "z"]},
    "ns": {"NS": ["1", "2.50"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "dot.name": {"S": "dotted"},
}


def holds(expression: str, item: dict[str, Any] | None = ITEM, names: Any = None) -> bool:
    context = ExpressionContext(names, VALUES)
    condition = parse_condition(expression, context=context)
    return condition.evaluate(item)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("s = :s", False),
        ("n = :n5", True),  # numbers compare numerically: 5 = 5.0
        ("n <> :n5", False),
        ("n <> :n1", True),
        ("n < :n10", True),
        ("n <= :n5", True),
        ("n > :n5", False),
        ("n >= :n5", True),
        (":n10 > n", True),
        ("s > :a", True),
        ("s < :z", True),
        ("s < :n10", False),  # different types never compare
        ("s <> :n10", True),
        ("b > :b1", True),
        ("b < :b", False),
        ("t = :t", True),
        ("t < :t", False),  # BOOL does not order
        ("nul = :null", True),
        ("l = :l", False),
        ("l[0] = :x", True),
        ("l[1] = :n1", True),
        ("l[2].deep = :s", False),
        ("l[9] = :x", False),
        ("m.k = :x", False),
        ("m.kid.n > :n5", True),
        ("m = :m", False),
        ("ss = :ss", False),
        ("nosuch = :s", False),
        ("nosuch < :s", False),
        ("nosuch <> :s", True),
        ("s.x = :s", False),
        ("m[0] = :s", False),
        ("#d = :s", False),
        ("#d <> :s", True),
    ],
)
def test_comparisons(expression: str, expected: bool) -> None:
    assert holds(expression, names={"#d": "dot.name"} if "#d" in expression else None) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("n BETWEEN :n1 AND :n10", True),
        ("n between :n5 and :n5", True),
        ("n BETWEEN :n1 AND :n3", False),
        ("s BETWEEN :a AND :z", True),
        ("s BETWEEN :n1 AND :n10", False),
        ("nosuch BETWEEN :n1 AND :n10", False),
        ("n IN (:n1, :n3)", False),
        ("n IN (:n1, :n5)", True),
        ("s in (:s, :x)", False),
        ("l[0] IN (:s, :x)", True),
        ("nosuch IN (:s, :x)", False),
        ("l IN (:l, :s)", False),
    ],
)
def test_between_and_in(expression: str, expected: bool) -> None:
    assert holds(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute_exists(s)", True),
        ("attribute_exists(nosuch)", False),
        ("attribute_exists(m.kid.n)", True),
        ("attribute_exists(l[5])", False),
        ("attribute_not_exists(nosuch)", True),
        ("attribute_not_exists(l[0])", False),
        ("attribute_type(s, :typeS)", True),
        ("attribute_type(n, :typeN)", True),
        ("attribute_type(l, :typeL)", True),
        ("attribute_type(s, :typeN)", False),
        ("attribute_type(nosuch, :typeS)", False),
        ("begins_with(s, :a)", True),
        ("begins_with(s, :s)", True),
        ("begins_with(s, :z)", False),
        ("begins_with(b, :b)", True),
        ("begins_with(b, :s)", False),
        ("begins_with(n, :a)", False),
        ("begins_with(nosuch, :a)", False),
        ("contains(s, :s)", True),
        ("contains(s, :z)", False),
        ("contains(b, :b)", True),
        ("contains(ss, :x)", True),
        ("contains(ss, :a)", False),
        ("contains(ns, :n1)", True),
        ("contains(bs, :b1)", True),
        ("contains(l, :x)", True),
        ("contains(l, :n1)", True),
        ("contains(l, :a)", False),
        ("contains(m, :x)", False),
        ("contains(n, :n5)", False),
        ("contains(nosuch, :x)", False),
        ("contains(s, nosuch)", False),
        ("size(s) = :n10", False),
        ("size(s) > :n5", True),
        ("size(b) = :n3", True),
        ("size(ss) = :n3", True),
        ("size(ns) < :n3", True),
        ("size(l) = :n3", True),
        ("size(m) BETWEEN :n1 AND :n3", True),
        ("size(n) = :n1", False),
        ("size(t) >= :n1", False),
        ("size(nosuch) >= :n1", False),
        ("size(m.kid) = :n1", True),
        ("size(:s) = :n3", True),
        ("n = size(l)", False),
        ("size(l) IN (:n1, :n3)", True),
    ],
)
def test_functions(expression: str, expected: bool) -> None:
    assert holds(expression) is expected


def test_multibyte_string_size_counts_characters() -> None:
    assert holds("size(s) = :n3", {"s": {"S": "héé"}})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("n = :n5 OR n = :n1 AND s = :x", True),  # AND binds tighter than OR
        ("(n = :n5 OR n = :n1) AND s = :x", False),
        ("NOT n = :n1 AND s = :x", False),  # NOT binds tighter than AND
        ("NOT (n = :n1 AND s = :x)", True),
        ("NOT NOT n = :n5", True),
        ("not nosuch = :x", True),
        ("not contains(s, :z)", True),
        ("n = :n1 or n = :n3 or n = :n5", True),
        ("n = :n5 and s = :x or t = :t and nul = :null", True),
    ],
)
def test_precedence(expression: str, expected: bool) -> None:
    assert holds(expression) is expected


def test_tree_shape() -> None:
    condition = parse_condition("a = :x OR b = :x AND NOT c = :x", None, {":x": {"S": "x"}})
    node = condition.node
    assert isinstance(node, Or)
    assert isinstance(node.right, And)
    assert isinstance(node.right.right, Not)


def test_nosuch_item_is_empty() -> None:
    assert holds("attribute_not_exists(pk)", None)
    assert not holds("attribute_exists(pk)", None)
    assert holds("NOT pk = :x", None)


def test_filter_expression_kind_in_messages() -> None:
    with pytest.raises(ServiceError) as info:
        parse_condition("a = ", kind="FilterExpression")
    assert info.value.message.startswith("Invalid FilterExpression: Syntax error;")


def error(expression: str, values: Any = None, names: Any = None) -> str:
    context = ExpressionContext(names, values if values is not None else VALUES)
    with pytest.raises(ServiceError) as info:
        parse_condition(expression, context=context)
    return info.value.message


P = "Invalid ConditionExpression: "


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("((a = :s))", "The expression has redundant parentheses;"),
        ("(a = :s) AND (((b = :s)))", "The expression has redundant parentheses;"),
        ("foo(a)", "Invalid function name; function: foo"),
        ("a = bar(b)", "Invalid function name; function: bar"),
        ("ATTRIBUTE_EXISTS(a)", "Invalid function name; function: ATTRIBUTE_EXISTS"),
        (
            "size(a)",
            "The function is not allowed to be used this way in an expression; function: size",
        ),
        (
            "begins_with(a, :s) = :s",
            "The function is not allowed to be used this way in an expression; "
            "function: begins_with",
        ),
        (
            "a = attribute_exists(b)",
            "The function is not allowed to be used this way in an expression; "
            "function: attribute_exists",
        ),
        (
            "if_not_exists(a, :s)",
            "The function is not allowed in a condition expression; function: if_not_exists",
        ),
        (
            "a = list_append(a, :l)",
            "The function is not allowed in a condition expression; function: list_append",
        ),
        (
            "attribute_exists(a, b)",
            "Incorrect number of operands for operator or function; "
            "operator or function: attribute_exists, number of operands: 2",
        ),
        (
            "begins_with(a)",
            "Incorrect number of operands for operator or function; "
            "operator or function: begins_with, number of operands: 1",
        ),
        (
            "size(a, b) > :n1",
            "Incorrect number of operands for operator or function; "
            "operator or function: size, number of operands: 2",
        ),
        (
            "attribute_exists(:s)",
            "Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "attribute_not_exists(:s)",
            "Operator or function requires a document path; "
            "operator or function: attribute_not_exists",
        ),
        (
            "attribute_type(:s, :typeS)",
            "Operator or function requires a document path; operator or function: attribute_type",
        ),
        (
            "attribute_type(a, :n1)",
            "Incorrect operand type for operator or function; "
            "operator or function: attribute_type, operand type: N",
        ),
        (
            "attribute_type(a, :s)",
            "Invalid attribute type name found; type: abc, valid types: "
            "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
        ),
        (
            "begins_with(a, :n1)",
            "Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N",
        ),
        (
            "begins_with(:l, a)",
            "Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: L",
        ),
        (
            "size(:n1) > :n1",
            "Incorrect operand type for operator or function; "
            "operator or function: size, operand type: N",
        ),
        (
            "size(size(a)) > :n1",
            "Incorrect operand type for operator or function; "
            "operator or function: size, operand type: N",
        ),
        (
            "size(:t) > :n1",
            "Incorrect operand type for operator or function; "
            "operator or function: size, operand type: BOOL",
        ),
        (
            "a = a",
            "The first operand must be distinct from the remaining operands for this operator "
            "or function; operator: =, first operand: [a]",
        ),
        (
            "#x.b[1] < a.#y[1]",
            "The first operand must be distinct from the remaining operands for this operator "
            "or function; operator: <, first operand: [a, b, [1]]",
        ),
        (
            "contains(a, a)",
            "The first operand must be distinct from the remaining operands for this operator "
            "or function; operator: contains, first operand: [a]",
        ),
        (
            "a BETWEEN :n1 AND a",
            "The first operand must be distinct from the remaining operands for this operator "
            "or function; operator: BETWEEN, first operand: [a]",
        ),
        (
            "a IN (:s, a)",
            "The first operand must be distinct from the remaining operands for this operator "
            "or function; operator: IN, first operand: [a]",
        ),
        (
            "a BETWEEN :n1 AND :s",
            "The BETWEEN operator requires same data type for lower and upper bounds; "
            "lower bound operand: AttributeValue: {N:1}, "
            "upper bound operand: AttributeValue: {S:abc}",
        ),
        (
            "a BETWEEN :n10 AND :n5",
            "The BETWEEN operator requires upper bound to be greater than or equal to lower "
            "bound; lower bound operand: AttributeValue: {N:10}, "
            "upper bound operand: AttributeValue: {N:5.0}",
        ),
        (
            "a = :undefined",
            "An expression attribute value used in expression is not defined; "
            "attribute value: :undefined",
        ),
        (
            "#undefined = :s",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #undefined",
        ),
        (
            "a" + ".b" * 32 + " = :s",
            "The document path has too many nesting levels; nesting levels: 33",
        ),
    ],
)
def test_parse_errors(expression: str, message: str) -> None:
    names = {"#x": "a", "#y": "b"} if "#x" in expression else None
    assert error(expression, names=names) == P + message


def test_in_operand_limit() -> None:
    many = {f":v{i}": {"N": str(i)} for i in range(101)}
    hundred = ", ".join(f":v{i}" for i in range(100))
    ok = parse_condition(f"a IN ({hundred})", context=ExpressionContext(None, many))
    assert ok.evaluate({"a": {"N": "99"}})
    everything = ", ".join(many)
    assert error(f"a IN ({everything})", many) == (
        P + "The IN operator is provided with too many operands; number of operands: 101"
    )


def test_error_priority_reserved_before_undefined() -> None:
    assert error("status = :nope") == (
        P + "Attribute name is a reserved keyword; reserved keyword: status"
    )


def test_undefined_name_without_any_names() -> None:
    with pytest.raises(ServiceError) as info:
        parse_condition("#n = :v", None, {":v": {"S": "x"}})
    assert info.value.message == (
        P + "An expression attribute name used in the document path is not defined; "
        "attribute name: #n"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 101 + "a = :s" + ")" * 101,
        "NOT " * 101 + "a = :s",
        "size(" * 101 + "a" + ")" * 101 + " > :n1",
    ],
)
def test_deep_nesting_is_refused(expression: str) -> None:
    assert error(expression) == (
        P + "The expression has too many nesting levels; nesting levels: 101"
    )


def test_nesting_up_to_the_limit_parses() -> None:
    assert holds("NOT " * 100 + "n = :n5")
    assert holds("(" * 99 + "n = :n5" + ")" + " AND n = :n5)" * 98)


def test_long_chains_up_to_the_operator_limit() -> None:
    ored = " OR ".join(["n = :n1"] * 149) + " OR n = :n5"  # 150 comparisons, 149 ORs
    assert holds(ored)
    anded = " AND ".join(["n = :n5"] * 150)
    assert holds(anded)
    assert not holds(anded.replace("n = :n5", "n = :n1", 1))


@pytest.mark.parametrize(
    "expression",
    [
        " OR ".join(["n = :n1"] * 151),
        "NOT " * 50 + " AND ".join(["attribute_exists(a)"] * 126),
        " AND ".join(["n BETWEEN :n1 AND :n5"] * 151),
    ],
)
def test_operator_limit(expression: str) -> None:
    assert error(expression) == (
        P + "The expression contains too many operators; operator count: 301"
    )
