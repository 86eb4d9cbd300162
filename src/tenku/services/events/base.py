"""What every part of the EventBridge provider shares: stores, clock, ARNs, compiled
patterns, and `route`, which turns one accepted event into outbox rows and archive rows.

`route` runs inside the caller's transaction (PutEvents, a replay, a cross-bus
delivery arriving through PutEvents), so an event is acknowledged together with
everything owed to it.
Must not: talk to other services (delivery.py does, through ApiCaller).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.scope import Arn, Scope
from tenku.patterns.compile import InvalidPattern, Pattern, compile_pattern
from tenku.patterns.matching import flatten, matches_flat, to_json
from tenku.services.events import errors
from tenku.services.events.outbox import Outbox
from tenku.services.events.store import DEFAULT_BUS, Bus, EventsStore
from tenku.storage import Storage

PATTERN_CACHE_SIZE = 2048


def iso_time(epoch: float) -> str:
    """An event's `time`: ISO 8601 in UTC to the second, as EventBridge writes it."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_time(text: str) -> float | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


class ProviderBase:
    service = "events"

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.db = storage
        self.store = EventsStore(storage)
        self.outbox = Outbox(storage)
        self.clock = clock
        self.api: ApiCaller | None = None  # wired by the registry once the gateway exists
        self._patterns: dict[str, Pattern] = {}

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def wake_delivery(self) -> None:
        """New outbox rows exist (overridden by the provider, which owns the deliverer)."""

    # -- names and ARNs --------------------------------------------------------------------
    @staticmethod
    def bus_name(value: str | None) -> str:
        """A bus name from a name or an event-bus ARN (None: the default bus)."""
        if not value:
            return DEFAULT_BUS
        if value.startswith("arn:"):
            arn = Arn.parse(value)
            if arn is not None and arn.resource.startswith("event-bus/"):
                return arn.resource[len("event-bus/") :]
        return value

    @staticmethod
    def bus_arn(scope: Scope, name: str) -> str:
        return scope.arn("events", f"event-bus/{name}")

    @staticmethod
    def rule_arn(scope: Scope, bus: str, name: str) -> str:
        resource = f"rule/{name}" if bus == DEFAULT_BUS else f"rule/{bus}/{name}"
        return scope.arn("events", resource)

    def require_bus(self, scope: Scope, name: str) -> Bus:
        self.store.ensure_default_bus(scope, self.now_ms())
        bus = self.store.bus(scope, name)
        if bus is None:
            raise errors.bus_not_found(name)
        return bus

    # -- patterns --------------------------------------------------------------------------
    def compiled(self, text: str) -> Pattern:
        """The compiled pattern; InvalidEventPatternException when AWS would refuse it."""
        pattern = self._patterns.get(text)
        if pattern is None:
            try:
                pattern = compile_pattern(text)
            except InvalidPattern as error:
                raise errors.invalid_pattern(error.reason) from None
            if len(self._patterns) >= PATTERN_CACHE_SIZE:
                self._patterns.clear()
            self._patterns[text] = pattern
        return pattern

    # -- routing ---------------------------------------------------------------------------
    def route(
        self,
        scope: Scope,
        bus: str,
        event: dict[str, Any],
        *,
        archive: bool = True,
        only_rules: set[str] | None = None,
    ) -> int:
        """Owe every matching target of `bus` this event (and archive it); returns the
        number of deliveries owed. Call inside a transaction."""
        now = self.now_ms()
        text = to_json(event)
        flat = flatten(event)
        owed: list[tuple[str, str, str]] = []
        for rule in self.store.enabled_pattern_rules(scope, bus):
            assert rule.pattern is not None
            arn = self.rule_arn(scope, bus, rule.name)
            if only_rules is not None and arn not in only_rules:
                continue
            if matches_flat(self.compiled(rule.pattern), flat):
                for target in self.store.targets(scope, bus, rule.name):
                    owed.append((arn, json.dumps(target), text))
        count = self.outbox.add(scope, owed, now)
        if archive:
            self._archive_event(scope, bus, event, flat, text, now)
        if count:
            self.wake_delivery()
        return count

    def _archive_event(
        self, scope: Scope, bus: str, event: dict[str, Any], flat: Any, text: str, now: int
    ) -> None:
        source_arn = self.bus_arn(scope, bus)
        for archive in self.store.resources(scope, "archive"):
            if archive["EventSourceArn"] != source_arn or archive["State"] != "ENABLED":
                continue
            pattern = archive.get("EventPattern")
            if pattern and not matches_flat(self.compiled(pattern), flat):
                continue
            at = parse_iso_time(str(event.get("time", "")))
            time_ms = int(at * 1000) if at is not None else now
            self.outbox.archive(scope, archive["ArchiveName"], time_ms, now, text)
