"""Running one stack operation (create, update, delete) in the background, and keeping
the stack's status, events, resource statuses and records in storage as it goes.

Statuses follow CloudFormation: CREATE_IN_PROGRESS -> CREATE_COMPLETE, or
ROLLBACK_IN_PROGRESS -> ROLLBACK_COMPLETE (OnFailure DELETE: DELETE_IN_PROGRESS ->
DELETE_COMPLETE; DO_NOTHING or DisableRollback: CREATE_FAILED); UPDATE_IN_PROGRESS ->
UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> UPDATE_COMPLETE, or UPDATE_ROLLBACK_IN_PROGRESS
-> UPDATE_ROLLBACK_COMPLETE (DisableRollback: UPDATE_FAILED); DELETE_IN_PROGRESS ->
DELETE_COMPLETE or DELETE_FAILED. Exports are checked when the resources are in place.
Must not: answer API calls (the provider does) or act on resources except through the
deploy engine.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope
from tenku.deploy.engine import DeployFailed, Deployment, Hooks, destroy
from tenku.deploy.errors import TemplateError
from tenku.deploy.intrinsics import Evaluator, ResourceValues, pseudo_parameters
from tenku.deploy.records import Record
from tenku.services.cloudformation.models import STACK_TYPE, ResourceState, Stack
from tenku.services.cloudformation.outputs import check_exports, evaluate_outputs, find_export
from tenku.services.cloudformation.sources import Plan
from tenku.services.cloudformation.store import CloudFormationStore

log = logging.getLogger("tenku.cloudformation")


class Runner:
    def __init__(
        self, store: CloudFormationStore, clock: Clock, api: Callable[[], ApiCaller | None]
    ) -> None:
        self.store = store
        self.clock = clock
        self._api = api

    @property
    def api(self) -> ApiCaller:
        api = self._api()
        assert api is not None, "the gateway sets the ApiCaller before any request"
        return api

    # -- events and statuses -------------------------------------------------------------------
    def stack_event(self, stack: Stack, status: str, reason: str = "") -> None:
        self._event(stack, stack.name, STACK_TYPE, stack.stack_id, status, reason)

    def _event(
        self, stack: Stack, logical_id: str, kind: str, physical: str, status: str, reason: str
    ) -> None:
        event: dict[str, Any] = {
            "StackId": stack.stack_id,
            "EventId": f"{logical_id}-{status}-{new_uuid()}",
            "StackName": stack.name,
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical,
            "ResourceType": kind,
            "Timestamp": self.clock.now(),
            "ResourceStatus": status,
        }
        if reason:
            event["ResourceStatusReason"] = reason
        self.store.add_event(stack.stack_id, event)

    def set_status(
        self, scope: Scope, stack: Stack, status: str, reason: str = "", *, quiet: bool = False
    ) -> None:
        """`quiet`: the stack keeps `reason` (why it rolled back) but the event has none."""
        stack.status, stack.reason = status, reason
        self.store.save_stack(scope, stack)
        self.stack_event(stack, status, "" if quiet else reason)

    def _sink(
        self, stack: Stack, current: Callable[[], dict[str, Record]]
    ) -> Callable[[str, str, str, str, str], None]:
        def on_event(logical_id: str, kind: str, physical: str, status: str, reason: str) -> None:
            self._event(stack, logical_id, kind, physical, status, reason)
            record = current().get(logical_id)
            if (
                status.startswith("DELETE")
                and record is not None
                and physical
                and record.physical_id != physical
            ):
                return  # the old resource of a replacement: the logical id lives on
            state = ResourceState(logical_id, kind, physical, status, reason, self.clock.now())
            self.store.set_state(stack.stack_id, state)

        return on_event

    def _settle_states(self, stack: Stack, records: dict[str, Record], done: str) -> None:
        """After a finished operation: each kept resource shows a complete status, and
        resources no longer in the stack are no longer listed."""
        states = {s.logical_id: s for s in self.store.states(stack.stack_id)}
        for logical_id, record in records.items():
            state = states.get(logical_id)
            if (
                state is None
                or state.physical_id != record.physical_id
                or state.status.startswith("DELETE")
                or state.status.endswith("_FAILED")
            ):
                self.store.set_state(
                    stack.stack_id,
                    ResourceState(
                        logical_id, record.type, record.physical_id, done, "", self.clock.now()
                    ),
                )
        self.store.drop_states(stack.stack_id, set(records))

    # -- create / update ----------------------------------------------------------------------
    async def deploy(self, scope: Scope, stack_id: str, plan: Plan, kind: str) -> None:
        stack = self.store.stack(stack_id)
        if stack is None:
            return
        try:
            await self._deploy(scope, stack, plan, kind)
        except Exception:  # the operation must end in a status, whatever happened
            log.exception("stack operation on %s failed", stack.name)
            failed = "CREATE_FAILED" if kind == "CREATE" else "UPDATE_ROLLBACK_FAILED"
            self.set_status(scope, stack, failed, "Internal Failure")

    async def _deploy(self, scope: Scope, stack: Stack, plan: Plan, kind: str) -> None:
        creating = kind == "CREATE"
        before = copy.deepcopy(stack)
        previous = self.store.records(stack.stack_id)
        stack.template_body, stack.processed = plan.body, plan.template
        stack.parameters = plan.raw
        stack.description = _description(plan.template)
        if not creating:
            stack.updated = self.clock.now()
        self.set_status(scope, stack, "CREATE_IN_PROGRESS" if creating else "UPDATE_IN_PROGRESS",
                        "User Initiated")  # fmt: skip
        imports: set[str] = set()

        def lookup(name: str) -> Any:
            found = find_export(
                [s for s in self.store.stacks(scope, True) if s.stack_id != stack.stack_id], name
            )
            if found is None:
                raise TemplateError(f"No export named {name} found.")
            imports.add(name)
            return found[1]

        pseudo = pseudo_parameters(scope.account, scope.region, stack.name, stack.stack_id)

        def evaluator_for(values: ResourceValues) -> Evaluator:
            return Evaluator(plan.template, plan.values, pseudo, values, lookup)

        outputs: list[dict[str, str]] = []
        holder: list[Deployment] = []

        def finishing(records: dict[str, Record]) -> None:
            made = evaluate_outputs(plan.template, holder[0].evaluator)
            after = {o["ExportName"]: o["OutputValue"] for o in made if o.get("ExportName")}
            check_exports(stack, before.exports(), after, self.store.stacks(scope, True))
            outputs[:] = made

        def rolling_back(reason: str) -> None:
            if creating:
                delete = stack.on_failure == "DELETE"
                self.set_status(
                    scope, stack, "DELETE_IN_PROGRESS" if delete else "ROLLBACK_IN_PROGRESS", reason
                )
            else:
                self.set_status(scope, stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)

        def cleaning_up() -> None:
            if not creating:
                self.set_status(scope, stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")

        hooks = Hooks(
            records_changed=lambda records: self.store.save_records(stack.stack_id, records),
            rolling_back=rolling_back,
            finishing=finishing,
            cleaning_up=cleaning_up,
        )
        keep_going = creating and stack.on_failure == "DO_NOTHING"
        rollback = not stack.disable_rollback and not keep_going
        deployment = Deployment(
            self.api,
            scope,
            stack.name,
            stack.stack_id,
            plan.template,
            evaluator_for,
            previous,
            self._sink(stack, lambda: holder[0].records if holder else previous),
            skip_unknown=stack.skip_unknown,
            rollback=rollback,
            hooks=hooks,
        )
        holder.append(deployment)
        try:
            records = await deployment.apply()
        except (DeployFailed, TemplateError) as failure:
            self._failed(scope, stack, before, deployment, failure, creating)
            return
        stack.outputs = outputs
        stack.imports = sorted(imports)
        self.store.save_records(stack.stack_id, records)
        done = "CREATE_COMPLETE" if creating else "UPDATE_COMPLETE"
        self._settle_states(stack, records, done)
        self.set_status(scope, stack, done)

    def _failed(
        self,
        scope: Scope,
        stack: Stack,
        before: Stack,
        deployment: Deployment,
        failure: DeployFailed | TemplateError,
        creating: bool,
    ) -> None:
        if isinstance(failure, TemplateError):  # refused before any resource was touched
            failure = DeployFailed(failure.message)
            if deployment.rollback:
                deployment.hooks.rolling_back(failure.stack_reason)
        records = deployment.records
        self.store.save_records(stack.stack_id, records)
        if not failure.rolled_back:
            status = "CREATE_FAILED" if creating else "UPDATE_FAILED"
            self.set_status(scope, stack, status, failure.stack_reason)
            return
        why = failure.stack_reason
        if creating:
            if stack.on_failure == "DELETE":
                stack.deleted = self.clock.now()
                self.set_status(scope, stack, "DELETE_COMPLETE", why, quiet=True)
            else:
                self.set_status(scope, stack, "ROLLBACK_COMPLETE", why, quiet=True)
            return
        # An update rolled back: the stack is what it was before, template included.
        stack.template_body, stack.processed = before.template_body, before.processed
        stack.parameters, stack.description = before.parameters, before.description
        self._settle_states(stack, records, "UPDATE_COMPLETE")
        self.set_status(scope, stack, "UPDATE_ROLLBACK_COMPLETE", why, quiet=True)

    # -- delete -------------------------------------------------------------------------------
    async def delete(self, scope: Scope, stack_id: str, retain: frozenset[str]) -> None:
        stack = self.store.stack(stack_id)
        if stack is None or not stack.live:
            return
        try:
            await self._delete(scope, stack, retain)
        except Exception:
            log.exception("deleting stack %s failed", stack.name)
            self.set_status(scope, stack, "DELETE_FAILED", "Internal Failure")

    def refuse_delete(self, scope: Scope, stack: Stack) -> bool:
        """True (and the reason shown on the stack, its status unchanged, as CloudFormation
        does) when another stack imports one of this stack's exports."""
        others = [s for s in self.store.stacks(scope, True) if s.stack_id != stack.stack_id]
        for name in stack.exports():
            users = [s.name for s in others if name in s.imports]
            if users:
                reason = f"Export {name} cannot be deleted as it is in use by {users[0]}"
                stack.reason = reason
                self.store.save_stack(scope, stack)
                self.stack_event(stack, stack.status, reason)
                return True
        return False

    async def _delete(self, scope: Scope, stack: Stack, retain: frozenset[str]) -> None:
        if stack.status != "DELETE_IN_PROGRESS":
            if self.refuse_delete(scope, stack):
                return
            self.set_status(scope, stack, "DELETE_IN_PROGRESS", "User Initiated")
        records = self.store.records(stack.stack_id)
        remaining = dict(records)

        def gone(logical_id: str) -> None:
            remaining.pop(logical_id, None)
            self.store.save_records(stack.stack_id, remaining)

        failed = await destroy(
            self.api,
            scope,
            stack.name,
            stack.stack_id,
            records,
            self._sink(stack, lambda: remaining),
            gone,
            retain,
        )
        if failed:
            reason = f"The following resource(s) failed to delete: [{', '.join(sorted(failed))}]. "
            self.set_status(scope, stack, "DELETE_FAILED", reason)
            return
        stack.deleted = self.clock.now()
        self.set_status(scope, stack, "DELETE_COMPLETE")


def _description(template: dict[str, Any]) -> str | None:
    description = template.get("Description")
    return None if description is None else str(description)
