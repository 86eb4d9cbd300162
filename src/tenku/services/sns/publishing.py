"""Publish and PublishBatch: check the message, apply FIFO deduplication, pick the
subscribers whose filter policies accept it, and write the message and one outbox row
per subscriber in the transaction that acknowledges the publish. Mixed into SnsProvider.

Must not: deliver (the deliverer drains the outbox) or call other services.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.ids import new_uuid
from tenku.core.scope import Arn
from tenku.services.sns import messages
from tenku.services.sns.base import SnsBase
from tenku.services.sns.envelopes import text_for
from tenku.services.sns.errors import batch_error, invalid_parameter, not_found
from tenku.services.sns.filters import ATTRIBUTES, BODY, FilterPolicy, compile_policy
from tenku.services.sns.models import Subscription, Topic

MAX_BATCH = 10
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_PHONE = re.compile(r"^\+?[1-9]\d{1,14}$")
FIFO_SEQUENCE_BASE = 10**19  # sequence numbers print as 20 digits, as AWS's do


@functools.lru_cache(maxsize=1024)
def _policy(text: str, scope: str) -> FilterPolicy:
    return compile_policy(text, scope)


def accepts(sub: Subscription, message: dict[str, Any]) -> bool:
    """Whether the subscription's filter policy lets the message through."""
    text = sub.attributes.get("FilterPolicy")
    if not text:
        return True
    scope = sub.attributes.get("FilterPolicyScope", ATTRIBUTES)
    try:
        policy = _policy(text, scope)
    except ValueError:
        return False
    if scope == BODY:
        return policy.matches_body(text_for(message, sub.protocol))
    return policy.matches_attributes(message.get("attributes") or {})


class PublishOps(SnsBase):
    def publish(
        self,
        ctx: RequestContext,
        message: str,
        topic_arn: str | None = None,
        target_arn: str | None = None,
        phone_number: str | None = None,
        subject: str | None = None,
        message_structure: str | None = None,
        message_attributes: dict[str, dict[str, Any]] | None = None,
        message_deduplication_id: str | None = None,
        message_group_id: str | None = None,
    ) -> dict[str, Any]:
        targets = [t for t in (topic_arn, target_arn, phone_number) if t]
        if not targets:
            raise invalid_parameter("TopicArn or TargetArn Reason: no value for required parameter")
        if len(targets) > 1:
            raise invalid_parameter(
                "TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified"
            )
        if phone_number:
            return self._publish_sms(ctx, phone_number, message, subject, message_attributes)
        arn = Arn.parse(topic_arn or target_arn or "")
        if target_arn and arn is not None and arn.resource.startswith("endpoint/"):
            raise not_found("Endpoint does not exist")  # no mobile platform endpoints in Tenku
        topic = self.require_topic(topic_arn or target_arn)
        prepared = messages.prepare(
            topic,
            message,
            subject,
            message_structure,
            message_attributes,
            message_group_id,
            message_deduplication_id,
        )
        result = self._publish(topic, prepared)
        self.deliverer.wake()
        return result

    def _publish_sms(
        self,
        ctx: RequestContext,
        phone_number: str,
        message: str,
        subject: str | None,
        raw_attributes: dict[str, dict[str, Any]] | None,
    ) -> dict[str, Any]:
        if not _PHONE.match(phone_number):
            raise invalid_parameter(
                f"PhoneNumber Reason: {phone_number} is not valid to publish to"
            )
        attributes = messages.normalize_attributes(raw_attributes)
        text = messages.check_message(message, attributes)
        message_id = new_uuid()
        self.store.deliver_to_inbox(
            ctx.scope,
            {
                "protocol": "sms",
                "endpoint": phone_number,
                "messageId": message_id,
                "subject": subject,
                "body": text,
                "timestamp": self.now_ms(),
            },
        )
        return {"MessageId": message_id}

    def _publish(self, topic: Topic, prepared: dict[str, Any]) -> dict[str, Any]:
        now = self.now_ms()
        dedup_id = prepared.get("dedup")
        if dedup_id is not None:
            seen = self.store.dedup(topic.arn, dedup_id, now)
            if seen is not None:  # accepted, but not delivered again
                return {"MessageId": seen[0], **({"SequenceNumber": seen[1]} if seen[1] else {})}
        message_id = new_uuid()
        data = {
            "id": message_id,
            "topic": topic.arn,
            "ts": now,
            "sigv": topic.attributes.get("SignatureVersion", "1"),
            **prepared,
        }
        result: dict[str, Any] = {"MessageId": message_id}
        with self.store.db.transaction():
            if topic.fifo:
                data["seq"] = result["SequenceNumber"] = str(
                    FIFO_SEQUENCE_BASE + self.store.next_sequence(topic.arn)
                )
                expires = now + messages.DEDUP_WINDOW_S * 1000
                self.store.remember_dedup(
                    topic.arn, dedup_id or "", message_id, data["seq"], expires
                )
            subscribers = [
                s
                for s in self.store.topic_subscriptions(topic.arn)
                if s.confirmed and accepts(s, data)
            ]
            if subscribers:
                row = self.store.add_message(topic.arn, data)
                for sub in subscribers:
                    group_key = f"{sub.arn}\n{prepared['group']}" if topic.fifo else None
                    self.store.add_outbox(row, sub.arn, "notification", group_key, now)
        return result

    def publish_batch(
        self,
        ctx: RequestContext,
        topic_arn: str,
        publish_batch_request_entries: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        entries = publish_batch_request_entries or []
        if not entries:
            raise batch_error("EmptyBatchRequest", "The batch request doesn't contain any entries.")
        if len(entries) > MAX_BATCH:
            raise batch_error(
                "TooManyEntriesInBatchRequest",
                "The batch request contains more entries than permissible.",
            )
        ids = [str(entry.get("Id", "")) for entry in entries]
        if len(set(ids)) != len(ids):
            raise batch_error(
                "BatchEntryIdsNotDistinct",
                "Two or more batch entries in the request have the same Id.",
            )
        if not all(_BATCH_ID.match(entry_id) for entry_id in ids):
            raise batch_error(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long.",
            )
        topic = self.require_topic(topic_arn)
        total = sum(len(str(entry.get("Message") or "").encode()) for entry in entries)
        if total > messages.MAX_MESSAGE_BYTES:
            raise batch_error(
                "BatchRequestTooLong",
                "The length of all the messages put together is more than the limit.",
            )
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        with self.store.db.transaction():
            for entry_id, entry in zip(ids, entries, strict=True):
                try:
                    prepared = messages.prepare(
                        topic,
                        entry.get("Message"),
                        entry.get("Subject"),
                        entry.get("MessageStructure"),
                        entry.get("MessageAttributes"),
                        entry.get("MessageGroupId"),
                        entry.get("MessageDeduplicationId"),
                    )
                    successful.append({"Id": entry_id, **self._publish(topic, prepared)})
                except ServiceError as error:
                    failed.append(messages.failure_entry(entry_id, error))
        self.deliverer.wake()
        return {"Successful": successful, "Failed": failed}
