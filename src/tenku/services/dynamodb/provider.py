"""The DynamoDB API: one method per operation of botocore's DynamoDB model.

The methods live in mixins by area (tables, items, reads, batches, transactions,
PartiQL statements);
this class wires them to the store, the table catalog, the write path and the stream
recorder. Methods take the request context and the operation's members as snake_case
keyword arguments, and return the output shape as a dict.
"""

from __future__ import annotations

from tenku.core.clock import Clock
from tenku.core.events import EventBus
from tenku.services.dynamodb.batch import BatchOperations
from tenku.services.dynamodb.catalog import Catalog
from tenku.services.dynamodb.item_ops import ItemOperations
from tenku.services.dynamodb.items import Writer
from tenku.services.dynamodb.partiql import PartiQLOperations
from tenku.services.dynamodb.reads import ReadOperations
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.streams import StreamRecorder
from tenku.services.dynamodb.table_ops import TableOperations
from tenku.services.dynamodb.transact import TransactOperations
from tenku.storage import Storage


class DynamoDBProvider(
    TableOperations,
    ItemOperations,
    ReadOperations,
    BatchOperations,
    PartiQLOperations,
    TransactOperations,
):
    service = "dynamodb"

    def __init__(self, storage: Storage, clock: Clock, bus: EventBus) -> None:
        self.store = DynamoStore(storage)
        self.clock = clock
        self.bus = bus
        self.catalog = Catalog(self.store)
        self.streams = StreamRecorder(self.store, clock, bus)
        self.writer = Writer(self.store, self.streams)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
