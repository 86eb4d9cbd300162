"""Event notifications (pure): validating a bucket's NotificationConfiguration, finding
the destinations an event goes to, and building the messages S3 sends.

Owns: the event type names, prefix/suffix filter rules and S3's checks on them (bad
rule names, repeated rules, overlapping configurations, ARNs of the wrong service),
the event record (eventVersion 2.1, keys form-encoded as S3 does: 'a b' -> 'a+b'), the
`s3:TestEvent` message and the EventBridge "Object Created"/"Object Deleted" entries.
Must not: send anything or touch storage (the provider writes outbox rows; the
deliverer sends them).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tenku.core.scope import Arn
from tenku.services.s3.errors import invalid_argument
from tenku.services.s3.keys import event_key

EVENT_TYPES = frozenset(
    {
        "s3:TestEvent",
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete",
        "s3:ReducedRedundancyLostObject",
        "s3:Replication:*",
        "s3:Replication:OperationFailedReplication",
        "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold",
        "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:LifecycleTransition",
        "s3:IntelligentTiering",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
        "s3:ObjectAcl:Put",
    }
)

# (configuration list member, ARN member, ARN service, outbox kind)
KINDS = (
    ("QueueConfigurations", "QueueArn", "sqs"),
    ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda"),
    ("TopicConfigurations", "TopicArn", "sns"),
)
EVENTBRIDGE_TARGET = "events:default"


class Destination(NamedTuple):
    configuration_id: str
    arn: str  # queue, function or topic ARN


def _rules(config: dict[str, Any]) -> tuple[str, str]:
    """(prefix, suffix) of one configuration's filter, checked as S3 checks them."""
    prefix = suffix = None
    rules = ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    for rule in rules:
        name = str(rule.get("Name") or "").lower()
        value = str(rule.get("Value") or "")
        if name == "prefix":
            if prefix is not None:
                raise invalid_argument(
                    "Cannot specify more than one prefix rule in a filter.", "FilterRule", name
                )
            prefix = value
        elif name == "suffix":
            if suffix is not None:
                raise invalid_argument(
                    "Cannot specify more than one suffix rule in a filter.", "FilterRule", name
                )
            suffix = value
        else:
            raise invalid_argument(
                "filter rule name must be either prefix or suffix", "FilterRule", rule.get("Name")
            )
    return prefix or "", suffix or ""


def _events_overlap(a: str, b: str) -> bool:
    if a == b:
        return True
    if a.endswith(":*") and b.startswith(a[:-1]):
        return True
    return bool(b.endswith(":*") and a.startswith(b[:-1]))


def validate(configuration: dict[str, Any]) -> dict[str, Any]:
    """The configuration as stored (ids filled in); InvalidArgument when S3 refuses it."""
    seen: list[tuple[list[str], str, str]] = []
    stored: dict[str, Any] = {}
    for member, arn_member, service in KINDS:
        entries = configuration.get(member) or []
        out = []
        for entry in entries:
            arn = str(entry.get(arn_member) or "")
            parsed = Arn.parse(arn)
            if parsed is None or parsed.service != service:
                raise invalid_argument("The ARN is not well formed", arn_member, arn)
            events = list(entry.get("Events") or [])
            if not events:
                raise invalid_argument("The event is not supported for notifications", "Event", "")
            for event in events:
                if event not in EVENT_TYPES or event == "s3:TestEvent":
                    raise invalid_argument(
                        "The event is not supported for notifications", "Event", event
                    )
            prefix, suffix = _rules(entry)
            for other_events, other_prefix, other_suffix in seen:
                if (
                    any(_events_overlap(a, b) for a in events for b in other_events)
                    and (prefix.startswith(other_prefix) or other_prefix.startswith(prefix))
                    and (suffix.endswith(other_suffix) or other_suffix.endswith(suffix))
                ):
                    raise invalid_argument(
                        "Configurations overlap. Configurations on the same bucket cannot "
                        "share a common event type.",
                        "Event",
                        events[0],
                    )
            seen.append((events, prefix, suffix))
            kept = dict(entry)
            kept["Id"] = entry.get("Id") or _new_id()
            rules = ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules")
            if rules:  # S3 answers with the rule names capitalised
                names = {"prefix": "Prefix", "suffix": "Suffix"}
                kept["Filter"] = {"Key": {"FilterRules": [
                    {"Name": names[str(r.get("Name")).lower()], "Value": r.get("Value") or ""}
                    for r in rules
                ]}}  # fmt: skip
            out.append(kept)
        if out:
            stored[member] = out
    if configuration.get("EventBridgeConfiguration") is not None:
        stored["EventBridgeConfiguration"] = {}
    return stored


