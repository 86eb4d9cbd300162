"""The full SQS queue and message lifecycle through boto3, standard and FIFO."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def documented_attributes_md5(attributes: dict[str, Any]) -> str:
    """The digest as the SQS developer guide describes it, written out plainly."""
    out = b""
    for key in sorted(attributes):
        value = attributes[key]
        out += len(key.encode()).to_bytes(4, "big") + key.encode()
        out += len(value["DataType"]).to_bytes(4, "big") + value["DataType"].encode()
        if "BinaryValue" in value:
            out += b"\x02" + len(value["BinaryValue"]).to_bytes(4, "big") + value["BinaryValue"]
        else:
            data = value["StringValue"].encode()
            out += b"\x01" + len(data).to_bytes(4, "big") + data
    return hashlib.md5(out).hexdigest()


def test_standard_queue_lifecycle(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    assert url.endswith(f"/000000000000/{name}")
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    # Creating again with the same attributes is idempotent.
    assert (
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"})["QueueUrl"] == url
    )

    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    got = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    message = got[0]
    assert message["Body"] == "hello"
    assert message["MessageId"] == sent["MessageId"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert int(message["Attributes"]["SentTimestamp"]) > 1_600_000_000_000
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # in flight now
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert attributes["VisibilityTimeout"] == "5"
    assert attributes["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"

    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as excinfo:
        sqs.get_queue_url(QueueName=name)
    assert error_code(excinfo) == "AWS.SimpleQueueService.NonExistentQueue"


def test_conflicting_create_is_refused(sqs: Any, name: str) -> None:
    sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "2"})
    assert error_code(excinfo) == "QueueAlreadyExists"
    assert isinstance(excinfo.value, sqs.exceptions.QueueNameExists)


def test_list_queues_prefix_and_pagination(sqs: Any, name: str) -> None:
    urls = [sqs.create_queue(QueueName=f"{name}-{i}")["QueueUrl"] for i in range(5)]
    listed = sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    assert sorted(listed) == sorted(urls)
    seen: list[str] = []
    kwargs: dict[str, Any] = {"QueueNamePrefix": name, "MaxResults": 2}
    while True:
        page = sqs.list_queues(**kwargs)
        seen += page.get("QueueUrls", [])
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert sorted(seen) == sorted(urls)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=f"{name}-nothing")


def test_batch_send_with_per_entry_failure(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    result = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok1", "MessageBody": "one"},
            {"Id": "bad", "MessageBody": "x", "DelaySeconds": 901},
            {"Id": "ok2", "MessageBody": "two"},
        ],
    )
    assert sorted(e["Id"] for e in result["Successful"]) == ["ok1", "ok2"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in result["Failed"]] == [
        ("bad", "InvalidParameterValue", True)
    ]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
    )
    assert len(deleted["Successful"]) == 2 and not deleted.get("Failed")


def test_message_attributes_and_md5(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = {
        "city": {"DataType": "String", "StringValue": "Tokyo"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"},
        "label.custom": {"DataType": "String.label", "StringValue": "x"},
    }
    sent = sqs.send_message(
        QueueUrl=url, MessageBody="with attributes", MessageAttributes=attributes
    )
    assert sent["MD5OfMessageAttributes"] == documented_attributes_md5(attributes)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert got["MessageAttributes"] == attributes
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=got["ReceiptHandle"], VisibilityTimeout=0
    )
    partial = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["label.*", "count"])
    assert set(partial["Messages"][0]["MessageAttributes"]) == {"label.custom", "count"}


def test_visibility_timeout_expiry_redelivers(tenku: Any, sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    tenku.advance_clock(31)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    message = second["Messages"][0]
    assert message["MessageId"] == first["MessageId"]
    assert message["ReceiptHandle"] != first["ReceiptHandle"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"


def test_real_time_visibility_expiry(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="soon")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)
    started = time.monotonic()
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
    assert again["Messages"][0]["Body"] == "soon"
    assert 0.5 < time.monotonic() - started < 2.5


def test_long_poll_returns_soon_after_a_send(tenku: Any, sqs: Any, name: str) -> None:
    import threading

    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sender = tenku.client("sqs")
    sent_at: list[float] = []

    def send_later() -> None:
        time.sleep(0.5)
        sent_at.append(time.monotonic())
        sender.send_message(QueueUrl=url, MessageBody="wake up")

    thread = threading.Thread(target=send_later)
    thread.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    returned = time.monotonic()
    thread.join()
    assert got["Messages"][0]["Body"] == "wake up"
    assert returned - sent_at[0] < 0.05


def test_long_poll_times_out_empty(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 < time.monotonic() - started < 1.6


def test_delays_queue_and_message(tenku: Any, sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["no delay"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessagesDelayed": "1"}
    tenku.advance_clock(61)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["queue delay"]


def test_retention_expiry(tenku: Any, sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="short-lived")
    sqs.send_message(QueueUrl=url, MessageBody="in flight when it expires")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=120)
    tenku.advance_clock(61)
    # The sweep (run when the clock moves, and every 30 s) drops the visible one at once.
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    tenku.advance_clock(60)
    # The one that was in flight is dropped when a receive reaches it, never delivered.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_purge_and_its_60_second_rule(tenku: Any, sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(ClientError) as excinfo:
        sqs.purge_queue(QueueUrl=url)
    assert error_code(excinfo) == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    tenku.advance_clock(61)
    sqs.purge_queue(QueueUrl=url)


def test_delete_then_recreate_waits_60_seconds(tenku: Any, sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as excinfo:
        sqs.create_queue(QueueName=name)
    assert error_code(excinfo) == "AWS.SimpleQueueService.QueueDeletedRecently"
    tenku.advance_clock(61)
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url


def test_tags(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name, tags={"team": "tenku"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "tenku", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}


def test_set_attributes_and_permissions(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "120"})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert got["Attributes"] == {"VisibilityTimeout": "120"}
    sqs.add_permission(
        QueueUrl=url, Label="l1", AWSAccountIds=["111122223333"], Actions=["SendMessage"]
    )
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
    assert '"Sid":"l1"' in policy["Policy"]
    sqs.remove_permission(QueueUrl=url, Label="l1")
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])


def test_change_visibility_batch_and_not_inflight(sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a")
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    result = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0},
        ],
    )
    assert [e["Id"] for e in result["Successful"]] == ["a"]
    with pytest.raises(ClientError) as excinfo:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=10
        )
    assert error_code(excinfo) == "AWS.SimpleQueueService.MessageNotInflight"


def test_a_long_poll_whose_client_left_takes_no_message(tenku: Any, sqs: Any, name: str) -> None:
    import json
    import socket

    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    body = json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20}).encode()
    request = (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        b"X-Amz-Target: AmazonSQS.ReceiveMessage\r\n"
        b"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request,"
        b" SignedHeaders=host, Signature=0\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    with socket.create_connection(("127.0.0.1", tenku.port)) as abandoned:
        abandoned.sendall(request)
        time.sleep(0.3)
    time.sleep(0.2)  # the server notices the hang-up
    sqs.send_message(QueueUrl=url, MessageBody="for a live client")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert got["Messages"][0]["Body"] == "for a live client"
