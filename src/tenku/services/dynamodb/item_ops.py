"""The single-item operations: PutItem, GetItem, UpdateItem and DeleteItem, with
conditions, ReturnValues, ReturnValuesOnConditionCheckFailure and consumed capacity.

Each write runs in one storage transaction: the old item is read, the condition
decided and the change written (item, index entries, stream record) or nothing is.
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

_OLD_OR_NONE = ("NONE", "ALL_OLD")


def collection_metrics(table: Table, item: Item | None, mode: str | None) -> dict[str, Any] | None:
    """ItemCollectionMetrics for tables with local secondary indexes."""
    if mode != "SIZE" or not item or not any(i.kind == "LSI" for i in table.indexes.values()):
        return None
    return {
        "ItemCollectionKey": {table.hash_key: item[table.hash_key]},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }


class ItemOperations(ProviderBase):
    def put_item(
        self,
        ctx: RequestContext,
        table_name: str,
        item: dict[str, Any],
        expected: dict[str, Any] | None = None,
        return_values: str | None = None,
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        conditional_operator: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        if (return_values or "NONE") not in _OLD_OR_NONE:
            raise validation("ReturnValues can only be ALL_OLD or NONE")
        condition = None
        if (
            condition_expression is not None
            or expected is not None
            or (expression_attribute_names or expression_attribute_values or conditional_operator)
        ):
            condition = parse_request(
                params_of(
                    Expected=expected,
                    ConditionalOperator=conditional_operator,
                    ConditionExpression=condition_expression,
                    ExpressionAttributeNames=expression_attribute_names,
                    ExpressionAttributeValues=expression_attribute_values,
                ),
                ["ConditionExpression"],
            ).condition
        table = self.catalog.get(ctx.scope, table_name)
        new = items.normalize_item(item)
        pk, sk = items.item_keys(table, new)
        size = items.check_size(new)
        if table.indexes:
            self.writer.check_indexes(table, new)
        capacity = Capacity(table.name) if return_consumed_capacity else None
        need_old = (
            condition is not None
            or return_values == "ALL_OLD"
            or capacity is not None
            or self.writer.needs_old(table)
        )
        with self.store.storage.transaction():
            old = self.store.get_item(table.id, pk, sk) if need_old else None
            if condition is not None and not condition.evaluate(old):
                raise items.conditional_failed(
                    old if return_values_on_condition_check_failure == "ALL_OLD" else None
                )
            self.writer.write(table, pk, sk, old, new, size, capacity)
        result: dict[str, Any] = {}
        if return_values == "ALL_OLD" and old:
            result["Attributes"] = old
        if capacity is not None:
            result["ConsumedCapacity"] = capacity.render(return_consumed_capacity)
        metrics = collection_metrics(table, new, return_item_collection_metrics)
        if metrics:
            result["ItemCollectionMetrics"] = metrics
        return result

    def get_item(
        self,
        ctx: RequestContext,
        table_name: str,
        key: dict[str, Any],
        attributes_to_get: list[str] | None = None,
        consistent_read: bool | None = None,
        return_consumed_capacity: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        projection = None
        if (
            projection_expression is not None
            or attributes_to_get is not None
            or expression_attribute_names is not None
        ):
            projection = parse_request(
                params_of(
                    AttributesToGet=attributes_to_get,
                    ProjectionExpression=projection_expression,
                    ExpressionAttributeNames=expression_attribute_names,
                ),
                [],
            ).projection
        table = self.catalog.get(ctx.scope, table_name)
        _, pk, sk = items.key_from_request(table, key)
        found = self.store.get_item(table.id, pk, sk)
        result: dict[str, Any] = {}
        if found is not None:
            result["Item"] = projection.apply(found) if projection is not None else found
        if return_consumed_capacity in ("TOTAL", "INDEXES"):
            capacity = Capacity(table.name, read=True)
            size = 0 if found is None else values.item_size(found)
            capacity.table = items.read_units(size, bool(consistent_read))
            result["ConsumedCapacity"] = capacity.render(return_consumed_capacity)
        return result

    def update_item(
        self,
        ctx: RequestContext,
        table_name: str,
        key: dict[str, Any],
        attribute_updates: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        return_values: str | None = None,
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        update_expression: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        parsed = parse_request(
            params_of(
                AttributeUpdates=attribute_updates,
                Expected=expected,
                ConditionalOperator=conditional_operator,
                UpdateExpression=update_expression,
                ConditionExpression=condition_expression,
                ExpressionAttributeNames=expression_attribute_names,
                ExpressionAttributeValues=expression_attribute_values,
            ),
            ["UpdateExpression", "ConditionExpression"],
        )
        table = self.catalog.get(ctx.scope, table_name)
        key_item, pk, sk = items.key_from_request(table, key)
        update = parsed.update
        if update is not None:
            update.check_keys(table.key_names)
        capacity = Capacity(table.name) if return_consumed_capacity else None
        with self.store.storage.transaction():
            old = self.store.get_item(table.id, pk, sk)
            if parsed.condition is not None and not parsed.condition.evaluate(old):
                raise items.conditional_failed(
                    old if return_values_on_condition_check_failure == "ALL_OLD" else None
                )
            base = old if old is not None else dict(key_item)
            new = update.apply(base) if update is not None else dict(base)
            size = items.check_size(new, items.UPDATE_TOO_LARGE)
            if table.indexes:
                self.writer.check_indexes(table, new)
            self.writer.write(table, pk, sk, old, new, size, capacity)
        result: dict[str, Any] = {}
        mode = return_values or "NONE"
        attributes: Item | None = None
        if mode == "ALL_OLD":
            attributes = old
        elif mode == "ALL_NEW":
            attributes = new
        elif mode == "UPDATED_OLD":
            attributes = update.project(old) if update is not None and old else None
        elif mode == "UPDATED_NEW":
            attributes = update.project(new) if update is not None else None
        if attributes:
            result["Attributes"] = attributes
        if capacity is not None:
            result["ConsumedCapacity"] = capacity.render(return_consumed_capacity)
        metrics = collection_metrics(table, new, return_item_collection_metrics)
        if metrics:
            result["ItemCollectionMetrics"] = metrics
        return result

    def delete_item(
        self,
        ctx: RequestContext,
        table_name: str,
        key: dict[str, Any],
        expected: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        return_values: str | None = None,
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        if (return_values or "NONE") not in _OLD_OR_NONE:
            raise validation("ReturnValues can only be ALL_OLD or NONE")
        parsed = parse_request(
            params_of(
                Expected=expected,
                ConditionalOperator=conditional_operator,
                ConditionExpression=condition_expression,
                ExpressionAttributeNames=expression_attribute_names,
                ExpressionAttributeValues=expression_attribute_values,
            ),
            ["ConditionExpression"],
        )
        table = self.catalog.get(ctx.scope, table_name)
        _, pk, sk = items.key_from_request(table, key)
        capacity = Capacity(table.name) if return_consumed_capacity else None
        with self.store.storage.transaction():
            old = self.store.get_item(table.id, pk, sk)
            if parsed.condition is not None and not parsed.condition.evaluate(old):
                raise items.conditional_failed(
                    old if return_values_on_condition_check_failure == "ALL_OLD" else None
                )
            if old is not None:
                self.writer.write(table, pk, sk, old, None, 0, capacity)
            elif capacity is not None:
                capacity.table += 1.0
        result: dict[str, Any] = {}
        if return_values == "ALL_OLD" and old:
            result["Attributes"] = old
        if capacity is not None:
            result["ConsumedCapacity"] = capacity.render(return_consumed_capacity)
        metrics = collection_metrics(table, old, return_item_collection_metrics)
        if metrics:
            result["ItemCollectionMetrics"] = metrics
        return result
