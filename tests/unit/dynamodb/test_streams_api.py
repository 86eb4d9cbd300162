"""The DynamoDB Streams provider in process on a manual clock: retention trimming,
TrimmedDataAccessException, AT_TIMESTAMP and TTL sweeps without a server."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.clock import ManualClock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.events import EventBus
from tenku.core.scope import Scope
from tenku.services.dynamodb.provider import DynamoDBProvider
from tenku.services.dynamodb.streams_api import DynamoDBStreamsProvider
from tenku.services.dynamodb.ttl import is_expired
from tenku.storage import MemoryStorage

CTX = RequestContext(Scope(), "request")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ddb(clock: ManualClock) -> DynamoDBProvider:
    return DynamoDBProvider(MemoryStorage(), clock, EventBus())


@pytest.fixture
def api(ddb: DynamoDBProvider, clock: ManualClock) -> DynamoDBStreamsProvider:
    return DynamoDBStreamsProvider(ddb.store, clock)


def table(ddb: DynamoDBProvider, view: str = "KEYS_ONLY") -> str:
    created = ddb.create_table(
        CTX,
        table_name="t",
        attribute_definitions=[{"AttributeName": "id", "AttributeType": "S"}],
        key_schema=[{"AttributeName": "id", "KeyType": "HASH"}],
        billing_mode="PAY_PER_REQUEST",
        stream_specification={"StreamEnabled": True, "StreamViewType": view},
    )
    return str(created["TableDescription"]["LatestStreamArn"])


def put(ddb: DynamoDBProvider, key: str, **extra: Any) -> None:
    ddb.put_item(CTX, table_name="t", item={"id": {"S": key}, **extra})


def iterator(api: DynamoDBStreamsProvider, arn: str, kind: str, **extra: Any) -> str:
    shard = api.describe_stream(CTX, arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return str(api.get_shard_iterator(CTX, arn, shard, kind, **extra)["ShardIterator"])


def keys(api: DynamoDBStreamsProvider, it: str) -> list[str]:
    return [r["dynamodb"]["Keys"]["id"]["S"] for r in api.get_records(CTX, it)["Records"]]


def test_records_older_than_a_day_are_trimmed(
    ddb: DynamoDBProvider, api: DynamoDBStreamsProvider, clock: ManualClock
) -> None:
    arn = table(ddb)
    put(ddb, "old")
    old = api.get_records(CTX, iterator(api, arn, "TRIM_HORIZON"))["Records"][0]
    clock.advance(12 * 3600)
    put(ddb, "mid")
    clock.advance(13 * 3600)
    ddb.sweep()
    assert keys(api, iterator(api, arn, "TRIM_HORIZON")) == ["mid"]
    number = old["dynamodb"]["SequenceNumber"]
    with pytest.raises(ServiceError) as caught:
        iterator(api, arn, "AFTER_SEQUENCE_NUMBER", sequence_number=number)
    assert caught.value.code == "TrimmedDataAccessException"
    shard = api.describe_stream(CTX, arn)["StreamDescription"]["Shards"][0]
    assert int(shard["SequenceNumberRange"]["StartingSequenceNumber"]) > int(number)


def test_disabled_streams_are_forgotten_a_day_later(
    ddb: DynamoDBProvider, api: DynamoDBStreamsProvider, clock: ManualClock
) -> None:
    arn = table(ddb)
    ddb.delete_table(CTX, table_name="t")
    clock.advance(23 * 3600)
    ddb.sweep()
    assert api.describe_stream(CTX, arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    clock.advance(2 * 3600)
    ddb.sweep()
    with pytest.raises(ServiceError) as caught:
        api.describe_stream(CTX, arn)
    assert caught.value.code == "ResourceNotFoundException"
    assert api.list_streams(CTX)["Streams"] == []


def test_at_timestamp(
    ddb: DynamoDBProvider, api: DynamoDBStreamsProvider, clock: ManualClock
) -> None:
    arn = table(ddb)
    put(ddb, "a")
    clock.advance(10)
    middle = clock.now()
    put(ddb, "b")
    assert keys(api, iterator(api, arn, "AT_TIMESTAMP", timestamp=middle)) == ["b"]
    assert keys(api, iterator(api, arn, "AT_TIMESTAMP", timestamp=middle + 1)) == []


def test_two_streams_in_one_millisecond_get_distinct_labels(
    ddb: DynamoDBProvider, api: DynamoDBStreamsProvider
) -> None:
    first = table(ddb)
    ddb.update_table(CTX, table_name="t", stream_specification={"StreamEnabled": False})
    second = ddb.update_table(
        CTX,
        table_name="t",
        stream_specification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]["LatestStreamArn"]
    assert first != second
    assert [s["StreamArn"] for s in api.list_streams(CTX, table_name="t")["Streams"]] == [
        first,
        second,
    ]


def test_ttl_sweep_on_a_manual_clock(ddb: DynamoDBProvider, clock: ManualClock) -> None:
    table(ddb)
    ddb.update_time_to_live(
        CTX, table_name="t", time_to_live_specification={"Enabled": True, "AttributeName": "x"}
    )
    now = clock.now()
    put(ddb, "due", x={"N": str(now + 5)})
    put(ddb, "ancient", x={"N": str(now - 6 * 365 * 86400)})  # over five years: ignored
    put(ddb, "set", x={"NS": [str(now - 5)]})
    assert ddb.ttl.sweep() == 0
    clock.advance(6)
    assert ddb.ttl.sweep() == 1
    assert "Item" not in ddb.get_item(CTX, table_name="t", key={"id": {"S": "due"}})


def test_is_expired() -> None:
    assert is_expired({"N": "99"}, 100.0)
    assert not is_expired({"N": "100"}, 100.0)
    assert not is_expired({"S": "1"}, 100.0)
    assert not is_expired(None, 100.0)


def test_get_records_returns_at_most_a_megabyte(
    ddb: DynamoDBProvider, api: DynamoDBStreamsProvider
) -> None:
    arn = table(ddb, "NEW_IMAGE")
    for key in "abc":
        put(ddb, key, blob={"S": "x" * 390_000})
    page = api.get_records(CTX, iterator(api, arn, "TRIM_HORIZON"))
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in page["Records"]] == ["a", "b"]
    assert keys(api, page["NextShardIterator"]) == ["c"]
