"""DynamoDB Streams through boto3's "dynamodbstreams" client: records of puts, updates
and deletes per view type, every iterator type, ListStreams, disabled streams, errors,
iterator expiry and 24-hour retention; and TTL expiry with its REMOVE records."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def ddb(tenku: TenkuProcess) -> Any:
    return tenku.client("dynamodb")


@pytest.fixture(scope="module")
def streams(tenku: TenkuProcess) -> Any:
    return tenku.client("dynamodbstreams")


def make_table(ddb: Any, name: str, view: str | None = "NEW_AND_OLD_IMAGES") -> str:
    extra: dict[str, Any] = {}
    if view is not None:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    created = ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )["TableDescription"]
    return str(created.get("LatestStreamArn", ""))


def shard_of(streams: Any, arn: str) -> str:
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) == 1
    return str(shards[0]["ShardId"])


def read_all(streams: Any, arn: str, kind: str = "TRIM_HORIZON", **extra: Any) -> list[Any]:
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard_of(streams, arn), ShardIteratorType=kind, **extra
    )["ShardIterator"]
    records: list[Any] = streams.get_records(ShardIterator=iterator)["Records"]
    return records


def put_update_delete(ddb: Any, name: str) -> None:
    ddb.put_item(TableName=name, Item={"id": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(
        TableName=name,
        Key={"id": {"S": "a"}},
        UpdateExpression="SET n = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    ddb.delete_item(TableName=name, Key={"id": {"S": "a"}})


def test_insert_modify_remove_with_images(ddb: Any, streams: Any, name: str) -> None:
    arn = make_table(ddb, name)
    put_update_delete(ddb, name)
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamArn"] == arn
    assert arn.endswith("/stream/" + description["StreamLabel"])
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert description["TableName"] == name
    assert description["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert "CreationRequestDateTime" in description
    shard = description["Shards"][0]
    assert shard["ShardId"].startswith("shardId-")
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert insert["Keys"] == {"id": {"S": "a"}}
    assert insert["NewImage"] == {"id": {"S": "a"}, "n": {"N": "1"}}
    assert "OldImage" not in insert
    assert modify["OldImage"]["n"] == {"N": "1"} and modify["NewImage"]["n"] == {"N": "2"}
    assert remove["OldImage"]["n"] == {"N": "2"} and "NewImage" not in remove
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert numbers == sorted(numbers, key=int) and len(set(numbers)) == 3
    first = records[0]
    assert first["eventVersion"] == "1.1"
    assert first["eventSource"] == "aws:dynamodb"
    assert first["awsRegion"] == "us-east-1"
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert first["dynamodb"]["SizeBytes"] > 0
    assert "ApproximateCreationDateTime" in first["dynamodb"]
    assert "userIdentity" not in first
    assert len({r["eventID"] for r in records}) == 3


def test_iterator_types_and_paging(ddb: Any, streams: Any, name: str) -> None:
    arn = make_table(ddb, name)
    shard = shard_of(streams, arn)
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")[
        "ShardIterator"
    ]
    assert latest.startswith(arn + "|")
    for i in range(5):
        ddb.put_item(TableName=name, Item={"id": {"S": f"k{i}"}})
    page = streams.get_records(ShardIterator=latest, Limit=2)
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in page["Records"]] == ["k0", "k1"]
    rest = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in rest["Records"]] == ["k2", "k3", "k4"]
    empty = streams.get_records(ShardIterator=rest["NextShardIterator"])
    assert empty["Records"] == [] and empty["NextShardIterator"]  # an open shard goes on

    after_latest = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST"
    )["ShardIterator"]
    assert streams.get_records(ShardIterator=after_latest)["Records"] == []
    ddb.put_item(TableName=name, Item={"id": {"S": "later"}})
    later = streams.get_records(ShardIterator=after_latest)["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in later] == ["later"]

    numbers = [r["dynamodb"]["SequenceNumber"] for r in read_all(streams, arn)]
    assert len(numbers) == 6
    at = read_all(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=numbers[2])
    assert [r["dynamodb"]["SequenceNumber"] for r in at] == numbers[2:]
    after = read_all(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=numbers[2])
    assert [r["dynamodb"]["SequenceNumber"] for r in after] == numbers[3:]


def test_keys_only_and_new_image_views(ddb: Any, streams: Any, name: str) -> None:
    arn = make_table(ddb, name, "KEYS_ONLY")
    put_update_delete(ddb, name)
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record in records:
        body = record["dynamodb"]
        assert body["Keys"] == {"id": {"S": "a"}}
        assert "NewImage" not in body and "OldImage" not in body
        assert body["StreamViewType"] == "KEYS_ONLY"
    other = make_table(ddb, name + "-new", "NEW_IMAGE")
    put_update_delete(ddb, name + "-new")
    bodies = [r["dynamodb"] for r in read_all(streams, other)]
    assert "NewImage" in bodies[1] and "OldImage" not in bodies[1]
    assert "NewImage" not in bodies[2]


def test_list_streams_by_table_and_paging(ddb: Any, streams: Any, name: str) -> None:
    first = make_table(ddb, name)
    second = make_table(ddb, name + "-b")
    make_table(ddb, name + "-none", None)
    listed = streams.list_streams(TableName=name)["Streams"]
    assert listed == [
        {"StreamArn": first, "TableName": name, "StreamLabel": first.rsplit("/", 1)[1]}
    ]
    assert streams.list_streams(TableName=name + "-none")["Streams"] == []
    everything = streams.list_streams()["Streams"]
    arns = [s["StreamArn"] for s in everything]
    assert first in arns and second in arns
    page = streams.list_streams(Limit=1)
    assert len(page["Streams"]) == 1 and page["LastEvaluatedStreamArn"]
    following = streams.list_streams(ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
    assert page["Streams"][0] not in following["Streams"]


def test_disabled_stream_stays_readable_and_reenabling_makes_a_new_one(
    ddb: Any, streams: Any, name: str
) -> None:
    arn = make_table(ddb, name)
    ddb.put_item(TableName=name, Item={"id": {"S": "before"}})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=name, Item={"id": {"S": "unrecorded"}})
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    numbers = description["Shards"][0]["SequenceNumberRange"]
    assert numbers["EndingSequenceNumber"] == numbers["StartingSequenceNumber"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=description["Shards"][0]["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    page = streams.get_records(ShardIterator=iterator)
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in page["Records"]] == ["before"]
    assert "NextShardIterator" not in page  # the closed shard is read to its end

    updated = ddb.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )["TableDescription"]
    new_arn = updated["LatestStreamArn"]
    assert new_arn != arn
    ddb.put_item(TableName=name, Item={"id": {"S": "after"}})
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in read_all(streams, new_arn)] == ["after"]
    assert [s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]] == [
        arn,
        new_arn,
    ]
    ddb.delete_table(TableName=name)
    gone = streams.describe_stream(StreamArn=new_arn)["StreamDescription"]
    assert gone["StreamStatus"] == "DISABLED"  # readable for 24 hours after the table


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_errors(ddb: Any, streams: Any, name: str) -> None:
    arn = make_table(ddb, name)
    shard = shard_of(streams, arn)
    unknown = arn.rsplit("/", 1)[0] + "/2000-01-01T00:00:00.000"
    assert error_of(streams.describe_stream, StreamArn=unknown) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {unknown} not found",
    )
    code, _ = error_of(
        streams.get_shard_iterator, StreamArn=unknown, ShardId=shard, ShardIteratorType="LATEST"
    )
    assert code == "ResourceNotFoundException"
    assert error_of(
        streams.get_shard_iterator,
        StreamArn=arn,
        ShardId="shardId-00000000000000000000-00000000",
        ShardIteratorType="LATEST",
    ) == ("ResourceNotFoundException", "Requested resource not found: Shard does not exist")
    code, message = error_of(
        streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="SIDEWAYS"
    )
    assert code == "ValidationException" and "enum value set" in message
    code, _ = error_of(
        streams.get_shard_iterator,
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="AT_SEQUENCE_NUMBER",
    )
    assert code == "ValidationException"
    assert error_of(streams.get_records, ShardIterator="not-an-iterator") == (
        "ValidationException",
        "Invalid ShardIterator",
    )
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")[
        "ShardIterator"
    ]
    code, _ = error_of(streams.get_records, ShardIterator=iterator, Limit=1001)
    assert code == "ValidationException"


def test_iterators_expire_and_records_are_trimmed_after_a_day(
    fresh_tenku: TenkuProcess,
) -> None:
    ddb = fresh_tenku.client("dynamodb")
    streams = fresh_tenku.client("dynamodbstreams")
    arn = make_table(ddb, "expiring")
    ddb.put_item(TableName="expiring", Item={"id": {"S": "old"}})
    shard = shard_of(streams, arn)
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    number = streams.get_records(ShardIterator=iterator)["Records"][0]["dynamodb"]["SequenceNumber"]
    fresh_tenku.advance_clock(16 * 60)
    code, message = error_of(streams.get_records, ShardIterator=iterator)
    assert code == "ExpiredIteratorException" and message.startswith("Iterator expired.")
    fresh_tenku.advance_clock(24 * 3600)
    ddb.put_item(TableName="expiring", Item={"id": {"S": "new"}})
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in read_all(streams, arn)] == ["new"]
    code, _ = error_of(
        streams.get_shard_iterator,
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=number,
    )
    assert code == "TrimmedDataAccessException"


def test_ttl_deletes_expired_items_with_a_service_remove_record(
    ddb: Any, streams: Any, tenku: TenkuProcess, name: str
) -> None:
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    now = int(time.time())
    items = {
        "past": {"N": str(now - 60)},
        "soon": {"N": str(now + 30)},
        "future": {"N": str(now + 3600)},
        "text": {"S": str(now - 60)},
    }
    for key, value in items.items():
        ddb.put_item(TableName=name, Item={"id": {"S": key}, "g": {"S": "x"}, "expires": value})
    ddb.put_item(TableName=name, Item={"id": {"S": "none"}, "g": {"S": "x"}})
    tenku.advance_clock(120)

    def remaining() -> list[str]:
        found = ddb.scan(TableName=name)["Items"]
        return sorted(item["id"]["S"] for item in found)

    assert remaining() == ["future", "none", "text"]
    in_index = ddb.query(
        TableName=name,
        IndexName="by-g",
        KeyConditionExpression="g = :x",
        ExpressionAttributeValues={":x": {"S": "x"}},
    )["Items"]
    assert sorted(item["id"]["S"] for item in in_index) == ["future", "none", "text"]
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    removes = [r for r in read_all(streams, arn) if r["eventName"] == "REMOVE"]
    assert sorted(r["dynamodb"]["Keys"]["id"]["S"] for r in removes) == ["past", "soon"]
    for record in removes:
        assert record["userIdentity"] == {
            "PrincipalId": "dynamodb.amazonaws.com",
            "Type": "Service",
        }
        assert record["dynamodb"]["OldImage"]["g"] == {"S": "x"}
