"""Change sets: CreateChangeSet (CREATE puts a new stack in REVIEW_IN_PROGRESS),
DescribeChangeSet with the resource changes, ExecuteChangeSet, DeleteChangeSet and
ListChangeSets: what `aws cloudformation deploy` and `sam deploy` drive.

A template without transforms is checked before the answer (its errors are the call's
`ValidationError`); a SAM template is expanded in the background and its errors make
the change set FAILED with the translator's words, as in CloudFormation.
Must not: touch resources (executing hands the plan to the runner).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.deploy.errors import TemplateError
from tenku.deploy.intrinsics import Evaluator, pseudo_parameters
from tenku.deploy.sam import transforms_of
from tenku.services.cloudformation import errors
from tenku.services.cloudformation.base import CloudFormationBase, shown_parameters, tags_of
from tenku.services.cloudformation.diff import compute_changes
from tenku.services.cloudformation.models import (
    UPDATABLE,
    ChangeSet,
    Stack,
    change_set_arn,
    is_arn,
)
from tenku.services.cloudformation.models import stack_arn as new_stack_arn
from tenku.services.cloudformation.outputs import find_export
from tenku.services.cloudformation.sources import Plan, load, prepare, template_text
from tenku.services.cloudformation.stacks import check_stack_name, skip_unknown

log = logging.getLogger("tenku.cloudformation")
_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
CREATE_GRACE_SECONDS = 10.0
EXECUTE_GRACE_SECONDS = 20.0


class ChangeSetsMixin(CloudFormationBase):
    async def create_change_set(
        self,
        ctx: RequestContext,
        stack_name: str,
        change_set_name: str,
        template_body: str | None = None,
        template_url: str | None = None,
        use_previous_template: bool | None = None,
        parameters: list[dict[str, Any]] | None = None,
        capabilities: list[str] | None = None,
        role_arn: str | None = None,
        notification_arns: list[str] | None = None,
        tags: list[dict[str, Any]] | None = None,
        description: str | None = None,
        change_set_type: str | None = None,
        on_stack_failure: str | None = None,
    ) -> dict[str, Any]:
        if not _NAME.fullmatch(change_set_name) or len(change_set_name) > 128:
            raise errors.validation(
                f"1 validation error detected: Value '{change_set_name}' at 'changeSetName' "
                "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                "[a-zA-Z][-a-zA-Z0-9]*"
            )
        kind = change_set_type or "UPDATE"
        if kind == "IMPORT":
            raise errors.validation("Tenku does not import existing resources into stacks")
        stack = self.store.live_stack_named(ctx.scope, stack_name)
        if kind == "CREATE":
            check_stack_name(stack_name)
            if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
                raise errors.validation(
                    f"Stack [{stack_name}] already exists and cannot be created again with the "
                    f"changeSet [{change_set_name}]."
                )
            if use_previous_template:
                raise errors.validation(
                    "UsePreviousTemplate can not be used for change sets of type CREATE"
                )
        else:
            if stack is None and is_arn(stack_name):
                stack = self.find_stack(ctx.scope, stack_name, deleted_by_id=False)
            if stack is None or stack.status == "REVIEW_IN_PROGRESS":
                raise errors.validation(f"Stack [{stack_name}] does not exist")
            if stack.status not in UPDATABLE:
                raise errors.busy(stack.stack_id, stack.status)
        if stack is not None and self.store.change_set_named(stack.stack_id, change_set_name):
            raise ServiceError(
                "AlreadyExistsException", f"ChangeSet [{change_set_name}] already exists", 400
            )
        previous_body = stack.template_body if use_previous_template and stack else None
        text = await template_text(
            self.caller(), ctx.scope, template_body, template_url, previous_body
        )
        new_tags = tags_of(tags)
        granted = list(capabilities or [])
        previous = stack.parameters if stack is not None and kind == "UPDATE" else None
        plan: Plan | None = None
        if not transforms_of(load(text)):  # fast: refuse bad input in the answer itself
            plan = await prepare(
                self.caller(),
                ctx.scope,
                text,
                parameters,
                previous,
                granted,
                skip_unknown(new_tags if new_tags is not None else (stack.tags if stack else [])),
                direct=False,
            )
        if stack is None:
            stack = Stack(
                new_stack_arn(ctx.scope, stack_name),
                stack_name,
                "REVIEW_IN_PROGRESS",
                self.clock.now(),
                template_body=text,
                tags=new_tags or [],
            )
            self.runner.set_status(ctx.scope, stack, "REVIEW_IN_PROGRESS", "User Initiated")
        change_set = ChangeSet(
            change_set_arn(ctx.scope, change_set_name),
            change_set_name,
            stack.stack_id,
            stack.name,
            kind,
            self.clock.now(),
            description=description,
            template_body=text,
            capabilities=granted,
            tags=new_tags,
            notification_arns=list(notification_arns or []),
            role_arn=role_arn,
            on_stack_failure=on_stack_failure,
            request={"Parameters": parameters or []},
        )
        self.store.save_change_set(change_set)
        scope = ctx.scope
        task = self.spawn(
            change_set.change_set_id, lambda: self._build(scope, change_set.change_set_id, plan)
        )
        await self.grace(task, CREATE_GRACE_SECONDS)
        return {"Id": change_set.change_set_id, "StackId": stack.stack_id}

    async def _build(self, scope: Scope, change_set_id: str, plan: Plan | None) -> None:
        change_set = self.store.change_set(change_set_id)
        stack = self.store.stack(change_set.stack_id) if change_set else None
        if change_set is None or stack is None:
            return
        change_set.status = "CREATE_IN_PROGRESS"
        self.store.save_change_set(change_set)
        updating = change_set.kind == "UPDATE"
        tags = change_set.tags if change_set.tags is not None else stack.tags
        try:
            if plan is None:
                plan = await prepare(
                    self.caller(),
                    scope,
                    change_set.template_body,
                    change_set.request.get("Parameters"),
                    stack.parameters if updating else None,
                    change_set.capabilities,
                    skip_unknown(tags),
                    direct=False,
                )
            records = self.store.records(stack.stack_id) if updating else {}
            changes = compute_changes(plan.template, records, self._evaluators(scope, stack, plan))
        except (ServiceError, TemplateError) as error:
            change_set.status, change_set.reason = "FAILED", error.message
            self.store.save_change_set(change_set)
            return
        except Exception:  # a change set must not stay CREATE_IN_PROGRESS forever
            log.exception("preparing change set %s failed", change_set.name)
            change_set.status, change_set.reason = "FAILED", "Internal Failure"
            self.store.save_change_set(change_set)
            return
        change_set.processed, change_set.parameters = plan.template, plan.raw
        change_set.values, change_set.changes = plan.values, changes
        if (
            updating
            and plan.template == stack.processed
            and plan.raw == stack.parameters
            and tags == stack.tags
        ):
            change_set.status, change_set.reason = "FAILED", errors.NO_CHANGES
        else:
            change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
        self.store.save_change_set(change_set)

    def _evaluators(self, scope: Scope, stack: Stack, plan: Plan) -> Any:
        pseudo = pseudo_parameters(scope.account, scope.region, stack.name, stack.stack_id)
        others = [s for s in self.store.stacks(scope, True) if s.stack_id != stack.stack_id]

        def lookup(name: str) -> Any:
            found = find_export(others, name)
            if found is None:
                raise TemplateError(f"No export named {name} found.")
            return found[1]

        return lambda values: Evaluator(plan.template, plan.values, pseudo, values, lookup)

    def describe_change_set(
        self,
        ctx: RequestContext,
        change_set_name: str,
        stack_name: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        change_set = self.find_change_set(ctx.scope, change_set_name, stack_name)
        view: dict[str, Any] = {
            "ChangeSetName": change_set.name,
            "ChangeSetId": change_set.change_set_id,
            "StackId": change_set.stack_id,
            "StackName": change_set.stack_name,
            "Description": change_set.description,
            "Parameters": shown_parameters(change_set.processed, change_set.parameters),
            "CreationTime": change_set.created,
            "ExecutionStatus": change_set.execution_status,
            "Status": change_set.status,
            "StatusReason": change_set.reason or None,
            "NotificationARNs": change_set.notification_arns,
            "RollbackConfiguration": {},
            "Capabilities": change_set.capabilities,
            "Tags": change_set.tags,
            "Changes": change_set.changes,
            "IncludeNestedStacks": False,
            "OnStackFailure": change_set.on_stack_failure,
        }
        return {k: v for k, v in view.items() if v is not None}

    async def execute_change_set(
        self,
        ctx: RequestContext,
        change_set_name: str,
        stack_name: str | None = None,
        disable_rollback: bool | None = None,
    ) -> dict[str, Any]:
        change_set = self.find_change_set(ctx.scope, change_set_name, stack_name)
        if change_set.status != "CREATE_COMPLETE":
            raise errors.bad_change_set_status(
                f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                f"status of [{change_set.status}]"
            )
        if change_set.execution_status != "AVAILABLE":
            raise errors.bad_change_set_status(
                f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                f"execution status of [{change_set.execution_status}]"
            )
        stack = self.find_stack(ctx.scope, change_set.stack_id, deleted_by_id=False)
        creating = change_set.kind == "CREATE"
        if (creating and stack.status != "REVIEW_IN_PROGRESS") or (
            not creating and stack.status not in UPDATABLE
        ):
            raise errors.busy(stack.stack_id, stack.status)
        if change_set.tags is not None:
            stack.tags = change_set.tags
        stack.capabilities = change_set.capabilities
        stack.notification_arns = change_set.notification_arns or stack.notification_arns
        stack.role_arn = change_set.role_arn or stack.role_arn
        if disable_rollback is not None:
            stack.disable_rollback = disable_rollback
        if creating:
            failure = change_set.on_stack_failure or "ROLLBACK"
            stack.on_failure = "DO_NOTHING" if disable_rollback else failure
        stack.change_set_id = change_set.change_set_id
        stack.status = "CREATE_IN_PROGRESS" if creating else "UPDATE_IN_PROGRESS"
        self.store.save_stack(ctx.scope, stack)
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        self.store.save_change_set(change_set)
        plan = Plan(
            change_set.template_body,
            change_set.processed,
            change_set.values,
            change_set.parameters,
        )
        scope, stack_id, set_id = ctx.scope, stack.stack_id, change_set.change_set_id

        async def work() -> None:
            await self.runner.deploy(scope, stack_id, plan, change_set.kind)
            self._executed(stack_id, set_id)

        task = self.spawn(stack_id, work)
        await self.grace(task, EXECUTE_GRACE_SECONDS)
        return {}

    def _executed(self, stack_id: str, change_set_id: str) -> None:
        stack = self.store.stack(stack_id)
        change_set = self.store.change_set(change_set_id)
        if stack is None or change_set is None:
            return
        succeeded = stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
        change_set.execution_status = "EXECUTE_COMPLETE" if succeeded else "EXECUTE_FAILED"
        change_set.retired = True
        self.store.save_change_set(change_set)
        if succeeded:  # CloudFormation drops a stack's change sets once one ran
            for other in self.store.change_sets(stack_id):
                self.store.delete_change_set(other.change_set_id)

    def delete_change_set(
        self, ctx: RequestContext, change_set_name: str, stack_name: str | None = None
    ) -> dict[str, Any]:
        change_set = self.find_change_set(ctx.scope, change_set_name, stack_name)
        if change_set.execution_status == "EXECUTE_IN_PROGRESS":
            raise errors.bad_change_set_status(
                f"Cannot delete ChangeSet [{change_set.change_set_id}] while it is executing"
            )
        self.store.delete_change_set(change_set.change_set_id)
        return {}

    def list_change_sets(
        self, ctx: RequestContext, stack_name: str, next_token: str | None = None
    ) -> dict[str, Any]:
        stack = self.find_stack(ctx.scope, stack_name)
        summaries = []
        for change_set in self.store.change_sets(stack.stack_id):
            summary = {
                "StackId": change_set.stack_id,
                "StackName": change_set.stack_name,
                "ChangeSetId": change_set.change_set_id,
                "ChangeSetName": change_set.name,
                "ExecutionStatus": change_set.execution_status,
                "Status": change_set.status,
                "StatusReason": change_set.reason or None,
                "CreationTime": change_set.created,
                "Description": change_set.description,
                "IncludeNestedStacks": False,
            }
            summaries.append({k: v for k, v in summary.items() if v is not None})
        return {"Summaries": summaries}
