"""Pattern validation: AWS's exact reasons and the parser positions reported with them.

The first four cases are messages AWS returned, as quoted in public issue threads
(CloudFormation and SDK errors); the rest follow the wording and token order of the
matching engine EventBridge runs (its compiler's messages, its JSON parser's positions).
"""

# ruff: noqa: E501  (tables of patterns and messages read best one per line)
from __future__ import annotations

import pytest

from tenku.patterns.compile import InvalidPattern, compile_pattern

# fmt: off
SEEN_FROM_AWS = [
    (
        '{"detail-type":["CodeCommit Repository State Change"],"resources":"arn:aws:codecommit:'
        'eu-west-1:1:adf","source":["aws.codecommit"]}',
        '"resources" must be an object or an array',
        1,
        68,
    ),
    (
        '{"detail-type":["Object Created"],"source":"aws.s3","detail":{"bucket":"b"}}',
        '"source" must be an object or an array',
        1,
        45,
    ),
    (
        '{"detail-type":[],"source":["example.source"],"account":["123456789012"]}',
        "Empty arrays are not allowed",
        1,
        18,
    ),
    ('{"source": ["aws.health"], "detail": {}}', "Empty objects are not allowed", 1, 40),
    (
        '{ "detail-type": [ "Build Started", "Build Finished" ],\n  "detail": {\n    "pipeline":'
        ' {\n\n      "slug": "some-pipeline" } } }',
        '"slug" must be an object or an array',
        5,
        16,
    ),
]

