"""CreateStack, UpdateStack and DeleteStack: checked at once, run in the background.

A template is loaded, expanded (SAM), its parameters resolved and the whole checked
before the answer, so that what CloudFormation refuses with a `ValidationError` is
refused here too; the resources are then created, updated or deleted by the runner.
Must not: touch resources itself.
"""

from __future__ import annotations

import re
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.cloudformation import errors
from tenku.services.cloudformation.base import CloudFormationBase, tags_of
from tenku.services.cloudformation.models import (
    UNDELETABLE,
    UPDATABLE,
    Stack,
    stack_arn,
)
from tenku.services.cloudformation.sources import prepare, template_text

_STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
_ON_FAILURE = ("ROLLBACK", "DELETE", "DO_NOTHING")


def check_stack_name(name: str) -> None:
    if not _STACK_NAME.fullmatch(name) or len(name) > 128:
        raise errors.validation(
            f"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*"
        )


def skip_unknown(tags: list[dict[str, str]] | None) -> bool:
    probe = Stack("", "", "", 0.0, tags=tags or [])
    return probe.skip_unknown


class StacksMixin(CloudFormationBase):
    async def create_stack(
        self,
        ctx: RequestContext,
        stack_name: str,
        template_body: str | None = None,
        template_url: str | None = None,
        parameters: list[dict[str, Any]] | None = None,
        disable_rollback: bool | None = None,
        timeout_in_minutes: int | None = None,
        notification_arns: list[str] | None = None,
        capabilities: list[str] | None = None,
        role_arn: str | None = None,
        on_failure: str | None = None,
        tags: list[dict[str, Any]] | None = None,
        enable_termination_protection: bool | None = None,
    ) -> dict[str, Any]:
        check_stack_name(stack_name)
        if disable_rollback is not None and on_failure is not None:
            raise errors.validation("You cannot specify both DisableRollback and OnFailure.")
        if on_failure is not None and on_failure not in _ON_FAILURE:
            raise errors.validation(
                f"1 validation error detected: Value '{on_failure}' at 'onFailure' failed to "
                "satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, "
                "ROLLBACK, DELETE]"
            )
        if self.store.live_stack_named(ctx.scope, stack_name) is not None:
            raise errors.stack_exists(stack_name)
        text = await template_text(self.caller(), ctx.scope, template_body, template_url)
        shown_tags = tags_of(tags) or []
        plan = await prepare(
            self.caller(),
            ctx.scope,
            text,
            parameters,
            None,
            list(capabilities or []),
            skip_unknown(shown_tags),
            direct=True,
        )
        stack = Stack(
            stack_arn(ctx.scope, stack_name),
            stack_name,
            "CREATE_IN_PROGRESS",
            self.clock.now(),
            template_body=plan.body,
            processed=plan.template,
            parameters=plan.raw,
            tags=shown_tags,
            capabilities=list(capabilities or []),
            disable_rollback=bool(disable_rollback),
            on_failure=on_failure or ("DO_NOTHING" if disable_rollback else "ROLLBACK"),
            timeout=timeout_in_minutes,
            notification_arns=list(notification_arns or []),
            role_arn=role_arn,
            termination_protection=bool(enable_termination_protection),
        )
        self.store.save_stack(ctx.scope, stack)
        scope = ctx.scope
        stack_id = stack.stack_id
        self.spawn(stack_id, lambda: self.runner.deploy(scope, stack_id, plan, "CREATE"))
        return {"StackId": stack.stack_id}

    async def update_stack(
        self,
        ctx: RequestContext,
        stack_name: str,
        template_body: str | None = None,
        template_url: str | None = None,
        use_previous_template: bool | None = None,
        parameters: list[dict[str, Any]] | None = None,
        capabilities: list[str] | None = None,
        role_arn: str | None = None,
        notification_arns: list[str] | None = None,
        tags: list[dict[str, Any]] | None = None,
        disable_rollback: bool | None = None,
    ) -> dict[str, Any]:
        stack = self.find_stack(ctx.scope, stack_name, deleted_by_id=False)
        if stack.status not in UPDATABLE:
            raise errors.busy(stack.stack_id, stack.status)
        previous = stack.template_body if use_previous_template else None
        text = await template_text(self.caller(), ctx.scope, template_body, template_url, previous)
        new_tags = tags_of(tags)
        granted = list(capabilities or [])
        plan = await prepare(
            self.caller(),
            ctx.scope,
            text,
            parameters,
            stack.parameters,
            granted,
            skip_unknown(new_tags if new_tags is not None else stack.tags),
            direct=True,
        )
        if (
            plan.template == stack.processed
            and plan.raw == stack.parameters
            and (new_tags is None or new_tags == stack.tags)
        ):
            raise errors.validation(errors.NO_UPDATES)
        current = self.find_stack(ctx.scope, stack.stack_id)  # may have moved meanwhile
        if current.status not in UPDATABLE:
            raise errors.busy(current.stack_id, current.status)
        if new_tags is not None:
            current.tags = new_tags
        current.capabilities = granted
        if disable_rollback is not None:
            current.disable_rollback = disable_rollback
        if notification_arns is not None:
            current.notification_arns = list(notification_arns)
        current.role_arn = role_arn or current.role_arn
        current.status = "UPDATE_IN_PROGRESS"
        self.store.save_stack(ctx.scope, current)
        scope = ctx.scope
        self.spawn(
            current.stack_id, lambda: self.runner.deploy(scope, current.stack_id, plan, "UPDATE")
        )
        return {"StackId": current.stack_id}

    async def delete_stack(
        self,
        ctx: RequestContext,
        stack_name: str,
        retain_resources: list[str] | None = None,
    ) -> dict[str, Any]:
        try:
            stack = self.find_stack(ctx.scope, stack_name)
        except ServiceError:
            return {}  # deleting a stack that does not exist succeeds
        if stack.status in ("DELETE_COMPLETE", "DELETE_IN_PROGRESS"):
            return {}
        if stack.status in UNDELETABLE:
            raise errors.validation(
                f"Stack [{stack.name}] cannot be deleted while in status {stack.status}"
            )
        if stack.termination_protection:
            raise errors.validation(
                f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled"
            )
        if retain_resources and stack.status != "DELETE_FAILED":
            raise errors.validation(
                f"Invalid operation on stack [{stack.stack_id}]. RetainResources can only be "
                "specified when the stack is in the DELETE_FAILED state"
            )
        scope, retain = ctx.scope, frozenset(retain_resources or [])
        running = stack.status.endswith("_IN_PROGRESS") and stack.status != "REVIEW_IN_PROGRESS"
        if not running:  # else it waits for the operation that runs
            if self.runner.refuse_delete(scope, stack):
                return {}
            self.runner.set_status(scope, stack, "DELETE_IN_PROGRESS", "User Initiated")
        self.spawn(stack.stack_id, lambda: self.runner.delete(scope, stack.stack_id, retain))
        return {}
