"""EventBridge across restarts: resources survive, owed deliveries resume, and `kill -9`
mid-burst loses no acknowledged event (every one reaches its target at least once)."""

# ruff: noqa: E501  (request literals read best one per line)
from __future__ import annotations

import json
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_events_delivery import make_queue, receive, rule_to

ACCOUNT = "000000000000"


def test_resources_and_owed_deliveries_survive_a_restart(fresh_tenku: TenkuProcess) -> None:
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    events.create_event_bus(Name="orders", Tags=[{"Key": "k", "Value": "v"}])
    url, arn = make_queue(sqs, "out")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    rule_to(events, "live", {"source": ["shop"]}, {"Id": "q", "Arn": arn}, bus="orders")
    rule_to(events, "stuck", {"source": ["shop"]}, {"Id": "t", "Arn": f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:x",
            "RetryPolicy": {"MaximumEventAgeInSeconds": 60}, "DeadLetterConfig": {"Arn": dlq_arn}}, bus="orders")  # fmt: skip
    events.create_archive(
        ArchiveName="all", EventSourceArn=f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
    )
    events.put_events(
        Entries=[{"Source": "shop", "DetailType": "t", "Detail": "{}", "EventBusName": "orders"}]
    )
    assert len(receive(sqs, url)) == 1

    fresh_tenku.stop()
    fresh_tenku.start()
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    assert [r["Name"] for r in events.list_rules(EventBusName="orders")["Rules"]] == [
        "live",
        "stuck",
    ]
    assert events.describe_archive(ArchiveName="all")["EventCount"] == 1
    bus_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
    assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [
        {"Key": "k", "Value": "v"}
    ]
    for _ in range(8):  # the stuck delivery is still owed: it ends in the DLQ once too old
        fresh_tenku.advance_clock(16)
        time.sleep(0.2)
    message = receive(sqs, dlq_url, MessageAttributeNames=["All"])[0]
    assert (
        message["MessageAttributes"]["EXHAUSTED_RETRY_CONDITION"]["StringValue"]
        == "MaximumEventAgeExhausted"
    )
    events.put_events(
        Entries=[{"Source": "shop", "DetailType": "t", "Detail": "{}", "EventBusName": "orders"}]
    )
    assert len(receive(sqs, url)) == 1


def test_kill_9_mid_burst_loses_no_acknowledged_event(fresh_tenku: TenkuProcess) -> None:
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    url, arn = make_queue(sqs, "burst", VisibilityTimeout="600")
    rule_to(events, "burst", {"source": ["load"]}, {"Id": "q", "Arn": arn})
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def sender(worker: int) -> None:
        client = fresh_tenku.client("events")
        n = 0
        while not stop.is_set():
            n += 1
            size = 10 if n % 2 else 1
            entries = [
                {
                    "Source": "load",
                    "DetailType": "t",
                    "Detail": json.dumps({"w": worker, "n": n, "i": i}),
                }
                for i in range(size)
            ]
            try:
                answer = client.put_events(Entries=entries)
            except (BotoCoreError, ClientError):
                return  # the server is gone: this request was never acknowledged
            with lock:
                acknowledged.update(e["EventId"] for e in answer["Entries"] if "EventId" in e)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    fresh_tenku.kill()  # SIGKILL mid-burst
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) > 200

    fresh_tenku.start()
    sqs = fresh_tenku.client("sqs")
    fresh_tenku.advance_clock(601)  # anything received before the kill becomes visible again
    delivered: set[str] = set()
    quiet_since = time.monotonic()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=600
        )
        messages = got.get("Messages", [])
        delivered.update(json.loads(m["Body"])["id"] for m in messages)
        if messages:
            quiet_since = time.monotonic()
        elif acknowledged <= delivered or time.monotonic() - quiet_since > 10:
            break
    missing = acknowledged - delivered
    assert not missing, f"{len(missing)} acknowledged events never reached the queue"
