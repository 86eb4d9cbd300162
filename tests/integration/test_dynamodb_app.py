"""DynamoDB through boto3, the way an application uses it: a single-table design with
users and their orders, conditional create/update/delete, a descending begins_with
query with pagination, a GSI query, and a balance transfer as one transaction."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def ddb(tenku: TenkuProcess) -> Any:
    return tenku.client("dynamodb")


@pytest.fixture
def table(ddb: Any, name: str) -> str:
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "GSI1PK", "AttributeType": "S"},
            {"AttributeName": "GSI1SK", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "GSI1",
                "KeySchema": [
                    {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                    {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def user(user_id: str, balance: int) -> dict[str, Any]:
    return {
        "PK": {"S": f"USER#{user_id}"},
        "SK": {"S": "PROFILE"},
        "name": {"S": user_id.title()},
        "balance": {"N": str(balance)},
    }


def key(user_id: str) -> dict[str, Any]:
    return {"PK": {"S": f"USER#{user_id}"}, "SK": {"S": "PROFILE"}}


def test_user_lifecycle(ddb: Any, table: str) -> None:
    ddb.put_item(
        TableName=table, Item=user("alice", 100), ConditionExpression="attribute_not_exists(PK)"
    )
    with pytest.raises(ClientError) as caught:
        ddb.put_item(
            TableName=table,
            Item=user("alice", 5),
            ConditionExpression="attribute_not_exists(PK)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    error = caught.value.response
    assert error["Error"]["Code"] == "ConditionalCheckFailedException"
    assert error["Error"]["Message"] == "The conditional request failed"
    assert error["Item"]["balance"] == {"N": "100"}

    got = ddb.get_item(TableName=table, Key=key("alice"), ConsistentRead=True)
    assert got["Item"] == user("alice", 100)
    projected = ddb.get_item(
        TableName=table,
        Key=key("alice"),
        ProjectionExpression="#n",
        ExpressionAttributeNames={"#n": "name"},
    )
    assert projected["Item"] == {"name": {"S": "Alice"}}

    updated = ddb.update_item(
        TableName=table,
        Key=key("alice"),
        UpdateExpression="SET balance = balance + :d, email = :e",
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeValues={":d": {"N": "25"}, ":e": {"S": "a@example.com"}},
        ReturnValues="ALL_NEW",
    )
    assert updated["Attributes"]["balance"] == {"N": "125"}
    assert updated["Attributes"]["email"] == {"S": "a@example.com"}
    with pytest.raises(ClientError) as caught:
        ddb.update_item(
            TableName=table,
            Key=key("bob"),
            UpdateExpression="SET balance = :b",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":b": {"N": "1"}},
        )
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert "Item" not in ddb.get_item(TableName=table, Key=key("bob"))

    deleted = ddb.delete_item(TableName=table, Key=key("alice"), ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["balance"] == {"N": "125"}
    assert "Item" not in ddb.get_item(TableName=table, Key=key("alice"))


def test_orders_query_descending_with_pagination(ddb: Any, table: str) -> None:
    for n in range(7):
        ddb.put_item(
            TableName=table,
            Item={
                "PK": {"S": "USER#carol"},
                "SK": {"S": f"ORDER#{n:03d}"},
                "total": {"N": str(n * 10)},
            },
        )
    ddb.put_item(TableName=table, Item=user("carol", 1))
    pages: list[list[str]] = []
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.query(
            TableName=table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :skPrefix)",
            ExpressionAttributeValues={":pk": {"S": "USER#carol"}, ":skPrefix": {"S": "ORDER#"}},
            ScanIndexForward=False,
            Limit=3,
            **kwargs,
        )
        pages.append([item["SK"]["S"] for item in page["Items"]])
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    flat = [sk for page in pages for sk in page]
    assert flat == [f"ORDER#{n:03d}" for n in reversed(range(7))]
    assert [len(p) for p in pages[:3]] == [3, 3, 1]

    filtered = ddb.query(
        TableName=table,
        KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b",
        FilterExpression="#t >= :min",
        ExpressionAttributeNames={"#t": "total"},
        ExpressionAttributeValues={
            ":pk": {"S": "USER#carol"},
            ":a": {"S": "ORDER#001"},
            ":b": {"S": "ORDER#005"},
            ":min": {"N": "30"},
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert [i["SK"]["S"] for i in filtered["Items"]] == ["ORDER#003", "ORDER#004", "ORDER#005"]
    assert (filtered["Count"], filtered["ScannedCount"]) == (3, 5)
    assert filtered["ConsumedCapacity"]["CapacityUnits"] == 0.5

    counted = ddb.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "USER#carol"}},
        Select="COUNT",
    )
    assert counted["Count"] == 8 and "Items" not in counted


def test_gsi_query_keys_only_and_sparse(ddb: Any, table: str) -> None:
    for n, status in enumerate(["open", "open", "closed", "open"]):
        ddb.put_item(
            TableName=table,
            Item={
                "PK": {"S": f"ORDER#{n}"},
                "SK": {"S": "META"},
                "GSI1PK": {"S": f"STATUS#{status}"},
                "GSI1SK": {"N": str(100 - n)},
                "note": {"S": "x"},
            },
        )
    ddb.put_item(TableName=table, Item={"PK": {"S": "ORDER#9"}, "SK": {"S": "META"}})
    result = ddb.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :s",
        ExpressionAttributeValues={":s": {"S": "STATUS#open"}},
    )
    assert [i["PK"]["S"] for i in result["Items"]] == ["ORDER#3", "ORDER#1", "ORDER#0"]
    assert all("note" not in i for i in result["Items"])
    ddb.update_item(
        TableName=table,
        Key={"PK": {"S": "ORDER#1"}, "SK": {"S": "META"}},
        UpdateExpression="SET GSI1PK = :c",
        ExpressionAttributeValues={":c": {"S": "STATUS#closed"}},
    )
    again = ddb.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :s",
        ExpressionAttributeValues={":s": {"S": "STATUS#open"}},
    )
    assert [i["PK"]["S"] for i in again["Items"]] == ["ORDER#3", "ORDER#0"]
    scanned = ddb.scan(TableName=table, IndexName="GSI1")
    assert scanned["Count"] == 4
    with pytest.raises(ClientError) as caught:
        ddb.query(
            TableName=table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :s",
            ExpressionAttributeValues={":s": {"S": "STATUS#open"}},
            ConsistentRead=True,
        )
    assert caught.value.response["Error"]["Message"] == (
        "Consistent reads are not supported on global secondary indexes"
    )


def transfer(ddb: Any, table: str, amount: int) -> Any:
    return ddb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": key("dave"),
                    "UpdateExpression": "SET balance = balance - :a",
                    "ConditionExpression": "balance >= :a",
                    "ExpressionAttributeValues": {":a": {"N": str(amount)}},
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": key("erin"),
                    "UpdateExpression": "SET balance = balance + :a",
                    "ExpressionAttributeValues": {":a": {"N": str(amount)}},
                }
            },
        ]
    )


def test_balance_transfer_is_all_or_nothing(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item=user("dave", 50))
    ddb.put_item(TableName=table, Item=user("erin", 10))
    transfer(ddb, table, 30)
    with pytest.raises(ClientError) as caught:
        transfer(ddb, table, 30)
    response = caught.value.response
    assert response["Error"]["Code"] == "TransactionCanceledException"
    assert response["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ConditionalCheckFailed, None]"
    )
    assert response["CancellationReasons"] == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"},
    ]
    balances = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": table, "Key": key("dave")}},
            {"Get": {"TableName": table, "Key": key("erin")}},
        ]
    )["Responses"]
    assert [r["Item"]["balance"]["N"] for r in balances] == ["20", "40"]


def test_transaction_token_is_idempotent(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item=user("fay", 0))
    request = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": key("fay"),
                    "UpdateExpression": "ADD balance :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": "token-1",
    }
    ddb.transact_write_items(**request)
    ddb.transact_write_items(**request)
    item = ddb.get_item(TableName=table, Key=key("fay"))["Item"]
    assert item["balance"] == {"N": "1"}
    request["TransactItems"][0]["Update"]["ExpressionAttributeValues"][":one"] = {"N": "2"}
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(**request)
    assert caught.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"


def test_batches(ddb: Any, table: str) -> None:
    puts = [{"PutRequest": {"Item": user(f"b{n}", n)}} for n in range(25)]
    assert ddb.batch_write_item(RequestItems={table: puts})["UnprocessedItems"] == {}
    got = ddb.batch_get_item(RequestItems={table: {"Keys": [key(f"b{n}") for n in range(30)]}})
    assert len(got["Responses"][table]) == 25
    assert got["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as caught:
        ddb.batch_get_item(RequestItems={table: {"Keys": [key("b1"), key("b1")]}})
    assert caught.value.response["Error"]["Message"] == (
        "Provided list of item keys contains duplicates"
    )
    deletes = [{"DeleteRequest": {"Key": key(f"b{n}")}} for n in range(25)]
    ddb.batch_write_item(RequestItems={table: deletes})
    assert ddb.scan(TableName=table)["Count"] == 0