def _new_id() -> str:
    return uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:24]


def destinations(stored: dict[str, Any], event_name: str, key: str) -> list[Destination]:
    """Where an event (`ObjectCreated:Put`, no `s3:` prefix) on `key` must go."""
    full = "s3:" + event_name
    found = []
    for member, arn_member, _service in KINDS:
        for entry in stored.get(member) or []:
            if not any(_events_overlap(full, wanted) for wanted in entry.get("Events") or []):
                continue
            prefix, suffix = _rules(entry)
            if key.startswith(prefix) and key.endswith(suffix):
                found.append(Destination(entry["Id"], entry[arn_member]))
    return found


def iso_time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ObjectFacts(NamedTuple):
    """What an event says about the object."""

    key: str
    size: int | None
    etag: str | None
    version_id: str | None  # None for unversioned buckets
    sequencer: str


class Occurrence(NamedTuple):
    """An event as it happened: which, where, when and by whom."""

    event_name: str  # e.g. "ObjectCreated:Put"
    bucket: str
    region: str
    account: str
    at: float
    request_id: str
    obj: ObjectFacts
    principal: str = "AWS:000000000000"
    source_ip: str = "127.0.0.1"


def record(event: Occurrence, configuration_id: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": event_key(event.obj.key)}
    if event.obj.size is not None:
        obj["size"] = event.obj.size
    if event.obj.etag is not None:
        obj["eTag"] = event.obj.etag.strip('"')
    if event.obj.version_id is not None:
        obj["versionId"] = event.obj.version_id
    obj["sequencer"] = event.obj.sequencer
    lifecycle = event.event_name.startswith("LifecycleExpiration")
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": event.region,
        "eventTime": iso_time(event.at),
        "eventName": event.event_name,
        "userIdentity": {"principalId": "s3.amazonaws.com" if lifecycle else event.principal},
        "requestParameters": {
            "sourceIPAddress": "s3.amazonaws.com" if lifecycle else event.source_ip
        },
        "responseElements": {
            "x-amz-request-id": event.request_id,
            "x-amz-id-2": event.request_id,
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": event.bucket,
                "ownerIdentity": {"principalId": event.account},
                "arn": f"arn:aws:s3:::{event.bucket}",
            },
            "object": obj,
        },
    }


def message(event: Occurrence, configuration_id: str) -> str:
    """The body S3 sends to a queue, function or topic."""
    return json.dumps({"Records": [record(event, configuration_id)]})


def test_message(bucket: str, at: float, request_id: str) -> str:
    return json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": iso_time(at),
            "Bucket": bucket,
            "RequestId": request_id,
            "HostId": request_id,
        }
    )


_EVENTBRIDGE_REASONS = {
    "ObjectCreated:Put": "PutObject",
    "ObjectCreated:Post": "POST Object",
    "ObjectCreated:Copy": "CopyObject",
    "ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "ObjectRemoved:Delete": "DeleteObject",
    "ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
    "LifecycleExpiration:Delete": "Lifecycle Expiration",
    "LifecycleExpiration:DeleteMarkerCreated": "Lifecycle Expiration",
}


def eventbridge_entry(event: Occurrence) -> dict[str, Any] | None:
    """The PutEvents entry S3 sends to the default bus, or None for other events."""
    reason = _EVENTBRIDGE_REASONS.get(event.event_name)
    if reason is None:
        return None
    created = event.event_name.startswith("ObjectCreated")
    obj: dict[str, Any] = {"key": event.obj.key}
    if created:
        obj["size"] = event.obj.size
        obj["etag"] = (event.obj.etag or "").strip('"')
    if event.obj.version_id is not None:
        obj["version-id"] = event.obj.version_id
    obj["sequencer"] = event.obj.sequencer
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": event.bucket},
        "object": obj,
        "request-id": event.request_id,
        "requester": event.account,
        "source-ip-address": event.source_ip,
        "reason": reason,
    }
    if not created:
        detail["deletion-type"] = (
            "Delete Marker Created"
            if event.event_name.endswith("MarkerCreated")
            else "Permanently Deleted"
        )
    return {
        "Source": "aws.s3",
        "DetailType": "Object Created" if created else "Object Deleted",
        "Detail": json.dumps(detail),
        "Resources": [f"arn:aws:s3:::{event.bucket}"],
        "EventBusName": "default",
        "Time": event.at,
    }
