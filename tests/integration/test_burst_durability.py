"""`kill -9` in the middle of a burst of 10,000 operations, then a restart on the same data
directory: every acknowledged event is delivered at least once.

The burst is 5,000 S3 uploads to a bucket that notifies an SQS queue and 5,000 SNS
publishes to a topic with an SQS subscription, interleaved and issued concurrently from
several threads, each with its own boto3 clients. The server is killed with SIGKILL once
about 6,000 have been acknowledged; operations that were not acknowledged (the rest, and
any in flight at the kill) are issued again after the restart, so all 10,000 end up
acknowledged. Each queue must then hold an event for every acknowledged upload and a
message for every acknowledged publish.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any
from urllib.parse import unquote_plus

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from tests.integration.conftest import TenkuProcess

UPLOADS = PUBLISHES = 5_000
KILL_AFTER = 6_000
THREADS = 8
BUCKET = "burst-bucket"


class Burst:
    """The planned operations, who has done which, and the threads doing them."""

    def __init__(self, server: TenkuProcess, topic: str) -> None:
        self.server = server
        self.topic = topic
        self.lock = threading.Lock()
        self.uploaded: set[str] = set()
        self.published: set[str] = set()
        self.failed: list[tuple[str, str]] = []  # operations to issue again
        self.todo: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        for n in range(max(UPLOADS, PUBLISHES)):  # interleaved: an upload, a publish, ...
            if n < UPLOADS:
                self.todo.put(("upload", f"in/{n:05d} photo.txt"))
            if n < PUBLISHES:
                self.todo.put(("publish", f"message {n:05d}"))

    @property
    def acknowledged(self) -> int:
        with self.lock:
            return len(self.uploaded) + len(self.published)

    def run(self) -> None:
        threads = [threading.Thread(target=self._work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        self.threads = threads

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)
            assert not thread.is_alive()

    def _work(self) -> None:
        s3 = self.server.client("s3")
        sns = self.server.client("sns")
        while True:
            try:
                kind, name = self.todo.get_nowait()
            except queue.Empty:
                return
            try:
                if kind == "upload":
                    s3.put_object(Bucket=BUCKET, Key=name, Body=name.encode())
                else:
                    sns.publish(TopicArn=self.topic, Message=name)
            except (BotoCoreError, ClientError):
                with self.lock:  # not acknowledged: the server is gone
                    self.failed.append((kind, name))
                continue
            with self.lock:
                (self.uploaded if kind == "upload" else self.published).add(name)

    def requeue_unacknowledged(self) -> int:
        again = list(self.failed)
        self.failed.clear()
        while True:
            try:
                again.append(self.todo.get_nowait())
            except queue.Empty:
                break
        for item in again:
            self.todo.put(item)
        return len(again)


def queue_of(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "900"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def drain(sqs: Any, url: str, wanted: set[str], read: Any, seconds: float) -> set[str]:
    """Receive (each message once: the visibility timeout hides it) until every wanted
    name arrived, or time is up; returns the names seen."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while not wanted <= seen and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            seen.update(read(message["Body"]))
    return seen


def upload_keys(body: str) -> list[str]:
    records = json.loads(body).get("Records", [])  # the s3:TestEvent has none
    return [unquote_plus(r["s3"]["object"]["key"]) for r in records]


@pytest.mark.timeout(300)  # about 40 s on the project's 2-core machine
def test_kill_9_during_a_burst_of_uploads_and_publishes(fresh_tenku: TenkuProcess) -> None:
    started = time.monotonic()
    s3, sns, sqs = (fresh_tenku.client(s) for s in ("s3", "sns", "sqs"))
    uploads_url, uploads_arn = queue_of(sqs, "burst-uploads")
    messages_url, messages_arn = queue_of(sqs, "burst-messages")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": uploads_arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    topic = sns.create_topic(Name="burst-topic")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=messages_arn,
        Attributes={"RawMessageDelivery": "true"},
    )

    burst = Burst(fresh_tenku, topic)
    burst.run()
    deadline = time.monotonic() + 240
    while burst.acknowledged < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.01)
    acknowledged_at_kill = burst.acknowledged
    fresh_tenku.kill()  # SIGKILL, mid-burst
    burst.join()
    assert acknowledged_at_kill >= KILL_AFTER
    killed_at = time.monotonic()

    fresh_tenku.start()
    reissued = burst.requeue_unacknowledged()
    assert reissued > 0, "the kill came after the burst"
    burst.run()
    burst.join()
    assert not burst.failed, burst.failed[:5]
    assert len(burst.uploaded) == UPLOADS and len(burst.published) == PUBLISHES
    burst_done = time.monotonic()

    sqs = fresh_tenku.client("sqs")
    got_uploads = drain(sqs, uploads_url, burst.uploaded, upload_keys, 180)
    got_messages = drain(sqs, messages_url, burst.published, lambda body: [body], 180)
    missing_uploads = burst.uploaded - got_uploads
    missing_messages = burst.published - got_messages
    assert not missing_uploads, (
        f"{len(missing_uploads)} acknowledged uploads have no event, "
        f"e.g. {sorted(missing_uploads)[:5]}"
    )
    assert not missing_messages, (
        f"{len(missing_messages)} acknowledged publishes never arrived, "
        f"e.g. {sorted(missing_messages)[:5]}"
    )
    print(
        f"acknowledged at the kill: {acknowledged_at_kill}, issued again: {reissued}; "
        f"burst to kill {killed_at - started:.1f}s, "
        f"restart and the rest {burst_done - killed_at:.1f}s, "
        f"drain {time.monotonic() - burst_done:.1f}s"
    )
