"""The DynamoDB provider in process, on in-memory storage: key ranges and ordering,
item encoding, the 1 MB page, scan segments, capacity and stream records."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.clock import ManualClock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.events import DynamoDBStreamRecord, EventBus
from tenku.core.scope import Scope
from tenku.services.dynamodb import expressions as ex
from tenku.services.dynamodb.provider import DynamoDBProvider
from tenku.services.dynamodb.reads import _prefix_end, range_bounds
from tenku.services.dynamodb.store import decode_item, encode_item
from tenku.storage import MemoryStorage

CTX = RequestContext(Scope(), "request")


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def provider(bus: EventBus) -> DynamoDBProvider:
    return DynamoDBProvider(MemoryStorage(), ManualClock(), bus)


def make_table(provider: DynamoDBProvider, sort_type: str = "S", **extra: Any) -> None:
    provider.create_table(
        CTX,
        table_name="t",
        attribute_definitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": sort_type},
        ],
        key_schema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        billing_mode="PAY_PER_REQUEST",
        **extra,
    )


def test_item_encoding_round_trips_binary_values() -> None:
    item = {"b": {"B": b"\x00\xff"}, "bs": {"BS": [b"a", b"b"]}, "m": {"M": {"$b": {"S": "x"}}}}
    assert decode_item(encode_item(item)) == item


def test_prefix_end() -> None:
    assert _prefix_end(b"ab") == b"ac"
    assert _prefix_end(b"a\xff") == b"b"
    assert _prefix_end(b"\xff\xff") is None


def test_range_bounds_for_begins_with() -> None:
    condition = ex.parse_key_condition(
        "pk = :p AND begins_with(sk, :s)",
        values={":p": {"S": "x"}, ":s": {"S": "ab"}},
        hash_key="pk",
        range_key="sk",
    )
    assert range_bounds(condition) == [(">=", b"ab"), ("<", b"ac")]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("sk < :a", ["-10", "-1.5", "0"]),
        ("sk >= :a", ["1", "2", "10", "1E+5"]),
        ("sk BETWEEN :b AND :a", ["-1.5", "0", "1"]),
    ],
)
def test_number_sort_keys_query_in_numeric_order(
    provider: DynamoDBProvider, expression: str, expected: list[str]
) -> None:
    make_table(provider, "N")
    for n in ["10", "1", "-1.5", "2", "0", "-10", "1E+5"]:
        provider.put_item(CTX, table_name="t", item={"pk": {"S": "p"}, "sk": {"N": n}})
    values = {":p": {"S": "p"}, ":a": {"N": "1"}}
    if ":b" in expression:
        values[":b"] = {"N": "-2"}
    result = provider.query(
        CTX,
        table_name="t",
        key_condition_expression=f"pk = :p AND {expression}",
        expression_attribute_values=values,
    )
    normalized = {"1E+5": "100000"}
    assert [i["sk"]["N"] for i in result["Items"]] == [normalized.get(n, n) for n in expected]


def test_page_stops_at_one_megabyte(provider: DynamoDBProvider) -> None:
    make_table(provider)
    blob = "x" * 300_000
    for n in range(5):
        provider.put_item(
            CTX, table_name="t", item={"pk": {"S": "p"}, "sk": {"S": str(n)}, "v": {"S": blob}}
        )
    first = provider.query(
        CTX,
        table_name="t",
        key_condition_expression="pk = :p",
        expression_attribute_values={":p": {"S": "p"}},
    )
    assert first["Count"] == 4
    assert first["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"S": "3"}}


def test_scan_segments_partition_the_table(provider: DynamoDBProvider) -> None:
    make_table(provider)
    for n in range(40):
        provider.put_item(CTX, table_name="t", item={"pk": {"S": f"p{n}"}, "sk": {"S": "s"}})
    seen = []
    for segment in range(3):
        page = provider.scan(CTX, table_name="t", segment=segment, total_segments=3)
        seen += [i["pk"]["S"] for i in page["Items"]]
    assert sorted(seen) == sorted(f"p{n}" for n in range(40))


def test_write_capacity_counts_kilobytes(provider: DynamoDBProvider) -> None:
    make_table(provider)
    item = {"pk": {"S": "p"}, "sk": {"S": "s"}, "v": {"S": "x" * 2000}}
    result = provider.put_item(CTX, table_name="t", item=item, return_consumed_capacity="TOTAL")
    assert result["ConsumedCapacity"]["CapacityUnits"] == 2.0
    got = provider.get_item(
        CTX,
        table_name="t",
        key={"pk": {"S": "p"}, "sk": {"S": "s"}},
        return_consumed_capacity="TOTAL",
    )
    assert got["ConsumedCapacity"]["CapacityUnits"] == 0.5


def test_stream_records_are_published(provider: DynamoDBProvider, bus: EventBus) -> None:
    records: list[DynamoDBStreamRecord] = []
    bus.subscribe(DynamoDBStreamRecord, records.append)
    make_table(
        provider,
        stream_specification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    provider.put_item(CTX, table_name="t", item={**key, "v": {"N": "1"}})
    provider.put_item(CTX, table_name="t", item={**key, "v": {"N": "1"}})  # unchanged: no record
    provider.update_item(
        CTX,
        table_name="t",
        key=key,
        update_expression="SET v = :v",
        expression_attribute_values={":v": {"N": "2"}},
    )
    provider.delete_item(CTX, table_name="t", key=key)
    names = [r.record["eventName"] for r in records]
    assert names == ["INSERT", "MODIFY", "REMOVE"]
    modify = records[1].record["dynamodb"]
    assert modify["OldImage"]["v"] == {"N": "1"} and modify["NewImage"]["v"] == {"N": "2"}
    assert modify["SequenceNumber"] < records[2].record["dynamodb"]["SequenceNumber"]
    assert records[0].stream_arn.startswith(records[0].table_arn + "/stream/")


def test_failed_transaction_writes_nothing(provider: DynamoDBProvider) -> None:
    make_table(provider)
    with pytest.raises(ServiceError) as caught:
        provider.transact_write_items(
            CTX,
            transact_items=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}}},
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ],
        )
    assert caught.value.fields["CancellationReasons"] == [
        {"Code": "None"},
        {
            "Code": "ValidationError",
            "Message": "The provided expression refers to an attribute that does not exist "
            "in the item",
        },
    ]
    assert provider.scan(CTX, table_name="t")["Count"] == 0


def test_tables_may_be_named_by_arn(provider: DynamoDBProvider) -> None:
    make_table(provider)
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t"
    provider.put_item(CTX, table_name=arn, item={"pk": {"S": "p"}, "sk": {"S": "s"}})
    got = provider.batch_get_item(
        CTX, request_items={arn: {"Keys": [{"pk": {"S": "p"}, "sk": {"S": "s"}}]}}
    )
    assert len(got["Responses"][arn]) == 1
