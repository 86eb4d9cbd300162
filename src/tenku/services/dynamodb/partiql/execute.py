"""ExecuteStatement and BatchExecuteStatement: a SELECT becomes a Query of each pinned
partition (table or index, sort-key range from the WHERE clause, ORDER BY on the key)
or else a Scan, with Limit, the 1 MB page and an opaque NextToken; INSERT, UPDATE and
DELETE become single-item conditional writes through the provider's one write path.

Must not: hold SQL (see `store.py`) or parse statements (see `parser.py`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.dynamodb import expressions as ex
from tenku.services.dynamodb import items, keys, values
from tenku.services.dynamodb.catalog import ProviderBase
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.expressions.ast import And, Cond, Function, Item, Not, Or, Path
from tenku.services.dynamodb.expressions.evaluate import get_path
from tenku.services.dynamodb.items import Capacity
from tenku.services.dynamodb.reads import PAGE_BYTES, range_bounds, start_key
from tenku.services.dynamodb.store import decode_item, encode_item
from tenku.services.dynamodb.tables import Index, Table

from . import statements as st
from .parser import parse

DUPLICATE = "Duplicate primary key exists in table"
MIXED_BATCH = "Read and write requests together in the same batch is not supported."
Row = tuple[bytes, bytes, str, int]


def duplicate_item() -> ServiceError:
    return ServiceError("DuplicateItemException", DUPLICATE, 400)


def error_code(error: ServiceError) -> str:
    """A BatchStatementError code: the exception's code without "Exception"."""
    if error.code == "ValidationException":
        return "ValidationError"
    return error.code.removesuffix("Exception")


@dataclass
class WritePlan:
    """One INSERT, UPDATE or DELETE against one item, as a conditional write."""

    kind: str  # Put, Update or Delete (TransactWriteItems' names)
    statement: st.Insert | st.Update | st.Delete
    table: Table
    key: Item
    pk: bytes
    sk: bytes
    condition: ex.Condition | None
    update: ex.Update | None
    item: Item | None
    on_failure: str | None

    def new_item(self, old: Item | None) -> Item | None:
        if self.kind == "Delete":
            return None
        if self.kind == "Put":
            return self.item
        assert self.update is not None and old is not None
        return self.update.apply(old)


def _name_of(path: Path) -> str:
    """The attribute name DynamoDB gives a projected path: its last name, with any list
    indexes after it (`a.b` -> `b`, `tags[1]` -> `tags[1]`)."""
    tail = ""
    for element in reversed(path.elements):
        if isinstance(element, int):
            tail = f"[{element}]{tail}"
        else:
            return f"{element}{tail}"
    return tail


def project(item: Item, projection: list[Path] | None) -> Item:
    if projection is None:
        return item
    out: Item = {}
    for path in projection:
        value = get_path(item, path)
        if value is not None:
            out[_name_of(path)] = value
    return out


