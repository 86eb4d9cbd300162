"""Bad input to SQS, over the wire: every answer is AWS's error, and nothing changes.

Each row of the table is one bad request sent as raw HTTP in the JSON protocol (or, for
a few rows, the legacy query protocol). Each asserts the `__type` (`com.amazonaws.sqs#`
plus the error shape), the `x-amzn-query-error` header that botocore turns into
Error.Code, the HTTP status, the message where AWS's wording is known, and that the
queues, their attributes, tags and message counts are exactly as they were before.

A bounded, seeded fuzz loop at the end posts random JSON values for every member of a
few operations and accepts only a 200 or a 4xx carrying a JSON `__type`.

Wording marked "AWS" below is quoted from the SQS API reference or from answers of the
real service; rows without a message check only code and status.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

ACCOUNT = "000000000000"
MIB = 1_048_576
XML_NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}


# -- the queues every row runs against -----------------------------------------------------
@dataclass
class World:
    endpoint: str
    std: str  # a standard queue holding one visible message, tagged
    other: str  # a standard queue holding one in-flight message (receipt below)
    small: str  # MaximumMessageSize 1024
    fifo: str
    dlq: str  # a dead-letter queue of `other`
    other_receipt: str
    other_name: str
    std_name: str

    def url(self, account: str, name: str) -> str:
        return f"{self.endpoint}/{account}/{name}"

    def arn(self, name: str) -> str:
        return f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"

    @property
    def queues(self) -> list[str]:
        return [self.std, self.other, self.small, self.fifo, self.dlq]


@pytest.fixture(scope="module")
def world(tenku: TenkuProcess, sqs: Any) -> World:
    tag = uuid.uuid4().hex[:8]
    names = {k: f"bad-{k}-{tag}" for k in ("std", "other", "small", "dlq")}
    std = sqs.create_queue(QueueName=names["std"], tags={"team": "core"})["QueueUrl"]
    dlq = sqs.create_queue(QueueName=names["dlq"])["QueueUrl"]
    dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{names['dlq']}"
    other = sqs.create_queue(
        QueueName=names["other"],
        Attributes={
            "VisibilityTimeout": "43200",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
        },
    )["QueueUrl"]
    small = sqs.create_queue(QueueName=names["small"], Attributes={"MaximumMessageSize": "1024"})[
        "QueueUrl"
    ]
    fifo = sqs.create_queue(QueueName=f"bad-fifo-{tag}.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=std, MessageBody="stays visible")
    sqs.send_message(QueueUrl=other, MessageBody="stays in flight")
    receipt = sqs.receive_message(QueueUrl=other)["Messages"][0]["ReceiptHandle"]
    return World(
        tenku.endpoint, std, other, small, fifo, dlq, receipt, names["other"], names["std"]
    )


def snapshot(sqs: Any, world: World) -> dict[str, Any]:
    """Everything a bad request must leave alone."""
    state: dict[str, Any] = {"queues": sorted(sqs.list_queues().get("QueueUrls", []))}
    for url in world.queues:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        state[url] = (attributes, sqs.list_queue_tags(QueueUrl=url).get("Tags", {}))
    return state


# -- raw HTTP ------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def post(endpoint: str, body: bytes, headers: dict[str, str], path: str = "/") -> Answer:
    request = urllib.request.Request(endpoint + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def post_json(endpoint: str, operation: str, body: Any) -> Answer:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"AmazonSQS.{operation}",
    }
    return post(endpoint, data, headers)


def post_query(endpoint: str, params: dict[str, str]) -> Answer:
    body = urllib.parse.urlencode({"Version": "2012-11-05", **params})
    request = AWSRequest(
        "POST",
        endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("AKIDTENKUTEST", "secret"), "sqs", "us-east-1").add_auth(request)
    return post(endpoint, body.encode(), dict(request.headers.items()))


# -- the table -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Err:
    shape: str  # the JSON `__type` after '#'
    query_code: str  # x-amzn-query-error / botocore Error.Code / query <Code>
    status: int = 400


INVALID = Err("InvalidParameterValue", "InvalidParameterValue")
MISSING = Err("MissingParameter", "MissingParameter")
NO_QUEUE = Err("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")
BAD_ATTR_VALUE = Err("InvalidAttributeValue", "InvalidAttributeValue")
BAD_ATTR_NAME = Err("InvalidAttributeName", "InvalidAttributeName")
BAD_CONTENTS = Err("InvalidMessageContents", "InvalidMessageContents")
BAD_RECEIPT = Err("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404)
BAD_ADDRESS = Err("InvalidAddress", "InvalidAddress", 404)
NOT_FOUND = Err("ResourceNotFoundException", "ResourceNotFoundException", 404)
EMPTY_BATCH = Err("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest")
TOO_MANY = Err(
    "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
)
NOT_DISTINCT = Err("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
BAD_ENTRY_ID = Err("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId")
TOO_LONG = Err("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong")
BAD_ACTION = Err("InvalidAction", "InvalidAction")

Body = Callable[[World], Any]  # a dict (sent as JSON), raw bytes, or query params


@dataclass(frozen=True)
class Case:
    id: str
    operation: str  # X-Amz-Target operation; "query" sends the body as a query form
    body: Body
    error: Err
    message: str | None = None


def attrs(name: str, value: Any) -> Body:
    return lambda w: {"QueueUrl": w.std, "Attributes": {name: value}}


def send(**extra: Any) -> Body:
    return lambda w: {"QueueUrl": w.std, "MessageBody": "x", **extra}


def send_to(queue: str, **extra: Any) -> Body:
    return lambda w: {"QueueUrl": getattr(w, queue), "MessageBody": "x", **extra}


def message_attributes(value: dict[str, Any]) -> Body:
    return send(MessageAttributes=value)


def receive(**extra: Any) -> Body:
    return lambda w: {"QueueUrl": w.std, **extra}


def batch(entries: list[dict[str, Any]], queue: str = "std") -> Body:
    return lambda w: {"QueueUrl": getattr(w, queue), "Entries": entries}


def string_attribute(value: str, data_type: str = "String") -> dict[str, str]:
    return {"DataType": data_type, "StringValue": value}


def redrive(count: Any, target: str | None = None) -> Body:
    def body(w: World) -> Any:
        arn = target or w.arn(w.dlq.rsplit("/", 1)[1])
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": count})
        return {"QueueUrl": w.std, "Attributes": {"RedrivePolicy": policy}}

    return body


def invalid_value(name: str) -> str:
    return f"Invalid value for the parameter {name}."  # AWS


NONEXISTENT = "The specified queue does not exist."  # AWS (JSON protocol)
BAD_CHAR = (  # AWS
    "Invalid binary character '#x{}' was found in the message body, the set of allowed "
    "characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
)
NAME_RULE = (  # AWS
    "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
)
ENTRY_ID_RULE = (  # AWS
    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
    "It can be at most 80 letters long."
)
ELEVEN = [{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)]

CASES = [
    # -- the body itself --------------------------------------------------------------------
    Case("json-truncated", "SendMessage", lambda w: b'{"QueueUrl": ', INVALID),
    Case("json-not-utf8", "SendMessage", lambda w: b"\xff\xfe{}", INVALID),
    Case("json-top-level-array", "SendMessage", lambda w: b"[]", INVALID),
    Case("json-top-level-string", "SendMessage", lambda w: b'"hello"', INVALID),
    Case("json-nan-literal", "ReceiveMessage", lambda w: b'{"MaxNumberOfMessages": NaN}', INVALID),
    Case(
        "empty-body-create",
        "CreateQueue",
        lambda w: b"",
        MISSING,
        "The request must contain the parameter QueueName.",
    ),
    Case(
        "empty-body-send",
        "SendMessage",
        lambda w: b"",
        MISSING,
        "The request must contain the parameter QueueUrl.",
    ),
    Case("unknown-target", "FlyToTheMoon", lambda w: {}, BAD_ACTION),
    Case("unknown-query-action", "query", lambda w: {"Action": "FlyToTheMoon"}, BAD_ACTION),
    # -- wrong JSON types -------------------------------------------------------------------
    Case("string-max-messages", "ReceiveMessage", receive(MaxNumberOfMessages="5"), INVALID),
    Case("float-wait-time", "ReceiveMessage", receive(WaitTimeSeconds=1.5), INVALID),
    Case("huge-max-messages", "ReceiveMessage", receive(MaxNumberOfMessages=2**40), INVALID),
    Case("list-queue-name", "CreateQueue", lambda w: {"QueueName": ["a"]}, INVALID),
    Case("object-message-body", "SendMessage", send(MessageBody={"a": 1}), INVALID),
    Case("bool-delay-seconds", "SendMessage", send(DelaySeconds=True), INVALID),
    Case("number-attribute-value", "SetQueueAttributes", attrs("DelaySeconds", 5), INVALID),
    Case(
        "string-attribute-names",
        "GetQueueAttributes",
        lambda w: {"QueueUrl": w.std, "AttributeNames": "All"},
        INVALID,
    ),
    Case("string-message-attribute", "SendMessage", message_attributes({"a": "b"}), INVALID),
    # -- required members -------------------------------------------------------------------
    Case(
        "no-queue-url",
        "SendMessage",
        lambda w: {"MessageBody": "x"},
        MISSING,
        "The request must contain the parameter QueueUrl.",
    ),
    Case(
        "no-message-body",
        "SendMessage",
        lambda w: {"QueueUrl": w.std},
        MISSING,
        "The request must contain the parameter MessageBody.",
    ),
    Case(
        "empty-message-body",
        "SendMessage",
        send(MessageBody=""),
        MISSING,
        "The request must contain the parameter MessageBody.",
    ),
    Case(
        "no-receipt-handle",
        "DeleteMessage",
        lambda w: {"QueueUrl": w.std},
        MISSING,
        "The request must contain the parameter ReceiptHandle.",
    ),
    Case(
        "no-entries",
        "SendMessageBatch",
        lambda w: {"QueueUrl": w.std},
        MISSING,
        "The request must contain the parameter Entries.",
    ),
    Case(
        "no-queue-name",
        "CreateQueue",
        lambda w: {},
        MISSING,
        "The request must contain the parameter QueueName.",
    ),
    Case(
        "no-visibility-timeout",
        "ChangeMessageVisibility",
        lambda w: {"QueueUrl": w.other, "ReceiptHandle": w.other_receipt},
        MISSING,
        "The request must contain the parameter VisibilityTimeout.",
    ),
    # -- sizes ------------------------------------------------------------------------------
    Case(
        "body-over-1-mib",
        "SendMessage",
        send(MessageBody="a" * (MIB + 1)),
        INVALID,
        f"One or more parameters are invalid. Reason: Message must be shorter than {MIB} bytes.",
    ),
    Case(
        "body-over-queue-maximum",
        "SendMessage",
        send_to("small", MessageBody="a" * 1025),
        INVALID,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    ),
    Case(
        "attributes-push-over-queue-maximum",
        "SendMessage",
        send_to(
            "small",
            MessageBody="a" * 1000,
            MessageAttributes={"k": string_attribute("v" * 30)},
        ),
        INVALID,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    ),
    Case(
        "batch-over-1-mib",
        "SendMessageBatch",
        batch(
            [{"Id": "a", "MessageBody": "x" * 600_000}, {"Id": "b", "MessageBody": "y" * 600_000}]
        ),
        TOO_LONG,
        f"Batch requests cannot be longer than {MIB} bytes. You have sent 1200000 bytes.",
    ),
    # -- characters -------------------------------------------------------------------------
    Case(
        "nul-in-body", "SendMessage", send(MessageBody="a\x00b"), BAD_CONTENTS, BAD_CHAR.format("0")
    ),
    Case(
        "lone-surrogate-in-body",
        "SendMessage",
        lambda w: f'{{"QueueUrl": "{w.std}", "MessageBody": "a\\ud800"}}'.encode(),
        BAD_CONTENTS,
        BAD_CHAR.format("D800"),
    ),
    Case(
        "fffe-in-body",
        "SendMessage",
        send(MessageBody="\ufffe"),
        BAD_CONTENTS,
        BAD_CHAR.format("FFFE"),
    ),
    Case(
        "control-char-in-attribute",
        "SendMessage",
        message_attributes({"a": string_attribute("\x01")}),
        INVALID,
    ),
    # -- queue URLs -------------------------------------------------------------------------
    Case(
        "other-account",
        "SendMessage",
        lambda w: {"QueueUrl": w.url("111111111111", w.std_name), "MessageBody": "x"},
        NO_QUEUE,
        NONEXISTENT,
    ),
    Case(
        "unknown-queue",
        "SendMessage",
        lambda w: {"QueueUrl": w.url(ACCOUNT, "no-such-queue"), "MessageBody": "x"},
        NO_QUEUE,
        NONEXISTENT,
    ),
    Case(
        "unknown-queue-purge",
        "PurgeQueue",
        lambda w: {"QueueUrl": w.url(ACCOUNT, "no-such-queue")},
        NO_QUEUE,
        NONEXISTENT,
    ),
    Case(
        "get-url-other-owner",
        "GetQueueUrl",
        lambda w: {"QueueName": w.std_name, "QueueOwnerAWSAccountId": "111111111111"},
        NO_QUEUE,
        NONEXISTENT,
    ),
    Case(
        "not-a-url",
        "SendMessage",
        lambda w: {"QueueUrl": "not a url", "MessageBody": "x"},
        BAD_ADDRESS,
    ),
    # -- queue names ------------------------------------------------------------------------
    Case(
        "name-too-long",
        "CreateQueue",
        lambda w: {"QueueName": "a" * 81},
        INVALID,
        f"Value {'a' * 81} for parameter QueueName is invalid. Reason: {NAME_RULE}",
    ),
    Case(
        "name-bad-chars",
        "CreateQueue",
        lambda w: {"QueueName": "bad name!"},
        INVALID,
        f"Value bad name! for parameter QueueName is invalid. Reason: {NAME_RULE}",
    ),
    Case(
        "fifo-suffix-without-attribute", "CreateQueue", lambda w: {"QueueName": "x.fifo"}, INVALID
    ),
    Case(
        "fifo-attribute-without-suffix",
        "CreateQueue",
        lambda w: {"QueueName": "plain", "Attributes": {"FifoQueue": "true"}},
        INVALID,
    ),
    Case(
        "create-with-bad-attribute",
        "CreateQueue",
        lambda w: {"QueueName": "never-made", "Attributes": {"VisibilityTimeout": "-5"}},
        BAD_ATTR_VALUE,
        invalid_value("VisibilityTimeout"),
    ),
    Case(
        "create-with-51-tags",
        "CreateQueue",
        lambda w: {"QueueName": "never-made", "tags": {f"k{i}": "v" for i in range(51)}},
        INVALID,
    ),
    # -- queue attributes -------------------------------------------------------------------
    *(
        Case(
            f"attr-{name}-{value or 'empty'}",
            "SetQueueAttributes",
            attrs(name, value),
            BAD_ATTR_VALUE,
            invalid_value(name),
        )
        for name, value in [
            ("VisibilityTimeout", "43201"),
            ("VisibilityTimeout", "-1"),
            ("VisibilityTimeout", "abc"),
            ("VisibilityTimeout", ""),
            ("DelaySeconds", "901"),
            ("DelaySeconds", "1.5"),
            ("MaximumMessageSize", "1023"),
            ("MaximumMessageSize", str(MIB + 1)),
            ("MessageRetentionPeriod", "59"),
            ("MessageRetentionPeriod", "1209601"),
            ("ReceiveMessageWaitTimeSeconds", "21"),
            ("KmsDataKeyReusePeriodSeconds", "59"),
            ("KmsDataKeyReusePeriodSeconds", "86401"),
            ("SqsManagedSseEnabled", "maybe"),
            ("Policy", "{not json"),
        ]
    ),
    Case(
        "attr-unknown",
        "SetQueueAttributes",
        attrs("Colour", "blue"),
        BAD_ATTR_NAME,
        "Unknown Attribute Colour.",
    ),
    Case("attr-read-only", "SetQueueAttributes", attrs("QueueArn", "x"), BAD_ATTR_NAME),
    Case("attr-fifo-on-set", "SetQueueAttributes", attrs("FifoQueue", "true"), BAD_ATTR_NAME),
    Case(
        "attr-fifo-only-on-standard",
        "SetQueueAttributes",
        attrs("ContentBasedDeduplication", "true"),
        BAD_ATTR_NAME,
    ),
    Case(
        "attr-dedup-scope",
        "SetQueueAttributes",
        lambda w: {"QueueUrl": w.fifo, "Attributes": {"DeduplicationScope": "everywhere"}},
        BAD_ATTR_VALUE,
        invalid_value("DeduplicationScope"),
    ),
    Case(
        "attr-throughput-needs-group-scope",
        "SetQueueAttributes",
        lambda w: {"QueueUrl": w.fifo, "Attributes": {"FifoThroughputLimit": "perMessageGroupId"}},
        BAD_ATTR_VALUE,
    ),
    Case("redrive-not-json", "SetQueueAttributes", attrs("RedrivePolicy", "{oops"), INVALID),
    Case("redrive-count-0", "SetQueueAttributes", redrive(0), INVALID),
    Case("redrive-count-1001", "SetQueueAttributes", redrive(1001), INVALID),
    Case(
        "redrive-unknown-target",
        "SetQueueAttributes",
        redrive(3, "arn:aws:sqs:us-east-1:000000000000:ghost"),
        INVALID,
    ),
    Case(
        "redrive-allow-bad-permission",
        "SetQueueAttributes",
        attrs("RedriveAllowPolicy", '{"redrivePermission": "sometimes"}'),
        INVALID,
    ),
    Case(
        "get-unknown-attribute",
        "GetQueueAttributes",
        lambda w: {"QueueUrl": w.std, "AttributeNames": ["Colour"]},
        BAD_ATTR_NAME,
        "Unknown Attribute Colour.",
    ),
    # -- message attributes -----------------------------------------------------------------
    Case(
        "attribute-empty-value",
        "SendMessage",
        message_attributes({"a": string_attribute("")}),
        INVALID,
        "The message attribute 'a' must contain non-empty message attribute value for message "
        "attribute type 'String'.",
    ),
    Case(
        "attribute-bad-type",
        "SendMessage",
        message_attributes({"a": string_attribute("v", "Bogus")}),
        INVALID,
        "The type of message (user) attribute 'a' is invalid. You must use only the following "
        "supported type prefixes: Binary, Number, String.",
    ),
    Case(
        "attribute-eleven",
        "SendMessage",
        message_attributes({f"a{i}": string_attribute("v") for i in range(11)}),
        INVALID,
    ),
    Case(
        "attribute-reserved-prefix",
        "SendMessage",
        message_attributes({"AWS.trace": string_attribute("v")}),
        INVALID,
    ),
    Case(
        "attribute-double-period",
        "SendMessage",
        message_attributes({"a..b": string_attribute("v")}),
        INVALID,
    ),
    Case(
        "attribute-number-not-a-number",
        "SendMessage",
        message_attributes({"n": string_attribute("twelve", "Number")}),
        INVALID,
        "Could not cast message attribute 'n' value to number.",
    ),
    Case(
        "attribute-binary-not-base64",
        "SendMessage",
        message_attributes({"b": {"DataType": "Binary", "BinaryValue": "!!!"}}),
        INVALID,
    ),
    Case(
        "system-attribute-unknown",
        "SendMessage",
        send(MessageSystemAttributes={"Colour": string_attribute("v")}),
        INVALID,
    ),
    # -- batches ----------------------------------------------------------------------------
    Case(
        "batch-empty",
        "SendMessageBatch",
        batch([]),
        EMPTY_BATCH,
        "There should be at least one SendMessageBatchRequestEntry in the request.",
    ),
    Case(
        "batch-eleven",
        "SendMessageBatch",
        batch(ELEVEN),
        TOO_MANY,
        "Maximum number of entries per request are 10. You have sent 11.",
    ),
    Case(
        "batch-duplicate-ids",
        "SendMessageBatch",
        batch([{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}]),
        NOT_DISTINCT,
        "Id a repeated.",
    ),
    Case(
        "batch-id-bad-chars",
        "SendMessageBatch",
        batch([{"Id": "a b", "MessageBody": "x"}]),
        BAD_ENTRY_ID,
        ENTRY_ID_RULE,
    ),
    Case(
        "batch-id-too-long",
        "SendMessageBatch",
        batch([{"Id": "i" * 81, "MessageBody": "x"}]),
        BAD_ENTRY_ID,
        ENTRY_ID_RULE,
    ),
    Case(
        "delete-batch-empty",
        "DeleteMessageBatch",
        batch([]),
        EMPTY_BATCH,
        "There should be at least one DeleteMessageBatchRequestEntry in the request.",
    ),
    Case(
        "delete-batch-duplicate-ids",
        "DeleteMessageBatch",
        lambda w: {
            "QueueUrl": w.other,
            "Entries": [{"Id": "a", "ReceiptHandle": w.other_receipt}] * 2,
        },
        NOT_DISTINCT,
        "Id a repeated.",
    ),
    Case(
        "visibility-batch-eleven",
        "ChangeMessageVisibilityBatch",
        lambda w: {
            "QueueUrl": w.other,
            "Entries": [
                {"Id": f"e{i}", "ReceiptHandle": w.other_receipt, "VisibilityTimeout": 5}
                for i in range(11)
            ],
        },
        TOO_MANY,
    ),
    # -- receipt handles --------------------------------------------------------------------
    Case(
        "receipt-garbage",
        "DeleteMessage",
        lambda w: {"QueueUrl": w.std, "ReceiptHandle": "garbage"},
        BAD_RECEIPT,
        'The input receipt handle "garbage" is not a valid receipt handle.',
    ),
    Case(
        "receipt-of-another-queue",
        "DeleteMessage",
        lambda w: {"QueueUrl": w.std, "ReceiptHandle": w.other_receipt},
        BAD_RECEIPT,
    ),
    Case(
        "visibility-receipt-garbage",
        "ChangeMessageVisibility",
        lambda w: {"QueueUrl": w.std, "ReceiptHandle": "garbage", "VisibilityTimeout": 5},
        BAD_RECEIPT,
    ),
    Case(
        "visibility-receipt-of-another-queue",
        "ChangeMessageVisibility",
        lambda w: {"QueueUrl": w.std, "ReceiptHandle": w.other_receipt, "VisibilityTimeout": 5},
        BAD_RECEIPT,
    ),
    Case(
        "visibility-over-12-hours",
        "ChangeMessageVisibility",
        lambda w: {
            "QueueUrl": w.other,
            "ReceiptHandle": w.other_receipt,
            "VisibilityTimeout": 43201,
        },
        INVALID,
    ),
    Case(
        "visibility-negative",
        "ChangeMessageVisibility",
        lambda w: {"QueueUrl": w.other, "ReceiptHandle": w.other_receipt, "VisibilityTimeout": -1},
        INVALID,
    ),
    # -- receive ----------------------------------------------------------------------------
    Case(
        "receive-max-0",
        "ReceiveMessage",
        receive(MaxNumberOfMessages=0),
        INVALID,
        "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
        "if provided.",
    ),
    Case(
        "receive-max-11",
        "ReceiveMessage",
        receive(MaxNumberOfMessages=11),
        INVALID,
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and "
        "10, if provided.",
    ),
    Case(
        "receive-wait-21",
        "ReceiveMessage",
        receive(WaitTimeSeconds=21),
        INVALID,
        "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if "
        "provided.",
    ),
    Case("receive-visibility-negative", "ReceiveMessage", receive(VisibilityTimeout=-1), INVALID),
    Case(
        "receive-visibility-over-12-hours",
        "ReceiveMessage",
        receive(VisibilityTimeout=43201),
        INVALID,
    ),
    # -- FIFO rules -------------------------------------------------------------------------
    Case(
        "fifo-no-group",
        "SendMessage",
        send_to("fifo", MessageDeduplicationId="d"),
        MISSING,
        "The request must contain the parameter MessageGroupId.",
    ),
    Case(
        "fifo-no-dedup-id",
        "SendMessage",
        send_to("fifo", MessageGroupId="g"),
        INVALID,
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    ),
    Case(
        "fifo-per-message-delay",
        "SendMessage",
        send_to("fifo", MessageGroupId="g", MessageDeduplicationId="d", DelaySeconds=5),
        INVALID,
        "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
    ),
    Case(
        "fifo-group-id-too-long",
        "SendMessage",
        send_to("fifo", MessageGroupId="g" * 129, MessageDeduplicationId="d"),
        INVALID,
    ),
    Case("dedup-id-on-standard", "SendMessage", send(MessageDeduplicationId="d"), INVALID),
    Case("delay-over-900", "SendMessage", send(DelaySeconds=901), INVALID),
    # -- tags -------------------------------------------------------------------------------
    Case(
        "tags-51",
        "TagQueue",
        lambda w: {"QueueUrl": w.std, "Tags": {f"k{i}": "v" for i in range(51)}},
        INVALID,
    ),
    Case(
        "tag-key-too-long",
        "TagQueue",
        lambda w: {"QueueUrl": w.std, "Tags": {"k" * 129: "v"}},
        INVALID,
    ),
    # -- listing ----------------------------------------------------------------------------
    Case("list-max-0", "ListQueues", lambda w: {"MaxResults": 0}, INVALID),
    Case("list-max-1001", "ListQueues", lambda w: {"MaxResults": 1001}, INVALID),
    Case("list-bad-token", "ListQueues", lambda w: {"NextToken": "not-a-token!"}, INVALID),
    Case(
        "dlq-sources-max-0",
        "ListDeadLetterSourceQueues",
        lambda w: {"QueueUrl": w.dlq, "MaxResults": 0},
        INVALID,
    ),
    # -- message move tasks -----------------------------------------------------------------
    Case(
        "move-unknown-source",
        "StartMessageMoveTask",
        lambda w: {"SourceArn": w.arn("ghost")},
        NOT_FOUND,
    ),
    Case(
        "move-source-not-a-dlq",
        "StartMessageMoveTask",
        lambda w: {"SourceArn": w.arn(w.std_name)},
        INVALID,
    ),
    Case(
        "move-unknown-destination",
        "StartMessageMoveTask",
        lambda w: {"SourceArn": w.arn(w.dlq.rsplit("/", 1)[1]), "DestinationArn": w.arn("ghost")},
        NOT_FOUND,
    ),
    Case(
        "move-rate-too-high",
        "StartMessageMoveTask",
        lambda w: {
            "SourceArn": w.arn(w.dlq.rsplit("/", 1)[1]),
            "MaxNumberOfMessagesPerSecond": 501,
        },
        INVALID,
    ),
    Case(
        "move-cancel-unknown", "CancelMessageMoveTask", lambda w: {"TaskHandle": "nope"}, NOT_FOUND
    ),
    Case(
        "move-list-max-11",
        "ListMessageMoveTasks",
        lambda w: {"SourceArn": w.arn(w.dlq.rsplit("/", 1)[1]), "MaxResults": 11},
        INVALID,
    ),
    # -- permissions ------------------------------------------------------------------------
    Case(
        "remove-unknown-permission",
        "RemovePermission",
        lambda w: {"QueueUrl": w.std, "Label": "never-added"},
        INVALID,
    ),
]


def test_the_table_is_large_and_ids_are_unique() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, world: World, sqs: Any) -> None:
    before = snapshot(sqs, world)
    body = case.body(world)
    if case.operation == "query":
        answer = post_query(world.endpoint, body)
        assert answer.status == case.error.status, answer.body
        root = ET.fromstring(answer.body)
        assert root.tag == f"{{{XML_NS['q']}}}ErrorResponse"
        assert root.findtext("q:Error/q:Code", namespaces=XML_NS) == case.error.query_code
        assert root.findtext("q:Error/q:Type", namespaces=XML_NS) == "Sender"
        message = root.findtext("q:Error/q:Message", namespaces=XML_NS)
    else:
        answer = post_json(world.endpoint, case.operation, body)
        assert answer.status == case.error.status, answer.body
        assert answer.headers["Content-Type"] == "application/x-amz-json-1.0"
        payload = answer.json()
        assert payload["__type"] == f"com.amazonaws.sqs#{case.error.shape}", payload
        assert answer.headers["x-amzn-query-error"] == f"{case.error.query_code};Sender"
        message = payload["message"]
    if case.message is not None:
        assert message == case.message
    assert snapshot(sqs, world) == before


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s, w: s.get_queue_url(QueueName="no-such-queue"), NO_QUEUE.query_code),
        (
            lambda s, w: s.receive_message(QueueUrl=w.std, WaitTimeSeconds=21),
            "InvalidParameterValue",
        ),
        (lambda s, w: s.send_message_batch(QueueUrl=w.std, Entries=ELEVEN), TOO_MANY.query_code),
        (lambda s, w: s.delete_message(QueueUrl=w.std, ReceiptHandle="x"), BAD_RECEIPT.query_code),
    ],
    ids=["no-queue", "wait-21", "batch-11", "bad-receipt"],
)
def test_botocore_reports_the_legacy_code(call: Any, code: str, world: World, sqs: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call(sqs, world)
    assert caught.value.response["Error"]["Code"] == code


def test_bad_entry_in_batch_fails_alone(world: World, sqs: Any) -> None:
    answer = sqs.send_message_batch(
        QueueUrl=world.small,
        Entries=[
            {"Id": "nul", "MessageBody": "a\x00"},
            {"Id": "big", "MessageBody": "a" * 1025},
            {"Id": "fine", "MessageBody": "ok"},
        ],
    )
    assert [entry["Id"] for entry in answer["Successful"]] == ["fine"]
    failed = {entry["Id"]: entry for entry in answer["Failed"]}
    assert failed["nul"]["Code"] == "InvalidMessageContents"
    assert failed["big"]["Code"] == "InvalidParameterValue"
    assert all(entry["SenderFault"] for entry in failed.values())
    messages = sqs.receive_message(QueueUrl=world.small, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in messages] == ["ok"]
    sqs.delete_message(QueueUrl=world.small, ReceiptHandle=messages[0]["ReceiptHandle"])


# -- fuzz ----------------------------------------------------------------------------------
FUZZ_MEMBERS = {
    "SendMessage": [
        "QueueUrl",
        "MessageBody",
        "DelaySeconds",
        "MessageAttributes",
        "MessageSystemAttributes",
        "MessageDeduplicationId",
        "MessageGroupId",
    ],
    "ReceiveMessage": [
        "QueueUrl",
        "AttributeNames",
        "MessageSystemAttributeNames",
        "MessageAttributeNames",
        "MaxNumberOfMessages",
        "VisibilityTimeout",
        "WaitTimeSeconds",
        "ReceiveRequestAttemptId",
    ],
    "CreateQueue": ["QueueName", "Attributes", "tags"],
}
KEYS = ["a", "DataType", "StringValue", "BinaryValue", "VisibilityTimeout", "FifoQueue", "All"]
SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**63 + 5,
    1.5,
    -0.0,
    "",
    "\ud800",
    "x" * 300,
]
WORDS = ["String", "Number", "Binary", "All", "true", "1e400", "NaN", ".fifo", "q.fifo"]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(11 if depth < 2 else 8)
    if pick < 5:
        return rng.choice(SCALARS)
    if pick < 7:
        return rng.choice(WORDS)
    if pick == 7:
        return rng.randrange(-5, 50_000)
    if pick == 8:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(3))}


def fuzz_bodies(queue_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    rng = random.Random(20240611)
    for operation, members in FUZZ_MEMBERS.items():
        for member in members:
            for _ in range(12):
                body: dict[str, Any] = {
                    "QueueUrl": queue_url,
                    "MessageBody": "x",
                    "QueueName": "fuzz-target",
                    "WaitTimeSeconds": 0,
                }
                value = random_value(rng)
                if member == "WaitTimeSeconds" and value in range(1, 21) and value is not True:
                    value = 0  # a valid long poll on an empty queue would only slow us down
                body[member] = value
                yield operation, body


def test_fuzzed_members_never_break_the_server(world: World, sqs: Any, name: str) -> None:
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]  # the table's queues stay clean
    seen = 0
    for operation, body in fuzz_bodies(queue_url):
        # json.dumps keeps lone surrogates as \\ud800 escapes: the server sees them raw.
        answer = post_json(world.endpoint, operation, body)
        seen += 1
        assert answer.status == 200 or 400 <= answer.status < 500, (operation, body, answer)
        if answer.status != 200:
            payload = answer.json()
            assert payload["__type"].startswith("com.amazonaws.sqs#"), (operation, body, payload)
            assert "x-amzn-query-error" in answer.headers
    assert seen == 12 * sum(len(members) for members in FUZZ_MEMBERS.values())
