"""Message delivery: enqueue (with FIFO deduplication), receive (standard and FIFO group
locking), delete, visibility changes and dead-letter redrive.

Each public method runs inside one storage transaction, so what it acknowledges is
committed whole. It returns plain dicts shaped as the SQS API answers.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any

from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.events import EventBus, MessageArrived
from tenku.core.ids import new_uuid
from tenku.services.sqs import messages, models
from tenku.services.sqs.errors import invalid_parameter, missing_parameter, sqs_error
from tenku.services.sqs.models import Queue
from tenku.services.sqs.queues import QueueRegistry
from tenku.services.sqs.store import Message, SqsStore

_FIFO_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(slots=True)
class ReceiveOptions:
    max_messages: int
    visibility_timeout: int
    system_attribute_names: list[str]
    message_attribute_names: list[str] | None
    attempt_id: str | None = None


class _SendRules:
    """The queue settings a send checks against, read once per request."""

    __slots__ = ("delay", "fifo", "max_size")

    def __init__(self, queue: Queue) -> None:
        self.fifo = queue.fifo
        self.max_size = queue.int_attr("MaximumMessageSize")
        self.delay = queue.int_attr("DelaySeconds")


class Delivery:
    def __init__(self, store: SqsStore, queues: QueueRegistry, clock: Clock, bus: EventBus) -> None:
        self.store = store
        self.queues = queues
        self.clock = clock
        self.bus = bus
        # FIFO ReceiveRequestAttemptId -> (expiry ms, [(seq, receipt handle)]). Kept in
        # memory: it only lets a client retry a receive whose answer it lost.
        self._attempts: dict[tuple[int, str], tuple[int, list[tuple[int, str]]]] = {}

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    # -- send ------------------------------------------------------------------------------
    def send(self, queue: Queue, entry: dict[str, Any], sender: str) -> dict[str, Any]:
        """Enqueue one message (the entry uses SendMessage's member names)."""
        now_ms = self._now_ms()
        message, result = self._prepare(queue, _SendRules(queue), entry, sender, now_ms)
        del result["size"]
        with self.store.db.transaction():
            self._enqueue(queue, message, result, now_ms)
        self.bus.publish(MessageArrived(queue.scope, queue.arn))
        return result

    def send_batch(
        self, queue: Queue, entries: list[dict[str, Any]], sender: str
    ) -> dict[str, Any]:
        messages.check_batch_ids(entries, "SendMessageBatchRequestEntry")
        rules = _SendRules(queue)
        now_ms = self._now_ms()
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        prepared: list[tuple[Message, dict[str, Any]]] = []
        total = 0
        for entry in entries:
            try:  # a bad entry fails alone, as in SQS; it is refused before any write
                message, result = self._prepare(queue, rules, entry, sender, now_ms)
            except ServiceError as error:
                failed.append(batch_failure(entry["Id"], error))
            else:
                total += result.pop("size")
                prepared.append((message, result))
                successful.append(result)
                result["Id"] = entry["Id"]
        if total > messages.MAX_MESSAGE_BYTES:
            raise sqs_error(
                "BatchRequestTooLong",
                f"Batch requests cannot be longer than {messages.MAX_MESSAGE_BYTES} bytes. "
                f"You have sent {total} bytes.",
            )
        with self.store.db.transaction():
            if queue.fifo:  # one by one: an entry may duplicate an earlier one
                for message, result in prepared:
                    self._enqueue(queue, message, result, now_ms)
            else:
                self.store.insert_messages(queue.id, [message for message, _ in prepared])
                for message, result in prepared:
                    result["MessageId"] = message.message_id
        if successful:
            self.bus.publish(MessageArrived(queue.scope, queue.arn))
        return {"Successful": successful, "Failed": failed}

    def _prepare(
        self, queue: Queue, rules: _SendRules, entry: dict[str, Any], sender: str, now_ms: int
    ) -> tuple[Message, dict[str, Any]]:
        """Check one entry and build the message to store; writes nothing."""
        body = messages.check_body(entry.get("MessageBody"))
        encoded = body.encode()
        size = len(encoded)
        attributes = entry.get("MessageAttributes") or {}
        system = entry.get("MessageSystemAttributes") or {}
        if attributes:
            size += messages.check_message_attributes(attributes)
        if system:
            messages.check_message_attributes(system, system=True)
        if size > rules.max_size:
            raise sqs_error(
                "InvalidParameterValue",
                "One or more parameters are invalid. Reason: Message must be shorter than "
                f"{rules.max_size} bytes.",
            )
        group_id = entry.get("MessageGroupId")
        dedup_id = entry.get("MessageDeduplicationId")
        delay = entry.get("DelaySeconds")
        if group_id is not None and not _FIFO_ID.match(group_id):
            raise invalid_parameter("MessageGroupId", group_id, "MessageGroupId is invalid.")
        if rules.fifo:
            if delay is not None:
                raise invalid_parameter(
                    "DelaySeconds",
                    delay,
                    "The request include parameter that is not valid for this queue type.",
                )
            if not group_id:
                raise missing_parameter("MessageGroupId")
            if dedup_id is None:
                if not queue.content_dedup:
                    raise sqs_error(
                        "InvalidParameterValue",
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly",
                    )
                dedup_id = hashlib.sha256(encoded).hexdigest()
            elif not _FIFO_ID.match(dedup_id):
                raise invalid_parameter(
                    "MessageDeduplicationId", dedup_id, "MessageDeduplicationId is invalid."
                )
            delay = rules.delay
        else:
            if dedup_id is not None:
                raise invalid_parameter(
                    "MessageDeduplicationId",
                    dedup_id,
                    "The request include parameter that is not valid for this queue type.",
                )
            if delay is None:
                delay = rules.delay
            elif not 0 <= int(delay) <= 900:
                raise invalid_parameter(
                    "DelaySeconds", delay, "DelaySeconds must be >= 0 and <= 900."
                )
        # "size" is for send_batch's total; it is taken out before the answer is built.
        result: dict[str, Any] = {
            "MD5OfMessageBody": hashlib.md5(encoded).hexdigest(),
            "size": size,
        }
        message = Message(
            message_id=new_uuid(),
            body=body,
            sent_ms=now_ms,
            visible_at=now_ms + int(delay) * 1000,
            sender=sender,
            group_id=group_id,
            dedup_id=dedup_id,
        )
        if attributes:
            message.attributes = messages.encode_attributes(attributes)
            message.attributes_md5 = result["MD5OfMessageAttributes"] = messages.attributes_md5(
                attributes
            )
        if system:
            trace = system.get("AWSTraceHeader")
            message.trace = trace.get("StringValue") if trace else None
            message.system_md5 = result["MD5OfMessageSystemAttributes"] = messages.attributes_md5(
                system
            )
        return message, result

    def _enqueue(self, queue: Queue, message: Message, result: dict[str, Any], now_ms: int) -> None:
        """Store one prepared message, or find it is a FIFO duplicate; fills `result`."""
        if not queue.fifo:
            self.store.insert_message(queue.id, message)
            result["MessageId"] = message.message_id
            return
        group_id, dedup_id = message.group_id, message.dedup_id
        assert group_id is not None and dedup_id is not None
        dedup_key = f"{group_id}\x00{dedup_id}" if queue.dedup_per_group else dedup_id
        duplicate = self.store.find_duplicate(queue.id, dedup_key, now_ms)
        if duplicate is not None:
            result["MessageId"] = duplicate[0]
            result["SequenceNumber"] = messages.sequence_number(duplicate[1])
            return
        seq = self.store.insert_message(queue.id, message)
        expires = now_ms + models.DEDUP_WINDOW_SECONDS * 1000
        self.store.remember_dedup(queue.id, dedup_key, message.message_id, seq, expires)
        self.store.touch_group(queue.id, group_id, message.visible_at)
        result["MessageId"] = message.message_id
        result["SequenceNumber"] = messages.sequence_number(seq)

    # -- receive -----------------------------------------------------------------------------
    def receive(self, queue: Queue, options: ReceiveOptions) -> list[dict[str, Any]]:
        now_ms = self._now_ms()
        attempt = (queue.id, options.attempt_id) if queue.fifo and options.attempt_id else None
        with self.store.db.transaction():
            picked = self._replay(queue, attempt, options, now_ms) if attempt else None
            if picked is None:
                if queue.fifo:
                    picked = self._pick_fifo(queue, options, now_ms)
                else:
                    picked = self._pick_standard(queue, options, now_ms)
                if attempt and picked:
                    self._remember_attempt(attempt, picked, now_ms)
            return [self._render(queue, m, options) for m in picked]

    def _remember_attempt(
        self, attempt: tuple[int, str], picked: list[Message], now_ms: int
    ) -> None:
        if len(self._attempts) > 10_000:
            self._attempts = {k: v for k, v in self._attempts.items() if v[0] > now_ms}
        expires = now_ms + models.DEDUP_WINDOW_SECONDS * 1000
        self._attempts[attempt] = (expires, [(m.seq, m.receipt or "") for m in picked])

    def _replay(
        self, queue: Queue, attempt: tuple[int, str], options: ReceiveOptions, now_ms: int
    ) -> list[Message] | None:
        """The messages an earlier receive with the same attempt id returned, with their
        visibility timeout reset, if none was deleted or changed since; else None."""
        remembered = self._attempts.get(attempt)
        if remembered is None or remembered[0] <= now_ms:
            return None
        messages = [self.store.get_message(queue.id, seq) for seq, _ in remembered[1]]
        if any(
            m is None or m.receipt != receipt
            for m, (_, receipt) in zip(messages, remembered[1], strict=True)
        ):
            return None
        visible_at = now_ms + options.visibility_timeout * 1000
        replayed = [m for m in messages if m is not None]
        for message in replayed:
            self.store.set_visible_at(message.seq, visible_at)
            message.visible_at = visible_at
        for group_id in {m.group_id for m in replayed if m.group_id}:
            self.refresh_group(queue, group_id, now_ms)
        return replayed

    def _usable(self, queue: Queue, message: Message, now_ms: int) -> bool:
        """False (and the message dealt with) when it expired or must go to the DLQ."""
        if message.sent_ms + queue.int_attr("MessageRetentionPeriod") * 1000 <= now_ms:
            self.store.delete_message(message.seq)
            return False
        redrive = queue.redrive
        if redrive and message.receive_count >= redrive[1]:
            dlq = self.queues.by_arn(redrive[0])
            if dlq is not None:
                self._move(queue, message, dlq, now_ms)
                return False
        return True

    def _take(self, queue: Queue, message: Message, visible_at: int, now_ms: int) -> None:
        receipt = messages.encode_receipt(message.seq, os.urandom(8).hex(), queue.id)
        self.store.mark_received(message.seq, visible_at, receipt, now_ms)
        message.receipt = receipt
        message.receive_count += 1
        message.visible_at = visible_at
        if message.first_receive_ms is None:
            message.first_receive_ms = now_ms

    def _pick_standard(self, queue: Queue, options: ReceiveOptions, now_ms: int) -> list[Message]:
        picked: list[Message] = []
        visible_at = now_ms + options.visibility_timeout * 1000
        while len(picked) < options.max_messages:
            candidates = self.store.visible_messages(queue.id, now_ms, options.max_messages)
            if not candidates:
                break
            for message in candidates:
                if len(picked) == options.max_messages:
                    break
                if self._usable(queue, message, now_ms):
                    self._take(queue, message, visible_at, now_ms)
                    picked.append(message)
        return picked

    def _pick_fifo(self, queue: Queue, options: ReceiveOptions, now_ms: int) -> list[Message]:
        picked: list[Message] = []
        visible_at = now_ms + options.visibility_timeout * 1000
        for group_id in self.store.available_groups(queue.id, now_ms, options.max_messages * 4):
            taken = 0
            for message in self.store.group_head(queue.id, group_id, options.max_messages + 10):
                if len(picked) == options.max_messages or message.visible_at > now_ms:
                    break
                if self._usable(queue, message, now_ms):
                    self._take(queue, message, visible_at, now_ms)
                    picked.append(message)
                    taken += 1
            if taken:
                self.store.set_group_available(queue.id, group_id, visible_at)
            else:
                self.refresh_group(queue, group_id, now_ms)
            if len(picked) == options.max_messages:
                break
        return picked

    def refresh_group(self, queue: Queue, group_id: str, now_ms: int) -> None:
        """Recompute when a FIFO group can next be served (or drop it when empty).

        A group is locked while any of its messages is in flight; the in-flight ones are
        always at the head of the group, and at most ten of them.
        """
        head = self.store.group_head(queue.id, group_id, 11)
        if not head:
            self.store.set_group_available(queue.id, group_id, None)
            return
        in_flight = [m.visible_at for m in head if m.receive_count > 0 and m.visible_at > now_ms]
        self.store.set_group_available(
            queue.id, group_id, max(in_flight) if in_flight else head[0].visible_at
        )

    def _move(self, source: Queue, message: Message, target: Queue, now_ms: int) -> None:
        """Redrive `message` to its dead-letter queue, keeping its id, body, attributes
        and receive history."""
        # FIFO dead-letter queues restart the retention clock; standard ones keep it.
        sent_ms = now_ms if target.fifo else message.sent_ms
        self.transfer(source, message, target, now_ms, sent_ms=sent_ms, dead_letter=True)

    def transfer(
        self,
        source: Queue,
        message: Message,
        target: Queue,
        now_ms: int,
        *,
        sent_ms: int,
        dead_letter: bool,
    ) -> None:
        """Move a message between queues (redrive, or a move task's way back)."""
        self.store.delete_message(message.seq)
        copy = Message(
            message_id=message.message_id,
            body=message.body,
            sent_ms=sent_ms,
            visible_at=now_ms,
            sender=message.sender,
            group_id=message.group_id,
            attributes=message.attributes,
            attributes_md5=message.attributes_md5,
            trace=message.trace,
            system_md5=message.system_md5,
            dedup_id=message.dedup_id,
        )
        if dead_letter:
            copy.dlq_source = source.arn
            copy.receive_count = message.receive_count
            copy.first_receive_ms = message.first_receive_ms
        self.store.insert_message(target.id, copy)
        if source.fifo and message.group_id:
            self.refresh_group(source, message.group_id, now_ms)
        if target.fifo and message.group_id:
            self.store.touch_group(target.id, message.group_id, now_ms)
        self.bus.publish(MessageArrived(target.scope, target.arn))

    def _render(self, queue: Queue, m: Message, options: ReceiveOptions) -> dict[str, Any]:
        out: dict[str, Any] = {
            "MessageId": m.message_id,
            "ReceiptHandle": m.receipt,
            "MD5OfBody": m.body_md5,
            "Body": m.body,
        }
        wanted = options.system_attribute_names
        if wanted:
            system = _system_attributes(queue, m)
            if "All" not in wanted:
                system = {k: v for k, v in system.items() if k in wanted}
            if system:
                out["Attributes"] = system
        selected = messages.select_message_attributes(
            messages.decode_attributes(m.attributes), options.message_attribute_names
        )
        if selected:
            out["MessageAttributes"] = selected
            out["MD5OfMessageAttributes"] = messages.attributes_md5(selected)
        return out

    # -- delete and visibility ----------------------------------------------------------------
    def _locate(self, queue: Queue, handle: str) -> tuple[Message | None, str]:
        decoded = messages.decode_receipt(handle)
        issued_for = messages.receipt_queue_id(handle)
        if decoded is None or (issued_for is not None and issued_for != queue.id):
            raise sqs_error(
                "ReceiptHandleIsInvalid",
                f'The input receipt handle "{handle}" is not a valid receipt handle.',
            )
        return self.store.get_message(queue.id, decoded[0]), handle

    def delete(self, queue: Queue, handle: str) -> None:
        with self.store.db.transaction():
            message, _ = self._locate(queue, handle)
            # A stale handle (the message was received again since) deletes nothing,
            # as the SQS documentation says; the call still succeeds.
            if message is None or message.receipt != handle:
                return
            self.store.delete_message(message.seq)
            if queue.fifo and message.group_id:
                self.refresh_group(queue, message.group_id, self._now_ms())

    def change_visibility(self, queue: Queue, handle: str, timeout: int) -> None:
        if not 0 <= timeout <= models.MAX_VISIBILITY_SECONDS:
            raise invalid_parameter(
                "VisibilityTimeout",
                timeout,
                f"VisibilityTimeout must be an integer between 0 and "
                f"{models.MAX_VISIBILITY_SECONDS}",
            )
        now_ms = self._now_ms()
        with self.store.db.transaction():
            message, _ = self._locate(queue, handle)
            if message is None or message.receipt != handle or message.visible_at <= now_ms:
                raise sqs_error("MessageNotInflight", "The message referred to isn't in flight.")
            first = message.first_receive_ms or now_ms
            if now_ms + timeout * 1000 - first > models.MAX_VISIBILITY_SECONDS * 1000:
                raise invalid_parameter(
                    "VisibilityTimeout",
                    timeout,
                    "Total VisibilityTimeout for the message is beyond the limit "
                    f"[{models.MAX_VISIBILITY_SECONDS} seconds]",
                )
            self.store.set_visible_at(message.seq, now_ms + timeout * 1000)
            if queue.fifo and message.group_id:
                self.refresh_group(queue, message.group_id, now_ms)
        if timeout == 0:
            self.bus.publish(MessageArrived(queue.scope, queue.arn))


def batch_failure(entry_id: str, error: ServiceError) -> dict[str, Any]:
    return {
        "Id": entry_id,
        "SenderFault": error.sender_fault,
        "Code": error.query_code or error.code,
        "Message": error.message,
    }


def _system_attributes(queue: Queue, m: Message) -> dict[str, str]:
    system = {
        "SenderId": m.sender,
        "SentTimestamp": str(m.sent_ms),
        "ApproximateReceiveCount": str(m.receive_count),
        "ApproximateFirstReceiveTimestamp": str(m.first_receive_ms or m.sent_ms),
    }
    if m.trace:
        system["AWSTraceHeader"] = m.trace
    if m.group_id:
        system["MessageGroupId"] = m.group_id
    if queue.fifo:
        system["SequenceNumber"] = messages.sequence_number(m.seq)
        if m.dedup_id:
            system["MessageDeduplicationId"] = m.dedup_id
    if m.dlq_source:
        system["DeadLetterQueueSourceArn"] = m.dlq_source
    return system
