"""The DynamoDB Streams API (botocore model "dynamodbstreams"): ListStreams,
DescribeStream, GetShardIterator and GetRecords over the streams that `streams.py`
records, sharing the DynamoDB provider's store.

Each stream has exactly one shard (DynamoDB splits shards as a table grows and rolls
them about every four hours; Tenku never does), open while the stream is ENABLED and
closed (with an EndingSequenceNumber, and GetRecords ending with no NextShardIterator)
once it is DISABLED. Records are kept 24 hours, then trimmed by the provider's sweep.

Must not: write items or change tables.
"""

from __future__ import annotations

import re
from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.dynamodb import stream_iterators as iterators
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.streams import sequence_number, stream_arn

_ARN = re.compile(r"arn:aws:dynamodb:([^:]+):([^:]+):table/([^/]+)/stream/(.+)")
MAX_RECORDS = 1000
MAX_BYTES = 1024 * 1024
Stream = dict[str, Any]


def _stream_not_found(arn: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found", 400
    )


def _trimmed() -> ServiceError:
    return ServiceError(
        "TrimmedDataAccessException", "The data you are trying to access has been trimmed", 400
    )


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, 400)


def _arn(stream: Stream) -> str:
    return stream_arn(stream["region"], stream["account"], stream["table_name"], stream["label"])


def _shard_id(stream: Stream) -> str:
    return iterators.shard_id(_arn(stream), stream["created"])


class DynamoDBStreamsProvider:
    service = "dynamodbstreams"

    def __init__(self, store: DynamoStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def _stream(self, ctx: RequestContext, arn: str) -> Stream:
        match = _ARN.fullmatch(arn)
        if match is None or match.group(1, 2) != (ctx.scope.region, ctx.scope.account):
            raise _stream_not_found(arn)
        found = self.store.find_stream(
            ctx.scope.account, ctx.scope.region, match.group(3), match.group(4)
        )
        if found is None:
            raise _stream_not_found(arn)
        return found

    def _shard(self, stream: Stream) -> dict[str, Any]:
        held = self.store.stream_seq_range(stream["id"])
        first = held[0] if held else max(stream["start_seq"], stream["trimmed_seq"] + 1)
        numbers = {"StartingSequenceNumber": sequence_number(first)}
        if stream["disabled"] is not None:
            numbers["EndingSequenceNumber"] = sequence_number(held[1] if held else first)
        return {"ShardId": _shard_id(stream), "SequenceNumberRange": numbers}

    # -- operations ----------------------------------------------------------------------
    def list_streams(
        self,
        ctx: RequestContext,
        table_name: str | None = None,
        limit: int | None = None,
        exclusive_start_stream_arn: str | None = None,
    ) -> dict[str, Any]:
        after = 0
        if exclusive_start_stream_arn is not None:
            after = self._stream(ctx, exclusive_start_stream_arn)["id"]
        wanted = min(limit or 100, 100)
        rows = self.store.list_streams(
            ctx.scope.account, ctx.scope.region, table_name, after, wanted + 1
        )
        result: dict[str, Any] = {
            "Streams": [
                {"StreamArn": _arn(s), "TableName": s["table_name"], "StreamLabel": s["label"]}
                for s in rows[:wanted]
            ]
        }
        if len(rows) > wanted:
            result["LastEvaluatedStreamArn"] = _arn(rows[wanted - 1])
        return result

    def describe_stream(
        self,
        ctx: RequestContext,
        stream_arn: str,
        limit: int | None = None,
        exclusive_start_shard_id: str | None = None,
        shard_filter: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        stream = self._stream(ctx, stream_arn)
        shards = [self._shard(stream)]
        if exclusive_start_shard_id is not None:
            shards = [s for s in shards if s["ShardId"] > exclusive_start_shard_id]
        if shard_filter is not None:
            shards = []  # CHILD_SHARDS: a single shard never has children
        return {
            "StreamDescription": {
                "StreamArn": _arn(stream),
                "StreamLabel": stream["label"],
                "StreamStatus": "ENABLED" if stream["disabled"] is None else "DISABLED",
                "StreamViewType": stream["view_type"],
                "CreationRequestDateTime": stream["created"],
                "TableName": stream["table_name"],
                "KeySchema": stream["key_schema"],
                "Shards": shards,
            }
        }

    def get_shard_iterator(
        self,
        ctx: RequestContext,
        stream_arn: str,
        shard_id: str,
        shard_iterator_type: str,
        sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> dict[str, Any]:
        stream = self._stream(ctx, stream_arn)
        if shard_id != _shard_id(stream):
            raise ServiceError(
                "ResourceNotFoundException", "Requested resource not found: Shard does not exist"
            )
        last = self.store.last_stream_seq()
        horizon = max(stream["trimmed_seq"], stream["start_seq"] - 1)
        if shard_iterator_type == "TRIM_HORIZON":
            after = horizon
        elif shard_iterator_type == "LATEST":
            after = last
        elif shard_iterator_type == "AT_TIMESTAMP":
            if timestamp is None:
                raise _invalid("Must specify a Timestamp for ShardIteratorType AT_TIMESTAMP")
            first = self.store.first_stream_seq_at(stream["id"], int(timestamp * 1000))
            after = last if first is None else first - 1
        else:
            number = iterators.parse_sequence_number(sequence_number, shard_iterator_type)
            if number <= stream["trimmed_seq"]:
                raise _trimmed()
            if number < stream["start_seq"] or number > last:
                raise _invalid(f"Invalid SequenceNumber for ShardIterator: {sequence_number}")
            after = number - 1 if shard_iterator_type == "AT_SEQUENCE_NUMBER" else number
        position = iterators.Position(
            _arn(stream), stream["id"], shard_id, after, int(self.clock.now() * 1000)
        )
        return {"ShardIterator": iterators.encode(position)}

    def get_records(
        self, ctx: RequestContext, shard_iterator: str, limit: int | None = None
    ) -> dict[str, Any]:
        if limit is not None and limit > MAX_RECORDS:
            raise _invalid(
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                f"constraint: Member must have value less than or equal to {MAX_RECORDS}"
            )
        position = iterators.decode(shard_iterator)
        stream = self.store.stream_by_id(position.stream_id)
        if (
            stream is None
            or _arn(stream) != position.stream_arn
            or (stream["account"], stream["region"]) != (ctx.scope.account, ctx.scope.region)
        ):
            raise _stream_not_found(position.stream_arn)
        if position.shard_id != _shard_id(stream):
            raise ServiceError("ResourceNotFoundException", "Invalid ShardId in ShardIterator")
        now_ms = int(self.clock.now() * 1000)
        iterators.check_fresh(position, now_ms)
        if position.after < stream["trimmed_seq"]:
            raise _trimmed()
        wanted = limit or MAX_RECORDS
        rows = self.store.stream_records(stream["id"], position.after, wanted)
        records: list[dict[str, Any]] = []
        after, size = position.after, 0
        for seq, record in rows:
            size += int(record["dynamodb"].get("SizeBytes") or 0)
            if records and size > MAX_BYTES:
                break  # at most 1 MB per call (always at least one record)
            record.pop("eventSourceARN", None)
            record["dynamodb"]["SequenceNumber"] = sequence_number(seq)
            records.append(record)
            after = seq
        result: dict[str, Any] = {"Records": records}
        held = self.store.stream_seq_range(stream["id"])
        drained = held is None or after >= held[1]
        if stream["disabled"] is None or not drained:
            next_position = iterators.Position(
                position.stream_arn, stream["id"], position.shard_id, after, now_ms
            )
            result["NextShardIterator"] = iterators.encode(next_position)
        return result
