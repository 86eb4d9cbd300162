"""Query and Scan: key conditions turned into range scans of the primary key or of an
index, Limit and the 1 MB page, ExclusiveStartKey/LastEvaluatedKey, Select, filters
applied after Limit, index projections (KEYS_ONLY, INCLUDE, ALL), parallel-scan
segments and read capacity.

Must not: hold SQL (see `store.py`).
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterator
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.dynamodb import expressions as ex
from tenku.services.dynamodb import items, keys, values
from tenku.services.dynamodb.catalog import ProviderBase
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.items import Item
from tenku.services.dynamodb.requests import Parsed, params_of, parse_request
from tenku.services.dynamodb.store import decode_item
from tenku.services.dynamodb.tables import Index, Table

PAGE_BYTES = 1024 * 1024
_INVALID = "One or more parameter values were invalid: "
_BAD_START = "The provided starting key is invalid: "
Row = tuple[bytes, bytes, str, int]


def _prefix_end(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with `prefix`."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


def range_bounds(condition: ex.KeyCondition) -> list[tuple[str, bytes]]:
    """SQL comparisons on the sort-key bytes that select the sort-key condition."""
    op = condition.range_op
    if op is None:
        return []
    first = keys.sort_key_bytes(condition.range_values[0])
    if op == "BETWEEN":
        return [(">=", first), ("<=", keys.sort_key_bytes(condition.range_values[1]))]
    if op == "BEGINS_WITH":
        end = _prefix_end(first)
        return [(">=", first)] + ([("<", end)] if end is not None else [])
    return [(op, first)]


def _check_key_types(table: Table, condition: ex.KeyCondition) -> None:
    checks = [(condition.hash_key, condition.hash_value)]
    if condition.range_key is not None:
        checks += [(condition.range_key, v) for v in condition.range_values]
    for name, av in checks:
        if values.type_of(av) != table.types[name]:
            raise validation(f"{_INVALID}Condition parameter type does not match schema type")
    if condition.range_op == "BETWEEN":
        low, high = condition.range_values
        order = values.compare(low, high)
        if order is not None and order > 0:
            raise validation(
                "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to "
                f"be greater than or equal to lower bound; lower bound operand: "
                f"{ex.names.describe(low)}, upper bound operand: {ex.names.describe(high)}"
            )


def start_key(
    table: Table, index: Index | None, start: Any
) -> tuple[Item, bytes, bytes, bytes, bytes]:
    """ExclusiveStartKey -> (canonical key, table pk, table sk, index pk, index sk)."""
    names = list(table.key_names)
    if index is not None:
        names += [n for n in index.key_names if n not in names]
    if not isinstance(start, dict) or set(start) != set(names):
        raise validation(f"{_BAD_START}The provided key element does not match the schema")
    canonical: Item = {}
    for name in names:
        av = values.normalize_value(start[name])
        if values.type_of(av) != table.types[name]:
            raise validation(f"{_BAD_START}The provided key element does not match the schema")
        canonical[name] = av
    pk = keys.sort_key_bytes(canonical[table.hash_key])
    sk = keys.sort_key_bytes(canonical[table.range_key]) if table.range_key else b""
    ipk = isk = b""
    if index is not None:
        ipk = keys.sort_key_bytes(canonical[index.hash_key])
        isk = keys.sort_key_bytes(canonical[index.range_key]) if index.range_key else b""
    return canonical, pk, sk, ipk, isk


def _attribute_names(node: object) -> set[str]:
    """The top-level attribute names a condition tree reads."""
    if isinstance(node, ex.Path):
        return {node.top}
    found: set[str] = set()
    if dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            child = getattr(node, field.name)
            for part in child if isinstance(child, tuple) else (child,):
                found |= _attribute_names(part)
    return found


def _projected_by(attributes_to_get: list[str] | None) -> str:
    return "ProjectionExpression" if attributes_to_get is None else "AttributesToGet"


def _check_filter_keys(
    parsed: Parsed, filter_expression: str | None, hash_key: str, range_key: str | None
) -> None:
    """A Query's FilterExpression may not name the key attributes it queries by."""
    if parsed.filter is None or filter_expression is None:
        return
    named = _attribute_names(parsed.filter.node)
    for key in (hash_key, range_key):
        if key is not None and key in named:
            raise validation(
                "Filter Expression can only contain non-primary key attributes: "
                f"Primary key attribute: {key}"
            )


