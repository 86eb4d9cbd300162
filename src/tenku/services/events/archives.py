"""Archives and replays.

An archive keeps the events put on its source bus (those matching its pattern, if it
has one) for RetentionDays (0: forever). StartReplay re-sends the archived events whose
`time` falls in the window to the rules of the destination bus (all of them, or those
named in FilterArns), each carrying `replay-name`; replayed events are not archived
again. A replay runs in the background: its outbox rows and its COMPLETED state are
written in one transaction, so a restart either finds it done or runs it again whole.
Must not: deliver events.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.scope import Arn, Scope
from tenku.patterns.matching import parse_event
from tenku.services.events import errors
from tenku.services.events.base import ProviderBase

ARCHIVE, REPLAY = "archive", "replay"
DAY_MS = 86_400_000


class ArchivesMixin(ProviderBase):
    def _source_bus(self, scope: Scope, arn_text: str) -> str:
        arn = Arn.parse(arn_text)
        if arn is None or not arn.resource.startswith("event-bus/"):
            raise errors.validation("Parameter EventSourceArn is not valid.")
        name = arn.resource[len("event-bus/") :]
        self.require_bus(arn.scope if arn.account else scope, name)
        return name

    def _archive(self, scope: Scope, name: str) -> dict[str, Any]:
        archive = self.store.resource(scope, ARCHIVE, name)
        if archive is None:
            raise errors.not_found(f"Archive {name} does not exist.")
        return archive

    def create_archive(
        self,
        ctx: RequestContext,
        archive_name: str,
        event_source_arn: str,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int | None = None,
        kms_key_identifier: str | None = None,
    ) -> dict[str, Any]:
        self._source_bus(ctx.scope, event_source_arn)
        if event_pattern:
            self.compiled(event_pattern)
        if self.store.resource(ctx.scope, ARCHIVE, archive_name) is not None:
            raise errors.already_exists(f"Archive {archive_name} already exists.")
        now = self.now_ms() / 1000
        archive: dict[str, Any] = {
            "ArchiveName": archive_name,
            "ArchiveArn": ctx.scope.arn("events", f"archive/{archive_name}"),
            "EventSourceArn": event_source_arn,
            "State": "ENABLED",
            "RetentionDays": retention_days or 0,
            "CreationTime": now,
        }
        if description is not None:
            archive["Description"] = description
        if event_pattern:
            archive["EventPattern"] = event_pattern
        self.store.put_resource(ctx.scope, ARCHIVE, archive_name, archive)
        return {k: archive[k] for k in ("ArchiveArn", "State", "CreationTime")}

    def describe_archive(self, ctx: RequestContext, archive_name: str) -> dict[str, Any]:
        archive = self._archive(ctx.scope, archive_name)
        count, size = self.outbox.archive_stats(ctx.scope, archive_name)
        return {**archive, "EventCount": count, "SizeBytes": size}

    def list_archives(
        self,
        ctx: RequestContext,
        name_prefix: str | None = None,
        event_source_arn: str | None = None,
        state: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        found = []
        for archive in self.store.resources(ctx.scope, ARCHIVE, name_prefix or ""):
            if event_source_arn and archive["EventSourceArn"] != event_source_arn:
                continue
            if state and archive["State"] != state:
                continue
            count, size = self.outbox.archive_stats(ctx.scope, archive["ArchiveName"])
            summary = {
                k: archive[k]
                for k in ("ArchiveName", "EventSourceArn", "State", "RetentionDays", "CreationTime")
            }
            found.append({**summary, "EventCount": count, "SizeBytes": size})
        return {"Archives": found}

    def update_archive(
        self,
        ctx: RequestContext,
        archive_name: str,
        description: str | None = None,
        event_pattern: str | None = None,
        retention_days: int | None = None,
        kms_key_identifier: str | None = None,
    ) -> dict[str, Any]:
        archive = self._archive(ctx.scope, archive_name)
        if event_pattern:
            self.compiled(event_pattern)
            archive["EventPattern"] = event_pattern
        if description is not None:
            archive["Description"] = description
        if retention_days is not None:
            archive["RetentionDays"] = retention_days
        self.store.put_resource(ctx.scope, ARCHIVE, archive_name, archive)
        return {k: archive[k] for k in ("ArchiveArn", "State", "CreationTime")}

    def delete_archive(self, ctx: RequestContext, archive_name: str) -> dict[str, Any]:
        self._archive(ctx.scope, archive_name)
        with self.db.transaction():
            self.outbox.drop_archive(ctx.scope, archive_name)
            self.store.delete_resource(ctx.scope, ARCHIVE, archive_name)
        return {}

    def expire_archives(self) -> None:
        """Drop archived events older than their archive's retention."""
        now = self.now_ms()
        for scope, archive in self.store.all_resources(ARCHIVE):
            days = int(archive.get("RetentionDays") or 0)
            if days > 0:
                self.outbox.expire_archive(scope, archive["ArchiveName"], now - days * DAY_MS)

    # -- replays -------------------------------------------------------------------------------
    def _replay(self, scope: Scope, name: str) -> dict[str, Any]:
        replay = self.store.resource(scope, REPLAY, name)
        if replay is None:
            raise errors.not_found(f"Replay {name} does not exist.")
        return replay

    def start_replay(
        self,
        ctx: RequestContext,
        replay_name: str,
        event_source_arn: str,
        event_start_time: float,
        event_end_time: float,
        destination: dict[str, Any],
        description: str | None = None,
    ) -> dict[str, Any]:
        if self.store.resource(ctx.scope, REPLAY, replay_name) is not None:
            raise errors.already_exists(f"Replay {replay_name} already exists.")
        arn = Arn.parse(event_source_arn)
        archive_name = arn.resource.split("/", 1)[1] if arn and "/" in arn.resource else ""
        archive = self._archive(ctx.scope, archive_name)
        if event_start_time >= event_end_time:
            raise errors.validation(
                "Parameter EventStartTime is not valid. Reason: EventStartTime must be before"
                " EventEndTime."
            )
        if event_end_time > self.clock.now():
            raise errors.validation(
                "Parameter EventEndTime is not valid. Reason: EventEndTime must be before the"
                " current time."
            )
        if destination["Arn"] != archive["EventSourceArn"]:
            raise errors.validation(
                "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not"
                " permitted."
            )
        now = self.clock.now()
        replay: dict[str, Any] = {
            "ReplayName": replay_name,
            "ReplayArn": ctx.scope.arn("events", f"replay/{replay_name}"),
            "EventSourceArn": event_source_arn,
            "Destination": destination,
            "State": "STARTING",
            "EventStartTime": event_start_time,
            "EventEndTime": event_end_time,
            "ReplayStartTime": now,
        }
        if description is not None:
            replay["Description"] = description
        self.store.put_resource(ctx.scope, REPLAY, replay_name, replay)
        self.replay_started(ctx.scope, replay_name)
        return {k: replay[k] for k in ("ReplayArn", "State", "ReplayStartTime")}

    def replay_started(self, scope: Scope, name: str) -> None:
        """A replay waits to run (the provider schedules `run_replay`)."""

    def run_replay(self, scope: Scope, name: str) -> None:
        """Route the replay's events and mark it COMPLETED, in one transaction."""
        with self.db.transaction():
            replay = self.store.resource(scope, REPLAY, name)
            if replay is None or replay["State"] not in ("STARTING", "RUNNING"):
                return
            archive_name = replay["EventSourceArn"].split("/", 1)[1]
            bus = self.bus_name(replay["Destination"]["Arn"])
            filters = replay["Destination"].get("FilterArns")
            start_ms = int(replay["EventStartTime"] * 1000)
            end_ms = int(replay["EventEndTime"] * 1000)
            events = self.outbox.archived(scope, archive_name, start_ms, end_ms)
            for text in events:
                event = parse_event(text)
                event["replay-name"] = name
                self.route(
                    scope, bus, event, archive=False, only_rules=set(filters) if filters else None
                )
            replay["State"] = "COMPLETED"
            replay["ReplayEndTime"] = self.clock.now()
            replay["EventLastReplayedTime"] = replay["EventEndTime"]
            self.store.put_resource(scope, REPLAY, name, replay)

    def pending_replays(self) -> list[tuple[Scope, str]]:
        return [
            (scope, r["ReplayName"])
            for scope, r in self.store.all_resources(REPLAY)
            if r["State"] in ("STARTING", "RUNNING")
        ]

    def describe_replay(self, ctx: RequestContext, replay_name: str) -> dict[str, Any]:
        return self._replay(ctx.scope, replay_name)

    def list_replays(
        self,
        ctx: RequestContext,
        name_prefix: str | None = None,
        state: str | None = None,
        event_source_arn: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        keys = (
            "ReplayName", "EventSourceArn", "State", "StateReason", "EventStartTime",
            "EventEndTime", "EventLastReplayedTime", "ReplayStartTime", "ReplayEndTime",
        )  # fmt: skip
        found = []
        for replay in self.store.resources(ctx.scope, REPLAY, name_prefix or ""):
            if state and replay["State"] != state:
                continue
            if event_source_arn and replay["EventSourceArn"] != event_source_arn:
                continue
            found.append({k: replay[k] for k in keys if k in replay})
        return {"Replays": found}

    def cancel_replay(self, ctx: RequestContext, replay_name: str) -> dict[str, Any]:
        replay = self._replay(ctx.scope, replay_name)
        if replay["State"] not in ("STARTING", "RUNNING"):
            raise errors.illegal_status(
                f"Replay {replay_name} is not in a valid state for this operation."
            )
        replay["State"] = "CANCELLED"
        replay["StateReason"] = "Replay was cancelled by the user."
        self.store.put_resource(ctx.scope, REPLAY, replay_name, replay)
        return {"ReplayArn": replay["ReplayArn"], "State": "CANCELLING"}
