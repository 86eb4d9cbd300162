"""A stack operation: creating, updating or deleting a template's resources in
dependency order, in parallel where the graph allows, and rolling back on failure.

`Deployment.apply()` brings the stack from its previous resources to the template:
new resources are created, changed ones updated (or replaced: the new one is created
first and the old one deleted once everything else succeeded), unchanged ones left
alone, removed ones deleted last in reverse order. If any resource fails, everything
this operation did is undone (created resources deleted, updated ones set back) and
`DeployFailed` is raised with the first failure's reason. `destroy()` deletes a stack's
resources in reverse dependency order. `DeletionPolicy`/`UpdateReplacePolicy: Retain`
keep resources. Every step is reported through `on_event`.
Must not: store stacks (the CloudFormation service does) or call anything but handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.scope import Scope
from tenku.deploy.errors import ResourceFailure, TemplateError
from tenku.deploy.graph import dependencies, waves
from tenku.deploy.intrinsics import Evaluator
from tenku.deploy.resources import HANDLERS
from tenku.deploy.resources.base import Handler, Made, ResourceContext


@dataclass
class Record:
    """One resource of a stack as the engine keeps it."""

    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any]
    properties: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)
    deletion_policy: str = "Delete"
    replace_policy: str = "Delete"  # UpdateReplacePolicy: what happens to a replaced one
    skipped: bool = False  # an unknown type the stack was told to skip

    def made(self) -> Made:
        return Made(self.physical_id, self.attributes)


# (logical id, type, physical id, status, reason)
EventSink = Callable[[str, str, str, str, str], None]


class DeployFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Values:
    """What `Ref` and `Fn::GetAtt` read: the records made so far."""

    def __init__(self, records: dict[str, Record]) -> None:
        self.records = records

    def ref(self, logical_id: str) -> Any:
        record = self.records.get(logical_id)
        if record is None:
            raise TemplateError(f"Template error: resource {logical_id} is not created yet")
        return record.physical_id

    def attribute(self, logical_id: str, name: str) -> Any:
        record = self.records.get(logical_id)
        if record is None:
            raise TemplateError(f"Template error: resource {logical_id} is not created yet")
        if name in record.attributes:
            return record.attributes[name]
        if record.skipped:
            return f"{record.physical_id}.{name}"
        raise TemplateError(
            f"Template error: resource {logical_id} does not support attribute type {name} "
            "in Fn::GetAtt"
        )


class Deployment:
    def __init__(
        self,
        api: ApiCaller,
        scope: Scope,
        stack_name: str,
        stack_id: str,
        template: dict[str, Any],
        evaluator_for: Callable[[_Values], Evaluator],
        previous: dict[str, Record],
        on_event: EventSink,
        skip_unknown: bool = False,
    ) -> None:
        self.api = api
        self.scope = scope
        self.stack_name = stack_name
        self.stack_id = stack_id
        self.template = template
        self.previous = previous
        self.on_event = on_event
        self.skip_unknown = skip_unknown
        self.records: dict[str, Record] = dict(previous)
        self.values = _Values(self.records)
        self.evaluator = evaluator_for(self.values)
        self._undo: list[tuple[str, Record | None, Record]] = []  # (kind, old, new)
        self._replaced: list[Record] = []
        self._replace_policy: dict[str, str] = {}

    def _context(self, logical_id: str) -> ResourceContext:
        return ResourceContext(self.api, self.scope, self.stack_name, self.stack_id, logical_id)

    def active_resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template.get("Resources") or {}
        if not resources:
            raise TemplateError(
                "Template format error: At least one Resources member must be defined."
            )
        active = {}
        for logical_id, definition in resources.items():
            if not isinstance(definition, dict) or "Type" not in definition:
                raise TemplateError(
                    f"Template format error: [/Resources/{logical_id}] Every Resources object "
                    "must contain a Type member."
                )
            condition = definition.get("Condition")
            if condition is None or self.evaluator.condition(str(condition)):
                active[logical_id] = definition
        for definition in active.values():
            kind = definition["Type"]
            if kind not in HANDLERS and not self.skip_unknown and not kind.startswith("Custom::"):
                raise TemplateError(f"Template format error: Unrecognized resource types: [{kind}]")
        return active

    # -- create / update -----------------------------------------------------------------------
    async def apply(self) -> dict[str, Record]:
        """Create or update; the stack's records afterwards, or DeployFailed."""
        active = self.active_resources()
        graph = dependencies(active)
        order = waves(graph)
        try:
            for wave in order:
                results = await asyncio.gather(
                    *(self._apply_one(lid, active[lid], sorted(graph[lid])) for lid in wave),
                    return_exceptions=True,
                )
                failures = [r for r in results if isinstance(r, BaseException)]
                if failures:
                    raise failures[0]
        except (ResourceFailure, TemplateError) as failure:
            await self._roll_back()
            raise DeployFailed(failure.message) from failure
        await self._clean_up(active)
        return self.records

    async def _apply_one(
        self, logical_id: str, definition: dict[str, Any], needs: list[str]
    ) -> None:
        kind = definition["Type"]
        handler = HANDLERS.get(kind)
        try:
            props = self.evaluator.resolve(definition.get("Properties") or {})
        except TemplateError as error:
            self.on_event(logical_id, kind, "", "CREATE_FAILED", error.message)
            raise
        policy = str(definition.get("DeletionPolicy") or "Delete")
        self._replace_policy[logical_id] = str(definition.get("UpdateReplacePolicy") or "Delete")
        old = self.previous.get(logical_id)
        if handler is None:  # an unknown type the caller chose to skip
            self.records[logical_id] = Record(
                logical_id, kind, logical_id, {}, props, needs, policy, skipped=True
            )
            self.on_event(
                logical_id,
                kind,
                logical_id,
                "CREATE_COMPLETE",
                "Skipped: Tenku does not implement this resource type",
            )
            return
        if old is not None and old.type == kind and not old.skipped:
            if old.properties == props:
                old.depends_on, old.deletion_policy = needs, policy
                old.replace_policy = self._replace_policy[logical_id]
                return  # unchanged: nothing to do
            if not handler.needs_replacement(old.properties, props):
                await self._update(handler, logical_id, kind, old, props, needs, policy)
                return
            self._replaced.append(old)
        await self._create(handler, logical_id, kind, props, needs, policy, old)

    async def _create(
        self,
        handler: Handler,
        logical_id: str,
        kind: str,
        props: dict[str, Any],
        needs: list[str],
        policy: str,
        replacing: Record | None,
    ) -> None:
        reason = (
            "Requested update requires the creation of a new physical resource; hence creating one."
            if replacing
            else ""
        )
        status = "UPDATE" if replacing else "CREATE"
        self.on_event(logical_id, kind, "", f"{status}_IN_PROGRESS", reason)
        try:
            made = await handler.create(self._context(logical_id), props)
        except ResourceFailure as failure:
            self.on_event(logical_id, kind, "", f"{status}_FAILED", failure.message)
            raise
        record = Record(
            logical_id,
            kind,
            made.physical_id,
            made.attributes,
            props,
            needs,
            policy,
            self._replace_policy.get(logical_id, "Delete"),
        )
        self.records[logical_id] = record
        self._undo.append(("created", replacing, record))
        self.on_event(logical_id, kind, made.physical_id, f"{status}_COMPLETE", "")

    async def _update(
        self,
        handler: Handler,
        logical_id: str,
        kind: str,
        old: Record,
        props: dict[str, Any],
        needs: list[str],
        policy: str,
    ) -> None:
        self.on_event(logical_id, kind, old.physical_id, "UPDATE_IN_PROGRESS", "")
        try:
            made = await handler.update(
                self._context(logical_id), old.made(), old.properties, props
            )
        except ResourceFailure as failure:
            self.on_event(logical_id, kind, old.physical_id, "UPDATE_FAILED", failure.message)
            raise
        record = Record(
            logical_id,
            kind,
            made.physical_id,
            made.attributes,
            props,
            needs,
            policy,
            self._replace_policy.get(logical_id, "Delete"),
        )
        self.records[logical_id] = record
        self._undo.append(("updated", old, record))
        self.on_event(logical_id, kind, made.physical_id, "UPDATE_COMPLETE", "")

    async def _clean_up(self, active: dict[str, Any]) -> None:
        """After success: delete replaced resources and those the template dropped."""
        for old in self._replaced:
            await self._delete_record(old, keep=_retains(old, update_replace=True))
        removed = {lid: r for lid, r in self.previous.items() if lid not in active}
        for wave in reversed(_record_waves(removed)):
            await asyncio.gather(*(self._delete_record(removed[lid]) for lid in wave))
            for lid in wave:
                self.records.pop(lid, None)

    async def _roll_back(self) -> None:
        for kind, old, new in reversed(self._undo):
            handler = HANDLERS[new.type]
            if kind == "created":
                await self._delete_record(new, rolling_back=True)
                if old is not None:
                    self.records[old.logical_id] = old
                else:
                    self.records.pop(new.logical_id, None)
            else:
                assert old is not None
                self.on_event(new.logical_id, new.type, new.physical_id, "UPDATE_IN_PROGRESS", "")
                try:
                    await handler.update(
                        self._context(new.logical_id), new.made(), new.properties, old.properties
                    )
                    self.on_event(new.logical_id, new.type, new.physical_id, "UPDATE_COMPLETE", "")
                except ResourceFailure as failure:
                    self.on_event(
                        new.logical_id, new.type, new.physical_id, "UPDATE_FAILED", failure.message
                    )
                self.records[old.logical_id] = old

    async def _delete_record(
        self, record: Record, *, keep: bool | None = None, rolling_back: bool = False
    ) -> None:
        if keep is None:
            keep = _retains(record) and not rolling_back
        await delete_record(
            self.api, self.scope, self.stack_name, self.stack_id, record, self.on_event, keep
        )


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
            await handler.delete(context, record.made(), record.properties)
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
) -> list[str]:
    """Delete every record in reverse dependency order; the logical ids that failed."""
    failed: list[str] = []
    for wave in reversed(_record_waves(records)):
        results = await asyncio.gather(
            *(
                delete_record(
                    api, scope, stack_name, stack_id, records[lid], on_event, _retains(records[lid])
                )
                for lid in wave
            )
        )
        failed += [lid for lid, ok in zip(wave, results, strict=True) if not ok]
    return failed


# Phrases of the errors a delete gets when the resource is gone already (success).
_ALREADY_GONE = ("does not exist", "not found", "cannot be found", "nonexistent", "no such")


def _retains(record: Record, update_replace: bool = False) -> bool:
    policy = record.replace_policy if update_replace else record.deletion_policy
    return policy == "Retain"


def _record_waves(records: dict[str, Record]) -> list[list[str]]:
    graph = {lid: {d for d in r.depends_on if d in records} for lid, r in records.items()}
    return waves(graph)
