"""Pure logic of Scheduler: validating a schedule's settings, ARNs, the API's output
shapes, and when a schedule fires next.

A schedule's settings are kept as one `spec` dict in the shape of CreateSchedule's
members (minus Name, GroupName and ClientToken), with AWS's defaults filled in: time
zone UTC, State ENABLED, ActionAfterCompletion NONE, and a RetryPolicy of 185 attempts
over 86,400 seconds. UpdateSchedule replaces the whole spec, as AWS does.
Firing times: see `core/schedules.py`. StartDate and EndDate bound recurring schedules
(one-time schedules ignore them, as AWS documents); a rate schedule counts from its
StartDate, else from when it was created or last updated.
Must not: touch storage, the clock or other services.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from tenku.core.schedules import Schedule, ScheduleExpressionError, parse
from tenku.core.scope import Arn, Scope
from tenku.services.scheduler import errors

DEFAULT_GROUP = "default"
DEFAULT_RETRY_POLICY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
START_DATE_GRACE_SECONDS = 300  # AWS refuses a StartDate more than 5 minutes ago


class StoredSchedule(NamedTuple):
    id: int
    scope: Scope
    group: str
    name: str
    spec: dict[str, Any]
    created: float
    modified: float
    version: int
    anchor: float  # where a rate schedule's occurrences are counted from
    next_fire: float | None  # the next occurrence's scheduled time
    next_due: float | None  # ... and when it actually fires (flexible window applied)

    @property
    def arn(self) -> str:
        return schedule_arn(self.scope, self.group, self.name)

    @property
    def enabled(self) -> bool:
        return bool(self.spec.get("State") == "ENABLED")


def schedule_arn(scope: Scope, group: str, name: str) -> str:
    return scope.arn("scheduler", f"schedule/{group}/{name}")


def group_arn(scope: Scope, name: str) -> str:
    return scope.arn("scheduler", f"schedule-group/{name}")


def group_of_arn(arn: str, scope: Scope) -> str:
    """The group a schedule-group ARN names; refuses ARNs of another account or region."""
    parsed = Arn.parse(arn)
    if (
        parsed is None
        or parsed.service != "scheduler"
        or parsed.scope != scope
        or not parsed.resource.startswith("schedule-group/")
    ):
        raise errors.bad_resource_arn(arn)
    return parsed.resource.split("/", 1)[1]


def build_spec(
    now: float,
    schedule_expression: str,
    flexible_time_window: dict[str, Any],
    target: dict[str, Any],
    schedule_expression_timezone: str | None,
    start_date: float | None,
    end_date: float | None,
    description: str | None,
    state: str | None,
    kms_key_arn: str | None,
    action_after_completion: str | None,
) -> dict[str, Any]:
    """The stored settings of a CreateSchedule or UpdateSchedule request, validated."""
    timezone = schedule_expression_timezone or "UTC"
    schedule = parse_expression(schedule_expression, timezone)
    if schedule.kind != "at":
        if start_date is not None and start_date < now - START_DATE_GRACE_SECONDS:
            raise errors.start_date_too_early()
        if start_date is not None and end_date is not None and end_date <= start_date:
            raise errors.end_date_before_start()
    if flexible_time_window.get("Mode") == "FLEXIBLE" and not flexible_time_window.get(
        "MaximumWindowInMinutes"
    ):
        raise errors.window_required()
    spec: dict[str, Any] = {
        "ScheduleExpression": schedule_expression,
        "ScheduleExpressionTimezone": timezone,
        "FlexibleTimeWindow": dict(flexible_time_window),
        "Target": _target_with_defaults(target),
        "State": state or "ENABLED",
        "ActionAfterCompletion": action_after_completion or "NONE",
    }
    optional = {
        "StartDate": start_date,
        "EndDate": end_date,
        "Description": description,
        "KmsKeyArn": kms_key_arn,
    }
    spec.update({key: value for key, value in optional.items() if value is not None})
    return spec


def parse_expression(expression: str, timezone: str) -> Schedule:
    try:
        return parse(expression, timezone)
    except ScheduleExpressionError as error:
        raise errors.validation(error.message) from None


def _target_with_defaults(target: dict[str, Any]) -> dict[str, Any]:
    stored = dict(target)
    stored["RetryPolicy"] = {**DEFAULT_RETRY_POLICY, **(target.get("RetryPolicy") or {})}
    return stored


# -- when a schedule fires ---------------------------------------------------------------------
def first_fire(spec: dict[str, Any], anchor: float, now: float) -> float | None:
    """The first occurrence of a schedule created (or updated) at `now`."""
    schedule = parse_expression(spec["ScheduleExpression"], spec["ScheduleExpressionTimezone"])
    if schedule.kind == "at":
        return schedule.next_after(now - 1)  # a one-time schedule a moment old still fires
    lower = max(now, spec.get("StartDate") or now)
    return _within_end(spec, schedule.next_after(lower - 0.001, anchor=anchor))


def fire_after(spec: dict[str, Any], scheduled: float, anchor: float) -> float | None:
    """The occurrence that follows the one scheduled at `scheduled`."""
    schedule = parse_expression(spec["ScheduleExpression"], spec["ScheduleExpressionTimezone"])
    return _within_end(spec, schedule.next_after(scheduled, anchor=anchor))


def _within_end(spec: dict[str, Any], instant: float | None) -> float | None:
    end = spec.get("EndDate")
    if instant is None or (end is not None and instant > end):
        return None
    return instant


def due_time(arn: str, spec: dict[str, Any], scheduled: float) -> float:
    """When an occurrence fires: at its time, or for a FLEXIBLE window at an offset
    within the window that is pseudo-random but the same every time it is computed."""
    window = spec.get("FlexibleTimeWindow") or {}
    if window.get("Mode") != "FLEXIBLE":
        return scheduled
    span = int(window.get("MaximumWindowInMinutes") or 0) * 60
    if span <= 0:
        return scheduled
    digest = hashlib.sha256(f"{arn}@{scheduled:.3f}".encode()).digest()
    return scheduled + int.from_bytes(digest[:8], "big") % span


# -- output shapes -----------------------------------------------------------------------------
def describe(schedule: StoredSchedule) -> dict[str, Any]:
    """GetSchedule's output."""
    return {
        "Arn": schedule.arn,
        "Name": schedule.name,
        "GroupName": schedule.group,
        "CreationDate": schedule.created,
        "LastModificationDate": schedule.modified,
        **schedule.spec,
    }


def summary(schedule: StoredSchedule) -> dict[str, Any]:
    """A ListSchedules entry."""
    return {
        "Arn": schedule.arn,
        "Name": schedule.name,
        "GroupName": schedule.group,
        "State": schedule.spec["State"],
        "CreationDate": schedule.created,
        "LastModificationDate": schedule.modified,
        "Target": {"Arn": schedule.spec["Target"]["Arn"]},
    }


def describe_group(
    scope: Scope, name: str, created: float | None, modified: float | None
) -> dict[str, Any]:
    """GetScheduleGroup's output, and a ListScheduleGroups entry. The default group,
    which nobody created, carries no dates."""
    out: dict[str, Any] = {"Arn": group_arn(scope, name), "Name": name, "State": "ACTIVE"}
    if created is not None:
        out["CreationDate"] = created
        out["LastModificationDate"] = modified if modified is not None else created
    return out
