"""Scheduled EventBridge rules fire on the server's clock: a `cron` rule's SQS target
gets the "Scheduled Event" when the clock passes its time, and a disabled rule does not."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from tests.integration.conftest import TenkuProcess


def server_now(tenku: TenkuProcess) -> float:
    with urllib.request.urlopen(f"{tenku.endpoint}/_tenku/clock") as answer:
        return float(json.loads(answer.read())["now"])


def test_a_cron_rule_fires_when_the_clock_passes_its_time(fresh_tenku: TenkuProcess) -> None:
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    events.put_rule(Name="daily", ScheduleExpression="cron(0 0 * * ? *)")
    events.put_rule(Name="off", ScheduleExpression="rate(1 minute)", State="DISABLED")
    for rule in ("daily", "off"):
        events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])
    time.sleep(1.5)  # the rule learns its next time (the coming midnight UTC)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    now = server_now(fresh_tenku)
    midnight = (now // 86400 + 1) * 86400
    fresh_tenku.advance_clock(midnight - now + 5)
    got: list[Any] = []
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert len(got) == 1
    event = json.loads(got[0]["Body"])
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"].endswith("T00:00:00Z")
    assert event["resources"][0].endswith(":rule/daily")
    time.sleep(1.5)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # once, and not the disabled one
