"""Redrive to dead-letter queues, redrive allow policies and message move tasks."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError


def arn_of(sqs: Any, url: str) -> str:
    return str(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
    )


def queue_with_dlq(sqs: Any, name: str, max_receives: int = 2) -> tuple[str, str]:
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    source = sqs.create_queue(
        QueueName=name,
        Attributes={
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": max_receives}
            ),
        },
    )["QueueUrl"]
    return source, dlq


def test_message_lands_in_dlq_after_max_receives(sqs: Any, name: str) -> None:
    source, dlq = queue_with_dlq(sqs, name, max_receives=2)
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison")
    for _ in range(2):
        message = sqs.receive_message(QueueUrl=source)["Messages"][0]
        sqs.change_message_visibility(
            QueueUrl=source, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    assert "Messages" not in sqs.receive_message(QueueUrl=source)
    dead = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"][0]
    assert dead["MessageId"] == sent["MessageId"]
    assert dead["Body"] == "poison"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(sqs, source)
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]


def test_fifo_dead_letters_keep_the_group(sqs: Any, name: str) -> None:
    dlq = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})
    source = sqs.create_queue(
        QueueName=f"{name}.fifo",
        Attributes={
            "FifoQueue": "true",
            "ContentBasedDeduplication": "true",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": arn_of(sqs, dlq["QueueUrl"]), "maxReceiveCount": 1}
            ),
        },
    )["QueueUrl"]
    sqs.send_message(QueueUrl=source, MessageBody="first", MessageGroupId="g")
    sqs.send_message(QueueUrl=source, MessageBody="second", MessageGroupId="g")
    message = sqs.receive_message(QueueUrl=source)["Messages"][0]
    assert message["Body"] == "first"
    sqs.change_message_visibility(
        QueueUrl=source, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    # "first" goes to the DLQ on this receive, and the group moves on to "second".
    nxt = sqs.receive_message(QueueUrl=source)["Messages"][0]
    assert nxt["Body"] == "second"
    dead = sqs.receive_message(
        QueueUrl=dlq["QueueUrl"], MessageSystemAttributeNames=["MessageGroupId"]
    )["Messages"][0]
    assert (dead["Body"], dead["Attributes"]["MessageGroupId"]) == ("first", "g")


def test_redrive_policy_needs_an_existing_target(sqs: Any, name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "RedrivePolicy": json.dumps(
                    {
                        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:missing",
                        "maxReceiveCount": 3,
                    }
                )
            },
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_redrive_allow_policy_deny_all(sqs: Any, name: str) -> None:
    dlq = sqs.create_queue(
        QueueName=f"{name}-dlq",
        Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})},
    )["QueueUrl"]
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": 3}
                )
            },
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_move_task_returns_messages_to_their_source(sqs: Any, name: str) -> None:
    source, dlq = queue_with_dlq(sqs, name, max_receives=1)
    for i in range(5):
        sqs.send_message(QueueUrl=source, MessageBody=f"m{i}")
    for _ in range(2):  # receive each once, then make them visible again
        for message in sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            sqs.change_message_visibility(
                QueueUrl=source, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    counts = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "5"
    handle = sqs.start_message_move_task(SourceArn=arn_of(sqs, dlq))["TaskHandle"]
    assert handle
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        tasks = sqs.list_message_move_tasks(SourceArn=arn_of(sqs, dlq))["Results"]
        if tasks[0]["Status"] == "COMPLETED":
            break
        time.sleep(0.05)
    assert tasks[0]["Status"] == "COMPLETED"
    assert tasks[0]["ApproximateNumberOfMessagesMoved"] == 5
    back = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in back) == [f"m{i}" for i in range(5)]


def test_move_task_source_must_be_a_dlq(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    with pytest.raises(ClientError) as excinfo:
        sqs.start_message_move_task(SourceArn=arn_of(sqs, url))
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"
