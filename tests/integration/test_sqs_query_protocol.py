"""SQS's legacy query protocol over raw HTTP: form-encoded `Action=...&Version=2012-11-05`
requests, XML answers, parsed with xml.etree.

Requests are SigV4-signed as the old SDKs sign them (botocore's signer, no SDK), and go
either to `/` with a `QueueUrl` member or to the queue URL's own path without one.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration.conftest import TenkuProcess

NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}
CREDENTIALS = Credentials("AKIDTENKUTEST", "secret")
FORM = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass
class Answer:
    status: int
    content_type: str
    root: ET.Element

    def text(self, path: str) -> str | None:
        return self.root.findtext(path, namespaces=NS)

    def all(self, path: str) -> list[ET.Element]:
        return self.root.findall(path, namespaces=NS)


def fetch(request: urllib.request.Request) -> Answer:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    assert body.lstrip().startswith(b"<"), (status, body)  # always XML in this protocol
    return Answer(status, headers.get("Content-Type", ""), ET.fromstring(body))


def query(
    tenku: TenkuProcess, action: str, path: str = "/", sign: bool = True, **params: str
) -> Answer:
    """POST a form to `path`; params with dots are given as `Attribute__1__Name`."""
    fields = {"Action": action, "Version": "2012-11-05"}
    fields.update({key.replace("__", "."): value for key, value in params.items()})
    body = urllib.parse.urlencode(fields)
    headers = {"Content-Type": FORM}
    if sign:
        signed = AWSRequest("POST", tenku.endpoint + path, data=body, headers=headers)
        SigV4Auth(CREDENTIALS, "sqs", "us-east-1").add_auth(signed)
        headers = dict(signed.headers.items())
    request = urllib.request.Request(
        tenku.endpoint + path, data=body.encode(), headers=headers, method="POST"
    )
    return fetch(request)


def response_of(answer: Answer, action: str) -> None:
    assert answer.status == 200, ET.tostring(answer.root)
    assert answer.root.tag == f"{{{NS['q']}}}{action}Response"
    assert answer.text("q:ResponseMetadata/q:RequestId")


def attributes_of(element: ET.Element) -> dict[str, str]:
    return {
        a.findtext("q:Name", namespaces=NS) or "": a.findtext("q:Value", namespaces=NS) or ""
        for a in element.findall("q:Attribute", namespaces=NS)
    }


@pytest.fixture
def queue(tenku: TenkuProcess, name: str) -> tuple[str, str]:
    """(queue URL, its path) of a queue created in the query protocol."""
    answer = query(
        tenku,
        "CreateQueue",
        QueueName=name,
        Attribute__1__Name="VisibilityTimeout",
        Attribute__1__Value="40",
        Attribute__2__Name="DelaySeconds",
        Attribute__2__Value="0",
    )
    response_of(answer, "CreateQueue")
    url = answer.text("q:CreateQueueResult/q:QueueUrl")
    assert url is not None and url.endswith(f"/000000000000/{name}")
    return url, urllib.parse.urlsplit(url).path


def test_send_receive_delete_round_trip(tenku: TenkuProcess, queue: tuple[str, str]) -> None:
    url, path = queue
    sent = query(
        tenku,
        "SendMessage",
        QueueUrl=url,
        MessageBody="hello <query> & friends",
        MessageAttribute__1__Name="colour",
        MessageAttribute__1__Value__DataType="String",
        MessageAttribute__1__Value__StringValue="teal",
        MessageAttribute__2__Name="count",
        MessageAttribute__2__Value__DataType="Number",
        MessageAttribute__2__Value__StringValue="3",
    )
    response_of(sent, "SendMessage")
    body_md5 = hashlib.md5(b"hello <query> & friends").hexdigest()
    assert sent.text("q:SendMessageResult/q:MD5OfMessageBody") == body_md5
    attributes_md5 = sent.text("q:SendMessageResult/q:MD5OfMessageAttributes")
    message_id = sent.text("q:SendMessageResult/q:MessageId")

    batch = query(
        tenku,
        "SendMessageBatch",
        path=path,  # no QueueUrl: the queue is the path
        SendMessageBatchRequestEntry__1__Id="first",
        SendMessageBatchRequestEntry__1__MessageBody="b1",
        SendMessageBatchRequestEntry__2__Id="second",
        SendMessageBatchRequestEntry__2__MessageBody="b2",
        SendMessageBatchRequestEntry__2__MessageAttribute__1__Name="n",
        SendMessageBatchRequestEntry__2__MessageAttribute__1__Value__DataType="Number",
        SendMessageBatchRequestEntry__2__MessageAttribute__1__Value__StringValue="5",
    )
    response_of(batch, "SendMessageBatch")
    entries = batch.all("q:SendMessageBatchResult/q:SendMessageBatchResultEntry")
    assert [e.findtext("q:Id", namespaces=NS) for e in entries] == ["first", "second"]
    assert entries[1].findtext("q:MD5OfMessageAttributes", namespaces=NS)
    assert not batch.all("q:SendMessageBatchResult/q:BatchResultErrorEntry")

    received = query(
        tenku,
        "ReceiveMessage",
        QueueUrl=url,
        AttributeName__1="All",
        MessageAttributeName__1="All",
        MaxNumberOfMessages="10",
    )
    response_of(received, "ReceiveMessage")
    messages = received.all("q:ReceiveMessageResult/q:Message")
    bodies = {m.findtext("q:Body", namespaces=NS): m for m in messages}
    assert set(bodies) == {"hello <query> & friends", "b1", "b2"}
    first = bodies["hello <query> & friends"]
    assert first.findtext("q:MessageId", namespaces=NS) == message_id
    assert first.findtext("q:MD5OfBody", namespaces=NS) == body_md5
    assert first.findtext("q:MD5OfMessageAttributes", namespaces=NS) == attributes_md5
    system = attributes_of(first)
    assert system["ApproximateReceiveCount"] == "1"
    assert system["SenderId"] == "AKIDTENKUTEST"
    assert system["SentTimestamp"].isdigit()
    user = {
        a.findtext("q:Name", namespaces=NS): (
            a.findtext("q:Value/q:StringValue", namespaces=NS),
            a.findtext("q:Value/q:DataType", namespaces=NS),
        )
        for a in first.findall("q:MessageAttribute", namespaces=NS)
    }
    assert user == {"colour": ("teal", "String"), "count": ("3", "Number")}
    assert not bodies["b1"].findall("q:MessageAttribute", namespaces=NS)

    for index, message in enumerate(messages):
        handle = message.findtext("q:ReceiptHandle", namespaces=NS) or ""
        # alternate the two addressing styles
        if index % 2:
            deleted = query(tenku, "DeleteMessage", path=path, ReceiptHandle=handle)
        else:
            deleted = query(tenku, "DeleteMessage", QueueUrl=url, ReceiptHandle=handle)
        response_of(deleted, "DeleteMessage")

    counts = query(
        tenku,
        "GetQueueAttributes",
        path=path,
        AttributeName__1="ApproximateNumberOfMessages",
        AttributeName__2="ApproximateNumberOfMessagesNotVisible",
    )
    response_of(counts, "GetQueueAttributes")
    assert attributes_of(counts.all("q:GetQueueAttributesResult")[0]) == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_queue_attributes_and_listing(tenku: TenkuProcess, queue: tuple[str, str]) -> None:
    url, path = queue
    response_of(
        query(
            tenku,
            "SetQueueAttributes",
            path=path,
            Attribute__1__Name="MaximumMessageSize",
            Attribute__1__Value="2048",
        ),
        "SetQueueAttributes",
    )
    answer = query(tenku, "GetQueueAttributes", QueueUrl=url, AttributeName__1="All")
    response_of(answer, "GetQueueAttributes")
    values = attributes_of(answer.all("q:GetQueueAttributesResult")[0])
    assert values["VisibilityTimeout"] == "40"
    assert values["MaximumMessageSize"] == "2048"
    assert values["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{url.rsplit('/', 1)[1]}"

    name = url.rsplit("/", 1)[1]
    listed = query(tenku, "ListQueues", QueueNamePrefix=name)
    response_of(listed, "ListQueues")
    assert [e.text for e in listed.all("q:ListQueuesResult/q:QueueUrl")] == [url]
    by_name = query(tenku, "GetQueueUrl", QueueName=name)
    assert by_name.text("q:GetQueueUrlResult/q:QueueUrl") == url


@pytest.mark.parametrize("where", ["root", "queue-path"])
def test_unknown_queue_is_an_error_response(tenku: TenkuProcess, where: str) -> None:
    missing = f"missing-{uuid.uuid4().hex[:8]}"
    if where == "root":
        answer = query(tenku, "GetQueueUrl", QueueName=missing)
    else:
        answer = query(tenku, "SendMessage", path=f"/000000000000/{missing}", MessageBody="x")
    assert answer.status == 400
    assert answer.content_type.startswith("text/xml")
    assert answer.root.tag == f"{{{NS['q']}}}ErrorResponse"
    assert answer.text("q:Error/q:Type") == "Sender"
    assert answer.text("q:Error/q:Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert answer.text("q:Error/q:Message")
    assert answer.text("q:RequestId")


def test_parameter_error_names_the_legacy_code(tenku: TenkuProcess, queue: tuple[str, str]) -> None:
    url, _ = queue
    answer = query(tenku, "ReceiveMessage", QueueUrl=url, MaxNumberOfMessages="11")
    assert answer.status == 400
    assert answer.text("q:Error/q:Code") == "InvalidParameterValue"
    assert answer.text("q:Error/q:Message") == (
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and "
        "10, if provided."
    )
    empty = query(tenku, "SendMessageBatch", QueueUrl=url)
    assert empty.status == 400
    assert empty.text("q:Error/q:Code") == "MissingParameter"


def test_unsigned_post_to_the_queue_path(tenku: TenkuProcess, queue: tuple[str, str]) -> None:
    _, path = queue
    answer = query(tenku, "SendMessage", path=path, sign=False, MessageBody="no signature")
    response_of(answer, "SendMessage")


@pytest.mark.parametrize("signing", ["presigned-url", "signed-headers"])
def test_get_request_form(tenku: TenkuProcess, queue: tuple[str, str], signing: str) -> None:
    url, _ = queue
    name = url.rsplit("/", 1)[1]
    address = f"{tenku.endpoint}/?Action=ListQueues&Version=2012-11-05&QueueNamePrefix={name}"
    signed = AWSRequest("GET", address)
    if signing == "presigned-url":
        SigV4QueryAuth(CREDENTIALS, "sqs", "us-east-1", expires=300).add_auth(signed)
    else:
        SigV4Auth(CREDENTIALS, "sqs", "us-east-1").add_auth(signed)
    request = urllib.request.Request(signed.url, headers=dict(signed.headers.items()))
    answer = fetch(request)
    response_of(answer, "ListQueues")
    assert [e.text for e in answer.all("q:ListQueuesResult/q:QueueUrl")] == [url]


def test_unsigned_get_to_root_reaches_sqs(tenku: TenkuProcess) -> None:
    request = urllib.request.Request(f"{tenku.endpoint}/?Action=ListQueues&Version=2012-11-05")
    response_of(fetch(request), "ListQueues")
