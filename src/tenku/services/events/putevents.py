"""PutEvents and TestEventPattern.

PutEvents checks each entry as EventBridge does (per-entry ErrorCode/ErrorMessage, the
others still accepted), refuses the whole request when the entries exceed 256 KB
(sized as AWS documents: Time 14 bytes when given, plus the UTF-8 bytes of Source,
DetailType, Detail and each Resource), builds the event envelope (version "0", id,
detail-type, source, account, time, region, resources, detail) and routes every
accepted event in one transaction with the answer.
Must not: deliver events (delivery.py does).
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.ids import new_uuid
from tenku.patterns.matching import matches, parse_event
from tenku.services.events import errors
from tenku.services.events.base import ProviderBase, iso_time

MAX_REQUEST_BYTES = 256 * 1024
TIME_BYTES = 14
TEST_EVENT_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")


def entry_size(entry: dict[str, Any]) -> int:
    size = TIME_BYTES if entry.get("Time") is not None else 0
    for member in ("Source", "DetailType", "Detail"):
        value = entry.get(member)
        if isinstance(value, str):
            size += len(value.encode())
    return size + sum(len(r.encode()) for r in entry.get("Resources") or [] if isinstance(r, str))


def envelope(
    event_id: str, entry: dict[str, Any], detail: Any, account: str, region: str, at: float
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": iso_time(at),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": detail,
    }


class PutEventsMixin(ProviderBase):
    def put_events(
        self, ctx: RequestContext, entries: list[dict[str, Any]], endpoint_id: str | None = None
    ) -> dict[str, Any]:
        if sum(entry_size(e) for e in entries) > MAX_REQUEST_BYTES:
            raise errors.validation("Total size of the entries in the request is over the limit.")
        results: list[dict[str, Any]] = []
        failed = 0
        now = self.clock.now()
        with self.db.transaction():
            self.store.ensure_default_bus(ctx.scope, int(now * 1000))
            for entry in entries:
                outcome = self._accept(ctx, entry, now)
                failed += "ErrorCode" in outcome
                results.append(outcome)
        return {"FailedEntryCount": failed, "Entries": results}

    def _accept(self, ctx: RequestContext, entry: dict[str, Any], now: float) -> dict[str, Any]:
        for member in ("Source", "DetailType", "Detail"):
            if not entry.get(member):
                return _failure(
                    "InvalidArgument",
                    f"Parameter {member} is not valid. Reason: {member} is a required argument.",
                )
        try:
            detail = parse_event(entry["Detail"])
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            return _failure("MalformedDetail", "Detail is malformed.")
        # "aws." sources are AWS's own: S3, Scheduler, ... put them through ApiCaller.
        if str(entry["Source"]).startswith("aws.") and not ctx.internal:
            return _failure("NotAuthorizedForSourceException", "Not authorized for the source.")
        bus = self.bus_name(entry.get("EventBusName"))
        scope = ctx.scope
        if self.store.bus(scope, bus) is None:
            return _failure("InvalidArgument", f"Event bus {bus} does not exist.")
        event_id = new_uuid()
        at = entry["Time"] if entry.get("Time") is not None else now
        event = envelope(event_id, entry, detail, scope.account, scope.region, float(at))
        self.route(scope, bus, event)
        return {"EventId": event_id}

    def test_event_pattern(
        self, ctx: RequestContext, event_pattern: str, event: str
    ) -> dict[str, Any]:
        pattern = self.compiled(event_pattern)
        try:
            parsed = parse_event(event)
        except ValueError:
            raise errors.validation("Parameter Event is not valid.") from None
        if not isinstance(parsed, dict) or any(f not in parsed for f in TEST_EVENT_FIELDS):
            raise errors.validation("Parameter Event is not valid.")
        return {"Result": matches(pattern, parsed)}


def _failure(code: str, message: str) -> dict[str, Any]:
    return {"ErrorCode": code, "ErrorMessage": message}
