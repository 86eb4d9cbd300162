"""`kill -9` during a burst of uploads with notifications: after a restart every
acknowledged upload is stored intact and its event reaches the queue at least once."""

from __future__ import annotations

import hashlib
import json
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from tests.integration.conftest import TenkuProcess


def test_kill_9_loses_no_acknowledged_upload_or_event(fresh_tenku: TenkuProcess) -> None:
    s3 = fresh_tenku.client("s3")
    sqs = fresh_tenku.client("sqs")
    url = sqs.create_queue(QueueName="uploads", Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.create_bucket(Bucket="durable-bucket")
    s3.put_bucket_notification_configuration(
        Bucket="durable-bucket",
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    acknowledged: dict[str, str] = {}  # key -> md5 of the body
    stop = threading.Event()
    lock = threading.Lock()

    def uploader(worker: int) -> None:
        client = fresh_tenku.client("s3")
        n = 0
        while not stop.is_set():
            key = f"w{worker}/{n:05d} file.txt"
            body = f"{key} {'x' * (n % 4000)}".encode()
            n += 1
            try:
                client.put_object(Bucket="durable-bucket", Key=key, Body=body)
            except (BotoCoreError, ClientError):
                return  # the server is gone: never acknowledged
            with lock:
                acknowledged[key] = hashlib.md5(body).hexdigest()

    threads = [threading.Thread(target=uploader, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    fresh_tenku.kill()  # SIGKILL, mid-burst
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 300

    fresh_tenku.start()
    s3 = fresh_tenku.client("s3")
    sqs = fresh_tenku.client("sqs")
    for key, md5 in list(acknowledged.items())[:: max(1, len(acknowledged) // 50)]:
        got = s3.get_object(Bucket="durable-bucket", Key=key)
        assert got["ETag"] == f'"{md5}"'
        assert hashlib.md5(got["Body"].read()).hexdigest() == md5
    seen: set[str] = set()
    deadline = time.monotonic() + 90
    while not set(acknowledged) <= seen and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            body = json.loads(message["Body"])
            for record in body.get("Records", []):
                seen.add(record["s3"]["object"]["key"].replace("+", " "))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    missing = set(acknowledged) - seen
    assert not missing, (
        f"{len(missing)} acknowledged uploads have no event, e.g. {sorted(missing)[:3]}"
    )
