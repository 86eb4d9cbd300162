"""DynamoDB's control plane through boto3: create/describe/list/update/delete, GSIs
added later (backfilled) and removed, LSIs, tags, TTL and backups settings."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def ddb(tenku: TenkuProcess) -> Any:
    return tenku.client("dynamodb")


def simple_table(ddb: Any, name: str, **extra: Any) -> dict[str, Any]:
    description: dict[str, Any] = ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        **extra,
    )["TableDescription"]
    return description


def test_create_describe_list_delete(ddb: Any, name: str) -> None:
    created = simple_table(
        ddb,
        name,
        Tags=[{"Key": "team", "Value": "core"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        SSESpecification={"Enabled": True},
        TableClass="STANDARD_INFREQUENT_ACCESS",
    )
    assert created["TableStatus"] == "ACTIVE"
    assert created["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
    assert created["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert created["LatestStreamArn"].startswith(created["TableArn"] + "/stream/")
    ddb.put_item(TableName=name, Item={"id": {"S": "1"}, "v": {"S": "x" * 100}})
    described = ddb.describe_table(TableName=name)["Table"]
    assert (described["ItemCount"], described["TableSizeBytes"]) == (1, 104)
    ddb.get_waiter("table_exists").wait(TableName=name)
    assert ddb.list_tags_of_resource(ResourceArn=created["TableArn"])["Tags"] == [
        {"Key": "team", "Value": "core"}
    ]
    ddb.tag_resource(ResourceArn=created["TableArn"], Tags=[{"Key": "tier", "Value": "gold"}])
    ddb.untag_resource(ResourceArn=created["TableArn"], TagKeys=["team"])
    assert ddb.list_tags_of_resource(ResourceArn=created["TableArn"])["Tags"] == [
        {"Key": "tier", "Value": "gold"}
    ]
    assert name in ddb.list_tables()["TableNames"]
    deleted = ddb.delete_table(TableName=name)["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    with pytest.raises(ClientError) as caught:
        ddb.describe_table(TableName=name)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    simple_table(ddb, name)  # the name is free again, and the new table is empty
    assert ddb.scan(TableName=name)["Count"] == 0
    ddb.delete_table(TableName=name)


def test_list_tables_paginates(ddb: Any, name: str) -> None:
    names = [f"{name}-{n}" for n in range(5)]
    for table in names:
        simple_table(ddb, table)
    seen: list[str] = []
    start: str | None = None
    while True:
        kwargs = {"ExclusiveStartTableName": start} if start else {}
        page = ddb.list_tables(Limit=2, **kwargs)
        seen += page["TableNames"]
        start = page.get("LastEvaluatedTableName")
        if not start:
            break
    assert [n for n in seen if n.startswith(name)] == names
    for table in names:
        ddb.delete_table(TableName=table)


def test_update_table_adds_gsi_with_backfill_and_removes_it(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(4):
        item = {"id": {"S": str(n)}, "colour": {"S": "red" if n % 2 else "blue"}}
        item["weight"] = {"N": str(n)}
        ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"id": {"S": "bad"}, "colour": {"N": "1"}})
    updated = ddb.update_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "colour", "AttributeType": "S"},
            {"AttributeName": "weight", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "byColour",
                    "KeySchema": [
                        {"AttributeName": "colour", "KeyType": "HASH"},
                        {"AttributeName": "weight", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
                }
            }
        ],
    )["TableDescription"]
    assert updated["GlobalSecondaryIndexes"][0]["IndexName"] == "byColour"
    reds = ddb.query(
        TableName=name,
        IndexName="byColour",
        KeyConditionExpression="colour = :c AND weight > :s",
        ExpressionAttributeValues={":c": {"S": "red"}, ":s": {"N": "0"}},
    )
    assert [i["id"]["S"] for i in reds["Items"]] == ["1", "3"]
    ddb.update_table(
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byColour"}}],
    )
    described = ddb.describe_table(TableName=name)["Table"]
    assert "GlobalSecondaryIndexes" not in described
    assert described["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    ddb.put_item(TableName=name, Item={"id": {"S": "n"}, "colour": {"N": "5"}})


def test_local_secondary_index(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "ts", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "byTime",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "ts", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for sk, at in (("a", "30"), ("b", "-2.5"), ("c", "100"), ("d", "7")):
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "p"}, "sk": {"S": sk}, "ts": {"N": at}, "x": {"S": "y"}},
        )
    result = ddb.query(
        TableName=name,
        IndexName="byTime",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert [i["ts"]["N"] for i in result["Items"]] == ["-2.5", "7", "30", "100"]
    assert all(set(i) == {"pk", "sk", "ts"} for i in result["Items"])
    full = ddb.query(
        TableName=name,
        IndexName="byTime",
        KeyConditionExpression="pk = :p AND ts >= :t",
        ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"N": "7"}},
        Select="ALL_ATTRIBUTES",
        Limit=1,
    )
    assert full["Items"] == [
        {"pk": {"S": "p"}, "sk": {"S": "d"}, "ts": {"N": "7"}, "x": {"S": "y"}}
    ]
    assert full["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "d"}, "ts": {"N": "7"}}
    rest = ddb.query(
        TableName=name,
        IndexName="byTime",
        KeyConditionExpression="pk = :p AND ts >= :t",
        ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"N": "7"}},
        ExclusiveStartKey=full["LastEvaluatedKey"],
    )
    assert [i["sk"]["S"] for i in rest["Items"]] == ["a", "c"]


def test_ttl_backups_limits(ddb: Any, name: str) -> None:
    simple_table(ddb, name)
    spec = {"Enabled": True, "AttributeName": "expires"}
    assert (
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)[
            "TimeToLiveSpecification"
        ]
        == spec
    )
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }
    with pytest.raises(ClientError) as caught:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)
    assert caught.value.response["Error"]["Message"] == "TimeToLive is already enabled"
    backups = ddb.update_continuous_backups(
        TableName=name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert ddb.describe_limits()["TableMaxReadCapacityUnits"] == 40000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440
