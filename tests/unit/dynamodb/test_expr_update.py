"""Update expressions: every action incl. nested and list-index paths, their evaluation
errors, parse-time validation, key protection and the UPDATED_* projections."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.expressions import Path, parse_update

VALUES: dict[str, Any] = {
    ":s": {"S": "new"},
    ":n": {"N": "2"},
    ":neg": {"N": "-0.5"},
    ":l": {"L": [{"S": "y"}]},
    ":empty": {"L": []},
    ":ss": {"SS": ["b", "c"]},
    ":ns": {"NS": ["1.0", "3"]},
    ":bs": {"BS": [b"\x02"]},
    ":m": {"M": {"k": {"S": "v"}}},
    ":big": {"N": "9E+125"},
}

ITEM: dict[str, Any] = {
    "pk": {"S": "key"},
    "s": {"S": "old"},
    "n": {"N": "1.5"},
    "l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}, {"S": "d"}]},
    "m": {"M": {"k": {"N": "1"}, "kids": {"L": [{"M": {"x": {"N": "0"}}}]}}},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
}


def used(expression: str, table: dict[str, Any]) -> dict[str, Any] | None:
    """The placeholders of `table` that `expression` mentions (None if none)."""
    words = set(re.findall(r"[:#]\w+", expression))
    return {k: v for k, v in table.items() if k in words} or None


def run(expression: str, item: dict[str, Any] | None = ITEM, names: Any = None) -> Any:
    update = parse_update(expression, names, used(expression, VALUES))
    return update.apply(copy.deepcopy(item) if item is not None else None)


@pytest.mark.parametrize(
    ("expression", "attribute", "expected"),
    [
        ("SET s = :s", "s", {"S": "new"}),
        ("SET fresh = :m", "fresh", {"M": {"k": {"S": "v"}}}),
        ("SET s = n", "s", {"N": "1.5"}),
        ("SET n = n + :n", "n", {"N": "3.5"}),
        ("SET n = n - :n", "n", {"N": "-0.5"}),
        ("SET n = :n - n", "n", {"N": "0.5"}),
        ("SET n = n + :neg", "n", {"N": "1"}),
        ("SET x = :n + :n", "x", {"N": "4"}),
        ("SET x = m.k + n", "x", {"N": "2.5"}),
        ("SET s = if_not_exists(s, :s)", "s", {"S": "old"}),
        ("SET x = if_not_exists(x, :s)", "x", {"S": "new"}),
        ("SET x = if_not_exists(x, n)", "x", {"N": "1.5"}),
        ("SET n = if_not_exists(n, :n) + :n", "n", {"N": "3.5"}),
        ("SET x = if_not_exists(x, :n) + :n", "x", {"N": "4"}),
        ("SET l = list_append(l, :l)", "l", {"L": [*ITEM["l"]["L"], {"S": "y"}]}),
        ("SET l = list_append(:l, l)", "l", {"L": [{"S": "y"}, *ITEM["l"]["L"]]}),
        ("SET x = list_append(:l, :empty)", "x", {"L": [{"S": "y"}]}),
        (
            "SET x = list_append(if_not_exists(x, :empty), :l)",
            "x",
            {"L": [{"S": "y"}]},
        ),
        ("SET l[1] = :s", "l", {"L": [{"S": "a"}, {"S": "new"}, {"S": "c"}, {"S": "d"}]}),
        ("SET l[9] = :s", "l", {"L": [*ITEM["l"]["L"], {"S": "new"}]}),
        ("SET m.k = :s", "m", {"M": {"k": {"S": "new"}, "kids": ITEM["m"]["M"]["kids"]}}),
        (
            "SET m.kids[0].y = :n",
            "m",
            {
                "M": {
                    "k": {"N": "1"},
                    "kids": {"L": [{"M": {"x": {"N": "0"}, "y": {"N": "2"}}}]},
                }
            },
        ),
        ("SET #dot = :s", "a.b", {"S": "new"}),
        ("REMOVE l[0], l[2]", "l", {"L": [{"S": "b"}, {"S": "d"}]}),
        ("REMOVE l[2], l[0]", "l", {"L": [{"S": "b"}, {"S": "d"}]}),
        ("REMOVE l[9]", "l", ITEM["l"]),
        ("REMOVE m.k", "m", {"M": {"kids": ITEM["m"]["M"]["kids"]}}),
        ("REMOVE m.nope", "m", ITEM["m"]),
        ("REMOVE m.kids[0].x", "m", {"M": {"k": {"N": "1"}, "kids": {"L": [{"M": {}}]}}}),
        ("ADD n :n", "n", {"N": "3.5"}),
        ("ADD fresh :n", "fresh", {"N": "2"}),
        ("ADD m.k :n", "m", {"M": {"k": {"N": "3"}, "kids": ITEM["m"]["M"]["kids"]}}),
        ("ADD ss :ss", "ss", {"SS": ["a", "b", "c"]}),
        ("ADD ns :ns", "ns", {"NS": ["1", "2", "3"]}),
        ("ADD bs :bs", "bs", {"BS": [b"\x01", b"\x02"]}),
        ("ADD fresh :ss", "fresh", {"SS": ["b", "c"]}),
        ("DELETE ss :ss", "ss", {"SS": ["a"]}),
        ("DELETE ns :ns", "ns", {"NS": ["2"]}),
        ("DELETE bs :bs", "bs", {"BS": [b"\x01"]}),
    ],
)
def test_actions(expression: str, attribute: str, expected: Any) -> None:
    names = {"#dot": "a.b"} if "#dot" in expression else None
    assert run(expression, names=names)[attribute] == expected


@pytest.mark.parametrize(
    ("expression", "gone"),
    [("REMOVE s", {"s"}), ("REMOVE s, n", {"s", "n"}), ("DELETE ns :ns REMOVE s", {"s"})],
)
def test_removals(expression: str, gone: set[str]) -> None:
    assert set(ITEM) - set(run(expression)) == gone


def test_delete_of_every_element_removes_the_attribute() -> None:
    item = {"pk": {"S": "k"}, "ss": {"SS": ["b", "c"]}}
    assert run("DELETE ss :ss", item) == {"pk": {"S": "k"}}


def test_delete_and_remove_of_absent_attributes_are_no_ops() -> None:
    item = {"pk": {"S": "k"}}
    assert run("DELETE ss :ss REMOVE nothing_here", item) == item


def test_values_come_from_the_original_item() -> None:
    result = run("SET s = n, n = s")
    assert (result["s"], result["n"]) == ({"N": "1.5"}, {"S": "old"})


def test_apply_does_not_mutate_and_accepts_no_item() -> None:
    original = copy.deepcopy(ITEM)
    parse_update("SET m.k = :s REMOVE l[0]", None, {":s": {"S": "x"}}).apply(ITEM)
    assert original == ITEM
    assert parse_update("SET a = :s", None, {":s": {"S": "x"}}).apply(None) == {"a": {"S": "x"}}


def test_every_section_together() -> None:
    result = run("SET s = :s REMOVE l[1] ADD n :n DELETE ss :ss")
    assert result["s"] == {"S": "new"}
    assert result["l"]["L"] == [{"S": "a"}, {"S": "c"}, {"S": "d"}]
    assert result["n"] == {"N": "3.5"}
    assert result["ss"] == {"SS": ["a"]}


MISSING = "The provided expression refers to an attribute that does not exist in the item"
INVALID = "The document path provided in the update expression is invalid for update"
WRONG = "An operand in the update expression has an incorrect data type"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("SET x = nosuch", MISSING),
        ("SET x = list_append(nosuch, :l)", MISSING),
        ("SET x = nosuch + :n", MISSING),
        ("SET x = m.nosuch", MISSING),
        ("SET x = s + :n", WRONG),
        ("SET x = :n - s", WRONG),
        ("SET x = list_append(s, :l)", WRONG),
        ("SET x = list_append(:l, m)", WRONG),
        ("SET x = list_append(if_not_exists(x, :s), :l)", WRONG),
        ("ADD s :n", WRONG),
        ("ADD l :ss", WRONG),
        ("ADD ss :ns", WRONG),
        ("ADD n :ss", WRONG),
        ("DELETE s :ss", WRONG),
        ("DELETE ns :ss", WRONG),
        ("DELETE n :ns", WRONG),
        ("SET nosuch.a = :s", INVALID),
        ("SET nosuch[0] = :s", INVALID),
        ("SET s.a = :s", INVALID),
        ("SET s[0] = :s", INVALID),
        ("SET m[0] = :s", INVALID),
        ("SET l.a = :s", INVALID),
        ("REMOVE nosuch.a", INVALID),
        ("REMOVE nosuch[1]", INVALID),
        ("REMOVE m[1]", INVALID),
        ("REMOVE l.a", INVALID),
        ("ADD nosuch.a :n", INVALID),
        ("ADD l.a :n", INVALID),
        ("DELETE nosuch.a :ss", INVALID),
        ("DELETE m[0] :ss", INVALID),
        (
            "SET n = :big + :big",
            "Number overflow. Attempting to store a number with magnitude "
            "larger than supported range",
        ),
    ],
)
def test_evaluation_errors(expression: str, message: str) -> None:
    with pytest.raises(ServiceError) as info:
        run(expression)
    assert info.value.message == message


def test_nested_set_in_missing_item() -> None:
    with pytest.raises(ServiceError) as info:
        run("SET a.b = :s", None)
    assert info.value.message == INVALID


U = "Invalid UpdateExpression: "


def parse_error(expression: str, names: Any = None, values: Any = None) -> str:
    with pytest.raises(ServiceError) as info:
        parse_update(expression, names, values)
    return info.value.message


@pytest.mark.parametrize(
    ("expression", "section"),
    [
        ("set a = #c set c = :d", "SET"),
        ("remove #d set a = b remove e", "REMOVE"),
        ("add #d :e set a = b add e :f", "ADD"),
        ("delete #d :e set a = b delete #e :f", "DELETE"),
    ],
)
def test_sections_only_once(expression: str, section: str) -> None:
    assert parse_error(expression, {"#a": "a"}, {":a": {"S": "a"}}) == (
        f'{U}The "{section}" section can only be used once in an update expression;'
    )


@pytest.mark.parametrize(
    ("expression", "kind", "one", "two"),
    [
        ("set a = :v, a = :v", "overlap", "[a]", "[a]"),
        ("set a = :v remove a.b", "overlap", "[a]", "[a, b]"),
        ("remove a.b, a", "overlap", "[a, b]", "[a]"),
        (
            "set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)",
            "overlap",
            "[c, [1], a]",
            "[c]",
        ),
        ("set #c[3].#d = a, #c[3] = a", "overlap", "[c, [3], [3]]", "[c, [3]]"),
        ("set #c[3].#d = a, #c.#d[3] = a", "conflict", "[c, [3], [3]]", "[c, [3], [3]]"),
        ("remove a.#c set a[1] = #d", "conflict", "[a, c]", "[a, [1]]"),
        ("add a[0] :v delete a.b :w", "conflict", "[a, [0]]", "[a, b]"),
    ],
)
def test_overlapping_and_conflicting_paths(expression: str, kind: str, one: str, two: str) -> None:
    names = used(expression, {"#c": "c", "#d": "[3]"})
    values = used(expression, {":v": {"N": "1"}, ":w": {"NS": ["1"]}})
    assert parse_error(expression, names, values) == (
        f"{U}Two document paths {kind} with each other; must remove or rewrite one of these "
        f"paths; path one: {one}, path two: {two}"
    )


def test_disjoint_paths_are_fine() -> None:
    update = parse_update(
        "SET a.b = :v, a.c = :v, l[0] = :v, l[1] = :v REMOVE ab", None, {":v": {"N": "1"}}
    )
    assert update.changed_paths() == [
        Path(("a", "b")),
        Path(("a", "c")),
        Path(("l", 0)),
        Path(("l", 1)),
        Path(("ab",)),
    ]


TYPED = {
    ":a": {"S": "a"},
    ":b": {"N": "1"},
    ":c": {"B": b"a"},
    ":d": {"BOOL": True},
    ":e": {"NULL": True},
    ":f": {"SS": ["a"]},
    ":g": {"NS": ["1"]},
    ":h": {"BS": [b"a"]},
    ":i": {"M": {}},
    ":j": {"L": []},
}


@pytest.mark.parametrize(
    ("expression", "operator", "operand"),
    [
        ("set a = list_append(:a, a)", "list_append", "S"),
        ("set a = list_append(a, :b)", "list_append", "N"),
        ("set a = list_append(:i, a)", "list_append", "M"),
        ("set a = list_append(:f, a)", "list_append", "SS"),
        ("set a = a + :a", "+", "S"),
        ("set a = :a + :c", "+", "S"),
        ("set a = :c + a", "+", "B"),
        ("set a = a + :d", "+", "BOOL"),
        ("set a = a + :e", "+", "NULL"),
        ("set a = a + :j", "+", "L"),
        ("set a = a - :h", "-", "BS"),
        ("set a = a - :i", "-", "M"),
        ("set a = a + list_append(a, b)", "+", "L"),
    ],
)
def test_incorrect_operand_types(expression: str, operator: str, operand: str) -> None:
    assert parse_error(expression, None, used(expression, TYPED)) == (
        f"{U}Incorrect operand type for operator or function; operator or function: "
        f"{operator}, operand type: {operand}"
    )


@pytest.mark.parametrize(
    ("expression", "operator", "operand"),
    [
        ("add a.b :a", "ADD", "STRING"),
        ("delete a.b :a", "DELETE", "STRING"),
        ("add a.b :e", "ADD", "NULL"),
        ("delete a.b :e", "DELETE", "NULL"),
        ("add a.b :d", "ADD", "BOOLEAN"),
        ("delete a.b :d", "DELETE", "BOOLEAN"),
        ("add a.b :c", "ADD", "BINARY"),
        ("add a.b :i", "ADD", "MAP"),
        ("add a.b :j", "ADD", "LIST"),
        ("delete a.b :j", "DELETE", "LIST"),
        ("delete a.b :b", "DELETE", "NUMBER"),
        ("set b = list_append(:a, a), c = if_not_exists(a) add a.b :a", "ADD", "STRING"),
    ],
)
def test_add_delete_operand_types(expression: str, operator: str, operand: str) -> None:
    assert parse_error(expression, None, used(expression, TYPED)) == (
        f"{U}Incorrect operand type for operator or function; operator: {operator}, "
        f"operand type: {operand}, typeSet: ALLOWED_FOR_ADD_OPERAND"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "set a = if_not_exists(c)",
            "Incorrect number of operands for operator or function; "
            "operator or function: if_not_exists, number of operands: 1",
        ),
        (
            "set a = list_append(c)",
            "Incorrect number of operands for operator or function; "
            "operator or function: list_append, number of operands: 1",
        ),
        (
            "set a = if_not_exists(:a, c)",
            "Operator or function requires a document path; operator or function: if_not_exists",
        ),
        (
            "set a = if_not_exists(if_not_exists(a, b), c)",
            "Operator or function requires a document path; operator or function: if_not_exists",
        ),
        ("set a = if_not_exist(a, b)", "Invalid function name; function: if_not_exist"),
        (
            "set #c = if_not_exist(:c) set c = d",
            "Invalid function name; function: if_not_exist",
        ),
        (
            "set a = size(b)",
            "The function is not allowed in an update expression; function: size",
        ),
        (
            "set a = attribute_exists(b)",
            "The function is not allowed in an update expression; function: attribute_exists",
        ),
        (
            "SET #c = if_not_exists(:c)",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #c",
        ),
        (
            "SET a = if_not_exists(:c)",
            "An expression attribute value used in expression is not defined; attribute value: :c",
        ),
    ],
)
def test_function_errors(expression: str, message: str) -> None:
    assert parse_error(expression, None, {":a": {"S": "a"}} if ":a" in expression else None) == (
        U + message
    )


def test_key_attributes_cannot_be_updated() -> None:
    for expression in (
        "SET pk = :s",
        "ADD pk.b :n",
        "REMOVE d SET b = :s, pk = :s",
        "SET x = pk.b + pk[1], sk[0] = :s",
    ):
        update = parse_update(expression, None, used(expression, VALUES))
        with pytest.raises(ServiceError) as info:
            update.check_keys(["pk", "sk"])
        name = "sk" if expression.startswith("SET x") else "pk"
        assert info.value.message == (
            f"One or more parameter values were invalid: Cannot update attribute {name}. "
            "This attribute is part of the key"
        )
    parse_update("SET copied = pk").check_keys(["pk"])  # reading a key is fine


def test_updated_old_and_new_projections() -> None:
    update = parse_update(
        "SET m.k = :s, l[1] = :s, n = n + :n REMOVE s ADD fresh :n",
        None,
        {":s": {"S": "z"}, ":n": {"N": "1"}},
    )
    old, new = ITEM, update.apply(ITEM)
    assert update.project(old) == {
        "m": {"M": {"k": {"N": "1"}}},
        "l": {"L": [{"S": "b"}]},
        "n": {"N": "1.5"},
        "s": {"S": "old"},
    }
    assert update.project(new) == {
        "m": {"M": {"k": {"S": "z"}}},
        "l": {"L": [{"S": "z"}]},
        "n": {"N": "2.5"},
        "fresh": {"N": "1"},
    }


def test_update_operator_limit() -> None:
    fine = "SET " + ",".join(f"a{i}=b+:n" for i in range(299)) + ",c=if_not_exists(c,:n)"
    assert len(parse_update(fine, None, {":n": {"N": "1"}}).actions) == 300
    too_many = fine + ",d=:n-b"
    assert parse_error(too_many, None, {":n": {"N": "1"}}) == (
        f"{U}The expression contains too many operators; operator count: 301"
    )
