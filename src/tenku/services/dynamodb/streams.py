"""Stream records and stream lifecycles.

For a table with a stream enabled, every item change becomes a record (INSERT, MODIFY
or REMOVE, with the images its StreamViewType asks for and a sequence number), stored
in the table's current stream and published on the event bus as a
`DynamoDBStreamRecord`. Enabling a stream opens a new stream (a new label, so a new
ARN); disabling it, or deleting the table, closes it (DISABLED, still readable until
the retention sweep drops it 24 hours later). TTL deletions are recorded with the
service's `userIdentity` (see `acting_as`).
Serving the records (the DynamoDB Streams API) is `streams_api.py`'s job.

Must not: decide whether a change happens; it only records changes made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from tenku.core.clock import Clock
from tenku.core.events import DynamoDBStreamRecord, EventBus
from tenku.core.scope import Scope
from tenku.services.dynamodb import values
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.tables import Table

Item = dict[str, Any]

RETENTION_SECONDS = 24 * 3600
# What DynamoDB writes as the identity of a TTL deletion (GetRecords' Identity shape).
TTL_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}


def label_at(at: float) -> str:
    """A stream label: the creation time, UTC, to the millisecond."""
    stamp = datetime.fromtimestamp(at, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


def stream_arn(region: str, account: str, table_name: str, label: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{table_name}/stream/{label}"


def open_stream(
    store: DynamoStore, scope: Scope, table_name: str, spec: dict[str, Any], now: float
) -> None:
    """Open a new stream for the table whose (new) `spec` enables one: sets the spec's
    StreamLabel (unique among the table's streams, even two within one millisecond)
    and StreamId."""
    stream = spec.get("StreamSpecification") or {}
    at = now
    label = label_at(at)
    while store.find_stream(scope.account, scope.region, table_name, label) is not None:
        at += 0.001
        label = label_at(at)
    spec["StreamLabel"] = label
    spec["StreamId"] = store.open_stream(
        scope.account,
        scope.region,
        table_name,
        label,
        str(stream.get("StreamViewType") or "NEW_AND_OLD_IMAGES"),
        spec["KeySchema"],
        now,
    )


def close_stream(store: DynamoStore, spec: dict[str, Any], now: float) -> None:
    """Mark the stream a table's `spec` points at DISABLED (no-op without one)."""
    stream_id = spec.get("StreamId")
    if stream_id is not None:
        store.close_stream(int(stream_id), now)


class StreamRecorder:
    def __init__(self, store: DynamoStore, clock: Clock, bus: EventBus) -> None:
        self.store = store
        self.clock = clock
        self.bus = bus
        self._identity: dict[str, str] | None = None

    @contextmanager
    def acting_as(self, identity: dict[str, str]) -> Iterator[None]:
        """Record the changes made inside the block with this `userIdentity`."""
        self._identity = identity
        try:
            yield
        finally:
            self._identity = None

    def _stream_id(self, table: Table) -> int:
        stream_id = table.spec.get("StreamId")
        if stream_id is not None:
            return int(stream_id)
        # A table whose stream predates stream rows: adopt its label for a new row.
        label = str(table.spec.get("StreamLabel") or label_at(self.clock.now()))
        found = self.store.find_stream(table.account, table.region, table.name, label)
        if found is None:
            stream = table.spec.get("StreamSpecification") or {}
            new_id = self.store.open_stream(
                table.account,
                table.region,
                table.name,
                label,
                str(stream.get("StreamViewType") or "NEW_AND_OLD_IMAGES"),
                table.spec["KeySchema"],
                self.clock.now(),
            )
        else:
            new_id = int(found["id"])
        table.spec["StreamLabel"] = label
        table.spec["StreamId"] = new_id
        self.store.save_table(table.id, table.spec)
        return new_id

    def __call__(self, table: Table, old: Item | None, new: Item | None) -> None:
        view = table.stream_view
        if view is None:
            return
        source = new if new is not None else old
        assert source is not None
        stream_id = self._stream_id(table)
        now = self.clock.now()
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": now,
            "Keys": {name: source[name] for name in table.key_names},
            "StreamViewType": view,
        }
        if new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            body["NewImage"] = new
        if old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            body["OldImage"] = old
        body["SizeBytes"] = sum(
            values.item_size(body[k]) for k in ("Keys", "NewImage", "OldImage") if k in body
        )
        arn = f"{table.arn}/stream/{table.spec.get('StreamLabel', '')}"
        record: dict[str, Any] = {
            "eventID": uuid.uuid4().hex,
            "eventName": "INSERT" if old is None else "REMOVE" if new is None else "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": table.region,
            "dynamodb": body,
            "eventSourceARN": arn,
        }
        if self._identity is not None:
            record["userIdentity"] = dict(self._identity)
        seq = self.store.add_stream_record(stream_id, int(now * 1000), record)
        body["SequenceNumber"] = sequence_number(seq)
        scope = Scope(table.account, table.region)
        self.bus.publish(DynamoDBStreamRecord(scope, table.arn, arn, record))


def sequence_number(seq: int) -> str:
    """The wire form of a sequence number (21 to 40 digits)."""
    return f"{seq:021d}"
