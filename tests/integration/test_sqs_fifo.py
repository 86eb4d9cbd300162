"""FIFO queues: naming, strict order per group, group locking, deduplication."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def fifo(sqs: Any, name: str, **attributes: str) -> str:
    return str(
        sqs.create_queue(QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true", **attributes})[
            "QueueUrl"
        ]
    )


@pytest.mark.parametrize(
    "queue_name, attributes",
    [
        ("plain-name", {"FifoQueue": "true"}),
        ("ends.fifo", {}),
        ("x" * 76 + ".fifo", {"FifoQueue": "true"}),
        ("bad name.fifo", {"FifoQueue": "true"}),
    ],
)
def test_fifo_naming_rules(sqs: Any, queue_name: str, attributes: dict[str, str]) -> None:
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName=queue_name, Attributes=attributes)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_ten_groups_of_a_thousand_stay_in_order(sqs: Any, name: str) -> None:
    url = fifo(sqs, name, ContentBasedDeduplication="true")
    groups = [f"g{g}" for g in range(10)]
    for start in range(0, 1000, 10):
        for group in groups:
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": f"e{i}", "MessageBody": f"{group}:{i}", "MessageGroupId": group}
                    for i in range(start, start + 10)
                ],
            )
    seen: dict[str, list[int]] = {group: [] for group in groups}
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
        )
        messages = got.get("Messages", [])
        if not messages:
            break
        for message in messages:
            group, index = message["Body"].split(":")
            assert message["Attributes"]["MessageGroupId"] == group
            seen[group].append(int(index))
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
    for group in groups:
        assert seen[group] == list(range(1000)), group


def test_group_is_locked_while_in_flight(sqs: Any, name: str) -> None:
    url = fifo(sqs, name)
    for i in range(3):
        sqs.send_message(
            QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="a", MessageDeduplicationId=f"a{i}"
        )
    sqs.send_message(
        QueueUrl=url, MessageBody="b0", MessageGroupId="b", MessageDeduplicationId="b0"
    )
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert first[0]["Body"] in ("a0", "b0")
    other = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    # Only the other group can be served while the first one has a message in flight.
    bodies = [m["Body"] for m in other]
    assert bodies == (["b0"] if first[0]["Body"] == "a0" else ["a0", "a1", "a2"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    if first[0]["Body"] == "a0":
        rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert [m["Body"] for m in rest] == ["a1", "a2"]


def test_deduplication_by_id_and_by_content(tenku: Any, sqs: Any, name: str) -> None:
    url = fifo(sqs, name, ContentBasedDeduplication="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    again = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    by_id = sqs.send_message(
        QueueUrl=url, MessageBody="other", MessageGroupId="g", MessageDeduplicationId="fixed"
    )
    repeat = sqs.send_message(
        QueueUrl=url,
        MessageBody="different body",
        MessageGroupId="g",
        MessageDeduplicationId="fixed",
    )
    assert repeat["MessageId"] == by_id["MessageId"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "2"
    tenku.advance_clock(301)
    later = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert later["MessageId"] != first["MessageId"]
    assert int(later["SequenceNumber"]) > int(first["SequenceNumber"])


def test_fifo_send_rules(sqs: Any, name: str) -> None:
    url = fifo(sqs, name)
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert excinfo.value.response["Error"]["Code"] == "MissingParameter"
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        sqs.send_message(
            QueueUrl=url,
            MessageBody="x",
            MessageGroupId="g",
            MessageDeduplicationId="d",
            DelaySeconds=5,
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_fifo_only_attributes_refused_on_standard(sqs: Any, name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName=name, Attributes={"ContentBasedDeduplication": "true"})
    assert excinfo.value.response["Error"]["Code"] == "InvalidAttributeName"
    with pytest.raises(ClientError):
        sqs.get_queue_url(QueueName=name)


def test_receive_request_attempt_id_replays_a_lost_receive(sqs: Any, name: str) -> None:
    url = fifo(sqs, name, ContentBasedDeduplication="true")
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")
    first = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1"
    )["Messages"]
    retry = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1"
    )["Messages"]
    assert [(m["Body"], m["ReceiptHandle"]) for m in retry] == [
        (m["Body"], m["ReceiptHandle"]) for m in first
    ]
    # Another attempt id gets nothing: the group is locked by the in-flight messages.
    assert "Messages" not in sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="other")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    # Once a message of that receive is deleted the attempt no longer replays.
    assert "Messages" not in sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1"
    )
