"""TransactWriteItems and TransactGetItems: all-or-nothing writes with per-action
conditions, TransactionCanceledException with CancellationReasons in request order,
one operation per item, ClientRequestToken idempotency for 10 minutes, and the doubled
capacity of transactional reads and writes.

Every action is decided against the stored items first; only when all succeed are
the writes made, in one storage transaction.
Must not: hold SQL (see `store.py`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.dynamodb import items, values
from tenku.services.dynamodb.catalog import ProviderBase
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.items import Capacity, Item
from tenku.services.dynamodb.requests import Parsed, params_of, parse_request
from tenku.services.dynamodb.store import encode_item
from tenku.services.dynamodb.tables import Table

TOKEN_TTL_MS = 10 * 60 * 1000
SAME_ITEM = "Transaction request cannot include multiple operations on one item"
_ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")


@dataclass
class _Action:
    kind: str
    table: Table
    pk: bytes
    sk: bytes
    parsed: Parsed
    key: Item
    item: Item | None  # Put's new item
    on_failure: str | None


def _fingerprint(transact_items: list[dict[str, Any]]) -> str:
    return hashlib.sha256(encode_item({"i": transact_items}).encode()).hexdigest()


def cancelled(reasons: list[dict[str, Any]]) -> ServiceError:
    codes = ", ".join(r["Code"] for r in reasons)
    return ServiceError(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        400,
        fields={"CancellationReasons": reasons},
    )


class TransactOperations(ProviderBase):
    def _plan(self, ctx: RequestContext, entry: dict[str, Any]) -> _Action:
        present = [k for k in _ACTIONS if entry.get(k) is not None]
        if len(present) != 1:
            raise validation("TransactItems can only contain one of Check, Put, Update or Delete")
        kind = present[0]
        spec = entry[kind]
        if kind == "ConditionCheck" and spec.get("ConditionExpression") is None:
            raise validation("ConditionExpression must be provided for ConditionCheck")
        expressions = (
            ["UpdateExpression", "ConditionExpression"]
            if kind == "Update"
            else ["ConditionExpression"]
        )
        parsed = parse_request(
            params_of(
                UpdateExpression=spec.get("UpdateExpression"),
                ConditionExpression=spec.get("ConditionExpression"),
                ExpressionAttributeNames=spec.get("ExpressionAttributeNames"),
                ExpressionAttributeValues=spec.get("ExpressionAttributeValues"),
            ),
            expressions,
        )
        table = self.catalog.get(ctx.scope, spec.get("TableName"))
        new: Item | None = None
        if kind == "Put":
            new = items.normalize_item(spec.get("Item") or {})
            pk, sk = items.item_keys(table, new)
            key = items.key_of(table, new)
        else:
            key, pk, sk = items.key_from_request(table, spec.get("Key"))
        if parsed.update is not None:
            parsed.update.check_keys(table.key_names)
        return _Action(
            kind, table, pk, sk, parsed, key, new, spec.get("ReturnValuesOnConditionCheckFailure")
        )

    def transact_write_items(
        self,
        ctx: RequestContext,
        transact_items: list[dict[str, Any]],
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        client_request_token: str | None = None,
    ) -> dict[str, Any]:
        fingerprint = _fingerprint(transact_items) if client_request_token is not None else ""
        replayed = self._replayed(ctx, client_request_token, fingerprint)
        if replayed is not None:
            return replayed
        actions = [self._plan(ctx, entry) for entry in transact_items]
        return self._commit(
            ctx, actions, return_consumed_capacity, client_request_token, fingerprint
        )

    def _replayed(
        self, ctx: RequestContext, token: str | None, fingerprint: str
    ) -> dict[str, Any] | None:
        """The answer to an earlier request with this ClientRequestToken, if any."""
        if token is None:
            return None
        scope = ctx.scope
        seen = self.store.token(scope.account, scope.region, token, self.now_ms() - TOKEN_TTL_MS)
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise ServiceError(
                "IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical "
                "request. Do not reuse a client token with different requests, unless the "
                "requests are identical.",
                400,
            )
        result: dict[str, Any] = json.loads(seen[1])
        return result

    def _commit(
        self,
        ctx: RequestContext,
        actions: list[_Action],
        return_consumed_capacity: str | None,
        client_request_token: str | None,
        fingerprint: str,
    ) -> dict[str, Any]:
        """Decide every action, then write them all in one storage transaction (or raise
        TransactionCanceledException); remembers the answer under the token."""
        scope = ctx.scope
        now = self.now_ms()
        targets = set()
        for action in actions:
            target = (action.table.id, action.pk, action.sk)
            if target in targets:
                raise validation(SAME_ITEM)
            targets.add(target)
        capacities: dict[str, Capacity] = {}
        with self.store.storage.transaction():
            decided = self._decide(actions)
            for action, (old, new, size) in zip(actions, decided, strict=True):
                capacity = None
                if return_consumed_capacity in ("TOTAL", "INDEXES"):
                    capacity = capacities.setdefault(action.table.name, Capacity(action.table.name))
                if action.kind == "ConditionCheck":
                    if capacity is not None:
                        capacity.table += 2 * items.write_units(values.item_size(old or {}))
                    continue
                if new is None and old is None:
                    if capacity is not None:
                        capacity.table += 2.0
                    continue
                scratch = Capacity(action.table.name) if capacity is not None else None
                self.writer.write(action.table, action.pk, action.sk, old, new, size, scratch)
                if capacity is not None and scratch is not None:
                    capacity.table += 2 * scratch.table
                    for name, units in scratch.gsi.items():
                        capacity.gsi[name] = capacity.gsi.get(name, 0.0) + 2 * units
                    for name, units in scratch.lsi.items():
                        capacity.lsi[name] = capacity.lsi.get(name, 0.0) + 2 * units
            out: dict[str, Any] = {}
            if capacities:
                out["ConsumedCapacity"] = [
                    c.render(return_consumed_capacity) for c in capacities.values()
                ]
            if client_request_token is not None:
                self.store.forget_tokens(now - TOKEN_TTL_MS)
                self.store.save_token(
                    scope.account,
                    scope.region,
                    client_request_token,
                    fingerprint,
                    now,
                    json.dumps(out),
                )
        return out

    def _decide(self, actions: list[_Action]) -> list[tuple[Item | None, Item | None, int]]:
        """(old, new, new size) per action, or TransactionCanceledException."""
        reasons: list[dict[str, Any]] = []
        outcomes: list[tuple[Item | None, Item | None, int]] = []
        failed = False
        for action in actions:
            old = self.store.get_item(action.table.id, action.pk, action.sk)
            condition = action.parsed.condition
            if condition is not None and not condition.evaluate(old):
                reason: dict[str, Any] = {
                    "Code": "ConditionalCheckFailed",
                    "Message": "The conditional request failed",
                }
                if action.on_failure == "ALL_OLD" and old:
                    reason["Item"] = old
                reasons.append(reason)
                outcomes.append((old, old, 0))
                failed = True
                continue
            try:
                new, size = self._new_item(action, old)
            except ServiceError as error:
                reasons.append({"Code": "ValidationError", "Message": error.message})
                outcomes.append((old, old, 0))
                failed = True
                continue
            reasons.append({"Code": "None"})
            outcomes.append((old, new, size))
        if failed:
            raise cancelled(reasons)
        return outcomes

    def _new_item(self, action: _Action, old: Item | None) -> tuple[Item | None, int]:
        if action.kind == "ConditionCheck":
            return old, 0
        if action.kind == "Delete":
            return None, 0
        if action.kind == "Put":
            new = action.item
        else:
            update = action.parsed.update
            base = old if old is not None else dict(action.key)
            new = update.apply(base) if update is not None else dict(base)
        assert new is not None
        size = items.check_size(new)
        if action.table.indexes:
            self.writer.check_indexes(action.table, new)
        return new, size

    def transact_get_items(
        self,
        ctx: RequestContext,
        transact_items: list[dict[str, Any]],
        return_consumed_capacity: str | None = None,
    ) -> dict[str, Any]:
        plans = []
        targets = set()
        for entry in transact_items:
            spec = entry.get("Get") or {}
            parsed = parse_request(
                params_of(
                    ProjectionExpression=spec.get("ProjectionExpression"),
                    ExpressionAttributeNames=spec.get("ExpressionAttributeNames"),
                ),
                [],
            )
            table = self.catalog.get(ctx.scope, spec.get("TableName"))
            _, pk, sk = items.key_from_request(table, spec.get("Key"))
            if (table.id, pk, sk) in targets:
                raise validation(SAME_ITEM)
            targets.add((table.id, pk, sk))
            plans.append((table, pk, sk, parsed.projection))
        responses: list[dict[str, Any]] = []
        capacities: dict[str, Capacity] = {}
        for table, pk, sk, projection in plans:
            item = self.store.get_item(table.id, pk, sk)
            capacity = capacities.setdefault(table.name, Capacity(table.name, read=True))
            capacity.table += 2 * items.read_units(values.item_size(item or {}), True)
            if item is None:
                responses.append({})
            else:
                responses.append({"Item": projection.apply(item) if projection else item})
        result: dict[str, Any] = {"Responses": responses}
        if return_consumed_capacity in ("TOTAL", "INDEXES"):
            result["ConsumedCapacity"] = [
                c.render(return_consumed_capacity) for c in capacities.values()
            ]
        return result
