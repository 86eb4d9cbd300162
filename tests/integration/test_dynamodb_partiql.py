"""PartiQL through boto3: ExecuteStatement (SELECT as Query or Scan, INSERT, UPDATE,
DELETE, RETURNING, parameters, pagination), BatchExecuteStatement and
ExecuteTransaction, with DynamoDB's error codes and messages, and failed statements
leaving the table unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

MALFORMED = "Statement wasn't well formed, can't be processed: "


@pytest.fixture(scope="module")
def ddb(tenku: TenkuProcess) -> Any:
    return tenku.client("dynamodb")


@pytest.fixture
def table(ddb: Any, name: str) -> str:
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for pk in ("a", "b"):
        for sk in range(1, 6):
            ddb.put_item(
                TableName=name,
                Item={
                    "pk": {"S": pk},
                    "sk": {"N": str(sk)},
                    "g": {"S": "even" if sk % 2 == 0 else "odd"},
                    "n": {"N": str(sk * 10)},
                    "doc": {"M": {"tags": {"L": [{"S": f"t{sk}"}, {"S": "x"}]}}},
                },
            )
    return name


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def scan_all(ddb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda i: (i["pk"]["S"], int(i["sk"]["N"])))


def test_select_query_scan_projection_and_order(ddb: Any, table: str) -> None:
    run = ddb.execute_statement
    items = run(
        Statement=f'SELECT * FROM "{table}" WHERE pk = ? AND sk >= 4', Parameters=[{"S": "a"}]
    )["Items"]
    assert [i["sk"]["N"] for i in items] == ["4", "5"]
    items = run(Statement=f"SELECT sk FROM \"{table}\" WHERE pk = 'b' ORDER BY sk DESC")["Items"]
    assert items == [{"sk": {"N": str(n)}} for n in (5, 4, 3, 2, 1)]
    items = run(
        Statement=f"SELECT sk, doc.tags[0] FROM \"{table}\" WHERE pk IN ['a', 'b'] AND sk "
        f"BETWEEN 2 AND 3"
    )["Items"]
    assert (
        items
        == [
            {"sk": {"N": "2"}, "tags[0]": {"S": "t2"}},
            {"sk": {"N": "3"}, "tags[0]": {"S": "t3"}},
        ]
        * 2
    )
    items = run(Statement=f"SELECT pk, sk FROM \"{table}\" WHERE n > 30 AND NOT pk = 'b'")["Items"]
    assert items == [{"pk": {"S": "a"}, "sk": {"N": "4"}}, {"pk": {"S": "a"}, "sk": {"N": "5"}}]
    items = run(Statement=f"SELECT * FROM \"{table}\".\"by-g\" WHERE g = 'even' AND pk = 'a'")[
        "Items"
    ]
    assert sorted(i["sk"]["N"] for i in items) == ["2", "4"]
    items = run(
        Statement=f"SELECT sk FROM \"{table}\" WHERE pk = 'a' AND (begins_with(g, 'ev') OR "
        f"size(doc.tags) > 5) AND contains(doc.tags, 'x') AND missing_attr IS MISSING AND "
        f"n IS NOT MISSING"
    )["Items"]
    assert items == [{"sk": {"N": "2"}}, {"sk": {"N": "4"}}]
    assert len(run(Statement=f'SELECT * FROM "{table}"')["Items"]) == 10


def test_select_pages_with_limit_and_next_token(ddb: Any, table: str) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {
            "Statement": f"SELECT * FROM \"{table}\" WHERE pk IN ['a', 'b']",
            "Limit": 3,
        }
        if token:
            kwargs["NextToken"] = token
        page = ddb.execute_statement(**kwargs)
        pages += 1
        seen += [i["pk"]["S"] + i["sk"]["N"] for i in page["Items"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 4
    assert seen == [f"{p}{n}" for p in "ab" for n in range(1, 6)]
    code, message = error_of(
        ddb.execute_statement,
        Statement=f'SELECT * FROM "{table}"',
        NextToken=page_token(ddb, table),
    )
    assert (code, message) == ("ValidationException", "NextToken does not match request")


def page_token(ddb: Any, table: str) -> str:
    page = ddb.execute_statement(Statement=f"SELECT * FROM \"{table}\" WHERE pk = 'a'", Limit=1)
    token: str = page["NextToken"]
    return token


def test_insert_update_delete_returning(ddb: Any, table: str) -> None:
    run = ddb.execute_statement
    assert (
        run(
            Statement=f'INSERT INTO "{table}" VALUE '
            f"{{'pk': 'c', 'sk': 1, 's': <<'x','y'>>, 'm': {{'k': [1, true, null]}}, 'q': 'it''s'}}"
        )["Items"]
        == []
    )
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "c"}, "sk": {"N": "1"}})["Item"]
    assert item["q"] == {"S": "it's"} and sorted(item["s"]["SS"]) == ["x", "y"]
    assert item["m"] == {"M": {"k": {"L": [{"N": "1"}, {"BOOL": True}, {"NULL": True}]}}}
    assert error_of(run, Statement=f"INSERT INTO \"{table}\" VALUE {{'pk': 'c', 'sk': 1}}") == (
        "DuplicateItemException",
        "Duplicate primary key exists in table",
    )
    out = run(
        Statement=f"UPDATE \"{table}\" SET n = n + 5, doc.tags[0] = 'z', t = ? REMOVE q WHERE "
        f"pk = 'a' AND sk = 1 RETURNING MODIFIED NEW *",
        Parameters=[{"S": "new"}],
    )
    assert out["Items"] == [
        {"n": {"N": "15"}, "doc": {"M": {"tags": {"L": [{"S": "z"}]}}}, "t": {"S": "new"}}
    ]
    after = ddb.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
    assert after["n"] == {"N": "15"} and after["t"] == {"S": "new"}
    out = run(
        Statement=f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'a' AND sk = 1 RETURNING ALL OLD *"
    )
    assert out["Items"][0]["n"] == {"N": "15"}
    out = run(Statement=f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 2 RETURNING ALL OLD *")
    assert out["Items"][0]["sk"] == {"N": "2"}
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"N": "2"}})
    assert (
        run(Statement=f"DELETE FROM \"{table}\" WHERE pk = 'zz' AND sk = 2 AND n = 3")["Items"]
        == []
    )
    out = run(
        Statement=f"UPDATE \"{table}\" SET s = set_add(s, <<'w'>>) WHERE pk = 'c' AND sk = 1 "
        f"RETURNING ALL NEW *"
    )
    assert sorted(out["Items"][0]["s"]["SS"]) == ["w", "x", "y"]


def test_failed_writes_change_nothing(ddb: Any, table: str) -> None:
    run = ddb.execute_statement
    before = scan_all(ddb, table)
    cases = [
        (
            f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'ghost' AND sk = 1",
            ("ConditionalCheckFailedException", "The conditional request failed"),
        ),
        (
            f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'a' AND sk = 1 AND n = 999",
            ("ConditionalCheckFailedException", "The conditional request failed"),
        ),
        (
            f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 1 AND n < 0",
            ("ConditionalCheckFailedException", "The conditional request failed"),
        ),
        (
            f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'a'",
            (
                "ValidationException",
                "Where clause does not contain a mandatory equality on all key attributes",
            ),
        ),
        (
            f'DELETE FROM "{table}" WHERE n = 10',
            (
                "ValidationException",
                "Where clause does not contain a mandatory equality on all key attributes",
            ),
        ),
        (
            f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'a' AND sk = 1 garbage",
            ("ValidationException", MALFORMED + "Unexpected token"),
        ),
        (
            f'SELEC * FROM "{table}"',
            ("ValidationException", MALFORMED + "Expected data manipulation"),
        ),
        (
            f'SELECT * FROM "{table}" WHERE',
            ("ValidationException", MALFORMED + "Unexpected end of input"),
        ),
        (
            f"SELECT * FROM \"{table}\" WHERE pk = 'a' AND AND",
            ("ValidationException", MALFORMED + "Unexpected keyword"),
        ),
        (
            f"UPDATE \"{table}\" SET pk = 'z' WHERE pk = 'a' AND sk = 1",
            (
                "ValidationException",
                "One or more parameter values were invalid: Cannot update attribute pk. This "
                "attribute is part of the key",
            ),
        ),
        (
            f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *",
            (
                "ValidationException",
                "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is "
                "allowed in DELETE statements.",
            ),
        ),
        (
            f'UPDATE "{table}"."by-g" SET n = 1 WHERE pk = \'a\' AND sk = 1',
            ("ValidationException", "This operation is not supported on an index"),
        ),
        (
            "SELECT * FROM \"no-such-table\" WHERE pk = 'a'",
            ("ResourceNotFoundException", "Requested resource not found"),
        ),
        (
            "INSERT INTO \"no-such-table\" VALUE {'pk': 'a'}",
            ("ResourceNotFoundException", "Requested resource not found"),
        ),
        (
            f'SELECT * FROM "{table}" WHERE pk = ?',
            ("ValidationException", "Number of parameters in request and statement don't match."),
        ),
    ]
    for statement, expected in cases:
        assert error_of(run, Statement=statement) == expected, statement
    assert scan_all(ddb, table) == before
    code, _ = error_of(
        run, Statement=f"SELECT * FROM \"{table}\" WHERE pk = 'a'", Parameters=[{"S": "x"}]
    )
    assert code == "ValidationException"
    with pytest.raises(ClientError) as caught:
        run(
            Statement=f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'a' AND sk = 3 AND n = 0",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert caught.value.response["Item"]["n"] == {"N": "30"}


def test_batch_execute_statement(ddb: Any, table: str) -> None:
    out = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'n', 'sk': 1}}"},
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'a', 'sk': 1}}"},
            {"Statement": f"UPDATE \"{table}\" SET v = 1 WHERE pk = 'a' AND sk = 2 AND n = 0"},
            {"Statement": "INSERT INTO \"missing-table\" VALUE {'pk': 'a', 'sk': 1}"},
            {"Statement": "SLECT * FROM t"},
            {
                "Statement": f"DELETE FROM \"{table}\" WHERE pk = 'b' AND sk = ?",
                "Parameters": [{"N": "5"}],
            },
        ]
    )["Responses"]
    assert out[0] == {"TableName": table}
    assert out[1]["Error"] == {
        "Code": "DuplicateItem",
        "Message": "Duplicate primary key exists in table",
    }
    assert out[2]["Error"]["Code"] == "ConditionalCheckFailed"
    assert out[3]["Error"] == {
        "Code": "ResourceNotFound",
        "Message": "Requested resource not found",
    }
    assert out[4]["Error"] == {
        "Code": "ValidationError",
        "Message": MALFORMED + "Expected data manipulation",
    }
    assert out[5] == {"TableName": table}
    reads = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"SELECT sk, n FROM \"{table}\" WHERE pk = 'a' AND sk = 3"},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'b' AND sk = 5"},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'b'"},
        ]
    )["Responses"]
    assert reads[0] == {"TableName": table, "Item": {"sk": {"N": "3"}, "n": {"N": "30"}}}
    assert reads[1] == {"TableName": table}
    assert reads[2]["Error"] == {
        "Code": "ValidationError",
        "Message": "Only single item select is supported",
    }
    assert error_of(
        ddb.batch_execute_statement,
        Statements=[
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'a' AND sk = 3"},
            {"Statement": f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 3"},
        ],
    ) == (
        "ValidationException",
        "Read and write requests together in the same batch is not supported.",
    )


def test_execute_transaction(ddb: Any, table: str) -> None:
    before = scan_all(ddb, table)
    with pytest.raises(ClientError) as caught:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"UPDATE \"{table}\" SET v = 1 WHERE pk = 'a' AND sk = 1"},
                {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'b', 'sk': 1}}"},
                {"Statement": f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 2 AND n = 0"},
            ]
        )
    error = caught.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in error["CancellationReasons"]] == [
        "None",
        "DuplicateItem",
        "ConditionalCheckFailed",
    ]
    assert scan_all(ddb, table) == before
    statements = [
        {
            "Statement": f"UPDATE \"{table}\" SET n = n + 1 WHERE pk = 'a' AND sk = 1"
            " AND attribute_exists(n)"
        },
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'new', 'sk': 9}}"},
        {"Statement": f"DELETE FROM \"{table}\" WHERE pk = 'b' AND sk = 2"},
    ]
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="tok-1")
    ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="tok-1")
    got = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"SELECT n FROM \"{table}\" WHERE pk = 'a' AND sk = 1"},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'b' AND sk = 2"},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'new' AND sk = 9"},
        ]
    )["Responses"]
    assert got == [
        {"Item": {"n": {"N": "11"}}},
        {},
        {"Item": {"pk": {"S": "new"}, "sk": {"N": "9"}}},
    ]
    assert error_of(
        ddb.execute_transaction,
        TransactStatements=[
            {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'a' AND sk = 1"},
            {"Statement": f"DELETE FROM \"{table}\" WHERE pk = 'a' AND sk = 1"},
        ],
    ) == (
        "ValidationException",
        "ExecuteTransaction API does not support both read and write operations in the same "
        "request.",
    )
    assert error_of(
        ddb.execute_transaction,
        TransactStatements=[{"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'a'"}],
    ) == (
        "ValidationException",
        "Validation failed in TransactStatements[0]: Select statements within "
        "ExecuteTransaction must specify the primary key in the where clause.",
    )
    assert (
        error_of(
            ddb.execute_transaction,
            TransactStatements=[
                {"Statement": f"UPDATE \"{table}\" SET n = 1 WHERE pk = 'a' AND sk = 1"}
            ],
            ClientRequestToken="tok-1",
        )[0]
        == "IdempotentParameterMismatchException"
    )
