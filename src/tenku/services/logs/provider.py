"""The CloudWatch Logs API: one method per operation of botocore's `logs` model.

Methods take the request context and the operation's members as snake_case keyword
arguments and return the output shape as a dict. Lines written by functions arrive as
`LogEvent`s on the bus; their group and stream are created on first use, as Lambda does.
Retention is enforced on read (expired events are never returned) and by a sweep.
"""

from __future__ import annotations

from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.events import EventBus, LogEvent
from tenku.core.periodic import Periodic
from tenku.core.scope import Scope
from tenku.services.logs import models
from tenku.services.logs.errors import (
    group_exists,
    group_not_found,
    invalid_parameter,
    stream_exists,
    stream_not_found,
)
from tenku.services.logs.filters import FilterPatternError, compile_pattern
from tenku.services.logs.ingest import LogIngest
from tenku.services.logs.models import START, Cursor
from tenku.services.logs.store import Event, Group, LogsStore, Stream
from tenku.storage import Storage

SWEEP_INTERVAL_SECONDS = 60.0
MAX_EVENTS = 10_000
END_OF_TIME = 2**62


class LogsProvider:
    service = "logs"

    def __init__(self, storage: Storage, clock: Clock, bus: EventBus) -> None:
        self.store = LogsStore(storage)
        self.clock = clock
        self._sweeper = Periodic(SWEEP_INTERVAL_SECONDS, self.sweep)
        self.ingest = LogIngest(self.store, clock)
        self._unsubscribe = bus.subscribe(LogEvent, self._on_log_event)

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._sweeper.start()

    async def stop(self) -> None:
        self._sweeper.stop()
        self.ingest.flush()

    def sweep(self) -> None:
        """Delete events older than their group's retention."""
        now = self._now_ms()
        for group_id, days in self.store.all_groups():
            if days is not None:
                self.store.expire(group_id, models.retention_floor(now, days))

    def _on_log_event(self, event: LogEvent) -> None:
        self.ingest.add(event)

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def _group(self, scope: Scope, name: str) -> Group:
        self.ingest.flush()  # every API call sees the lines functions have written
        group = self.store.group(scope, name)
        if group is None:
            raise group_not_found()
        return group

    def _stream(self, group: Group, name: str) -> Stream:
        stream = self.store.stream(group.id, name)
        if stream is None:
            raise stream_not_found()
        return stream

    # -- log groups --------------------------------------------------------------------------
    def create_log_group(
        self,
        ctx: RequestContext,
        log_group_name: str,
        kms_key_id: str | None = None,
        tags: dict[str, str] | None = None,
        log_group_class: str | None = None,
    ) -> dict[str, Any]:
        if self.store.group(ctx.scope, log_group_name) is not None:
            raise group_exists()
        self.store.create_group(
            ctx.scope, log_group_name, self._now_ms(), dict(tags or {}), kms_key_id,
            log_group_class or "STANDARD",
        )  # fmt: skip
        return {}

    def delete_log_group(self, ctx: RequestContext, log_group_name: str) -> dict[str, Any]:
        self.store.delete_group(self._group(ctx.scope, log_group_name).id)
        self.ingest.forget()
        return {}

    def describe_log_groups(
        self,
        ctx: RequestContext,
        log_group_name_prefix: str | None = None,
        log_group_name_pattern: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        self.ingest.flush()
        if log_group_name_prefix and log_group_name_pattern:
            raise invalid_parameter(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
            )
        size = limit or 50
        after = models.parse_name_token(next_token) if next_token else ""
        found = self.store.groups(
            ctx.scope, log_group_name_prefix or "", log_group_name_pattern or "", after, size + 1
        )
        result: dict[str, Any] = {
            "logGroups": [self._describe_group(ctx.scope, g) for g in found[:size]]
        }
        if len(found) > size:
            result["nextToken"] = models.name_token(found[size - 1].name)
        return result

    def _describe_group(self, scope: Scope, group: Group) -> dict[str, Any]:
        arn = models.group_arn(scope, group.name)
        out: dict[str, Any] = {
            "logGroupName": group.name,
            "creationTime": group.created_ms,
            "metricFilterCount": 0,
            "arn": f"{arn}:*",
            "logGroupArn": arn,
            "storedBytes": self.store.group_bytes(group.id),
            "logGroupClass": group.log_class,
            "deletionProtectionEnabled": False,
        }
        if group.retention_days is not None:
            out["retentionInDays"] = group.retention_days
        if group.kms_key_id:
            out["kmsKeyId"] = group.kms_key_id
        return out

    def put_retention_policy(
        self, ctx: RequestContext, log_group_name: str, retention_in_days: int
    ) -> dict[str, Any]:
        models.check_retention(retention_in_days)
        group = self._group(ctx.scope, log_group_name)
        self.store.set_retention(group.id, retention_in_days)
        return {}

    def delete_retention_policy(self, ctx: RequestContext, log_group_name: str) -> dict[str, Any]:
        self.store.set_retention(self._group(ctx.scope, log_group_name).id, None)
        return {}

    # -- tags --------------------------------------------------------------------------------
    def tag_log_group(
        self, ctx: RequestContext, log_group_name: str, tags: dict[str, str]
    ) -> dict[str, Any]:
        group = self._group(ctx.scope, log_group_name)
        self.store.set_tags(group.id, {**group.tags, **tags})
        return {}

    def untag_log_group(
        self, ctx: RequestContext, log_group_name: str, tags: list[str]
    ) -> dict[str, Any]:
        group = self._group(ctx.scope, log_group_name)
        self.store.set_tags(group.id, {k: v for k, v in group.tags.items() if k not in tags})
        return {}

    def list_tags_log_group(self, ctx: RequestContext, log_group_name: str) -> dict[str, Any]:
        return {"tags": dict(self._group(ctx.scope, log_group_name).tags)}

    def _group_by_arn(self, resource_arn: str) -> Group:
        scope, name = models.group_from_arn(resource_arn)
        return self._group(scope, name)

    def tag_resource(
        self, ctx: RequestContext, resource_arn: str, tags: dict[str, str]
    ) -> dict[str, Any]:
        group = self._group_by_arn(resource_arn)
        self.store.set_tags(group.id, {**group.tags, **tags})
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource_arn: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        group = self._group_by_arn(resource_arn)
        self.store.set_tags(group.id, {k: v for k, v in group.tags.items() if k not in tag_keys})
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, resource_arn: str) -> dict[str, Any]:
        return {"tags": dict(self._group_by_arn(resource_arn).tags)}

    # -- log streams -------------------------------------------------------------------------
    def create_log_stream(
        self, ctx: RequestContext, log_group_name: str, log_stream_name: str
    ) -> dict[str, Any]:
        group = self._group(ctx.scope, log_group_name)
        if self.store.stream(group.id, log_stream_name) is not None:
            raise stream_exists()
        self.store.create_stream(group.id, log_stream_name, self._now_ms())
        return {}

    def delete_log_stream(
        self, ctx: RequestContext, log_group_name: str, log_stream_name: str
    ) -> dict[str, Any]:
        group = self._group(ctx.scope, log_group_name)
        self.store.delete_stream(self._stream(group, log_stream_name).id)
        self.ingest.forget()
        return {}

    def describe_log_streams(
        self,
        ctx: RequestContext,
        log_group_name: str | None = None,
        log_group_identifier: str | None = None,
        log_stream_name_prefix: str | None = None,
        order_by: str | None = None,
        descending: bool | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        name = models.group_name(log_group_name, log_group_identifier)
        by_time = order_by == "LastEventTime"
        if by_time and log_stream_name_prefix:
            raise invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        group = self._group(ctx.scope, name)
        streams = [
            s
            for s in self.store.streams(group.id)
            if s.name.startswith(log_stream_name_prefix or "")
        ]
        if by_time:
            streams.sort(key=lambda s: (s.last_ts or 0, s.name))
        if descending:
            streams.reverse()
        start = 0
        if next_token:
            try:
                start = int(models.parse_name_token(next_token))
            except ValueError:
                raise invalid_parameter("The specified nextToken is invalid.") from None
        size = limit or 50
        page = streams[start : start + size]
        result: dict[str, Any] = {
            "logStreams": [self._describe_stream(ctx.scope, group, s) for s in page]
        }
        if start + size < len(streams):
            result["nextToken"] = models.name_token(str(start + size))
        return result

    def _describe_stream(self, scope: Scope, group: Group, stream: Stream) -> dict[str, Any]:
        out: dict[str, Any] = {
            "logStreamName": stream.name,
            "creationTime": stream.created_ms,
            "arn": models.stream_arn(scope, group.name, stream.name),
            "storedBytes": stream.stored_bytes,
            "uploadSequenceToken": models.sequence_token(stream.uploads + 1),
        }
        if stream.first_ts is not None:
            out["firstEventTimestamp"] = stream.first_ts
            out["lastEventTimestamp"] = stream.last_ts
        if stream.last_ingest is not None:
            out["lastIngestionTime"] = stream.last_ingest
        return out

    # -- events ------------------------------------------------------------------------------
    def put_log_events(
        self,
        ctx: RequestContext,
        log_group_name: str,
        log_stream_name: str,
        log_events: list[dict[str, Any]],
        sequence_token: str | None = None,
    ) -> dict[str, Any]:
        # Sequence tokens are accepted and ignored, as AWS has done since January 2023.
        group = self._group(ctx.scope, log_group_name)
        stream = self._stream(group, log_stream_name)
        now = self._now_ms()
        batch = models.check_batch(log_events, now, group.retention_days)
        self.store.append(group.id, stream, batch.accepted, now)
        result: dict[str, Any] = {"nextSequenceToken": models.sequence_token(stream.uploads + 2)}
        if batch.rejected:
            result["rejectedLogEventsInfo"] = batch.rejected
        return result

    def get_log_events(
        self,
        ctx: RequestContext,
        log_stream_name: str,
        log_group_name: str | None = None,
        log_group_identifier: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        next_token: str | None = None,
        limit: int | None = None,
        start_from_head: bool | None = None,
    ) -> dict[str, Any]:
        group = self._group(ctx.scope, models.group_name(log_group_name, log_group_identifier))
        stream = self._stream(group, log_stream_name)
        low = max(start_time or 0, models.retention_floor(self._now_ms(), group.retention_days))
        high = end_time if end_time is not None else END_OF_TIME
        size = min(limit or MAX_EVENTS, MAX_EVENTS)
        if next_token:
            direction, cursor = models.parse_stream_token(next_token)
        else:
            direction, cursor = ("f", START) if start_from_head else ("b", None)  # type: ignore[assignment]
        if direction == "f":
            events = self.store.stream_events(
                group.id, stream.id, low, high, cursor, None, size, descending=False
            )
        else:
            events = self.store.stream_events(
                group.id, stream.id, low, high, None, cursor, size, descending=True
            )
            events.reverse()
        edge = cursor or START
        first = events[0].cursor if events else edge
        last = events[-1].cursor if events else edge
        return {
            "events": [
                {"timestamp": e.cursor.timestamp, "message": e.message, "ingestionTime": e.ingested}
                for e in events
            ],
            "nextForwardToken": models.stream_token("f", last),
            "nextBackwardToken": models.stream_token("b", first),
        }

    def filter_log_events(
        self,
        ctx: RequestContext,
        log_group_name: str | None = None,
        log_group_identifier: str | None = None,
        log_stream_names: list[str] | None = None,
        log_stream_name_prefix: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        filter_pattern: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        if log_stream_names and log_stream_name_prefix:
            raise invalid_parameter(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
            )
        group = self._group(ctx.scope, models.group_name(log_group_name, log_group_identifier))
        try:
            matches = compile_pattern(filter_pattern)
        except FilterPatternError:
            raise invalid_parameter("Invalid filter pattern") from None
        if log_stream_names:
            known = {s.name for s in self.store.streams(group.id)}
            if not set(log_stream_names) <= known:
                raise stream_not_found()
        wanted = set(log_stream_names or ())
        prefix = log_stream_name_prefix or ""
        low = max(start_time or 0, models.retention_floor(self._now_ms(), group.retention_days))
        high = end_time if end_time is not None else END_OF_TIME
        after: Cursor | None = models.parse_page_token(next_token) if next_token else None
        size = min(limit or MAX_EVENTS, MAX_EVENTS)
        found: list[Event] = []
        more = False
        for event in self.store.group_events(group.id, low, high, after):
            if wanted and event.stream not in wanted:
                continue
            if not event.stream.startswith(prefix) or not matches(event.message):
                continue
            if len(found) == size:
                more = True
                break
            found.append(event)
        result: dict[str, Any] = {
            "events": [
                {
                    "logStreamName": e.stream,
                    "timestamp": e.cursor.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingested,
                    "eventId": models.event_id(e.cursor),
                }
                for e in found
            ],
            "searchedLogStreams": [],
        }
        if more:
            result["nextToken"] = models.page_token(found[-1].cursor)
        return result
