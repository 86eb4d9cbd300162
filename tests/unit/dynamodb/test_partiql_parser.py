"""The PartiQL lexer and parser: tokens, each statement form, literals and parameters,
WHERE planning helpers, and DynamoDB's messages for malformed statements."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.expressions.ast import And, Between, Compare, Function, In, Not, Path
from tenku.services.dynamodb.partiql import statements as st
from tenku.services.dynamodb.partiql.lexer import tokenize
from tenku.services.dynamodb.partiql.parser import parse

MALFORMED = "Statement wasn't well formed, can't be processed: "


def message(statement: str, parameters: list[dict[str, str]] | None = None) -> str:
    with pytest.raises(ServiceError) as caught:
        parse(statement, parameters)
    assert caught.value.code == "ValidationException"
    return caught.value.message


def test_tokens() -> None:
    tokens = tokenize("select \"my\"\"tbl\" 'it''s' 1.5e3 <<>> <> != ? -- note")
    assert [(t.kind, t.text) for t in tokens] == [
        ("KEYWORD", "SELECT"),
        ("QIDENT", 'my"tbl'),
        ("STRING", "it's"),
        ("NUMBER", "1.5e3"),
        ("PUNCT", "<<"),
        ("PUNCT", ">>"),
        ("PUNCT", "<>"),
        ("PUNCT", "!="),
        ("PUNCT", "?"),
        ("EOF", ""),
    ]


def test_select_form() -> None:
    parsed = parse(
        'SELECT a, b.c[2] FROM "t"."i" WHERE pk = ? AND sk BETWEEN 1 AND 9 ORDER BY sk DESC',
        [{"S": "p"}],
    )
    assert isinstance(parsed, st.Select)
    assert (parsed.table, parsed.index, parsed.order) == ("t", "i", [("sk", True)])
    assert parsed.projection == [Path(("a",)), Path(("b", "c", 2))]
    assert isinstance(parsed.where, And) and isinstance(parsed.where.right, Between)
    assert parse("select * from t").projection is None  # type: ignore[union-attr]


def test_where_forms() -> None:
    where = parse("SELECT * FROM t WHERE x IN [1, 2] AND NOT y <> 'a' AND z IS MISSING").where
    terms = st.conjuncts(where)
    assert isinstance(terms[0], In) and isinstance(terms[1], Not)
    assert isinstance(terms[2], Function) and terms[2].name == "attribute_not_exists"
    where = parse("SELECT * FROM t WHERE begins_with(a, 'x') AND size(b) > 2").where
    assert isinstance(where, And) and isinstance(where.right, Compare)


def test_literals_and_parameters() -> None:
    parsed = parse(
        "INSERT INTO t VALUE {'pk': ?, 'n': -2.50, 'b': true, 'z': null, 'l': [1, 'a'], "
        "'ss': <<'a', 'b'>>, 'ns': <<1, 2>>, 'm': {'q': 'it''s'}}",
        [{"S": "k"}],
    )
    assert isinstance(parsed, st.Insert)
    assert parsed.item == {
        "pk": {"S": "k"},
        "n": {"N": "-2.5"},
        "b": {"BOOL": True},
        "z": {"NULL": True},
        "l": {"L": [{"N": "1"}, {"S": "a"}]},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "m": {"M": {"q": {"S": "it's"}}},
    }


def test_update_and_delete_forms() -> None:
    parsed = parse(
        "UPDATE t SET a = 1, b.c = 'x', n = n + 1 REMOVE r WHERE pk = 'a' RETURNING ALL NEW *"
    )
    assert isinstance(parsed, st.Update)
    assert [(a.action, a.path) for a in parsed.actions] == [
        ("SET", Path(("a",))),
        ("SET", Path(("b", "c"))),
        ("SET", Path(("n",))),
        ("REMOVE", Path(("r",))),
    ]
    assert parsed.returning == "ALL NEW"
    added = parse("UPDATE t SET s = set_add(s, <<'x'>>) WHERE pk = 'a'")
    assert isinstance(added, st.Update) and added.actions[0].action == "ADD"
    deleted = parse("DELETE FROM t WHERE pk = 'a' RETURNING ALL OLD *")
    assert isinstance(deleted, st.Delete) and deleted.returning == "ALL OLD"


def test_key_planning() -> None:
    where = parse("SELECT * FROM t WHERE pk = 'a' AND sk > 3 AND n = 1").where
    with pytest.raises(ServiceError) as caught:
        st.split_key(where, ["pk", "sk"])
    assert caught.value.message == st.INCOMPLETE_KEY
    key, rest = st.split_key(where, ["pk"])
    assert key == {"pk": {"S": "a"}} and rest is not None
    assert st.partition_values(where, "pk") == [{"S": "a"}]
    condition = st.range_condition(where, "pk", {"S": "a"}, "sk")
    assert (condition.range_op, condition.range_values) == (">", ({"N": "3"},))
    either = parse("SELECT * FROM t WHERE pk = 'a' OR pk = 'b' OR pk = 'a'").where
    assert st.partition_values(either, "pk") == [{"S": "a"}, {"S": "b"}]
    assert st.partition_values(parse("SELECT * FROM t WHERE pk > 'a'").where, "pk") is None


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("SELEC * FROM t", MALFORMED + "Expected data manipulation"),
        ("", MALFORMED + "Expected data manipulation"),
        ("SELECT * FROM", MALFORMED + "Unexpected end of input"),
        ("SELECT * FROM t WHERE AND", MALFORMED + "Unexpected keyword"),
        ("SELECT * FROM t extra", MALFORMED + "Unexpected token"),
        ("SELECT * FROM t WHERE a = 'open", MALFORMED + "Unexpected token"),
        (
            "SELECT *, a FROM t",
            "Other attributes should not be present in the projection when '*' is used.",
        ),
        ('SELECT * FROM "a"."b"."c"', "A path may contain at most 2 components in the FROM clause"),
        ('SELECT * FROM ""', "Path component cannot be an empty string"),
        ("SELECT * FROM t WHERE a = MISSING", "MISSING must be compared using IS operator"),
        (
            "SELECT * FROM t WHERE a = ?",
            "Number of parameters in request and statement don't match.",
        ),
        ("INSERT INTO t VALUE {'a': <<>>}", "Empty bags are not supported"),
        (
            "INSERT INTO t VALUE {'a': <<1, 'x'>>}",
            "Unsupported data type in Bag. DynamoDB only "
            "supports either numbers or strings in bags",
        ),
        (
            "INSERT INTO t VALUE {'a': 1} RETURNING ALL OLD *",
            "RETURNING is not supported in INSERT",
        ),
        (
            "DELETE FROM t WHERE pk = 1 RETURNING MODIFIED OLD *",
            "Invalid returning clause: "
            "RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is allowed in DELETE statements.",
        ),
        ('DELETE FROM "t"."i" WHERE pk = 1', "This operation is not supported on an index"),
    ],
)
def test_errors(statement: str, expected: str) -> None:
    assert message(statement) == expected


def test_extra_parameters_are_refused() -> None:
    assert message("SELECT * FROM t", [{"S": "x"}]) == (
        "Number of parameters in request and statement don't match."
    )
