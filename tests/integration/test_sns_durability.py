"""SNS across restarts: topics, subscriptions and the signing key survive, queued
deliveries resume, and `kill -9` during a burst of publishes loses no acknowledged one."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.sns_helpers import Endpoint, make_queue, receive, wait_for


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


def test_state_and_pending_deliveries_survive_a_restart(
    fresh_tenku: TenkuProcess, endpoint: Endpoint
) -> None:
    sns = fresh_tenku.client("sns")
    topic = sns.create_topic(
        Name="kept", Attributes={"DisplayName": "Kept"}, Tags=[{"Key": "team", "Value": "a"}]
    )["TopicArn"]
    endpoint.status = lambda kind: 200 if kind == "SubscriptionConfirmation" else 503
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    confirmation = wait_for(lambda: endpoint.of_type("SubscriptionConfirmation"))[0]
    with urllib.request.urlopen(json.loads(confirmation["body"])["SubscribeURL"]):
        pass
    published = sns.publish(TopicArn=topic, Message="retry me after the restart")
    wait_for(lambda: endpoint.of_type("Notification"))  # the first attempt failed
    cert_before = json.loads(endpoint.of_type("Notification")[0]["body"])["SigningCertURL"]

    fresh_tenku.stop()
    endpoint.status = lambda kind: 200
    fresh_tenku.start()
    sns = fresh_tenku.client("sns")
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["DisplayName"] == "Kept"
    assert attributes["SubscriptionsConfirmed"] == "1"
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "team", "Value": "a"}]
    fresh_tenku.advance_clock(20)  # the retry is due
    delivered = wait_for(lambda: endpoint.of_type("Notification")[1:])
    body = json.loads(delivered[0]["body"])
    assert body["MessageId"] == published["MessageId"]
    # Same key and certificate after the restart (only the port in the URL differs).
    assert body["SigningCertURL"].rsplit("/", 1)[1] == cert_before.rsplit("/", 1)[1]


def test_kill_9_during_a_burst_of_publishes_loses_no_acknowledged_message(
    fresh_tenku: TenkuProcess,
) -> None:
    sns, sqs = fresh_tenku.client("sns"), fresh_tenku.client("sqs")
    topic = sns.create_topic(Name="burst")["TopicArn"]
    url, arn = make_queue(sqs, "burst-out", VisibilityTimeout="600")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    acknowledged: set[str] = set()
    stop = threading.Event()
    lock = threading.Lock()

    def publisher(worker: int) -> None:
        client = fresh_tenku.client("sns")
        n = 0
        while not stop.is_set():
            body = f"w{worker}-{n}"
            n += 1
            try:
                if n % 4 == 0:
                    batch = [{"Id": str(i), "Message": f"{body}-b{i}"} for i in range(10)]
                    answer = client.publish_batch(TopicArn=topic, PublishBatchRequestEntries=batch)
                    with lock:
                        acknowledged.update(
                            f"{body}-b{entry['Id']}" for entry in answer["Successful"]
                        )
                else:
                    client.publish(TopicArn=topic, Message=body)
                    with lock:
                        acknowledged.add(body)
            except (BotoCoreError, ClientError):
                return  # the server is gone: this publish was never acknowledged

    threads = [threading.Thread(target=publisher, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    fresh_tenku.kill()  # SIGKILL, mid-burst
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) > 200

    fresh_tenku.start()
    sqs = fresh_tenku.client("sqs")
    fresh_tenku.advance_clock(601)  # anything received before the kill is visible again
    received: set[str] = set()
    deadline = time.monotonic() + 90
    while not acknowledged <= received and time.monotonic() < deadline:
        for message in receive(sqs, url, 100, timeout=2, VisibilityTimeout=600):
            received.add(message["Body"])
    missing = acknowledged - received
    assert not missing, (
        f"{len(missing)} acknowledged publishes never arrived, e.g. {sorted(missing)[:5]}"
    )
