"""Items against a table's schema: key extraction and validation, item validation and
size, secondary-index entries (sparse, typed), consumed capacity arithmetic and the one
write path (`Writer.write`) that keeps items, index entries and stream records together.

Must not: parse request parameters or expressions (the operation modules do that).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenku.core.errors import ServiceError
from tenku.services.dynamodb import keys, values
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.tables import Index, Table

Item = dict[str, Any]
_INVALID = "One or more parameter values were invalid: "
KEY_MISMATCH = "The provided key element does not match the schema"
TOO_LARGE = "Item size has exceeded the maximum allowed size"
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"


def not_found() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "Requested resource not found", 400)


def conditional_failed(item: Item | None = None) -> ServiceError:
    fields = {"Item": item} if item else None
    return ServiceError(
        "ConditionalCheckFailedException", "The conditional request failed", 400, fields=fields
    )


# -- keys -------------------------------------------------------------------------------
def key_from_request(table: Table, key: Any) -> tuple[Item, bytes, bytes]:
    """A `Key` parameter: exactly the table's key attributes, of the defined types.
    Returns the canonical key and its (pk, sk) bytes."""
    if not isinstance(key, dict) or len(key) != len(table.key_names):
        raise validation(KEY_MISMATCH)
    canonical: Item = {}
    encoded: list[bytes] = []
    for name in table.key_names:
        av = key.get(name)
        if av is None:
            raise validation(KEY_MISMATCH)
        kind = table.types[name]
        text = av.get("S") if kind == "S" and len(av) == 1 else None
        if isinstance(text, str) and 0 < len(text) <= 256:
            # Fast path for the common short string key: nothing to normalize, and a
            # string of at most 256 characters (1024 UTF-8 bytes) is within every limit.
            encoded.append(text.encode("utf-8", "surrogatepass"))
            canonical[name] = av
            continue
        av = values.normalize_value(av)
        if values.type_of(av) != kind:
            raise validation(KEY_MISMATCH)
        keys.validate_key_value(av, partition=name == table.hash_key, name=name)
        canonical[name] = av
        encoded.append(keys.sort_key_bytes(av))
    return canonical, encoded[0], encoded[1] if len(encoded) > 1 else b""


def _bytes(item: Item, name: str | None) -> bytes:
    return b"" if name is None else keys.sort_key_bytes(item[name])


def item_keys(table: Table, item: Item) -> tuple[bytes, bytes]:
    """(pk, sk) bytes of a full item, checking its key attributes (PutItem's messages)."""
    for name in table.key_names:
        av = item.get(name)
        if av is None:
            raise validation(f"{_INVALID}Missing the key {name} in the item")
        actual = values.type_of(av)
        expected = table.types[name]
        if actual != expected:
            raise validation(
                f"{_INVALID}Type mismatch for key {name} expected: {expected} actual: {actual}"
            )
        keys.validate_key_value(av, partition=name == table.hash_key, name=name)
    return _bytes(item, table.hash_key), _bytes(item, table.range_key)


def key_of(table: Table, item: Item) -> Item:
    return {name: item[name] for name in table.key_names}


def normalize_item(item: Any) -> Item:
    """A canonical copy of a request's item (validated values)."""
    if not isinstance(item, dict):
        raise validation(f"{_INVALID}Missing the key in the item")
    return {name: values.normalize_value(av) for name, av in item.items()}


def check_size(item: Item, message: str = TOO_LARGE) -> int:
    size = values.item_size(item)
    if size > values.MAX_ITEM_SIZE:
        raise validation(message)
    return size


def index_entry(table: Table, index: Index, item: Item | None) -> tuple[bytes, bytes] | None:
    """(index pk, index sk) bytes of `item` in `index`, or None when the item is not in
    it (sparse: a key attribute missing). Mistyped or empty index keys are refused."""
    if item is None:
        return None
    parts = []
    for name in index.key_names:
        av = item.get(name)
        if av is None:
            return None
        actual = values.type_of(av)
        expected = table.types[name]
        if actual != expected:
            raise validation(
                f"{_INVALID}Type mismatch for Index Key {name} Expected: {expected} "
                f"Actual: {actual} IndexName: {index.name}"
            )
        payload = av[actual]
        if (actual == "S" and payload == "") or (actual == "B" and len(payload) == 0):
            raise validation(
                "One or more parameter values are not valid. A value specified for a "
                "secondary index key is not supported. The AttributeValue for a key attribute "
                f"cannot contain an empty {'string' if actual == 'S' else 'binary'} value. "
                f"IndexName: {index.name}, IndexKey: {name}"
            )
        parts.append(keys.sort_key_bytes(av))
    return parts[0], parts[1] if len(parts) > 1 else b""


def index_projection(table: Table, index: Index, item: Item) -> Item:
    """The attributes an index holds of `item`."""
    if index.projection == "ALL":
        return item
    wanted = set(table.key_names) | set(index.key_names)
    if index.projection == "INCLUDE":
        wanted |= set(index.non_key)
    return {k: v for k, v in item.items() if k in wanted}


# -- capacity -----------------------------------------------------------------------------
def write_units(size: int) -> float:
    return float(max(1, math.ceil(size / 1024)))


def read_units(size: int, consistent: bool) -> float:
    units = float(max(1, math.ceil(size / 4096)))
    return units if consistent else units / 2


@dataclass
class Capacity:
    """Consumed capacity of one table within a request."""

    table_name: str
    table: float = 0.0
    gsi: dict[str, float] = field(default_factory=dict)
    lsi: dict[str, float] = field(default_factory=dict)
    read: bool = False

    def add_index(self, index: Index, units: float) -> None:
        target = self.gsi if index.kind == "GSI" else self.lsi
        target[index.name] = target.get(index.name, 0.0) + units

    def render(self, mode: str | None) -> dict[str, Any] | None:
        if mode not in ("TOTAL", "INDEXES"):
            return None
        total = self.table + sum(self.gsi.values()) + sum(self.lsi.values())
        out: dict[str, Any] = {"TableName": self.table_name, "CapacityUnits": total}
        out["ReadCapacityUnits" if self.read else "WriteCapacityUnits"] = total
        if mode == "INDEXES":
            out["Table"] = {"CapacityUnits": self.table}
            if self.gsi:
                out["GlobalSecondaryIndexes"] = {
                    k: {"CapacityUnits": v} for k, v in self.gsi.items()
                }
            if self.lsi:
                out["LocalSecondaryIndexes"] = {
                    k: {"CapacityUnits": v} for k, v in self.lsi.items()
                }
        return out


def read_capacity(
    table_name: str, index: Index | None, read_bytes: int, consistent: bool, mode: str
) -> dict[str, Any] | None:
    """ConsumedCapacity of a Query, Scan or SELECT that read `read_bytes` (on `index`)."""
    capacity = Capacity(table_name, read=True)
    units = read_units(read_bytes, consistent)
    if index is None:
        capacity.table = units
    else:
        capacity.add_index(index, units)
    return capacity.render(mode)


# -- the write path ------------------------------------------------------------------
StreamHook = Callable[[Table, Item | None, Item | None], None]


class Writer:
    """Writes one item change: the item row, its index entries, its stream record."""

    def __init__(self, store: DynamoStore, on_change: StreamHook) -> None:
        self.store = store
        self.on_change = on_change

    def needs_old(self, table: Table) -> bool:
        """Whether a write must read the old item (to fix index entries or streams)."""
        return bool(table.indexes) or table.stream_view is not None

    def check_indexes(self, table: Table, item: Item) -> None:
        for index in table.indexes.values():
            index_entry(table, index, item)

    def write(
        self,
        table: Table,
        pk: bytes,
        sk: bytes,
        old: Item | None,
        new: Item | None,
        size: int,
        capacity: Capacity | None = None,
    ) -> None:
        """Replace the item at (pk, sk) by `new` (None deletes). `old` is the item it
        replaces when `needs_old(table)` (or known anyway); `size` is `new`'s size."""
        if new is None:
            self.store.delete_item(table.id, pk, sk)
        else:
            self.store.put_item(table.id, pk, sk, new, size)
        if capacity is not None:
            old_size = values.item_size(old) if old else 0
            capacity.table += write_units(max(size if new else 0, old_size))
        for index in table.indexes.values():
            before = index_entry(table, index, old)
            after = index_entry(table, index, new)
            if before is not None and before != after:
                self.store.delete_index_entry(index.id, before[0], before[1], pk, sk)
                if capacity is not None:
                    capacity.add_index(index, 1.0)
            if after is not None:
                assert new is not None
                if before != after:
                    self.store.put_index_entry(index.id, after[0], after[1], pk, sk)
                if capacity is not None and (before != after or old != new):
                    projected = index_projection(table, index, new)
                    capacity.add_index(index, write_units(values.item_size(projected)))
        if table.stream_view is not None and old != new:
            self.on_change(table, old, new)
