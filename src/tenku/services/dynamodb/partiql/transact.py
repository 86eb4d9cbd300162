"""ExecuteTransaction: up to 100 PartiQL statements, either all reads (each a single
item by its full primary key, like TransactGetItems) or all writes, decided and written
all-or-nothing through TransactWriteItems' machinery (CancellationReasons in statement
order, an INSERT of an existing item cancelled as DuplicateItem, ClientRequestToken
idempotency).

Must not: hold SQL (see `store.py`) or parse statements (see `parser.py`).
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.dynamodb import expressions as ex
from tenku.services.dynamodb import items, values
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.items import Capacity
from tenku.services.dynamodb.requests import Parsed
from tenku.services.dynamodb.transact import TransactOperations, _Action, _fingerprint, cancelled

from . import statements as st
from .execute import DUPLICATE, StatementOperations, WritePlan, project
from .parser import parse

MIXED = (
    "ExecuteTransaction API does not support both read and write operations in the same request."
)
KEY_NEEDED = (
    "Select statements within ExecuteTransaction must specify the primary key in the where clause."
)


def _action(plan: WritePlan) -> _Action:
    parsed = Parsed(ex.ExpressionContext(None, None))
    parsed.condition = plan.condition
    parsed.update = plan.update
    return _Action(
        plan.kind, plan.table, plan.pk, plan.sk, parsed, plan.key, plan.item, plan.on_failure
    )


class PartiQLOperations(StatementOperations, TransactOperations):
    def _tx_statement(self, number: int, entry: dict[str, Any]) -> st.Statement:
        try:
            statement = parse(entry.get("Statement") or "", entry.get("Parameters"))
            if getattr(statement, "returning", None) is not None:
                raise validation("RETURNING clause is not supported in ExecuteTransaction.")
            if isinstance(statement, st.Select) and statement.index is not None:
                raise validation("Reads on indices are not supported within transactions.")
        except ServiceError as error:
            raise _in_statement(number, error) from None
        return statement

    def execute_transaction(
        self,
        ctx: RequestContext,
        transact_statements: list[dict[str, Any]],
        client_request_token: str | None = None,
        return_consumed_capacity: str | None = None,
    ) -> dict[str, Any]:
        parsed = [self._tx_statement(n, e) for n, e in enumerate(transact_statements)]
        reads = [isinstance(p, st.Select) for p in parsed]
        if any(reads) and not all(reads):
            raise validation(MIXED)
        if all(reads):
            return self._transact_reads(ctx, parsed, return_consumed_capacity)
        fingerprint = ""
        if client_request_token is not None:
            fingerprint = _fingerprint(transact_statements)
        replayed = self._replayed(ctx, client_request_token, fingerprint)
        if replayed is not None:
            return replayed
        plans: list[WritePlan] = []
        for number, (entry, statement) in enumerate(zip(transact_statements, parsed, strict=True)):
            try:
                plans.append(
                    self._write_plan(
                        ctx, statement, entry.get("ReturnValuesOnConditionCheckFailure")
                    )
                )
            except ServiceError as error:
                raise _in_statement(number, error) from None
        try:
            return self._commit(
                ctx,
                [_action(p) for p in plans],
                return_consumed_capacity,
                client_request_token,
                fingerprint,
            )
        except ServiceError as error:
            reasons = error.fields.get("CancellationReasons")
            if error.code != "TransactionCanceledException" or not reasons:
                raise
            for plan, reason in zip(plans, reasons, strict=True):
                if plan.kind == "Put" and reason["Code"] == "ConditionalCheckFailed":
                    reason.clear()
                    reason.update({"Code": "DuplicateItem", "Message": DUPLICATE})
            raise cancelled(reasons) from None

    def _transact_reads(
        self,
        ctx: RequestContext,
        parsed: list[st.Statement],
        capacity_mode: str | None,
    ) -> dict[str, Any]:
        responses: list[dict[str, Any]] = []
        capacities: dict[str, Capacity] = {}
        targets = []
        for number, statement in enumerate(parsed):
            assert isinstance(statement, st.Select)
            try:
                targets.append(self._single_item(ctx, statement, KEY_NEEDED))
            except ServiceError as error:
                raise _in_statement(number, error) from None
        for statement, (table, pk, sk) in zip(parsed, targets, strict=True):
            assert isinstance(statement, st.Select)
            item = self.store.get_item(table.id, pk, sk)
            capacity = capacities.setdefault(table.name, Capacity(table.name, read=True))
            capacity.table += 2 * items.read_units(values.item_size(item or {}), True)
            where = ex.Condition(statement.where) if statement.where is not None else None
            if item is None or (where is not None and not where.evaluate(item)):
                responses.append({})
            else:
                responses.append({"Item": project(item, statement.projection)})
        result: dict[str, Any] = {"Responses": responses}
        if capacity_mode in ("TOTAL", "INDEXES"):
            result["ConsumedCapacity"] = [c.render(capacity_mode) for c in capacities.values()]
        return result


def _in_statement(number: int, error: ServiceError) -> ServiceError:
    if error.code != "ValidationException":
        return error
    return validation(f"Validation failed in TransactStatements[{number}]: {error.message}")
