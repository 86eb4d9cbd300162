"""The AWS CLI drives SQS end to end against a real Tenku: standard and FIFO lifecycles,
and an error whose exit status and stderr carry AWS's error code.

Every command goes through `tenku.aws(...)`, i.e. the real `aws` executable with
`--endpoint-url` and `--output json`.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.conftest import TenkuProcess


def run(tenku: TenkuProcess, *args: str) -> Any:
    """Run `aws sqs ...`; returns the parsed JSON output (None when there is none)."""
    result = tenku.aws("sqs", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def run_together(tenku: TenkuProcess, *commands: list[str]) -> list[Any]:
    """Run independent commands at once (each CLI start costs ~0.6 s); results in order."""
    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda args: run(tenku, *args), commands))


def delete_all(url: str, messages: list[dict[str, Any]]) -> list[list[str]]:
    return [
        ["delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"]]
        for m in messages
    ]


def test_standard_queue_lifecycle(tenku: TenkuProcess) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    attributes = "VisibilityTimeout=45,DelaySeconds=0"
    url = run(tenku, "create-queue", "--queue-name", name, "--attributes", attributes)["QueueUrl"]
    assert url.endswith(f"/000000000000/{name}")
    message_attributes = {
        "colour": {"DataType": "String", "StringValue": "teal"},
        "size": {"DataType": "Number", "StringValue": "7"},
    }
    entries = [{"Id": "one", "MessageBody": "b1"}, {"Id": "two", "MessageBody": "b2"}]
    by_url, listed, sent, batch, _ = run_together(
        tenku,
        ["get-queue-url", "--queue-name", name],
        ["list-queues", "--queue-name-prefix", name],
        ["send-message", "--queue-url", url, "--message-body", "hello from the cli",
         "--message-attributes", json.dumps(message_attributes)],
        ["send-message-batch", "--queue-url", url, "--entries", json.dumps(entries)],
        ["tag-queue", "--queue-url", url, "--tags", "team=core,tier=gold"],
    )  # fmt: skip
    assert by_url == {"QueueUrl": url}
    assert listed["QueueUrls"] == [url]
    assert set(sent) >= {"MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes"}
    assert sorted(entry["Id"] for entry in batch["Successful"]) == ["one", "two"]
    assert not batch.get("Failed")

    received = run(
        tenku, "receive-message", "--queue-url", url, "--attribute-names", "All",
        "--message-attribute-names", "All", "--max-number-of-messages", "10",
    )["Messages"]  # fmt: skip
    assert sorted(m["Body"] for m in received) == ["b1", "b2", "hello from the cli"]
    first = next(m for m in received if m["MessageId"] == sent["MessageId"])
    assert first["MessageAttributes"]["colour"] == {"StringValue": "teal", "DataType": "String"}
    assert first["MessageAttributes"]["size"] == {"StringValue": "7", "DataType": "Number"}
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    assert first["Attributes"]["SenderId"] == "AKIDTENKUTEST"

    run(tenku, "change-message-visibility", "--queue-url", url,
        "--receipt-handle", first["ReceiptHandle"], "--visibility-timeout", "0")  # fmt: skip
    again = run(tenku, "receive-message", "--queue-url", url)["Messages"]
    assert [m["MessageId"] for m in again] == [first["MessageId"]]
    rest = [m for m in received if m is not first]
    *_, tags = run_together(
        tenku,
        *delete_all(url, [*again, *rest]),
        ["set-queue-attributes", "--queue-url", url, "--attributes", "DelaySeconds=3"],
        ["list-queue-tags", "--queue-url", url],
    )
    assert tags == {"Tags": {"team": "core", "tier": "gold"}}
    current = run(tenku, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
    assert current["Attributes"]["VisibilityTimeout"] == "45"
    assert current["Attributes"]["DelaySeconds"] == "3"
    assert current["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert current["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"

    run(tenku, "send-message", "--queue-url", url, "--message-body", "to be purged")
    run(tenku, "purge-queue", "--queue-url", url)
    counts = run(tenku, "get-queue-attributes", "--queue-url", url, "--attribute-names",
                 "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed")  # fmt: skip
    assert counts["Attributes"] == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
    }
    run(tenku, "delete-queue", "--queue-url", url)
    gone = run(tenku, "list-queues", "--queue-name-prefix", name)
    assert not (gone or {}).get("QueueUrls")


def test_fifo_queue_lifecycle(tenku: TenkuProcess) -> None:
    name = f"cli-{uuid.uuid4().hex[:10]}.fifo"
    attributes = "FifoQueue=true,ContentBasedDeduplication=true"
    url = run(tenku, "create-queue", "--queue-name", name, "--attributes", attributes)["QueueUrl"]
    for body in ("first", "second", "first"):  # the repeat is deduplicated by content
        sent = run(tenku, "send-message", "--queue-url", url, "--message-body", body,
                   "--message-group-id", "g1")  # fmt: skip
        assert len(sent["SequenceNumber"]) == 20
    entries = [
        {"Id": "a", "MessageBody": "third", "MessageGroupId": "g1"},
        {"Id": "b", "MessageBody": "other", "MessageGroupId": "g2", "MessageDeduplicationId": "b"},
    ]
    batch = run(tenku, "send-message-batch", "--queue-url", url, "--entries", json.dumps(entries))
    assert all("SequenceNumber" in entry for entry in batch["Successful"])

    received = run(tenku, "receive-message", "--queue-url", url, "--attribute-names", "All",
                   "--max-number-of-messages", "10")["Messages"]  # fmt: skip
    by_group: dict[str, list[str]] = {}
    for message in received:
        by_group.setdefault(message["Attributes"]["MessageGroupId"], []).append(message["Body"])
    assert by_group == {"g1": ["first", "second", "third"], "g2": ["other"]}
    assert all(m["Attributes"]["MessageDeduplicationId"] for m in received)
    # every group has a message in flight, so both are locked
    assert run(tenku, "receive-message", "--queue-url", url) is None

    run_together(tenku, *delete_all(url, received))
    final = run(tenku, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
    assert final["Attributes"]["FifoQueue"] == "true"
    assert final["Attributes"]["ContentBasedDeduplication"] == "true"
    assert final["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert final["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
    run(tenku, "delete-queue", "--queue-url", url)


def test_cli_errors_carry_the_aws_code(tenku: TenkuProcess, sqs: Any, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    with ThreadPoolExecutor(2) as pool:
        missing, too_many = pool.map(
            lambda args: tenku.aws("sqs", *args),
            [
                ["get-queue-url", "--queue-name", f"{name}-missing"],
                ["receive-message", "--queue-url", url, "--max-number-of-messages", "11"],
            ],
        )
    # The service answered with an error: exit 255 from CLI v1 (installed), 254 from v2.
    assert missing.returncode in (254, 255)
    assert missing.stdout == ""
    assert (
        "An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the "
        "GetQueueUrl operation: The specified queue does not exist."
    ) in missing.stderr
    assert too_many.returncode in (254, 255)
    assert "(InvalidParameterValue) when calling the ReceiveMessage operation" in too_many.stderr
    assert "MaxNumberOfMessages" in too_many.stderr