def _select(
    select: str | None,
    parsed: Parsed,
    table: Table,
    index: Index | None,
    consistent: bool,
    projected_by: str = "ProjectionExpression",
) -> str:
    if index is not None and index.kind == "GSI" and consistent:
        raise validation("Consistent reads are not supported on global secondary indexes")
    if select is None:
        if parsed.projection is not None:
            return "SPECIFIC_ATTRIBUTES"
        return "ALL_PROJECTED_ATTRIBUTES" if index is not None else "ALL_ATTRIBUTES"
    if parsed.projection is not None and select != "SPECIFIC_ATTRIBUTES":
        wanted = "only the Count" if select == "COUNT" else select
        raise validation(f"Cannot specify the {projected_by} when choosing to get {wanted}")
    if select == "SPECIFIC_ATTRIBUTES" and parsed.projection is None:
        raise validation(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
            "SPECIFIC_ATTRIBUTES"
        )
    if select == "ALL_PROJECTED_ATTRIBUTES" and index is None:
        # Sic: "Querying" on a Scan too.
        raise validation(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if (
        select == "ALL_ATTRIBUTES"
        and index is not None
        and index.kind == "GSI"
        and index.projection != "ALL"
    ):
        raise validation(
            f"{_INVALID}Select type ALL_ATTRIBUTES is not supported for global secondary index "
            f"{index.name} because its projection type is not ALL"
        )
    return select


class ReadOperations(ProviderBase):
    def _index(self, table: Table, index_name: str | None) -> Index | None:
        if index_name is None:
            return None
        index = table.indexes.get(index_name)
        if index is None:
            raise validation(f"The table does not have the specified index: {index_name}")
        return index

    def _page(
        self,
        table: Table,
        index: Index | None,
        rows: Iterator[Row],
        parsed: Parsed,
        select: str,
        limit: int | None,
        consistent: bool,
        capacity_mode: str | None,
    ) -> dict[str, Any]:
        found: list[Item] = []
        scanned = count = read_bytes = 0
        last: Item | None = None
        more = False
        for _pk, _sk, text, size in rows:
            if (limit is not None and scanned >= limit) or read_bytes >= PAGE_BYTES:
                more = True
                break
            item = decode_item(text)
            scanned += 1
            read_bytes += size
            last = item
            if index is not None and index.kind == "GSI":
                # A GSI holds only its projection: filters and answers see just that.
                item = items.index_projection(table, index, item)
            if parsed.filter is not None and not parsed.filter.evaluate(item):
                continue
            count += 1
            if select == "COUNT":
                continue
            if index is not None and select == "ALL_PROJECTED_ATTRIBUTES":
                item = items.index_projection(table, index, item)
            if parsed.projection is not None:
                item = parsed.projection.apply(item)
            found.append(item)
        result: dict[str, Any] = {"Count": count, "ScannedCount": scanned}
        if select != "COUNT":
            result["Items"] = found
        if (more or (limit is not None and scanned >= limit)) and last is not None:
            names = list(table.key_names)
            if index is not None:
                names += [n for n in index.key_names if n not in names]
            result["LastEvaluatedKey"] = {n: last[n] for n in names}
        if capacity_mode in ("TOTAL", "INDEXES"):
            result["ConsumedCapacity"] = items.read_capacity(
                table.name, index, read_bytes, consistent, capacity_mode
            )
        return result

    def query(
        self,
        ctx: RequestContext,
        table_name: str,
        index_name: str | None = None,
        select: str | None = None,
        attributes_to_get: list[str] | None = None,
        limit: int | None = None,
        consistent_read: bool | None = None,
        key_conditions: dict[str, Any] | None = None,
        query_filter: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        scan_index_forward: bool | None = None,
        exclusive_start_key: dict[str, Any] | None = None,
        return_consumed_capacity: str | None = None,
        projection_expression: str | None = None,
        filter_expression: str | None = None,
        key_condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        params = params_of(
            AttributesToGet=attributes_to_get,
            KeyConditions=key_conditions,
            QueryFilter=query_filter,
            ConditionalOperator=conditional_operator,
            ProjectionExpression=projection_expression,
            FilterExpression=filter_expression,
            KeyConditionExpression=key_condition_expression,
            ExpressionAttributeNames=expression_attribute_names,
            ExpressionAttributeValues=expression_attribute_values,
        )
        parsed = parse_request(
            params, ["KeyConditionExpression", "FilterExpression"], filter_kind="QueryFilter"
        )
        if key_condition_expression is None and key_conditions is None:
            raise validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be "
                "specified in the request."
            )
        table = self.catalog.get(ctx.scope, table_name)
        index = self._index(table, index_name)
        hash_key, range_key = (
            (index.hash_key, index.range_key) if index else (table.hash_key, table.range_key)
        )
        if key_condition_expression is not None:
            condition = ex.parse_key_condition(
                key_condition_expression,
                hash_key=hash_key,
                range_key=range_key,
                context=parsed.context,
            )
            parsed.context.check_all_used()
        else:
            assert key_conditions is not None
            condition = ex.key_condition_from_legacy(
                key_conditions, hash_key=hash_key, range_key=range_key
            )
        _check_key_types(table, condition)
        _check_filter_keys(parsed, filter_expression, hash_key, range_key)
        consistent = bool(consistent_read)
        chosen = _select(select, parsed, table, index, consistent, _projected_by(attributes_to_get))
        pk = keys.sort_key_bytes(condition.hash_value)
        forward = scan_index_forward is not False
        bounds = range_bounds(condition)
        if index is None:
            after = None
            if exclusive_start_key is not None:
                after = start_key(table, None, exclusive_start_key)[2]
            rows = self.store.query_table(table.id, pk, bounds, forward, after)
        else:
            index_after = None
            if exclusive_start_key is not None:
                _, tpk, tsk, _, isk = start_key(table, index, exclusive_start_key)
                index_after = (isk, tpk, tsk)
            rows = self.store.query_index(table.id, index.id, pk, bounds, forward, index_after)
        return self._page(
            table, index, rows, parsed, chosen, limit, consistent, return_consumed_capacity
        )

    def scan(
        self,
        ctx: RequestContext,
        table_name: str,
        index_name: str | None = None,
        attributes_to_get: list[str] | None = None,
        limit: int | None = None,
        select: str | None = None,
        scan_filter: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        exclusive_start_key: dict[str, Any] | None = None,
        return_consumed_capacity: str | None = None,
        total_segments: int | None = None,
        segment: int | None = None,
        projection_expression: str | None = None,
        filter_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        consistent_read: bool | None = None,
    ) -> dict[str, Any]:
        if total_segments is not None and segment is None:
            raise validation(
                "The Segment parameter is required but was not present in the request when "
                "parameter TotalSegments is present"
            )
        if segment is not None and total_segments is None:
            raise validation(
                "The TotalSegments parameter is required but was not present in the request "
                "when Segment parameter is present"
            )
        if segment is not None and total_segments is not None and segment >= total_segments:
            raise validation(
                "The Segment parameter is zero-based and must be less than parameter "
                f"TotalSegments: Segment: {segment} is not less than TotalSegments: "
                f"{total_segments}"
            )
        parsed = parse_request(
            params_of(
                AttributesToGet=attributes_to_get,
                ScanFilter=scan_filter,
                ConditionalOperator=conditional_operator,
                ProjectionExpression=projection_expression,
                FilterExpression=filter_expression,
                ExpressionAttributeNames=expression_attribute_names,
                ExpressionAttributeValues=expression_attribute_values,
            ),
            ["FilterExpression"],
            filter_kind="ScanFilter",
        )
        table = self.catalog.get(ctx.scope, table_name)
        index = self._index(table, index_name)
        consistent = bool(consistent_read)
        chosen = _select(select, parsed, table, index, consistent, _projected_by(attributes_to_get))
        rows: Iterator[Row]
        if index is None:
            after = None
            if exclusive_start_key is not None:
                _, pk, sk, _, _ = start_key(table, None, exclusive_start_key)
                after = (pk, sk)
            rows = self.store.scan_table(table.id, after)
        else:
            index_after = None
            if exclusive_start_key is not None:
                _, tpk, tsk, ipk, isk = start_key(table, index, exclusive_start_key)
                index_after = (ipk, isk, tpk, tsk)
            rows = self.store.scan_index(table.id, index.id, index_after)
        if total_segments is not None and segment is not None:
            rows = _segment(rows, segment, total_segments)
        return self._page(
            table, index, rows, parsed, chosen, limit, consistent, return_consumed_capacity
        )


def _segment(rows: Iterator[Row], segment: int, total: int) -> Iterator[Row]:
    """The rows of one parallel-scan segment: partitions spread by a hash of their key."""
    for row in rows:
        if zlib.crc32(row[0]) % total == segment:
            yield row
