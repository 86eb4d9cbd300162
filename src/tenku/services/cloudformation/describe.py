"""The read side of stacks: DescribeStacks, ListStacks, DescribeStackEvents, the stack
resource calls, GetTemplate, GetTemplateSummary, ValidateTemplate, ListExports and
ListImports.
Must not: change anything.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.deploy.errors import TemplateError
from tenku.deploy.loader import dump_json
from tenku.deploy.validate import check_template, required_capabilities
from tenku.services.cloudformation import errors
from tenku.services.cloudformation.base import CloudFormationBase, shown_parameters
from tenku.services.cloudformation.models import ResourceState, Stack
from tenku.services.cloudformation.outputs import importers
from tenku.services.cloudformation.sources import declared_transforms, load, template_text

EVENTS_PAGE = 100
NOT_CHECKED = {"StackDriftStatus": "NOT_CHECKED"}


def _page(token: str | None) -> int:
    try:
        return max(0, int(token or 0))
    except ValueError as error:
        raise errors.validation("Invalid NextToken") from error


def stack_view(stack: Stack) -> dict[str, Any]:
    view: dict[str, Any] = {
        "StackId": stack.stack_id,
        "StackName": stack.name,
        "ChangeSetId": stack.change_set_id,
        "Description": stack.description,
        "Parameters": shown_parameters(stack.processed, stack.parameters),
        "CreationTime": stack.created,
        "LastUpdatedTime": stack.updated,
        "DeletionTime": stack.deleted,
        "RollbackConfiguration": {},
        "StackStatus": stack.status,
        "StackStatusReason": stack.reason or None,
        "DisableRollback": stack.disable_rollback,
        "NotificationARNs": stack.notification_arns,
        "TimeoutInMinutes": stack.timeout,
        "Capabilities": stack.capabilities,
        "Outputs": stack.outputs,
        "RoleARN": stack.role_arn,
        "Tags": stack.tags,
        "EnableTerminationProtection": stack.termination_protection,
        "DriftInformation": NOT_CHECKED,
    }
    return {k: v for k, v in view.items() if v is not None}


def _declarations(template: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, spec in (template.get("Parameters") or {}).items():
        item: dict[str, Any] = {
            "ParameterKey": name,
            "ParameterType": str(spec.get("Type")),
            "NoEcho": str(spec.get("NoEcho", "false")).lower() == "true",
        }
        if "Default" in spec:
            default = spec["Default"]
            item["DefaultValue"] = (
                ",".join(map(str, default)) if isinstance(default, list) else str(default)
            )
        if spec.get("Description") is not None:
            item["Description"] = str(spec["Description"])
        if spec.get("AllowedValues"):
            allowed = [str(v) for v in spec["AllowedValues"]]
            item["ParameterConstraints"] = {"AllowedValues": allowed}
        out.append(item)
    return out


class DescribeMixin(CloudFormationBase):
    def describe_stacks(
        self, ctx: RequestContext, stack_name: str | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        if stack_name:
            return {"Stacks": [stack_view(self.find_stack(ctx.scope, stack_name))]}
        return {"Stacks": [stack_view(s) for s in self.store.stacks(ctx.scope, live_only=True)]}

    def list_stacks(
        self,
        ctx: RequestContext,
        next_token: str | None = None,
        stack_status_filter: list[str] | None = None,
    ) -> dict[str, Any]:
        wanted = set(stack_status_filter or [])
        summaries = []
        for stack in self.store.stacks(ctx.scope, live_only=False):
            if wanted and stack.status not in wanted:
                continue
            summary = {
                "StackId": stack.stack_id,
                "StackName": stack.name,
                "TemplateDescription": stack.description,
                "CreationTime": stack.created,
                "LastUpdatedTime": stack.updated,
                "DeletionTime": stack.deleted,
                "StackStatus": stack.status,
                "StackStatusReason": stack.reason or None,
                "DriftInformation": NOT_CHECKED,
            }
            summaries.append({k: v for k, v in summary.items() if v is not None})
        return {"StackSummaries": summaries}

    def describe_stack_events(
        self, ctx: RequestContext, stack_name: str | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        if not stack_name:
            raise errors.validation("StackName must be specified")  # as the live service words it
        stack = self.find_stack(ctx.scope, stack_name)
        offset = _page(next_token)
        events = self.store.events(stack.stack_id, offset, EVENTS_PAGE + 1)
        result: dict[str, Any] = {"StackEvents": events[:EVENTS_PAGE]}
        if len(events) > EVENTS_PAGE:
            result["NextToken"] = str(offset + EVENTS_PAGE)
        return result

    def _resource(self, stack: Stack, state: ResourceState) -> dict[str, Any]:
        item: dict[str, Any] = {
            "StackName": stack.name,
            "StackId": stack.stack_id,
            "LogicalResourceId": state.logical_id,
            "PhysicalResourceId": state.physical_id or None,
            "ResourceType": state.type,
            "ResourceStatus": state.status,
            "ResourceStatusReason": state.reason or None,
            "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
        }
        return {k: v for k, v in item.items() if v is not None}

    def describe_stack_resources(
        self,
        ctx: RequestContext,
        stack_name: str | None = None,
        logical_resource_id: str | None = None,
        physical_resource_id: str | None = None,
    ) -> dict[str, Any]:
        if stack_name:
            stacks = [self.find_stack(ctx.scope, stack_name)]
        elif physical_resource_id:
            stacks = self.store.stacks(ctx.scope, live_only=True)
        else:
            raise errors.validation("Either StackName or PhysicalResourceId must be specified.")
        found = []
        for stack in stacks:
            for state in self.store.states(stack.stack_id):
                if logical_resource_id and state.logical_id != logical_resource_id:
                    continue
                if physical_resource_id and state.physical_id != physical_resource_id:
                    continue
                found.append({**self._resource(stack, state), "Timestamp": state.updated})
        if physical_resource_id and not stack_name and not found:
            raise errors.validation(f"Stack for {physical_resource_id} does not exist")
        return {"StackResources": found}

    def describe_stack_resource(
        self, ctx: RequestContext, stack_name: str, logical_resource_id: str
    ) -> dict[str, Any]:
        stack = self.find_stack(ctx.scope, stack_name)
        for state in self.store.states(stack.stack_id):
            if state.logical_id == logical_resource_id:
                detail = {**self._resource(stack, state), "LastUpdatedTimestamp": state.updated}
                resources = stack.processed.get("Resources") or {}
                metadata = (resources.get(state.logical_id) or {}).get("Metadata")
                if metadata is not None:
                    detail["Metadata"] = json.dumps(metadata)
                return {"StackResourceDetail": detail}
        raise errors.validation(
            f"Resource {logical_resource_id} does not exist for stack {stack_name}"
        )

    def list_stack_resources(
        self, ctx: RequestContext, stack_name: str, next_token: str | None = None
    ) -> dict[str, Any]:
        stack = self.find_stack(ctx.scope, stack_name)
        summaries = []
        for state in self.store.states(stack.stack_id):
            item = self._resource(stack, state)
            for key in ("StackName", "StackId"):
                item.pop(key)
            summaries.append({**item, "LastUpdatedTimestamp": state.updated})
        return {"StackResourceSummaries": summaries}

    def get_template(
        self,
        ctx: RequestContext,
        stack_name: str | None = None,
        change_set_name: str | None = None,
        template_stage: str | None = None,
    ) -> dict[str, Any]:
        if change_set_name:
            change_set = self.find_change_set(ctx.scope, change_set_name, stack_name)
            body, processed = change_set.template_body, change_set.processed
        else:
            if not stack_name:
                raise errors.validation("StackName must be specified")
            stack = self.find_stack(ctx.scope, stack_name)
            body, processed = stack.template_body, stack.processed
        if template_stage == "Processed" and processed and declared_transforms(load(body)):
            body = dump_json(processed)
        return {"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}

    async def get_template_summary(
        self,
        ctx: RequestContext,
        template_body: str | None = None,
        template_url: str | None = None,
        stack_name: str | None = None,
    ) -> dict[str, Any]:
        if stack_name:
            if template_body is not None or template_url is not None:
                raise errors.validation(
                    "Exactly one of TemplateBody, TemplateUrl, StackName or StackSetName "
                    "must be specified."
                )
            stack = self.find_stack(ctx.scope, stack_name)
            original, template = load(stack.template_body), stack.processed
        else:
            text = await template_text(self.caller(), ctx.scope, template_body, template_url)
            original = template = load(text)
        capabilities, reason = required_capabilities(template)
        transforms = declared_transforms(original)
        if transforms and "CAPABILITY_AUTO_EXPAND" not in capabilities:
            capabilities = [*capabilities, "CAPABILITY_AUTO_EXPAND"]
        result: dict[str, Any] = {
            "Parameters": _declarations(template),
            "Description": template.get("Description"),
            "Capabilities": capabilities,
            "CapabilitiesReason": reason or None,
            "ResourceTypes": sorted(
                {str(d.get("Type")) for d in (template.get("Resources") or {}).values()}
            ),
            "Version": str(template.get("AWSTemplateFormatVersion") or "2010-09-09"),
            "Metadata": json.dumps(template["Metadata"]) if "Metadata" in template else None,
            "DeclaredTransforms": transforms,
        }
        return {k: v for k, v in result.items() if v is not None}

    async def validate_template(
        self,
        ctx: RequestContext,
        template_body: str | None = None,
        template_url: str | None = None,
    ) -> dict[str, Any]:
        text = await template_text(self.caller(), ctx.scope, template_body, template_url)
        template = load(text)
        transforms = declared_transforms(template)
        if not transforms:
            try:  # types: Tenku knows fewer than AWS, so it does not refuse unknown ones here
                check_template(template, (), skip_unknown=True)
            except TemplateError as error:
                raise errors.validation(error.message) from error
        capabilities, reason = required_capabilities(template)
        parameters = [
            {
                k: v
                for k, v in (
                    ("ParameterKey", d["ParameterKey"]),
                    ("DefaultValue", d.get("DefaultValue")),
                    ("NoEcho", d["NoEcho"]),
                    ("Description", d.get("Description")),
                )
                if v is not None
            }
            for d in _declarations(template)
        ]
        result: dict[str, Any] = {
            "Parameters": parameters,
            "Description": template.get("Description"),
            "Capabilities": capabilities,
            "CapabilitiesReason": reason or None,
            "DeclaredTransforms": transforms,
        }
        return {k: v for k, v in result.items() if v is not None}

    def list_exports(self, ctx: RequestContext, next_token: str | None = None) -> dict[str, Any]:
        exports = [
            {"ExportingStackId": stack.stack_id, "Name": name, "Value": value}
            for stack in self.store.stacks(ctx.scope, live_only=True)
            for name, value in stack.exports().items()
        ]
        return {"Exports": sorted(exports, key=lambda e: e["Name"])}

    def list_imports(
        self, ctx: RequestContext, export_name: str, next_token: str | None = None
    ) -> dict[str, Any]:
        users = importers(self.store.stacks(ctx.scope, live_only=True), export_name, "")
        if not users:
            raise errors.validation(f"Export '{export_name}' is not imported by any stack.")
        return {"Imports": sorted(users)}
