"""Time to Live expiry: the sweep that deletes items whose TTL attribute has passed.

An item expires when its table has TTL enabled and the item's TTL attribute is a
top-level Number of epoch seconds earlier than now (any other type is ignored, as is a
value more than five years in the past, as DynamoDB does). Expired items are deleted
through the normal write path, so secondary indexes follow and the stream gets a REMOVE
record whose `userIdentity` is the DynamoDB service. DynamoDB deletes expired items
"within a few days"; Tenku deletes them at its next sweep, which runs every few
seconds and at once whenever the clock is advanced, so tests are deterministic.

Must not: decide when it runs (the provider schedules it) or hold SQL.
"""

from __future__ import annotations

from typing import Any

from tenku.core.clock import Clock
from tenku.core.scope import Scope
from tenku.services.dynamodb.catalog import Catalog
from tenku.services.dynamodb.items import Writer
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.streams import TTL_IDENTITY, StreamRecorder

FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600


def is_expired(value: Any, now: float) -> bool:
    """Whether a TTL attribute value (an AttributeValue or None) has expired at `now`."""
    if not isinstance(value, dict) or not isinstance(value.get("N"), str):
        return False
    try:
        seconds = float(value["N"])
    except ValueError:
        return False
    return now - FIVE_YEARS_SECONDS <= seconds < now


class TtlSweeper:
    def __init__(
        self,
        store: DynamoStore,
        catalog: Catalog,
        writer: Writer,
        streams: StreamRecorder,
        clock: Clock,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.writer = writer
        self.streams = streams
        self.clock = clock

    def sweep(self) -> int:
        """Delete every expired item of every table with TTL enabled; returns how many."""
        now = self.clock.now()
        deleted = 0
        for account, region, name, spec in self.store.named_tables():
            setting = spec.get("TimeToLive") or {}
            attribute = setting.get("AttributeName")
            if not setting.get("Enabled") or not attribute:
                continue
            table = self.catalog.find(Scope(account, region), name)
            if table is None:
                continue
            low = now - FIVE_YEARS_SECONDS
            for pk, sk, _text in self.store.expired_items(table.id, attribute, low, now):
                with self.store.storage.transaction():
                    old = self.store.get_item(table.id, pk, sk)
                    if old is None or not is_expired(old.get(attribute), now):
                        continue
                    with self.streams.acting_as(TTL_IDENTITY):
                        self.writer.write(table, pk, sk, old, None, 0)
                deleted += 1
        return deleted
