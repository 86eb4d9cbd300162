"""BatchGetItem and BatchWriteItem: their limits (100 keys, 25 writes), duplicate-key
rejection, per-table consumed capacity, and always-empty UnprocessedKeys/Items (a
local table never throttles).

A batch is validated whole before anything is written; its writes then share one
storage transaction.
Must not: hold SQL (see `store.py`).
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.services.dynamodb import items, values
from tenku.services.dynamodb.catalog import ProviderBase
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.items import Capacity, Item
from tenku.services.dynamodb.requests import params_of, parse_request
from tenku.services.dynamodb.tables import Table

DUPLICATES = "Provided list of item keys contains duplicates"


class BatchOperations(ProviderBase):
    def batch_get_item(
        self,
        ctx: RequestContext,
        request_items: dict[str, dict[str, Any]],
        return_consumed_capacity: str | None = None,
    ) -> dict[str, Any]:
        total = sum(len(spec.get("Keys") or []) for spec in request_items.values())
        if total > 100:
            raise validation("Too many items requested for the BatchGetItem call")
        plans = []
        for name, spec in request_items.items():
            parsed = parse_request(
                params_of(
                    AttributesToGet=spec.get("AttributesToGet"),
                    ProjectionExpression=spec.get("ProjectionExpression"),
                    ExpressionAttributeNames=spec.get("ExpressionAttributeNames"),
                ),
                [],
            )
            table = self.catalog.get(ctx.scope, name)
            seen: set[tuple[bytes, bytes]] = set()
            keys = []
            for key in spec.get("Keys") or []:
                _, pk, sk = items.key_from_request(table, key)
                if (pk, sk) in seen:
                    raise validation(DUPLICATES)
                seen.add((pk, sk))
                keys.append((pk, sk))
            plans.append((name, table, keys, parsed.projection, bool(spec.get("ConsistentRead"))))
        responses: dict[str, list[Item]] = {}
        consumed = []
        for name, table, keys, projection, consistent in plans:
            found: list[Item] = []
            capacity = Capacity(table.name, read=True)
            for pk, sk in keys:
                item = self.store.get_item(table.id, pk, sk)
                size = values.item_size(item) if item else 0
                capacity.table += items.read_units(size, consistent)
                if item is not None:
                    found.append(projection.apply(item) if projection is not None else item)
            responses[name] = found
            rendered = capacity.render(return_consumed_capacity)
            if rendered:
                consumed.append(rendered)
        result: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": {}}
        if consumed:
            result["ConsumedCapacity"] = consumed
        return result

    def batch_write_item(
        self,
        ctx: RequestContext,
        request_items: dict[str, list[dict[str, Any]]],
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
    ) -> dict[str, Any]:
        total = sum(len(requests) for requests in request_items.values())
        if total > 25:
            raise validation("Too many items requested for the BatchWriteItem call")
        writes: list[tuple[Table, bytes, bytes, Item | None, int]] = []
        for name, requests in request_items.items():
            table = self.catalog.get(ctx.scope, name)
            seen: set[tuple[bytes, bytes]] = set()
            for request in requests:
                put = request.get("PutRequest")
                delete = request.get("DeleteRequest")
                if (put is None) == (delete is None):
                    raise validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain "
                        "exactly one of the supported datatypes"
                        if put is not None
                        else "1 validation error detected: Value null at "
                        "'requestItems.member.1.member' failed to satisfy constraint: "
                        "Member must not be null"
                    )
                if put is not None:
                    item = items.normalize_item(put.get("Item") or {})
                    pk, sk = items.item_keys(table, item)
                    size = items.check_size(item)
                    if table.indexes:
                        self.writer.check_indexes(table, item)
                    new: Item | None = item
                else:
                    assert delete is not None
                    _, pk, sk = items.key_from_request(table, delete.get("Key"))
                    new, size = None, 0
                if (pk, sk) in seen:
                    raise validation(DUPLICATES)
                seen.add((pk, sk))
                writes.append((table, pk, sk, new, size))
        capacities: dict[str, Capacity] = {}
        with self.store.storage.transaction():
            for table, pk, sk, new, size in writes:
                capacity = None
                if return_consumed_capacity in ("TOTAL", "INDEXES"):
                    capacity = capacities.setdefault(table.name, Capacity(table.name))
                old = None
                if capacity is not None or new is None or self.writer.needs_old(table):
                    old = self.store.get_item(table.id, pk, sk)
                if new is None and old is None:
                    if capacity is not None:
                        capacity.table += 1.0
                    continue
                self.writer.write(table, pk, sk, old, new, size, capacity)
        result: dict[str, Any] = {"UnprocessedItems": {}}
        if capacities:
            result["ConsumedCapacity"] = [
                c.render(return_consumed_capacity) for c in capacities.values()
            ]
        return result
