"""The AWS CLI drives DynamoDB against a real Tenku: create a table, write, read,
query, and an error whose exit status and stderr carry DynamoDB's error code."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.integration.conftest import TenkuProcess


def run(tenku: TenkuProcess, *args: str) -> Any:
    result = tenku.aws("dynamodb", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_cli_round_trip(tenku: TenkuProcess, name: str) -> None:
    created = run(
        tenku, "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "AttributeName=sk,AttributeType=N",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
        "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip
    assert created["TableDescription"]["TableStatus"] == "ACTIVE"
    item = {"pk": {"S": "cli"}, "sk": {"N": "1"}, "data": {"B": "aGVsbG8="}}
    run(tenku, "put-item", "--table-name", name, "--item", json.dumps(item))
    got = run(tenku, "get-item", "--table-name", name, "--key",
              json.dumps({"pk": {"S": "cli"}, "sk": {"N": "1"}}))  # fmt: skip
    # AWS CLI v1 sends a blob parameter's text as the raw bytes; answers are base64.
    assert got["Item"]["data"] == {"B": base64.b64encode(b"aGVsbG8=").decode()}
    assert got["Item"]["sk"] == {"N": "1"}
    queried = run(
        tenku, "query", "--table-name", name,
        "--key-condition-expression", "pk = :p",
        "--expression-attribute-values", json.dumps({":p": {"S": "cli"}}),
    )  # fmt: skip
    assert queried["Count"] == 1
    failed = tenku.aws(
        "dynamodb", "put-item", "--table-name", name, "--item", json.dumps(item),
        "--condition-expression", "attribute_not_exists(pk)",
    )  # fmt: skip
    assert failed.returncode != 0
    assert "ConditionalCheckFailedException" in failed.stderr
    run(tenku, "delete-table", "--table-name", name)


def test_cli_runs_the_seed_application_flow(tenku: TenkuProcess, name: str) -> None:
    """The guide's single-table operations, each as an `aws dynamodb` command."""
    run(
        tenku, "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=PK,AttributeType=S",
        "AttributeName=SK,AttributeType=S", "AttributeName=GSI1PK,AttributeType=S",
        "--key-schema", "AttributeName=PK,KeyType=HASH", "AttributeName=SK,KeyType=RANGE",
        "--global-secondary-indexes", json.dumps([{
            "IndexName": "GSI1", "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}]),
        "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip

    def user(uid: str, balance: int) -> str:
        item = {"PK": {"S": f"USER#{uid}"}, "SK": {"S": "PROFILE"}, "balance": {"N": str(balance)}}
        return json.dumps({**item, "GSI1PK": {"S": "TIER#gold"}})

    def key(uid: str) -> str:
        return json.dumps({"PK": {"S": f"USER#{uid}"}, "SK": {"S": "PROFILE"}})

    absent = ("--condition-expression", "attribute_not_exists(PK)")
    run(tenku, "put-item", "--table-name", name, "--item", user("alice", 100), *absent)
    run(tenku, "put-item", "--table-name", name, "--item", user("bob", 10), *absent)
    again = tenku.aws("dynamodb", "put-item", "--table-name", name,
                      "--item", user("alice", 1), *absent)  # fmt: skip
    assert again.returncode != 0 and "ConditionalCheckFailedException" in again.stderr

    got = run(tenku, "get-item", "--table-name", name, "--key", key("alice"))
    assert got["Item"]["balance"] == {"N": "100"}
    updated = run(
        tenku, "update-item", "--table-name", name, "--key", key("alice"),
        "--update-expression", "SET balance = balance + :d",
        "--condition-expression", "attribute_exists(PK)",
        "--expression-attribute-values", json.dumps({":d": {"N": "5"}}),
        "--return-values", "ALL_NEW",
    )  # fmt: skip
    assert updated["Attributes"]["balance"] == {"N": "105"}

    for n in range(5):
        order = {"PK": {"S": "USER#alice"}, "SK": {"S": f"ORDER#{n:03d}"}}
        run(tenku, "put-item", "--table-name", name, "--item", json.dumps(order))
    query = (
        "query", "--table-name", name, "--no-paginate",
        "--key-condition-expression", "PK = :pk AND begins_with(SK, :skPrefix)",
        "--expression-attribute-values",
        json.dumps({":pk": {"S": "USER#alice"}, ":skPrefix": {"S": "ORDER#"}}),
        "--no-scan-index-forward", "--limit", "2",
    )  # fmt: skip
    first = run(tenku, *query)
    assert [i["SK"]["S"] for i in first["Items"]] == ["ORDER#004", "ORDER#003"]
    second = run(tenku, *query, "--exclusive-start-key", json.dumps(first["LastEvaluatedKey"]))
    assert [i["SK"]["S"] for i in second["Items"]] == ["ORDER#002", "ORDER#001"]

    def transfer(amount: int) -> Any:
        amount_value = {":a": {"N": str(amount)}}
        items = [
            {"Update": {"TableName": name, "Key": json.loads(key("bob")),
                        "UpdateExpression": "SET balance = balance - :a",
                        "ConditionExpression": "balance >= :a",
                        "ExpressionAttributeValues": amount_value}},
            {"Update": {"TableName": name, "Key": json.loads(key("alice")),
                        "UpdateExpression": "SET balance = balance + :a",
                        "ExpressionAttributeValues": amount_value}},
        ]  # fmt: skip
        return tenku.aws("dynamodb", "transact-write-items", "--transact-items",
                         json.dumps(items))  # fmt: skip

    assert transfer(10).returncode == 0
    short = transfer(10)  # bob has 0 left: the whole transfer fails
    assert short.returncode != 0 and "TransactionCanceledException" in short.stderr
    balances = {
        uid: run(tenku, "get-item", "--table-name", name, "--key", key(uid))["Item"]["balance"]
        for uid in ("alice", "bob")
    }
    assert balances == {"alice": {"N": "115"}, "bob": {"N": "0"}}

    tier = run(
        tenku, "query", "--table-name", name, "--index-name", "GSI1",
        "--key-condition-expression", "GSI1PK = :t",
        "--expression-attribute-values", json.dumps({":t": {"S": "TIER#gold"}}),
    )  # fmt: skip
    assert sorted(i["PK"]["S"] for i in tier["Items"]) == ["USER#alice", "USER#bob"]
    run(tenku, "delete-item", "--table-name", name, "--key", key("bob"))
    assert "Item" not in (run(tenku, "get-item", "--table-name", name, "--key", key("bob")) or {})
