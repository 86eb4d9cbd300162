"""Deleting a stack's resources: one at a time (`delete_record`) or all of them in
reverse dependency order (`destroy`), honouring `DeletionPolicy: Retain`. A delete that
finds the resource gone already counts as done, as CloudFormation's handlers do.
Must not: decide stack statuses (the CloudFormation service does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.scope import Scope
from tenku.deploy.errors import ResourceFailure
from tenku.deploy.graph import waves
from tenku.deploy.records import EventSink, Record, guarded
from tenku.deploy.resources import HANDLERS
from tenku.deploy.resources.base import ResourceContext


def _nothing(*_args: Any) -> None:
    return None


async def delete_record(
    api: ApiCaller,
    scope: Scope,
    stack_name: str,
    stack_id: str,
    record: Record,
    on_event: EventSink,
    keep: bool,
) -> bool:
    """Delete one resource (or skip it when retained); False when the delete failed."""
    if keep or record.skipped:
        on_event(record.logical_id, record.type, record.physical_id, "DELETE_SKIPPED", "")
        return True
    handler = HANDLERS.get(record.type)
    on_event(record.logical_id, record.type, record.physical_id, "DELETE_IN_PROGRESS", "")
    if handler is not None:
        context = ResourceContext(api, scope, stack_name, stack_id, record.logical_id)
        try:
            await guarded(handler.delete(context, record.made(), record.properties))
        except ResourceFailure as failure:
            text = failure.message.lower()
            if not any(gone in text for gone in _ALREADY_GONE):
                on_event(
                    record.logical_id,
                    record.type,
                    record.physical_id,
                    "DELETE_FAILED",
                    failure.message,
                )
                return False
    on_event(record.logical_id, record.type, record.physical_id, "DELETE_COMPLETE", "")
    return True


async def destroy(
    api: ApiCaller,
    scope: Scope,
    stack_name: str,
    stack_id: str,
    records: dict[str, Record],
    on_event: EventSink,
    on_deleted: Callable[[str], None] = _nothing,
    retain: frozenset[str] = frozenset(),
) -> list[str]:
    """Delete every record in reverse dependency order; the logical ids that failed.
    `on_deleted` hears of each record gone (deleted or kept by its policy); `retain`
    names resources kept whatever their policy (DeleteStack's RetainResources)."""
    failed: list[str] = []
    for wave in reversed(record_waves(records)):
        results = await asyncio.gather(
            *(
                delete_record(
                    api,
                    scope,
                    stack_name,
                    stack_id,
                    records[lid],
                    on_event,
                    retains(records[lid]) or lid in retain,
                )
                for lid in wave
            )
        )
        for lid, ok in zip(wave, results, strict=True):
            if ok:
                on_deleted(lid)
            else:
                failed.append(lid)
    return failed


# Phrases of the errors a delete gets when the resource is gone already (success).
_ALREADY_GONE = ("does not exist", "not found", "cannot be found", "nonexistent", "no such")


def retains(record: Record, update_replace: bool = False) -> bool:
    policy = record.replace_policy if update_replace else record.deletion_policy
    return policy == "Retain"


def record_waves(records: dict[str, Record]) -> list[list[str]]:
    graph = {lid: {d for d in r.depends_on if d in records} for lid, r in records.items()}
    return waves(graph)
