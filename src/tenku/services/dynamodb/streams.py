"""Stream records: for a table with a stream enabled, every item change becomes a
record (INSERT, MODIFY or REMOVE, with the images its StreamViewType asks for and a
sequence number), stored with the table and published on the event bus as a
`DynamoDBStreamRecord`. Serving the records (the DynamoDB Streams API) is not here.

Must not: decide whether a change happens; it only records changes made.
"""

from __future__ import annotations

import uuid
from typing import Any

from tenku.core.clock import Clock
from tenku.core.events import DynamoDBStreamRecord, EventBus
from tenku.core.scope import Scope
from tenku.services.dynamodb import values
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.tables import Table

Item = dict[str, Any]


class StreamRecorder:
    def __init__(self, store: DynamoStore, clock: Clock, bus: EventBus) -> None:
        self.store = store
        self.clock = clock
        self.bus = bus

    def __call__(self, table: Table, old: Item | None, new: Item | None) -> None:
        view = table.stream_view
        if view is None:
            return
        source = new if new is not None else old
        assert source is not None
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
        stream_arn = f"{table.arn}/stream/{table.spec.get('StreamLabel', '')}"
        record: dict[str, Any] = {
            "eventID": uuid.uuid4().hex,
            "eventName": "INSERT" if old is None else "REMOVE" if new is None else "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": table.region,
            "dynamodb": body,
            "eventSourceARN": stream_arn,
        }
        seq = self.store.add_stream_record(table.id, int(now * 1000), record)
        body["SequenceNumber"] = f"{seq:021d}"
        scope = Scope(table.account, table.region)
        self.bus.publish(DynamoDBStreamRecord(scope, table.arn, stream_arn, record))
