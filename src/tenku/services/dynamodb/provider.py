"""The DynamoDB API: one method per operation of botocore's DynamoDB model.

The methods live in mixins by area (tables, items, reads, batches, transactions,
PartiQL statements);
this class wires them to the store, the table catalog, the write path and the stream
recorder. Methods take the request context and the operation's members as snake_case
keyword arguments, and return the output shape as a dict. Housekeeping (TTL expiry,
stream retention) runs every few seconds and whenever the clock is advanced.
"""

from __future__ import annotations

from tenku.core.clock import Clock
from tenku.core.events import ClockAdvanced, EventBus
from tenku.core.periodic import Periodic
from tenku.services.dynamodb.batch import BatchOperations
from tenku.services.dynamodb.catalog import Catalog
from tenku.services.dynamodb.item_ops import ItemOperations
from tenku.services.dynamodb.items import Writer
from tenku.services.dynamodb.partiql import PartiQLOperations
from tenku.services.dynamodb.reads import ReadOperations
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.streams import RETENTION_SECONDS, StreamRecorder
from tenku.services.dynamodb.table_ops import TableOperations
from tenku.services.dynamodb.transact import TransactOperations
from tenku.services.dynamodb.ttl import TtlSweeper
from tenku.storage import Storage

SWEEP_INTERVAL_SECONDS = 5.0


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
        self.ttl = TtlSweeper(self.store, self.catalog, self.writer, self.streams, clock)
        self._sweeper = Periodic(SWEEP_INTERVAL_SECONDS, self.sweep)
        bus.subscribe(ClockAdvanced, lambda _event: self.sweep())

    async def start(self) -> None:
        self.sweep()
        self._sweeper.start()

    async def stop(self) -> None:
        self._sweeper.stop()

    def sweep(self) -> None:
        """Delete expired TTL items; drop stream records and closed streams past 24 hours."""
        self.ttl.sweep()
        now = self.clock.now()
        self.store.trim_streams(int((now - RETENTION_SECONDS) * 1000), now - RETENTION_SECONDS)
