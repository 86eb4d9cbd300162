"""Event buses, their resource policies (PutPermission/RemovePermission) and tags.

The default bus exists in every account and region and cannot be deleted. Policies are
stored and returned (DescribeEventBus's Policy), not enforced: every caller is the one
local account.
Must not: route or deliver events.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.scope import Arn, Scope
from tenku.services.events import errors
from tenku.services.events.base import ProviderBase
from tenku.services.events.rules import decode_token, encode_token, page
from tenku.services.events.store import DEFAULT_BUS, Bus


class BusesMixin(ProviderBase):
    def _bus_dict(self, scope: Scope, bus: Bus, *, full: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": bus.name,
            "Arn": self.bus_arn(scope, bus.name),
            "CreationTime": bus.created_ms / 1000,
            "LastModifiedTime": bus.modified_ms / 1000,
        }
        if bus.description:
            out["Description"] = bus.description
        if bus.policy:
            out["Policy"] = bus.policy
        return out

    def create_event_bus(
        self,
        ctx: RequestContext,
        name: str,
        event_source_name: str | None = None,
        description: str | None = None,
        kms_key_identifier: str | None = None,
        dead_letter_config: dict[str, Any] | None = None,
        log_config: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        self.store.ensure_default_bus(ctx.scope, self.now_ms())
        if self.store.bus(ctx.scope, name) is not None:
            raise errors.already_exists(f"Event bus {name} already exists.")
        if "/" in name and not name.startswith("aws.partner/"):
            raise errors.validation(f"Event bus name {name} is not valid.")
        self.store.create_bus(
            ctx.scope, name, description, {t["Key"]: t["Value"] for t in tags or []}, self.now_ms()
        )
        out: dict[str, Any] = {"EventBusArn": self.bus_arn(ctx.scope, name)}
        if description:
            out["Description"] = description
        return out

    def describe_event_bus(self, ctx: RequestContext, name: str | None = None) -> dict[str, Any]:
        bus = self.require_bus(ctx.scope, self.bus_name(name))
        return self._bus_dict(ctx.scope, bus, full=True)

    def list_event_buses(
        self,
        ctx: RequestContext,
        name_prefix: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        self.store.ensure_default_bus(ctx.scope, self.now_ms())
        size = limit or 100
        found = self.store.buses(ctx.scope, name_prefix or "", decode_token(next_token), size + 1)
        shown, more = page(found, size)
        out: dict[str, Any] = {
            "EventBuses": [self._bus_dict(ctx.scope, b, full=False) for b in shown]
        }
        if more:
            out["NextToken"] = encode_token(shown[-1].name)
        return out

    def update_event_bus(
        self,
        ctx: RequestContext,
        name: str | None = None,
        kms_key_identifier: str | None = None,
        description: str | None = None,
        dead_letter_config: dict[str, Any] | None = None,
        log_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        bus_name = self.bus_name(name)
        self.require_bus(ctx.scope, bus_name)
        if description is not None:
            self.store.update_bus(ctx.scope, bus_name, self.now_ms(), description=description)
        out: dict[str, Any] = {"Arn": self.bus_arn(ctx.scope, bus_name), "Name": bus_name}
        if description is not None:
            out["Description"] = description
        return out

    def delete_event_bus(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        bus = self.bus_name(name)
        if bus == DEFAULT_BUS:
            raise errors.validation("Cannot delete event bus default.")
        if self.store.bus(ctx.scope, bus) is not None:
            self.store.delete_bus(ctx.scope, bus)
        return {}

    # -- policies ----------------------------------------------------------------------------
    def put_permission(
        self,
        ctx: RequestContext,
        event_bus_name: str | None = None,
        action: str | None = None,
        principal: str | None = None,
        statement_id: str | None = None,
        condition: dict[str, str] | None = None,
        policy: str | None = None,
    ) -> dict[str, Any]:
        name = self.bus_name(event_bus_name)
        bus = self.require_bus(ctx.scope, name)
        if policy is not None:
            try:
                json.loads(policy)
            except ValueError:
                raise errors.validation("Policy is not valid JSON.") from None
            self.store.update_bus(ctx.scope, name, self.now_ms(), policy=policy)
            return {}
        if not (action and principal and statement_id):
            raise errors.validation(
                "Parameter(s) Action, Principal, StatementId must be specified."
            )
        document: dict[str, Any] = (
            json.loads(bus.policy) if bus.policy else {"Version": "2012-10-17", "Statement": []}
        )
        statement: dict[str, Any] = {
            "Sid": statement_id,
            "Effect": "Allow",
            "Principal": "*" if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"},
            "Action": action,
            "Resource": self.bus_arn(ctx.scope, name),
        }
        if condition:
            statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
        document["Statement"] = [
            s for s in document.get("Statement", []) if s.get("Sid") != statement_id
        ] + [statement]
        self.store.update_bus(ctx.scope, name, self.now_ms(), policy=json.dumps(document))
        return {}

    def remove_permission(
        self,
        ctx: RequestContext,
        statement_id: str | None = None,
        remove_all_permissions: bool | None = None,
        event_bus_name: str | None = None,
    ) -> dict[str, Any]:
        name = self.bus_name(event_bus_name)
        bus = self.require_bus(ctx.scope, name)
        if remove_all_permissions:
            self.store.update_bus(ctx.scope, name, self.now_ms(), policy=None)
            return {}
        document = json.loads(bus.policy) if bus.policy else {"Statement": []}
        kept = [s for s in document.get("Statement", []) if s.get("Sid") != statement_id]
        if not statement_id or len(kept) == len(document.get("Statement", [])):
            raise errors.not_found("Statement with the provided id does not exist.")
        document["Statement"] = kept
        self.store.update_bus(
            ctx.scope, name, self.now_ms(), policy=json.dumps(document) if kept else None
        )
        return {}

    # -- tags ----------------------------------------------------------------------------------
    def _tagged(self, scope: Scope, arn_text: str) -> tuple[str, str, dict[str, str]]:
        """(kind, name or 'bus/rule', tags) of a taggable resource."""
        arn = Arn.parse(arn_text)
        resource = arn.resource if arn and arn.service == "events" else ""
        if resource.startswith("event-bus/"):
            bus = self.store.bus(scope, resource[len("event-bus/") :])
            if bus is not None:
                return "bus", bus.name, bus.tags
        elif resource.startswith("rule/"):
            parts = resource.split("/")
            bus_name, rule_name = (
                (DEFAULT_BUS, parts[1]) if len(parts) == 2 else (parts[1], parts[2])
            )
            rule = self.store.rule(scope, bus_name, rule_name)
            if rule is not None:
                return "rule", f"{bus_name}/{rule_name}", rule.tags
        raise errors.not_found(f"Resource {arn_text} does not exist.")

    def _save_tags(self, scope: Scope, kind: str, name: str, tags: dict[str, str]) -> None:
        if kind == "bus":
            self.store.update_bus(scope, name, self.now_ms(), tags=tags)
        else:
            bus, rule = name.split("/", 1)
            self.store.set_rule_tags(scope, bus, rule, tags)

    def tag_resource(
        self, ctx: RequestContext, resource_arn: str, tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        kind, name, current = self._tagged(ctx.scope, resource_arn)
        self._save_tags(ctx.scope, kind, name, {**current, **{t["Key"]: t["Value"] for t in tags}})
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource_arn: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        kind, name, current = self._tagged(ctx.scope, resource_arn)
        self._save_tags(
            ctx.scope, kind, name, {k: v for k, v in current.items() if k not in tag_keys}
        )
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, resource_arn: str) -> dict[str, Any]:
        _, _, tags = self._tagged(ctx.scope, resource_arn)
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}
