"""The SNS filter-policy engine: matching tables (from the AWS developer guide's
examples) for message attributes and message bodies, and SNS's policy validation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenku.services.sns.filters import BODY, FilterPolicyError, compile_policy


def S(value: str) -> dict[str, str]:
    return {"Type": "String", "Value": value}


def N(value: float | str) -> dict[str, str]:
    return {"Type": "Number", "Value": str(value)}


def A(*values: Any) -> dict[str, str]:
    return {"Type": "String.Array", "Value": json.dumps(list(values))}


def B(value: str = "AQI=") -> dict[str, str]:
    return {"Type": "Binary", "Value": value}


# The developer guide's example message.
EXAMPLE = {
    "customer_interests": A("soccer", "rugby", "hockey"),
    "store": S("example_corp"),
    "event": S("order_placed"),
    "price_usd": N(210.75),
}

ATTRIBUTE_CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # the guide's accepting and rejecting policies
    (
        "guide accepts",
        {
            "store": ["example_corp"],
            "event": [{"anything-but": "order_cancelled"}],
            "customer_interests": ["rugby", "football", "baseball"],
            "price_usd": [{"numeric": [">=", 100]}],
        },
        EXAMPLE,
        True,
    ),
    (
        "guide rejects",
        {
            "store": ["example_corp"],
            "event": ["order_cancelled"],
            "encrypted": [False],
            "customer_interests": ["basketball", "baseball"],
        },
        EXAMPLE,
        False,
    ),
    # exact strings
    ("exact hit", {"c": ["rugby", "tennis"]}, {"c": S("rugby")}, True),
    ("exact second value", {"c": ["rugby", "tennis"]}, {"c": S("tennis")}, True),
    ("exact miss", {"c": ["rugby", "tennis"]}, {"c": S("baseball")}, False),
    ("exact is case sensitive", {"c": ["rugby"]}, {"c": S("Rugby")}, False),
    ("missing attribute", {"c": ["rugby"]}, {"d": S("rugby")}, False),
    ("no attributes at all", {"c": ["rugby"]}, {}, False),
    ("extra attributes ignored", {"c": ["rugby"]}, {"c": S("rugby"), "x": S("y")}, True),
    ("string policy vs number attribute", {"c": ["100"]}, {"c": N(100)}, False),
    ("empty string value", {"c": [""]}, {"c": S("")}, True),
    # String.Array
    ("array any element", {"c": ["rugby"]}, {"c": A("soccer", "rugby")}, True),
    ("array no element", {"c": ["golf"]}, {"c": A("soccer", "rugby")}, False),
    ("array number element", {"c": [5]}, {"c": A("a", 5)}, True),
    ("array boolean element", {"c": [True]}, {"c": A(True)}, True),
    ("array null element", {"c": [None]}, {"c": A(None)}, True),
    ("array true is not 1", {"c": [1]}, {"c": A(True)}, False),
    ("array prefix", {"c": [{"prefix": "bas"}]}, {"c": A("golf", "baseball")}, True),
    # anything-but
    ("anything-but list hit", {"c": [{"anything-but": ["rugby", "tennis"]}]}, {"c": S("x")}, True),
    (
        "anything-but list miss",
        {"c": [{"anything-but": ["rugby", "tennis"]}]},
        {"c": S("rugby")},
        False,
    ),
    ("anything-but single", {"c": [{"anything-but": "rugby"}]}, {"c": S("football")}, True),
    ("anything-but single miss", {"c": [{"anything-but": "rugby"}]}, {"c": S("rugby")}, False),
    (
        "anything-but array with other value",
        {"c": [{"anything-but": ["rugby", "tennis"]}]},
        {"c": A("rugby", "baseball")},
        True,
    ),
    (
        "anything-but array all excluded",
        {"c": [{"anything-but": ["rugby"]}]},
        {"c": A("rugby")},
        False,
    ),
    ("anything-but needs the attribute", {"c": [{"anything-but": "rugby"}]}, {}, False),
    ("anything-but numbers hit", {"p": [{"anything-but": [100, 500]}]}, {"p": N(101)}, True),
    ("anything-but numbers decimal", {"p": [{"anything-but": [100, 500]}]}, {"p": N(100.1)}, True),
    ("anything-but numbers miss", {"p": [{"anything-but": [100, 500]}]}, {"p": N(100)}, False),
    ("anything-but number single", {"p": [{"anything-but": 100}]}, {"p": N("1.0e2")}, False),
    ("anything-but strings vs number", {"p": [{"anything-but": ["x"]}]}, {"p": N(3)}, True),
    (
        "anything-but prefix hit",
        {"c": [{"anything-but": {"prefix": "bas"}}]},
        {"c": S("rugby")},
        True,
    ),
    (
        "anything-but prefix miss",
        {"c": [{"anything-but": {"prefix": "bas"}}]},
        {"c": S("base")},
        False,
    ),
    (
        "anything-but suffix hit",
        {"c": [{"anything-but": {"suffix": "ball"}}]},
        {"c": S("rugby")},
        True,
    ),
    (
        "anything-but suffix miss",
        {"c": [{"anything-but": {"suffix": "ball"}}]},
        {"c": S("golfball")},
        False,
    ),
    (
        "anything-but ignore case",
        {"c": [{"anything-but": {"equals-ignore-case": ["RUGBY", "Tennis"]}}]},
        {"c": S("rugby")},
        False,
    ),
    (
        "anything-but ignore case hit",
        {"c": [{"anything-but": {"equals-ignore-case": "RUGBY"}}]},
        {"c": S("golf")},
        True,
    ),
    (
        "anything-but prefix list",
        {"c": [{"anything-but": {"prefix": ["a", "b"]}}]},
        {"c": S("bx")},
        False,
    ),
    # prefix, suffix, equals-ignore-case
    ("prefix hit", {"c": [{"prefix": "bas"}]}, {"c": S("basketball")}, True),
    ("prefix miss", {"c": [{"prefix": "bas"}]}, {"c": S("rugby")}, False),
    ("prefix not on numbers", {"c": [{"prefix": "1"}]}, {"c": N(10)}, False),
    ("suffix hit", {"c": [{"suffix": "ball"}]}, {"c": S("baseball")}, True),
    ("suffix miss", {"c": [{"suffix": "ball"}]}, {"c": S("rugby")}, False),
    ("equals-ignore-case hit", {"c": [{"equals-ignore-case": "RuGbY"}]}, {"c": S("rugby")}, True),
    (
        "equals-ignore-case miss",
        {"c": [{"equals-ignore-case": "rugby"}]},
        {"c": S("rugbyx")},
        False,
    ),
    (
        "prefix ignore case",
        {"c": [{"prefix": {"equals-ignore-case": "BAS"}}]},
        {"c": S("Base")},
        True,
    ),
    (
        "suffix ignore case",
        {"c": [{"suffix": {"equals-ignore-case": "BALL"}}]},
        {"c": S("GoBall")},
        True,
    ),
    # numbers
    ("numeric equals", {"p": [{"numeric": ["=", 301.5]}]}, {"p": N(301.5)}, True),
    ("numeric equals exponent", {"p": [{"numeric": ["=", 301.5]}]}, {"p": N("3.015e2")}, True),
    ("numeric equals miss", {"p": [{"numeric": ["=", 301.5]}]}, {"p": N(301.6)}, False),
    ("number exact value", {"p": [100]}, {"p": N("100.0")}, True),
    ("number exact vs string attribute", {"p": [100]}, {"p": S("100")}, False),
    ("less than zero", {"p": [{"numeric": ["<", 0]}]}, {"p": N(-1)}, True),
    ("less than zero miss", {"p": [{"numeric": ["<", 0]}]}, {"p": N(0)}, False),
    ("less or equal", {"p": [{"numeric": ["<=", 0]}]}, {"p": N(0)}, True),
    ("greater", {"p": [{"numeric": [">", 10]}]}, {"p": N(10.5)}, True),
    ("greater miss", {"p": [{"numeric": [">", 10]}]}, {"p": N(10)}, False),
    ("greater or equal", {"p": [{"numeric": [">=", 10]}]}, {"p": N(10)}, True),
    ("range inside", {"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": N(150)}, True),
    ("range top open", {"p": [{"numeric": [">", 0, "<", 150]}]}, {"p": N(150)}, False),
    ("range bottom open", {"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": N(0)}, False),
    ("range bottom closed", {"p": [{"numeric": [">=", 0, "<=", 150]}]}, {"p": N(0)}, True),
    ("range outside", {"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": N(151)}, False),
    ("numeric on string attribute", {"p": [{"numeric": [">", 0]}]}, {"p": S("5")}, False),
    ("numeric on array element", {"p": [{"numeric": [">", 4]}]}, {"p": A("x", 5)}, True),
    (
        "custom number type",
        {"p": [{"numeric": [">", 4]}]},
        {"p": {"Type": "Number.float", "Value": "5"}},
        True,
    ),
    # exists
    ("exists true", {"store": [{"exists": True}]}, {"store": S("fans")}, True),
    ("exists true missing", {"store": [{"exists": True}]}, {"other": S("x")}, False),
    ("exists false missing", {"store": [{"exists": False}]}, {"other": S("x")}, True),
    ("exists false present", {"store": [{"exists": False}]}, {"store": S("x")}, False),
    ("exists false no attributes", {"store": [{"exists": False}]}, {}, True),
    ("binary attributes are ignored", {"b": [{"exists": True}]}, {"b": B()}, False),
    ("binary ignored for exists false", {"b": [{"exists": False}]}, {"b": B()}, True),
    # OR inside a key, AND across keys
    ("or of values", {"c": ["rugby", {"prefix": "foot"}]}, {"c": S("football")}, True),
    (
        "and across keys",
        {"c": ["rugby"], "p": [{"numeric": [">", 100]}]},
        {"c": S("rugby"), "p": N(101)},
        True,
    ),
    (
        "and across keys one fails",
        {"c": ["rugby"], "p": [{"numeric": [">", 100]}]},
        {"c": S("rugby"), "p": N(99)},
        False,
    ),
    (
        "$or first branch",
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPU"]}, {"namespace": ["AWS/EC2"]}],
        },
        {"source": S("aws.cloudwatch"), "metricName": S("CPU")},
        True,
    ),
    (
        "$or second branch",
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPU"]}, {"namespace": ["AWS/EC2"]}],
        },
        {"source": S("aws.cloudwatch"), "namespace": S("AWS/EC2")},
        True,
    ),
    (
        "$or no branch",
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPU"]}, {"namespace": ["AWS/EC2"]}],
        },
        {"source": S("aws.cloudwatch"), "namespace": S("AWS/ES")},
        False,
    ),
    (
        "$or with shared key failing",
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPU"]}, {"namespace": ["AWS/EC2"]}],
        },
        {"source": S("other"), "metricName": S("CPU")},
        False,
    ),
    ("cidr hit", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": S("10.0.0.255")}, True),
    ("cidr miss", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": S("10.0.1.1")}, False),
    ("cidr not an address", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": S("nope")}, False),
]


@pytest.mark.parametrize(
    ("policy", "attributes", "expected"),
    [case[1:] for case in ATTRIBUTE_CASES],
    ids=[case[0] for case in ATTRIBUTE_CASES],
)
def test_attribute_policies(
    policy: dict[str, Any], attributes: dict[str, Any], expected: bool
) -> None:
    assert compile_policy(json.dumps(policy)).matches_attributes(attributes) is expected


ORDER = {
    "store": "example_corp",
    "event": "order_placed",
    "customer": {"interests": ["soccer", "rugby"], "address": {"country": "IE", "zip": 12}},
    "items": [{"sku": "a-1", "qty": 2}, {"sku": "b-9", "qty": 0}],
    "price_usd": 210.75,
    "gift": False,
    "note": None,
}

BODY_CASES: list[tuple[str, dict[str, Any], Any, bool]] = [
    ("top-level string", {"store": ["example_corp"]}, ORDER, True),
    ("top-level miss", {"store": ["other"]}, ORDER, False),
    ("nested key", {"customer": {"address": {"country": ["IE"]}}}, ORDER, True),
    ("nested key miss", {"customer": {"address": {"country": ["FR"]}}}, ORDER, False),
    ("nested number", {"customer": {"address": {"zip": [{"numeric": [">", 10]}]}}}, ORDER, True),
    ("array of strings", {"customer": {"interests": ["rugby"]}}, ORDER, True),
    ("array of objects", {"items": {"sku": [{"prefix": "b-"}]}}, ORDER, True),
    ("array of objects numbers", {"items": {"qty": [0]}}, ORDER, True),
    ("boolean value", {"gift": [False]}, ORDER, True),
    ("boolean mismatch", {"gift": [True]}, ORDER, False),
    ("null value", {"note": [None]}, ORDER, True),
    ("exists on null", {"note": [{"exists": True}]}, ORDER, True),
    ("exists false absent", {"coupon": [{"exists": False}]}, ORDER, True),
    ("exists false present", {"store": [{"exists": False}]}, ORDER, False),
    ("exists on object is not a leaf", {"customer": [{"exists": True}]}, ORDER, False),
    ("numeric range", {"price_usd": [{"numeric": [">=", 100, "<", 300]}]}, ORDER, True),
    ("anything-but body", {"event": [{"anything-but": ["order_cancelled"]}]}, ORDER, True),
    (
        "and with nested",
        {"store": ["example_corp"], "customer": {"address": {"country": ["FR"]}}},
        ORDER,
        False,
    ),
    (
        "$or nested",
        {
            "$or": [
                {"customer": {"address": {"country": ["FR"]}}},
                {"price_usd": [{"numeric": [">", 200]}]},
            ]
        },
        ORDER,
        True,
    ),
    ("body not json", {"store": ["x"]}, "plain text", False),
    ("body json array", {"store": ["x"]}, ["x"], False),
    ("string number in body", {"price_usd": ["210.75"]}, ORDER, False),
]


@pytest.mark.parametrize(
    ("policy", "body", "expected"),
    [case[1:] for case in BODY_CASES],
    ids=[case[0] for case in BODY_CASES],
)
def test_body_policies(policy: dict[str, Any], body: Any, expected: bool) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    assert compile_policy(json.dumps(policy), BODY).matches_body(text) is expected


INVALID: list[tuple[str, str, str]] = [
    ("not json", "{nope", "failed to parse JSON"),
    ("not an object", "[1]", "Filter is not an object"),
    ("value not array", '{"a": "x"}', '"a" must be an object or an array'),
    ("empty array", '{"a": []}', "Empty arrays are not allowed"),
    ("nested in attribute scope", '{"a": {"b": ["x"]}}', "does not support nested filter policy"),
    (
        "object in array value",
        '{"a": [["x"]]}',
        "Match value must be String, number, true, false, or null",
    ),
    ("unknown operator", '{"a": [{"wat": 1}]}', "Unrecognized match type wat"),
    (
        "exists not boolean",
        '{"a": [{"exists": "yes"}]}',
        "exists match pattern must be either true or false.",
    ),
    ("prefix not string", '{"a": [{"prefix": 1}]}', "prefix match pattern must be a string"),
    ("suffix not string", '{"a": [{"suffix": null}]}', "suffix match pattern must be a string"),
    (
        "ignore case not string",
        '{"a": [{"equals-ignore-case": 3}]}',
        "equals-ignore-case match pattern must be a string",
    ),
    (
        "two operators",
        '{"a": [{"prefix": "a", "suffix": "b"}]}',
        "Only one key allowed in match expression",
    ),
    ("numeric not array", '{"a": [{"numeric": 5}]}', "Value of numeric must be an array."),
    (
        "numeric bad operator",
        '{"a": [{"numeric": ["!=", 5]}]}',
        "Unrecognized numeric range operator: !=",
    ),
    (
        "numeric value not number",
        '{"a": [{"numeric": ["<", "100"]}]}',
        "Value of < must be numeric",
    ),
    (
        "numeric too many",
        '{"a": [{"numeric": ["=", 1, 2]}]}',
        "Too many elements in numeric expression",
    ),
    (
        "numeric bad upper operator",
        '{"a": [{"numeric": [">", 1, ">", 2]}]}',
        "Bad numeric range operator: >",
    ),
    (
        "numeric bottom above top",
        '{"a": [{"numeric": [">", 10, "<", 2]}]}',
        "Bottom must be less than top",
    ),
    ("numeric out of range", '{"a": [{"numeric": [">", 10000000000]}]}', "Value must be between"),
    ("anything-but mixed", '{"a": [{"anything-but": ["x", 1]}]}', "mixed type is not supported"),
    (
        "anything-but boolean",
        '{"a": [{"anything-but": [true]}]}',
        "start|null|boolean is not supported",
    ),
    (
        "anything-but object operator",
        '{"a": [{"anything-but": {"numeric": [">", 1]}}]}',
        "Unsupported anything-but pattern: numeric",
    ),
    (
        "anything-but null",
        '{"a": [{"anything-but": null}]}',
        "must be an array or single string/number value",
    ),
    (
        "anything-but empty prefix",
        '{"a": [{"anything-but": {"prefix": ""}}]}',
        "Null prefix/suffix not allowed",
    ),
    ("cidr malformed", '{"a": [{"cidr": "10.0.0.0/99"}]}', "Malformed CIDR"),
    ("$or not array", '{"$or": {"a": ["x"]}}', "It must be an Array followed with $or."),
    (
        "$or one branch",
        '{"$or": [{"a": ["x"]}]}',
        "There must have at least 2 Objects in $or relationship.",
    ),
    (
        "$or non object",
        '{"$or": [{"a": ["x"]}, 1]}',
        "Only JSON object is allowed in array of $or relationship.",
    ),
    (
        "six keys",
        json.dumps({k: ["x"] for k in "abcdef"}),
        "Filter policy can not have more than 5 keys",
    ),
    (
        "too many combinations",
        json.dumps({"a": list("abcdefghij"), "b": list("abcdefghij"), "c": ["x", "y"]}),
        "Filter policy is too complex",
    ),
]


@pytest.mark.parametrize(
    ("text", "reason"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_policies(text: str, reason: str) -> None:
    with pytest.raises(FilterPolicyError) as raised:
        compile_policy(text)
    assert reason in str(raised.value)


def test_nested_policy_is_fine_for_body_scope() -> None:
    policy = compile_policy('{"a": {"b": ["x"]}}', BODY)
    assert policy.matches_body('{"a": {"b": "x"}}')


def test_combinations_count_the_or_branches() -> None:
    ten = list("abcdefghij")
    allowed = {"$or": [{"a": ten, "b": ten}, {"c": ten, "d": ["x", "y", "z", "w", "v"]}]}
    compile_policy(json.dumps(allowed))  # 100 + 50 = 150, at the limit
    over = {"$or": [{"a": ten, "b": ten}, {"c": ten, "d": [*"xyzwv", "u"]}]}
    with pytest.raises(FilterPolicyError, match="too complex"):
        compile_policy(json.dumps(over))


def test_five_keys_per_or_branch() -> None:
    keys = {k: ["x"] for k in "abcd"}
    compile_policy(json.dumps({**keys, "$or": [{"e": ["x"]}, {"f": ["x"]}]}))
    with pytest.raises(FilterPolicyError, match="more than 5 keys"):
        compile_policy(json.dumps({**keys, "e": ["x"], "$or": [{"f": ["x"]}, {"g": ["x"]}]}))