ENGINE_RULES = [
    ('{"source": 5}', '"source" must be an object or an array', 1, 13),
    ('["aws.ec2"]', "Filter is not an object", 1, 2),
    ('"x"', "Filter is not an object", 1, 2),
    ("", "Filter is not an object", 1, 1),
    ('{"source": [["a"]]}', "Match value must be String, number, true, false, or null", 1, 14),
    ('{"source": [{}]}', "Match expression name not found", 1, 15),
    ('{"source": [{"foo": 1}]}', "Unrecognized match type foo", 1, 22),
    ('{"source": [{"foo": "bar"}]}', "Unrecognized match type foo", 1, 22),
    ('{"source": [{"prefix": 5}]}', "prefix match pattern must be a string", 1, 25),
    ('{"source": [{"prefix": "a", "suffix": "b"}]}', "Only one key allowed in match expression", 1, 40),
    ('{"source": [{"prefix": {"foo": "a"}}]}', "Unsupported prefix pattern: foo", 1, 33),
    ('{"source": [{"suffix": {"foo": "a"}}]}', "Unsupported suffix pattern: foo", 1, 33),
    ('{"source": [{"prefix": {}}]}', "Prefix expression name not found", 1, 26),
    ('{"source": [{"prefix": {"equals-ignore-case": 1}}]}', "equals-ignore-case match pattern must be a string", 1, 48),
    ('{"source": [{"suffix": ["a"]}]}', "suffix match pattern must be a string", 1, 25),
    ('{"source": [{"equals-ignore-case": null}]}', "equals-ignore-case match pattern must be a string", 1, 40),
    ('{"source": [{"wildcard": 1}]}', "wildcard match pattern must be a string", 1, 27),
    ('{"source": [{"wildcard": "a**"}]}', "Consecutive wildcard characters at pos 2", 1, 31),
    ('{"source": [{"wildcard": "a\\\\b"}]}', "Invalid escape character at pos 2", 1, 32),
    ('{"source": [{"wildcard": "ab\\\\"}]}', "Invalid escape character at pos 3", 1, 32),
    ('{"source": [{"exists": "yes"}]}', "exists match pattern must be either true or false.", 1, 25),
    ('{"source": [{"exists": true, "prefix": "a"}]}', "Only one key allowed in match expression", 1, 41),
    ('{"source": [{"numeric": 5}]}', "Value of numeric must be an array.", 1, 26),
    ('{"source": [{"numeric": []}]}', "Invalid member in numeric match: ]", 1, 27),
    ('{"source": [{"numeric": [5]}]}', "Invalid member in numeric match: 5", 1, 27),
    ('{"source": [{"numeric": ["!", 5]}]}', "Unrecognized numeric range operator: !", 1, 32),
    ('{"source": [{"numeric": [">", "5"]}]}', "Value of > must be numeric", 1, 32),
    ('{"source": [{"numeric": ["=", "5"]}]}', "Value of equals must be numeric", 1, 32),
    ('{"source": [{"numeric": ["=", 5, "<", 6]}]}', "Too many elements in numeric expression", 1, 35),
    ('{"source": [{"numeric": [">", 5, ">", 6]}]}', "Bad numeric range operator: >", 1, 37),
    ('{"source": [{"numeric": [">", 5, 6]}]}', "Bad value in numeric range: 6", 1, 35),
    ('{"source": [{"numeric": [">", 5, "<", "6"]}]}', "Value of < must be numeric", 1, 40),
    ('{"source": [{"numeric": [">", 5, "<", 6, 7]}]}', "Too many terms in numeric range expression", 1, 43),
    ('{"source": [{"numeric": [">", 6, "<", 5]}]}', "Bottom must be less than top", 1, 41),
    ('{"source": [{"numeric": [">", 5, "<=", 5]}]}', "Bottom must be less than top", 1, 42),
    ('{"source": [{"numeric": ["<", 6e9]}]}', "Value must be between -5.0E9 and 5.0E9, inclusive", 1, 35),
    ('{"source": [{"numeric": ["=", 0.0000001]}]}', "Only values upto 6 decimals are supported1E-7 0.0000001 0x0.0p0", 1, 41),
    ('{"source": [{"numeric": [">", 0]}, 3]', None, 0, 0),  # truncated: see syntax cases
    ('{"source": [{"anything-but": null}]}', "Value of anything-but must be an array or single string/number value.", 1, 34),
    ('{"source": [{"anything-but": ["a", 1]}]}', "Inside anything but list, either all values are number or string, mixed type is not supported", 1, 38),
    ('{"source": [{"anything-but": []}]}', "Inside anything but list, either all values are number or string, mixed type is not supported", 1, 32),
    ('{"source": [{"anything-but": {"foo": "a"}}]}', "Unsupported anything-but pattern: foo", 1, 39),
    ('{"source": [{"anything-but": {}}]}', "Anything-But expression name not found", 1, 32),
    ('{"source": [{"anything-but": {"prefix": ""}}]}', "Null prefix/suffix not allowed", 1, 43),
    ('{"source": [{"anything-but": {"prefix": 5}}]}', "prefix/suffix match pattern must be a string", 1, 42),
    ('{"source": [{"anything-but": {"equals-ignore-case": 5}}]}', "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 1, 54),
    ('{"source": [{"anything-but": {"wildcard": 5}}]}', "wildcard match pattern must be a string", 1, 44),
    ('{"source": [{"anything-but": {"wildcard": "a**"}}]}', "Consecutive wildcard characters at pos 2", 1, 48),
    ('{"source": [{"anything-but": "a", "prefix": "b"}]}', "Too many elements in numeric expression", 1, 46),
    ('{"source": [{"cidr": 5}]}', "prefix match pattern must be a string", 1, 23),
    ('{"$or": {"a": [1]}}', "It must be an Array followed with $or.", 1, 10),
    ('{"$or": [{"a": [1]}]}', "There must have at least 2 Objects in $or relationship.", 1, 21),
    ('{"$or": [{"a": [1]}, "b"]}', "Only JSON object is allowed in array of $or relationship.", 1, 23),
    ('{"$or": [{"a": [1]}, {"prefix": ["b"]}]}', "prefix is Ruler reserved fieldName which cannot be used inside $or.", 1, 34),
    ('{"$or": [{"a": [1]}, {"b": {"numeric": ["b"]}}]}', "numeric is Ruler reserved fieldName which cannot be used inside $or.", 1, 41),
    ('{"$or": [{"a": [1]}, {"b": {}}]}', "Empty objects are not allowed", 1, 30),
    # JSON syntax, worded by the parser
    ('{"source": ["a" "b"]}', "Unexpected character ('\"' (code 34)): was expecting comma to separate Array entries", 1, 18),
    ('{source: ["a"]}', "Unexpected character ('s' (code 115)): was expecting double-quote to start field name", 1, 3),
    ('{"source" ["a"]}', "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value", 1, 12),
    ('{"source": [foo]}', "Unrecognized token 'foo': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 16),
    ('{"a": [1,', "Unexpected end-of-input within/between Array entries", 1, 10),
]
# fmt: on
ENGINE_RULES = [c for c in ENGINE_RULES if c[1] is not None]


@pytest.mark.parametrize(("text", "message", "line", "column"), SEEN_FROM_AWS + ENGINE_RULES)
def test_reason_and_position(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(InvalidPattern) as caught:
        compile_pattern(text)
    assert (
        caught.value.reason
        == f'{message}\n at [Source: (String)"{text}"; line: {line}, column: {column}]'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"source": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
        ('{"source": [{"cidr": "10.0.0.0/"}]}', "Malformed CIDR, one '/' required"),
        ('{"source": [{"cidr": "10.0.0.0/x"}]}', "Malformed CIDR, mask bits must be an integer"),
        ('{"source": [{"cidr": "10.0.0.0/-1"}]}', "Malformed CIDR, mask bits must not be negative"),
        ('{"source": [{"cidr": "10.0.0.0/32"}]}', "IPv4 mask bits must be < 32"),
        ('{"source": [{"cidr": "2001:db8::/128"}]}', "IPv6 mask bits must be < 128"),
        ('{"source": [{"cidr": "hello/8"}]}', "Nonstandard IP address: hello"),
        ('{"source": [{"cidr": "999.0.0.0/8"}]}', "Invalid IP address: 999.0.0.0"),
        (
            '{"source": [{"anything-but": 1e10}]}',
            "Value must be between -5.0E9 and 5.0E9, inclusive",
        ),
        (
            '{"source": [{"wildcard": "*a*b*c*d*e*f*g"}]}',
            "Rule is too complex - try using fewer wildcard characters or fewer repeating"
            " character sequences after a wildcard character",
        ),
    ],
)
def test_reasons_without_position(text: str, message: str) -> None:
    """These come from checks outside the parser, so AWS reports no position."""
    with pytest.raises(InvalidPattern) as caught:
        compile_pattern(text)
    assert caught.value.reason == message


def test_errors_inside_a_list_scan_carry_the_position_twice() -> None:
    """The engine re-wraps an error raised while scanning an anything-but list."""
    text = '{"source": [{"anything-but": [true]}]}'
    with pytest.raises(InvalidPattern) as caught:
        compile_pattern(text)
    where = f'[Source: (String)"{text}"; line: 1, column: 35]'
    assert caught.value.reason == (
        f"Inside anything but list, start|null|boolean is not supported.\n at {where}\n at {where}"
    )


def test_end_of_input_names_the_open_marker() -> None:
    text = '{"source": ["a"'
    with pytest.raises(InvalidPattern) as caught:
        compile_pattern(text)
    source = f'[Source: (String)"{text}"; line: 1'
    assert caught.value.reason == (
        f"Unexpected end-of-input: expected close marker for Array (start marker at {source},"
        f" column: 12])\n at {source}, column: 16]"
    )


def test_long_patterns_are_truncated_in_the_source_snippet() -> None:
    text = '{"source": "' + "x" * 600 + '"}'
    with pytest.raises(InvalidPattern) as caught:
        compile_pattern(text)
    assert f'(String)"{text[:500]}"[truncated {len(text) - 500} chars]; line: 1, column: 13]' in (
        caught.value.reason
    )


def test_trailing_content_after_the_pattern_is_ignored_as_aws_does() -> None:
    assert (
        compile_pattern('{"a": ["x"]} trailing').branches
        == compile_pattern('{"a": ["x"]}').branches
    )


def test_valid_patterns_compile() -> None:
    for text in (
        '{"source": ["a"], "detail": {"n": [{"numeric": [">=", -5e9, "<=", 5e9]}]}}',
        '{"a": [{"wildcard": "*a*b*c*d*e*f"}]}',
        '{"a": [{"anything-but": {"prefix": ["x", "y"]}}]}',
        '{"a": [{"cidr": "10.0.0.5/31"}]}',
        '{"prefix": ["top-level names may be operator words"]}',
    ):
        compile_pattern(text)
