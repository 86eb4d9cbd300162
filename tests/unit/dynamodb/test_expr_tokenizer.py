"""Tokenizer, syntax errors (token/near), size limits and reserved words."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.expressions import parse_condition, parse_projection, parse_update
from tenku.services.dynamodb.expressions.reserved import RESERVED_WORDS, is_reserved
from tenku.services.dynamodb.expressions.tokenizer import tokenize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


def test_tokens_of_every_kind() -> None:
    assert kinds("SET a.#b[12] = :v0 + x_1, c<>d <= >= < > ( ) -") == [
        ("KEYWORD", "SET"),
        ("IDENT", "a"),
        ("PUNCT", "."),
        ("NAME", "#b"),
        ("PUNCT", "["),
        ("NUMBER", "12"),
        ("PUNCT", "]"),
        ("PUNCT", "="),
        ("VALUE", ":v0"),
        ("PUNCT", "+"),
        ("IDENT", "x_1"),
        ("PUNCT", ","),
        ("IDENT", "c"),
        ("PUNCT", "<>"),
        ("IDENT", "d"),
        ("PUNCT", "<="),
        ("PUNCT", ">="),
        ("PUNCT", "<"),
        ("PUNCT", ">"),
        ("PUNCT", "("),
        ("PUNCT", ")"),
        ("PUNCT", "-"),
        ("EOF", ""),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and Or nOt between IN", ["KEYWORD"] * 5),
        ('# : / * ! "', ["ERROR"] * 6),
        ("\tab\n\r", ["IDENT"]),
    ],
)
def test_token_kinds(text: str, expected: list[str]) -> None:
    assert [k for k, _ in kinds(text)][:-1] == expected


def test_tokens_keep_positions() -> None:
    token = tokenize("  abc")[0]
    assert (token.start, token.end) == (2, 5)


def message(call: object) -> str:
    assert callable(call)
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == "ValidationException"
    assert info.value.status == 400
    return info.value.message


@pytest.mark.parametrize(
    ("expression", "token", "near"),
    [
        ("SET a", "<EOF>", "a"),
        ("ADD hits : incr", ":", "hits : incr"),
        ("set a = b / c", "/", "b / c"),
        ("set a = b * c", "*", "b * c"),
        ("whatever", "whatever", "whatever"),
        ("set a b", "b", "a b"),
        ("set a=set", "set", "=set"),
        ("remove a = b", "=", "a = b"),
        ("add a = b", "=", "a = b"),
        ("delete a b", "b", "a b"),
        ("set :a = b", ":a", "set :a ="),
        ("remove :a", ":a", "remove :a"),
        ('set a[1] = "eight"', '"', '= "eight'),
        ("set a = b + c + d", "+", "c + d"),
        ("set (a = (b + c))", "(", "set (a"),
        ("set a = (b.c).d + e", "(", "= (b"),
        ("set a[x] = :v", "x", "[x]"),
        ("set a[-1] = :v", "-", "[-1"),
        ("set a = ", "<EOF>", "="),
    ],
)
def test_update_syntax_errors(expression: str, token: str, near: str) -> None:
    assert message(lambda: parse_update(expression)) == (
        f'Invalid UpdateExpression: Syntax error; token: "{token}", near: "{near}"'
    )


@pytest.mark.parametrize(
    ("expression", "token", "near"),
    [
        ("a =", "<EOF>", "="),
        ("a = b c", "c", "b c"),
        ("a between b", "<EOF>", "b"),
        ("a between b or c", "or", "b or c"),
        ("a in b", "b", "in b"),
        ("a in ()", ")", "()"),
        ("a = b and", "<EOF>", "and"),
        ("(a = b", "<EOF>", "b"),
        ("a = b)", ")", "b)"),
        ("not", "<EOF>", "not"),
        ("a", "<EOF>", "a"),
        ("a.b.", "<EOF>", "."),
        ("begins_with(a, b", "<EOF>", "b"),
        ("foo()", ")", "()"),
        ("a == b", "=", "== b"),
        ("a != b", "!", "a !="),
        ("(a) = b", ")", "a) ="),
    ],
)
def test_condition_syntax_errors(expression: str, token: str, near: str) -> None:
    assert message(lambda: parse_condition(expression)) == (
        f'Invalid ConditionExpression: Syntax error; token: "{token}", near: "{near}"'
    )


@pytest.mark.parametrize(
    ("expression", "token", "near"),
    [("a,", "<EOF>", ","), ("a b", "b", "a b"), ("some-attr", "-", "some-attr"), (",a", ",", ",a")],
)
def test_projection_syntax_errors(expression: str, token: str, near: str) -> None:
    assert message(lambda: parse_projection(expression)) == (
        f'Invalid ProjectionExpression: Syntax error; token: "{token}", near: "{near}"'
    )


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda e: parse_update(e), "UpdateExpression"),
        (lambda e: parse_condition(e), "ConditionExpression"),
        (lambda e: parse_condition(e, kind="FilterExpression"), "FilterExpression"),
        (lambda e: parse_projection(e), "ProjectionExpression"),
    ],
)
def test_empty_and_oversized_expressions(call: object, kind: str) -> None:
    assert callable(call)
    for empty in ("", "   "):
        empty_message = message(lambda e=empty: call(e))
        assert empty_message == f"Invalid {kind}: The expression can not be empty;"
    big = "a" * 4097
    assert message(lambda: call(big)) == (
        f"Invalid {kind}: Expression size has exceeded the maximum allowed size; "
        "expression size: 4097"
    )


def test_expression_size_counts_utf8_bytes() -> None:
    text = "#é" * 1366 + "#"  # 2 bytes each: 4099 bytes, 2733 characters
    assert "expression size: 4099" in message(lambda: parse_projection(text))


def test_reserved_word_list() -> None:
    assert len(RESERVED_WORDS) == 573
    for word in ("ABORT", "status", "Name", "size", "ZONE", "value", "TTL"):
        assert is_reserved(word)
    for word in ("pk", "attribute_exists", "foo", "names2"):
        assert not is_reserved(word)


@pytest.mark.parametrize(
    ("call", "kind", "word"),
    [
        (lambda: parse_condition("status = :v", None, {":v": {"S": "x"}}), "Condition", "status"),
        (lambda: parse_condition("a.Name = :v", None, {":v": {"S": "x"}}), "Condition", "Name"),
        (lambda: parse_update(" remove Absolute "), "Update", "Absolute"),
        (lambda: parse_update(" set #c = :c set abOrt = true "), "Update", "abOrt"),
        (lambda: parse_projection("a, b.data"), "Projection", "data"),
    ],
)
def test_reserved_words_are_rejected(call: object, kind: str, word: str) -> None:
    assert message(call) == (
        f"Invalid {kind}Expression: Attribute name is a reserved keyword; reserved keyword: {word}"
    )


def test_reserved_words_are_fine_behind_names_and_as_functions() -> None:
    condition = parse_condition("size(#s) > :n", {"#s": "status"}, {":n": {"N": "1"}})
    assert condition.evaluate({"status": {"S": "ab"}})
