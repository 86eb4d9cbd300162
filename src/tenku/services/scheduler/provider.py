"""The EventBridge Scheduler API: one method per operation of botocore's `scheduler` model.

Methods take the request context and the operation's members as snake_case keyword
arguments and return the output shape as a dict. Schedule groups hold schedules; the
`default` group always exists and cannot be deleted; deleting a group deletes its
schedules. Schedules fire through `firing.py` (a heap of due times, woken by
`ClockAdvanced`) into a durable outbox that `delivery.py` drains to the targets.
Must not: see HTTP objects, import another service.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.events import ClockAdvanced, EventBus
from tenku.core.scope import Scope
from tenku.services.scheduler import errors, models
from tenku.services.scheduler.delivery import Deliveries
from tenku.services.scheduler.firing import Firing
from tenku.services.scheduler.models import DEFAULT_GROUP, StoredSchedule
from tenku.services.scheduler.store import Group, SchedulerStore
from tenku.storage import Storage

DEFAULT_PAGE = 100


class SchedulerProvider:
    service = "scheduler"

    def __init__(
        self, storage: Storage, clock: Clock, bus: EventBus, api: ApiCaller | None = None
    ) -> None:
        self.store = SchedulerStore(storage)
        self.clock = clock
        self.deliveries = Deliveries(self.store, clock, self._completed)
        self.deliveries.api = api
        self.firing = Firing(self.store, clock, self.deliveries.wake)
        self._unsubscribe = bus.subscribe(ClockAdvanced, self._clock_advanced)

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.firing.start()
        self.deliveries.start()

    async def stop(self) -> None:
        self._unsubscribe()
        await self.firing.stop()
        await self.deliveries.stop()

    def _clock_advanced(self, _event: ClockAdvanced) -> None:
        self.firing.wake()
        self.deliveries.wake()

    def _completed(self, schedule_id: int, version: int) -> None:
        """A schedule delivered its last occurrence: ActionAfterCompletion DELETE."""
        schedule = self.store.schedule_by_id(schedule_id)
        if schedule is not None and schedule.spec.get("ActionAfterCompletion") == "DELETE":
            self.store.delete_if_unchanged(schedule_id, version)

    # -- schedule groups ---------------------------------------------------------------------
    def create_schedule_group(
        self,
        ctx: RequestContext,
        name: str,
        tags: list[dict[str, str]] | None = None,
        client_token: str | None = None,
    ) -> dict[str, Any]:
        if self.store.group(ctx.scope, name) is not None:
            raise errors.group_exists(name)
        self.store.create_group(ctx.scope, name, self.clock.now(), _merge_tags([], tags or []))
        return {"ScheduleGroupArn": models.group_arn(ctx.scope, name)}

    def get_schedule_group(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        group = self._group(ctx.scope, name)
        return models.describe_group(ctx.scope, group.name, group.created, group.modified)

    def list_schedule_groups(
        self,
        ctx: RequestContext,
        name_prefix: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        size = max_results or DEFAULT_PAGE
        after = _read_token(next_token)[0] if next_token else ""
        found = self.store.groups(ctx.scope, name_prefix or "", after, size + 1)
        out: dict[str, Any] = {
            "ScheduleGroups": [
                models.describe_group(ctx.scope, g.name, g.created, g.modified)
                for g in found[:size]
            ]
        }
        if len(found) > size:
            out["NextToken"] = _token(found[size - 1].name)
        return out

    def delete_schedule_group(
        self, ctx: RequestContext, name: str, client_token: str | None = None
    ) -> dict[str, Any]:
        if name == DEFAULT_GROUP:
            raise errors.default_group_is_permanent()
        self._group(ctx.scope, name)
        self.store.delete_group(ctx.scope, name)
        return {}

    def _group(self, scope: Scope, name: str) -> Group:
        group = self.store.group(scope, name)
        if group is None:
            raise errors.group_not_found(name)
        return group

    # -- tags (schedule groups only) ---------------------------------------------------------
    def tag_resource(
        self, ctx: RequestContext, resource_arn: str, tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        group = self._group(ctx.scope, models.group_of_arn(resource_arn, ctx.scope))
        self.store.set_group_tags(ctx.scope, group.name, _merge_tags(group.tags, tags))
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource_arn: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        group = self._group(ctx.scope, models.group_of_arn(resource_arn, ctx.scope))
        kept = [tag for tag in group.tags if tag["Key"] not in set(tag_keys)]
        self.store.set_group_tags(ctx.scope, group.name, kept)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, resource_arn: str) -> dict[str, Any]:
        group = self._group(ctx.scope, models.group_of_arn(resource_arn, ctx.scope))
        return {"Tags": list(group.tags)}

    # -- schedules ---------------------------------------------------------------------------
    def create_schedule(
        self,
        ctx: RequestContext,
        name: str,
        schedule_expression: str,
        target: dict[str, Any],
        flexible_time_window: dict[str, Any],
        group_name: str | None = None,
        start_date: float | None = None,
        end_date: float | None = None,
        description: str | None = None,
        schedule_expression_timezone: str | None = None,
        state: str | None = None,
        kms_key_arn: str | None = None,
        client_token: str | None = None,
        action_after_completion: str | None = None,
    ) -> dict[str, Any]:
        now = self.clock.now()
        spec = models.build_spec(
            now, schedule_expression, flexible_time_window, target,
            schedule_expression_timezone, start_date, end_date, description, state,
            kms_key_arn, action_after_completion,
        )  # fmt: skip
        group = self._group(ctx.scope, group_name or DEFAULT_GROUP).name
        if self.store.schedule(ctx.scope, group, name) is not None:
            raise errors.schedule_exists(name)
        stored = self._save(ctx.scope, group, name, spec, now)
        return {"ScheduleArn": stored.arn}

    def update_schedule(
        self,
        ctx: RequestContext,
        name: str,
        schedule_expression: str,
        target: dict[str, Any],
        flexible_time_window: dict[str, Any],
        group_name: str | None = None,
        start_date: float | None = None,
        end_date: float | None = None,
        description: str | None = None,
        schedule_expression_timezone: str | None = None,
        state: str | None = None,
        kms_key_arn: str | None = None,
        client_token: str | None = None,
        action_after_completion: str | None = None,
    ) -> dict[str, Any]:
        now = self.clock.now()
        spec = models.build_spec(
            now, schedule_expression, flexible_time_window, target,
            schedule_expression_timezone, start_date, end_date, description, state,
            kms_key_arn, action_after_completion,
        )  # fmt: skip
        existing = self._schedule(ctx.scope, group_name, name)
        stored = self._save(ctx.scope, existing.group, name, spec, now)
        return {"ScheduleArn": stored.arn}

    def _save(
        self, scope: Scope, group: str, name: str, spec: dict[str, Any], now: float
    ) -> StoredSchedule:
        anchor = spec.get("StartDate") or now
        next_fire = models.first_fire(spec, anchor, now)
        arn = models.schedule_arn(scope, group, name)
        next_due = models.due_time(arn, spec, next_fire) if next_fire is not None else None
        stored = self.store.put_schedule(scope, group, name, spec, now, anchor, next_fire, next_due)
        self.firing.track(stored)
        return stored

    def get_schedule(
        self, ctx: RequestContext, name: str, group_name: str | None = None
    ) -> dict[str, Any]:
        return models.describe(self._schedule(ctx.scope, group_name, name))

    def delete_schedule(
        self,
        ctx: RequestContext,
        name: str,
        group_name: str | None = None,
        client_token: str | None = None,
    ) -> dict[str, Any]:
        self.store.delete_schedule(self._schedule(ctx.scope, group_name, name).id)
        return {}

    def list_schedules(
        self,
        ctx: RequestContext,
        group_name: str | None = None,
        name_prefix: str | None = None,
        state: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        if group_name is not None:
            self._group(ctx.scope, group_name)
        size = max_results or DEFAULT_PAGE
        after = _read_token(next_token) if next_token else ("", "")
        found = self.store.schedules(
            ctx.scope, group_name, name_prefix or "", state, after, size + 1
        )
        out: dict[str, Any] = {"Schedules": [models.summary(s) for s in found[:size]]}
        if len(found) > size:
            last = found[size - 1]
            out["NextToken"] = _token(last.name, last.group)
        return out

    def _schedule(self, scope: Scope, group_name: str | None, name: str) -> StoredSchedule:
        group = group_name or DEFAULT_GROUP
        schedule = self.store.schedule(scope, group, name)
        if schedule is None:
            if self.store.group(scope, group) is None:
                raise errors.group_not_found(group)
            raise errors.schedule_not_found(name)
        return schedule


def _merge_tags(current: list[dict[str, str]], added: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {tag["Key"]: tag["Value"] for tag in current}
    merged.update({tag["Key"]: tag["Value"] for tag in added})
    return [{"Key": key, "Value": value} for key, value in merged.items()]


def _token(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()


def _read_token(token: str) -> tuple[str, str]:
    try:
        parts = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(parts, list) and all(isinstance(p, str) for p in parts) and parts:
            return (parts[0], parts[1] if len(parts) > 1 else "")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise errors.validation("Invalid NextToken.")
