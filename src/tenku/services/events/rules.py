"""Rules and their targets: PutRule .. ListTargetsByRule.

A rule has an event pattern, a schedule expression (default bus only), or both; both
are validated when the rule is put. PutTargets checks each target on its own and
reports the ones it refused in FailedEntries; a rule holds at most five targets.
Must not: deliver events or fire schedules.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.scope import Arn, Scope
from tenku.services.events import errors
from tenku.services.events.base import ProviderBase
from tenku.services.events.schedule import valid_schedule
from tenku.services.events.store import DEFAULT_BUS, Rule
from tenku.services.events.transform import PathError, parse_path

MAX_TARGETS_PER_RULE = 5
DEFAULT_PAGE = 100


def encode_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def decode_token(token: str | None) -> str:
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise errors.validation("The NextToken provided is invalid.") from None


def page(items: list[Any], limit: int | None) -> tuple[list[Any], bool]:
    size = limit or DEFAULT_PAGE
    return items[:size], len(items) > size


class RulesMixin(ProviderBase):
    def _rule(self, scope: Scope, bus: str, name: str) -> Rule:
        self.require_bus(scope, bus)
        rule = self.store.rule(scope, bus, name)
        if rule is None:
            raise errors.rule_not_found(name, bus)
        return rule

    def describe_rule_dict(self, scope: Scope, rule: Rule) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": rule.name,
            "Arn": self.rule_arn(scope, rule.bus, rule.name),
            "State": rule.state,
            "EventBusName": rule.bus,
        }
        for key, value in (
            ("EventPattern", rule.pattern),
            ("ScheduleExpression", rule.schedule),
            ("Description", rule.description),
            ("RoleArn", rule.role_arn),
            ("ManagedBy", rule.managed_by),
        ):
            if value is not None:
                out[key] = value
        return out

    def put_rule(
        self,
        ctx: RequestContext,
        name: str,
        schedule_expression: str | None = None,
        event_pattern: str | None = None,
        state: str | None = None,
        description: str | None = None,
        role_arn: str | None = None,
        tags: list[dict[str, str]] | None = None,
        event_bus_name: str | None = None,
    ) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        if not schedule_expression and not event_pattern:
            raise errors.validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified."
            )
        if schedule_expression:
            if bus != DEFAULT_BUS:
                raise errors.validation(
                    "ScheduleExpression is supported only on the default event bus."
                )
            if not valid_schedule(schedule_expression):
                raise errors.validation("Parameter ScheduleExpression is not valid.")
        if event_pattern:
            self.compiled(event_pattern)
        self.require_bus(ctx.scope, bus)
        existing = self.store.rule(ctx.scope, bus, name)
        rule = Rule(
            bus,
            name,
            event_pattern or None,
            schedule_expression or None,
            state or (existing.state if existing else "ENABLED"),
            description
            if description is not None
            else (existing.description if existing else None),
            role_arn if role_arn is not None else (existing.role_arn if existing else None),
            None,
            {t["Key"]: t["Value"] for t in tags or []} or (existing.tags if existing else {}),
            existing.created_ms if existing else self.now_ms(),
        )
        self.store.put_rule(ctx.scope, rule)
        return {"RuleArn": self.rule_arn(ctx.scope, bus, name)}

    def describe_rule(
        self, ctx: RequestContext, name: str, event_bus_name: str | None = None
    ) -> dict[str, Any]:
        rule = self._rule(ctx.scope, self.bus_name(event_bus_name), name)
        return {**self.describe_rule_dict(ctx.scope, rule), "CreatedBy": ctx.scope.account}

    def list_rules(
        self,
        ctx: RequestContext,
        name_prefix: str | None = None,
        event_bus_name: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        self.require_bus(ctx.scope, bus)
        after = decode_token(next_token)
        found = self.store.rules(
            ctx.scope, bus, name_prefix or "", after, (limit or DEFAULT_PAGE) + 1
        )
        rules, more = page(found, limit)
        out: dict[str, Any] = {"Rules": [self.describe_rule_dict(ctx.scope, r) for r in rules]}
        if more:
            out["NextToken"] = encode_token(rules[-1].name)
        return out

    def delete_rule(
        self,
        ctx: RequestContext,
        name: str,
        event_bus_name: str | None = None,
        force: bool | None = None,
    ) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        self.require_bus(ctx.scope, bus)
        if self.store.rule(ctx.scope, bus, name) is None:
            return {}
        if self.store.targets(ctx.scope, bus, name):
            raise errors.validation("Rule can't be deleted since it has targets.")
        self.store.delete_rule(ctx.scope, bus, name)
        return {}

    def enable_rule(
        self, ctx: RequestContext, name: str, event_bus_name: str | None = None
    ) -> dict[str, Any]:
        rule = self._rule(ctx.scope, self.bus_name(event_bus_name), name)
        self.store.set_rule_state(ctx.scope, rule.bus, name, "ENABLED")
        return {}

    def disable_rule(
        self, ctx: RequestContext, name: str, event_bus_name: str | None = None
    ) -> dict[str, Any]:
        rule = self._rule(ctx.scope, self.bus_name(event_bus_name), name)
        self.store.set_rule_state(ctx.scope, rule.bus, name, "DISABLED")
        return {}

    def list_rule_names_by_target(
        self,
        ctx: RequestContext,
        target_arn: str,
        event_bus_name: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        self.require_bus(ctx.scope, bus)
        after = decode_token(next_token)
        names = [n for n in self.store.rules_by_target(ctx.scope, bus, target_arn) if n > after]
        shown, more = page(names, limit)
        out: dict[str, Any] = {"RuleNames": shown}
        if more:
            out["NextToken"] = encode_token(shown[-1])
        return out

    # -- targets ------------------------------------------------------------------------------
    def put_targets(
        self,
        ctx: RequestContext,
        rule: str,
        targets: list[dict[str, Any]],
        event_bus_name: str | None = None,
    ) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        found = self._rule(ctx.scope, bus, rule)
        existing = {t["Id"] for t in self.store.targets(ctx.scope, bus, found.name)}
        if len(existing | {t["Id"] for t in targets}) > MAX_TARGETS_PER_RULE:
            raise errors.limit_exceeded(
                "The requested resource exceeds the maximum number allowed."
            )
        failed: list[dict[str, Any]] = []
        with self.db.transaction():
            for target in targets:
                problem = target_problem(target)
                if problem:
                    failed.append(
                        {
                            "TargetId": target["Id"],
                            "ErrorCode": "ValidationException",
                            "ErrorMessage": problem,
                        }
                    )
                    continue
                self.store.put_target(ctx.scope, bus, found.name, _stored(target))
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    def remove_targets(
        self,
        ctx: RequestContext,
        rule: str,
        ids: list[str],
        event_bus_name: str | None = None,
        force: bool | None = None,
    ) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        found = self._rule(ctx.scope, bus, rule)
        with self.db.transaction():
            for target_id in ids:
                self.store.delete_target(ctx.scope, bus, found.name, target_id)
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def list_targets_by_rule(
        self,
        ctx: RequestContext,
        rule: str,
        event_bus_name: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        found = self._rule(ctx.scope, bus, rule)
        after = decode_token(next_token)
        targets = [t for t in self.store.targets(ctx.scope, bus, found.name) if t["Id"] > after]
        shown, more = page(targets, limit)
        out: dict[str, Any] = {"Targets": shown}
        if more:
            out["NextToken"] = encode_token(shown[-1]["Id"])
        return out


def _stored(target: dict[str, Any]) -> dict[str, Any]:
    """The target as ListTargetsByRule returns it (botocore's members, JSON-safe)."""
    stored: dict[str, Any] = json.loads(json.dumps(target, default=str))
    return stored


def target_problem(target: dict[str, Any]) -> str | None:
    """Why PutTargets refuses this target, or None."""
    target_id, arn_text = target["Id"], target["Arn"]
    arn = Arn.parse(arn_text)
    if arn is None:
        return "Provided Arn is not in correct format."
    given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
    if len(given) > 1:
        return "Only one of Input, InputPath, or InputTransformer can be specified."
    if target.get("Input") is not None:
        try:
            json.loads(target["Input"])
        except ValueError:
            return "Input is not a valid JSON text."
    if target.get("InputPath") is not None:
        try:
            parse_path(target["InputPath"])
        except PathError:
            return f"InputPath {target['InputPath']} is not a valid JsonPath."
    transformer = target.get("InputTransformer")
    if transformer is not None:
        for key, path in (transformer.get("InputPathsMap") or {}).items():
            if key.lower().startswith("aws."):
                return f"InputTransformer key {key} is reserved."
            try:
                parse_path(path)
            except PathError:
                return f"InputTransformer path {path} is not a valid JsonPath."
    fifo = arn.service == "sqs" and arn.resource.endswith(".fifo")
    if fifo and not (target.get("SqsParameters") or {}).get("MessageGroupId"):
        return f"Parameter(s) SqsParameters must be specified for target: {target_id}."
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
    if dead_letter is not None:
        dlq = Arn.parse(dead_letter)
        if dlq is None or dlq.service != "sqs":
            return (
                "Parameter DeadLetterConfig.Arn is not valid. Reason: Only SQS queues are"
                " supported."
            )
    return None