class StatementOperations(ProviderBase):
    # -- planning ------------------------------------------------------------------------
    def _write_plan(
        self, ctx: RequestContext, statement: st.Statement, on_failure: str | None
    ) -> WritePlan:
        assert not isinstance(statement, st.Select)
        table = self.catalog.get(ctx.scope, statement.table)
        exists: Cond = Function("attribute_exists", (Path((table.hash_key,)),))
        if isinstance(statement, st.Insert):
            item = statement.item
            pk, sk = items.item_keys(table, item)
            return WritePlan(
                "Put", statement, table, items.key_of(table, item), pk, sk,
                ex.Condition(Not(exists)), None, item, on_failure,
            )  # fmt: skip
        key, rest = st.split_key(statement.where, list(table.key_names))
        key, pk, sk = items.key_from_request(table, key)
        if isinstance(statement, st.Update):
            update = ex.Update(statement.actions)
            update.check_keys(table.key_names)
            condition = exists if rest is None else And(exists, rest)
            return WritePlan(
                "Update", statement, table, key, pk, sk,
                ex.Condition(condition), update, None, on_failure,
            )  # fmt: skip
        # A DELETE of a missing item does nothing, whatever else the WHERE says.
        guard = None if rest is None else ex.Condition(Or(Not(exists), rest))
        return WritePlan("Delete", statement, table, key, pk, sk, guard, None, None, on_failure)

    # -- writes --------------------------------------------------------------------------
    def _write(self, plan: WritePlan, capacity: Capacity | None) -> tuple[Item | None, Item | None]:
        """Run one planned write in a storage transaction; returns (old, new)."""
        table = plan.table
        with self.store.storage.transaction():
            old = self.store.get_item(table.id, plan.pk, plan.sk)
            if plan.condition is not None and not plan.condition.evaluate(old):
                if plan.kind == "Put":
                    raise duplicate_item()
                raise items.conditional_failed(old if plan.on_failure == "ALL_OLD" else None)
            new = plan.new_item(old)
            size = 0
            if new is not None:
                size = items.check_size(new)
                if table.indexes:
                    self.writer.check_indexes(table, new)
            if new is not None or old is not None:
                self.writer.write(table, plan.pk, plan.sk, old, new, size, capacity)
            elif capacity is not None:
                capacity.table += 1.0
        return old, new

    def _returned(self, plan: WritePlan, old: Item | None, new: Item | None) -> list[Item]:
        returning = getattr(plan.statement, "returning", None)
        chosen: Item | None = None
        if returning == "ALL OLD":
            chosen = old
        elif returning == "ALL NEW":
            chosen = new
        elif returning is not None and plan.update is not None:
            chosen = plan.update.project(old if returning == "MODIFIED OLD" else new)
        return [chosen] if chosen else []

    # -- reads ---------------------------------------------------------------------------
    def _select_source(
        self, ctx: RequestContext, statement: st.Select, consistent: bool
    ) -> tuple[Table, Index | None]:
        table = self.catalog.get(ctx.scope, statement.table)
        index = None
        if statement.index is not None:
            index = table.indexes.get(statement.index)
            if index is None:
                raise validation(f"The table does not have the specified index: {statement.index}")
            if index.kind == "GSI" and consistent:
                raise validation(
                    "Strongly consistent read is not supported on Global Secondary Indexes"
                )
        return table, index

    def _partitions(
        self, table: Table, index: Index | None, statement: st.Select
    ) -> list[ex.KeyCondition] | None:
        """One key condition per pinned partition (in ORDER BY order), or None: a Scan."""
        hash_key = index.hash_key if index else table.hash_key
        range_key = index.range_key if index else table.range_key
        key_names = [hash_key] + ([range_key] if range_key else [])
        pinned = st.partition_values(statement.where, hash_key)
        if statement.order:
            if statement.where is None:
                raise validation(
                    "Must have WHERE clause in the statement when using ORDER BY clause."
                )
            if pinned is None:
                raise validation(
                    "Must have at least one non-optional hash key condition in WHERE clause "
                    "when using ORDER BY clause."
                )
            for name, _ in statement.order:
                if name not in key_names:
                    raise validation(
                        f"Variable reference {name} in ORDER BY clause must be part of the "
                        "primary key"
                    )
        if pinned is None:
            return None
        kind = table.types[hash_key]
        pinned = [v for v in pinned if values.type_of(v) == kind]
        for name, descending in statement.order:
            if name == hash_key:
                pinned.sort(key=keys.sort_key_bytes, reverse=descending)
        conditions = []
        for value in pinned:
            condition = st.range_condition(statement.where, hash_key, value, range_key)
            if range_key is not None and condition.range_op is not None:
                wanted = table.types[range_key]
                if any(values.type_of(v) != wanted for v in condition.range_values) or (
                    condition.range_op == "BEGINS_WITH" and wanted == "N"
                ):
                    condition = ex.KeyCondition(hash_key, value)
            conditions.append(condition)
        return conditions

    def _rows(
        self,
        table: Table,
        index: Index | None,
        condition: ex.KeyCondition | None,
        forward: bool,
        after: Item | None,
    ) -> Iterator[Row]:
        if condition is None:
            if index is None:
                start = None
                if after is not None:
                    _, pk, sk, _, _ = start_key(table, None, after)
                    start = (pk, sk)
                return self.store.scan_table(table.id, start)
            index_start = None
            if after is not None:
                _, tpk, tsk, ipk, isk = start_key(table, index, after)
                index_start = (ipk, isk, tpk, tsk)
            return self.store.scan_index(table.id, index.id, index_start)
        pk = keys.sort_key_bytes(condition.hash_value)
        bounds = range_bounds(condition)
        if index is None:
            sk_after = start_key(table, None, after)[2] if after is not None else None
            return self.store.query_table(table.id, pk, bounds, forward, sk_after)
        entry_after = None
        if after is not None:
            _, tpk, tsk, _, isk = start_key(table, index, after)
            entry_after = (isk, tpk, tsk)
        return self.store.query_index(table.id, index.id, pk, bounds, forward, entry_after)

    def _select(
        self,
        ctx: RequestContext,
        statement: st.Select,
        fingerprint: str,
        consistent: bool,
        limit: int | None,
        next_token: str | None,
        capacity_mode: str | None,
    ) -> dict[str, Any]:
        table, index = self._select_source(ctx, statement, consistent)
        range_key = index.range_key if index else table.range_key
        forward = not any(d for name, d in statement.order if name == range_key)
        pinned = self._partitions(table, index, statement)
        partitions: list[ex.KeyCondition | None] = [None] if pinned is None else [*pinned]
        start, after = 0, None
        if next_token is not None:
            start, after = _read_token(next_token, fingerprint)
        where = ex.Condition(statement.where) if statement.where is not None else None
        key_names = list(table.key_names)
        if index is not None:
            key_names += [n for n in index.key_names if n not in key_names]
        found: list[Item] = []
        scanned = read_bytes = 0
        resume: tuple[int, Item] | None = None
        last: tuple[int, Item] | None = None
        for number in range(start, len(partitions)):
            resume_after = after if number == start else None
            rows = self._rows(table, index, partitions[number], forward, resume_after)
            for _pk, _sk, text, size in rows:
                if (limit is not None and scanned >= limit) or read_bytes >= PAGE_BYTES:
                    resume = last
                    break
                item = decode_item(text)
                scanned += 1
                read_bytes += size
                last = (number, {n: item[n] for n in key_names})
                if index is not None and index.kind == "GSI":
                    item = items.index_projection(table, index, item)
                if where is not None and not where.evaluate(item):
                    continue
                found.append(project(item, statement.projection))
            if resume is not None:
                break
        result: dict[str, Any] = {"Items": found}
        if resume is not None:
            result["NextToken"] = _make_token(fingerprint, *resume)
            result["LastEvaluatedKey"] = resume[1]
        if capacity_mode in ("TOTAL", "INDEXES"):
            result["ConsumedCapacity"] = items.read_capacity(
                table.name, index, read_bytes, consistent, capacity_mode
            )
        return result

    # -- the operations ------------------------------------------------------------------
    def execute_statement(
        self,
        ctx: RequestContext,
        statement: str,
        parameters: list[dict[str, Any]] | None = None,
        consistent_read: bool | None = None,
        next_token: str | None = None,
        return_consumed_capacity: str | None = None,
        limit: int | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        parsed = parse(statement, parameters)
        if isinstance(parsed, st.Select):
            fingerprint = hashlib.sha256(
                encode_item({"s": {"S": statement}, "p": {"L": parameters or []}}).encode()
            ).hexdigest()[:24]
            return self._select(
                ctx, parsed, fingerprint, bool(consistent_read), limit, next_token,
                return_consumed_capacity,
            )  # fmt: skip
        plan = self._write_plan(ctx, parsed, return_values_on_condition_check_failure)
        capacity = Capacity(plan.table.name) if return_consumed_capacity else None
        old, new = self._write(plan, capacity)
        result: dict[str, Any] = {"Items": self._returned(plan, old, new)}
        if capacity is not None:
            result["ConsumedCapacity"] = capacity.render(return_consumed_capacity)
        return result

    def batch_execute_statement(
        self,
        ctx: RequestContext,
        statements: list[dict[str, Any]],
        return_consumed_capacity: str | None = None,
    ) -> dict[str, Any]:
        parsed: list[st.Statement | ServiceError] = []
        for entry in statements:
            try:
                parsed.append(parse(entry.get("Statement") or "", entry.get("Parameters")))
            except ServiceError as error:
                parsed.append(error)
        kinds = {isinstance(p, st.Select) for p in parsed if not isinstance(p, ServiceError)}
        if len(kinds) > 1:
            raise validation(MIXED_BATCH)
        responses: list[dict[str, Any]] = []
        capacities: dict[str, Capacity] = {}
        for entry, statement in zip(statements, parsed, strict=True):
            if isinstance(statement, ServiceError):
                responses.append(_error(statement))
                continue
            response: dict[str, Any] = {"TableName": statement.table}
            try:
                if isinstance(statement, st.Select):
                    response.update(self._batch_get(ctx, statement, entry, capacities))
                else:
                    plan = self._write_plan(
                        ctx, statement, entry.get("ReturnValuesOnConditionCheckFailure")
                    )
                    capacity = capacities.setdefault(plan.table.name, Capacity(plan.table.name))
                    self._write(plan, capacity)
            except ServiceError as error:
                response.update(_error(error))
            responses.append(response)
        result: dict[str, Any] = {"Responses": responses}
        if return_consumed_capacity in ("TOTAL", "INDEXES"):
            result["ConsumedCapacity"] = [
                c.render(return_consumed_capacity) for c in capacities.values()
            ]
        return result

    def _single_item(
        self, ctx: RequestContext, statement: st.Select, message: str
    ) -> tuple[Table, bytes, bytes]:
        table = self.catalog.get(ctx.scope, statement.table)
        try:
            key, _ = st.split_key(statement.where, list(table.key_names))
        except ServiceError:
            raise validation(message) from None
        _, pk, sk = items.key_from_request(table, key)
        return table, pk, sk

    def _batch_get(
        self,
        ctx: RequestContext,
        statement: st.Select,
        entry: dict[str, Any],
        capacities: dict[str, Capacity],
    ) -> dict[str, Any]:
        if statement.index is not None:
            raise validation("Only single item select is supported")
        table, pk, sk = self._single_item(ctx, statement, "Only single item select is supported")
        item = self.store.get_item(table.id, pk, sk)
        capacity = capacities.setdefault(table.name, Capacity(table.name, read=True))
        size = values.item_size(item) if item else 0
        capacity.table += items.read_units(size, bool(entry.get("ConsistentRead")))
        if item is None or (
            statement.where is not None and not ex.Condition(statement.where).evaluate(item)
        ):
            return {}
        return {"Item": project(item, statement.projection)}


def _error(error: ServiceError) -> dict[str, Any]:
    body: dict[str, Any] = {"Code": error_code(error), "Message": error.message}
    item = (error.fields or {}).get("Item")
    if item:
        body["Item"] = item
    return {"Error": body}


def _make_token(fingerprint: str, partition: int, key: Item) -> str:
    payload = json.dumps({"f": fingerprint, "p": partition, "k": encode_item(key)})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _read_token(token: str, fingerprint: str) -> tuple[int, Item]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        partition, key, seen = int(payload["p"]), decode_item(payload["k"]), payload["f"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise validation("Invalid NextToken") from None
    if seen != fingerprint:
        raise validation("NextToken does not match request")
    return partition, key
