"""A stack operation: creating, updating or deleting a template's resources in
dependency order, in parallel where the graph allows, and rolling back on failure.

`Deployment.apply()` brings the stack from its previous resources to the template:
new resources are created, changed ones updated (or replaced: the new one is created
first and the old one deleted once everything else succeeded), unchanged ones left
alone, removed ones deleted last in reverse order. If any resource fails, everything
this operation did is undone (created resources deleted, updated ones set back) and
`DeployFailed` is raised with the first failure's reason. `destroy()` deletes a stack's
resources in reverse dependency order. `DeletionPolicy`/`UpdateReplacePolicy: Retain`
keep resources. Every step is reported through `on_event`, and the stack owner learns of
each phase through `Hooks` (records changed, rolling back, finishing, cleaning up), so
that it can keep the records durable as they change and show CloudFormation's statuses.
Must not: store stacks (the CloudFormation service does) or call anything but handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.scope import Scope
from tenku.deploy.errors import ResourceFailure, TemplateError
from tenku.deploy.graph import dependencies, waves
from tenku.deploy.intrinsics import Evaluator
from tenku.deploy.records import EventSink, Record, guarded, skipped_attribute
from tenku.deploy.resources import HANDLERS
from tenku.deploy.resources.base import Handler, Made, ResourceContext
from tenku.deploy.teardown import delete_record, destroy, record_waves, retains

__all__ = ["DeployFailed", "Deployment", "Hooks", "Record", "delete_record", "destroy"]


def _nothing(*_args: Any) -> None:
    return None


@dataclass
class Hooks:
    """What the stack owner is told while an operation runs.

    `records_changed` gets the stack's records after every change (to store them);
    `rolling_back` the stack-level reason just before a rollback starts; `finishing`
    the records once every resource is in place (it evaluates outputs and may refuse
    with a `TemplateError`, which rolls the operation back); `cleaning_up` is called
    before replaced and removed resources are deleted.
    """

    records_changed: Callable[[dict[str, Record]], None] = _nothing
    rolling_back: Callable[[str], None] = _nothing
    finishing: Callable[[dict[str, Record]], None] = _nothing
    cleaning_up: Callable[[], None] = _nothing


class DeployFailed(Exception):
    """`reason` is the first failure's message; `stack_reason` what the stack shows."""

    def __init__(self, reason: str, stack_reason: str = "", rolled_back: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stack_reason = stack_reason or reason
        self.rolled_back = rolled_back


class _Values:
    """What `Ref` and `Fn::GetAtt` read: the records made so far."""

    def __init__(self, records: dict[str, Record], scope: Scope | None = None) -> None:
        self.records = records
        self.scope = scope

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
            return skipped_attribute(self.scope, record.type, record.physical_id, name)
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
        rollback: bool = True,
        hooks: Hooks | None = None,
    ) -> None:
        """`rollback=False` (DisableRollback, OnFailure DO_NOTHING) leaves what was done
        in place when a resource fails."""
        self.api = api
        self.scope = scope
        self.stack_name = stack_name
        self.stack_id = stack_id
        self.template = template
        self.previous = previous
        self.on_event = on_event
        self.skip_unknown = skip_unknown
        self.rollback = rollback
        self.hooks = hooks or Hooks()
        self.failed: dict[str, list[str]] = {}  # "create"/"update" -> logical ids
        self.records: dict[str, Record] = dict(previous)
        self.values = _Values(self.records, scope)
        self.evaluator = evaluator_for(self.values)
        self._undo: list[tuple[str, Record | None, Record]] = []  # (kind, old, new)
        self._replaced: list[Record] = []
        self._replace_policy: dict[str, str] = {}

    def _context(self, logical_id: str) -> ResourceContext:
        return ResourceContext(
            self.api, self.scope, self.stack_name, self.stack_id, logical_id, self.skip_unknown
        )

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
            self.hooks.finishing(self.records)
        except (ResourceFailure, TemplateError) as failure:
            reason = self._stack_reason(failure.message)
            if not self.rollback:
                raise DeployFailed(failure.message, reason, rolled_back=False) from failure
            self.hooks.rolling_back(reason)
            await self._roll_back()
            raise DeployFailed(failure.message, reason) from failure
        self.hooks.cleaning_up()
        await self._clean_up(active)
        return self.records

    def _stack_reason(self, message: str) -> str:
        """CloudFormation's stack status reason for a failed operation."""
        parts = [
            f"failed to {kind}: [{', '.join(sorted(ids))}]"
            for kind, ids in sorted(self.failed.items())
            if ids
        ]
        if not parts:
            return message
        text = "The following resource(s) " + ", ".join(parts) + ". "
        return text + ("Rollback requested by user." if self.rollback else "")

    def _failed(self, kind: str, logical_id: str) -> None:
        self.failed.setdefault(kind, []).append(logical_id)

    def _changed(self) -> None:
        self.hooks.records_changed(self.records)

    async def _apply_one(
        self, logical_id: str, definition: dict[str, Any], needs: list[str]
    ) -> None:
        kind = definition["Type"]
        handler = HANDLERS.get(kind)
        old = self.previous.get(logical_id)
        try:
            props = self.evaluator.resolve(definition.get("Properties") or {})
            if not isinstance(props, dict):
                props = {}
        except TemplateError as error:
            status = "UPDATE" if old is not None else "CREATE"
            physical = old.physical_id if old is not None else ""
            self.on_event(logical_id, kind, physical, f"{status}_FAILED", error.message)
            self._failed(status.lower(), logical_id)
            raise
        policy = str(definition.get("DeletionPolicy") or "Delete")
        self._replace_policy[logical_id] = str(definition.get("UpdateReplacePolicy") or "Delete")
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
            self._changed()
            return
        if old is not None and old.type == kind and not old.skipped:
            if old.properties == props:
                kept = Record(**{**old.__dict__})
                kept.depends_on, kept.deletion_policy = needs, policy
                kept.replace_policy = self._replace_policy[logical_id]
                self.records[logical_id] = kept
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
            made = await guarded(handler.create(self._context(logical_id), props))
        except ResourceFailure as failure:
            self.on_event(logical_id, kind, "", f"{status}_FAILED", failure.message)
            self._failed(status.lower(), logical_id)
            raise
        record = self._made(logical_id, kind, made, props, needs, policy)
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
            made = await guarded(
                handler.update(self._context(logical_id), old.made(), old.properties, props)
            )
        except ResourceFailure as failure:
            self.on_event(logical_id, kind, old.physical_id, "UPDATE_FAILED", failure.message)
            self._failed("update", logical_id)
            raise
        record = self._made(logical_id, kind, made, props, needs, policy)
        self._undo.append(("updated", old, record))
        self.on_event(logical_id, kind, made.physical_id, "UPDATE_COMPLETE", "")

    def _made(
        self,
        logical_id: str,
        kind: str,
        made: Made,
        props: dict[str, Any],
        needs: list[str],
        policy: str,
    ) -> Record:
        """Keep what a create or update made as the resource's record."""
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
        self._changed()
        return record

    async def _clean_up(self, active: dict[str, Any]) -> None:
        """After success: delete replaced resources and those the template dropped."""
        for old in self._replaced:
            await self._delete_record(old, keep=retains(old, update_replace=True))
        removed = {lid: r for lid, r in self.previous.items() if lid not in active}
        for wave in reversed(record_waves(removed)):
            await asyncio.gather(*(self._delete_record(removed[lid]) for lid in wave))
            for lid in wave:
                self.records.pop(lid, None)
            self._changed()

    async def _roll_back(self) -> None:
        for kind, old, new in reversed(self._undo):
            handler = HANDLERS[new.type]
            if kind == "created":
                await self._delete_record(new, rolling_back=True)
                if old is not None:
                    self.records[old.logical_id] = old
                else:
                    self.records.pop(new.logical_id, None)
                self._changed()
            else:
                assert old is not None
                self.on_event(new.logical_id, new.type, new.physical_id, "UPDATE_IN_PROGRESS", "")
                try:
                    context = self._context(new.logical_id)
                    await guarded(
                        handler.update(context, new.made(), new.properties, old.properties)
                    )
                    self.on_event(new.logical_id, new.type, new.physical_id, "UPDATE_COMPLETE", "")
                except ResourceFailure as failure:
                    self.on_event(
                        new.logical_id, new.type, new.physical_id, "UPDATE_FAILED", failure.message
                    )
                self.records[old.logical_id] = old
                self._changed()

    async def _delete_record(
        self, record: Record, *, keep: bool | None = None, rolling_back: bool = False
    ) -> None:
        if keep is None:
            keep = retains(record) and not rolling_back
        await delete_record(
            self.api, self.scope, self.stack_name, self.stack_id, record, self.on_event, keep
        )
