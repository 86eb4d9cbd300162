"""SNS delivery through the wire: fan-out to Lambda functions and SQS queues, filter
policies, raw delivery, the signed envelope, FIFO ordering and deduplication, per-
protocol messages, and the inbox of email-like endpoints."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.integration.conftest import TenkuProcess
from tests.integration.sns_helpers import (
    create_reporting_function,
    get_json,
    make_queue,
    receive,
    wait_for,
)


@pytest.fixture(scope="module")
def sns(tenku: TenkuProcess) -> Any:
    return tenku.client("sns")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_one_publish_reaches_three_functions_and_a_queue(
    tenku: TenkuProcess, sns: Any, sqs: Any
) -> None:
    lam = tenku.client("lambda")
    topic = sns.create_topic(Name=unique("fan"))["TopicArn"]
    report_name = unique("reports")
    report_url, _ = make_queue(sqs, report_name)
    queue_url, queue_arn = make_queue(sqs, unique("direct"))
    functions = [unique(f"fn{i}") for i in range(3)]
    subscriptions = {}
    for name in functions:
        arn = create_reporting_function(lam, name, report_name)
        subscriptions[name] = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)[
            "SubscriptionArn"
        ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    published = sns.publish(
        TopicArn=topic,
        Message="order 7",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
    )

    reports = [json.loads(m["Body"]) for m in receive(sqs, report_url, 3, timeout=60)]
    assert sorted(r["function"] for r in reports) == sorted(functions)
    for report in reports:
        record = report["event"]["Records"][0]
        assert record["EventSource"] == "aws:sns"
        assert record["EventVersion"] == "1.0"
        assert record["EventSubscriptionArn"] == subscriptions[report["function"]]
        sns_part = record["Sns"]
        assert sns_part["Type"] == "Notification"
        assert sns_part["MessageId"] == published["MessageId"]
        assert sns_part["TopicArn"] == topic
        assert sns_part["Subject"] is None
        assert sns_part["Message"] == "order 7"
        assert sns_part["SignatureVersion"] == "1"
        assert sns_part["SigningCertUrl"].endswith(".pem")
        assert "Action=Unsubscribe" in sns_part["UnsubscribeUrl"]
        assert sns_part["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}
    direct = receive(sqs, queue_url, 1)
    assert json.loads(direct[0]["Body"])["MessageId"] == published["MessageId"]


def test_envelope_fields_and_a_signature_that_verifies(sns: Any, sqs: Any) -> None:
    topic = sns.create_topic(Name=unique("signed"))["TopicArn"]
    url, arn = make_queue(sqs, unique("signed"))
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    published = sns.publish(
        TopicArn=topic,
        Message="hello",
        Subject="Greeting",
        MessageAttributes={
            "n": {"DataType": "Number", "StringValue": "42"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            "tags": {"DataType": "String.Array", "StringValue": '["a", "b"]'},
        },
    )
    envelope = json.loads(receive(sqs, url, 1)[0]["Body"])
    assert list(envelope) == [
        "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
        "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL",
        "MessageAttributes",
    ]  # fmt: skip
    assert envelope["MessageId"] == published["MessageId"]
    assert envelope["Subject"] == "Greeting"
    assert envelope["Timestamp"].endswith("Z") and len(envelope["Timestamp"]) == 24
    assert envelope["MessageAttributes"] == {
        "n": {"Type": "Number", "Value": "42"},
        "b": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01").decode()},
        "tags": {"Type": "String.Array", "Value": '["a", "b"]'},
    }
    assert sub.replace(":", "%3A") in envelope["UnsubscribeURL"]

    with urllib.request.urlopen(envelope["SigningCertURL"]) as response:
        certificate = x509.load_pem_x509_certificate(response.read())
    canonical = "".join(
        f"{key}\n{envelope[key]}\n"
        for key in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
    )
    public_key: Any = certificate.public_key()
    public_key.verify(  # raises InvalidSignature if it does not verify
        base64.b64decode(envelope["Signature"]),
        canonical.encode(),
        padding.PKCS1v15(),
        hashes.SHA1(),
    )


def test_signature_version_2_uses_sha256(sns: Any, sqs: Any) -> None:
    topic = sns.create_topic(Name=unique("sig2"), Attributes={"SignatureVersion": "2"})["TopicArn"]
    url, arn = make_queue(sqs, unique("sig2"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="v2")
    envelope = json.loads(receive(sqs, url, 1)[0]["Body"])
    assert envelope["SignatureVersion"] == "2"
    assert "Subject" not in envelope
    with urllib.request.urlopen(envelope["SigningCertURL"]) as response:
        public_key: Any = x509.load_pem_x509_certificate(response.read()).public_key()
    canonical = "".join(
        f"{key}\n{envelope[key]}\n"
        for key in ("Message", "MessageId", "Timestamp", "TopicArn", "Type")
    )
    public_key.verify(
        base64.b64decode(envelope["Signature"]),
        canonical.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_filter_policy_on_attributes_keeps_a_message_from_a_subscriber(sns: Any, sqs: Any) -> None:
    topic = sns.create_topic(Name=unique("filtered"))["TopicArn"]
    sports_url, sports_arn = make_queue(sqs, unique("sports"))
    all_url, all_arn = make_queue(sqs, unique("all"))
    policy = {"interests": ["rugby"], "price": [{"numeric": [">=", 100]}]}
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=sports_arn,
        Attributes={"FilterPolicy": json.dumps(policy), "RawMessageDelivery": "true"},
    )
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=all_arn, Attributes={"RawMessageDelivery": "true"}
    )

    def attrs(interests: list[str], price: str) -> dict[str, Any]:
        return {
            "interests": {"DataType": "String.Array", "StringValue": json.dumps(interests)},
            "price": {"DataType": "Number", "StringValue": price},
        }

    sns.publish(TopicArn=topic, Message="cheap rugby", MessageAttributes=attrs(["rugby"], "5"))
    sns.publish(TopicArn=topic, Message="golf", MessageAttributes=attrs(["golf"], "500"))
    sns.publish(
        TopicArn=topic, Message="match", MessageAttributes=attrs(["soccer", "rugby"], "150")
    )
    sns.publish(TopicArn=topic, Message="no attributes")
    assert sorted(m["Body"] for m in receive(sqs, all_url, 4)) == [
        "cheap rugby", "golf", "match", "no attributes",
    ]  # fmt: skip
    assert [m["Body"] for m in receive(sqs, sports_url, 2, timeout=3)] == ["match"]


def test_filter_policy_on_the_message_body(sns: Any, sqs: Any) -> None:
    topic = sns.create_topic(Name=unique("body"))["TopicArn"]
    url, arn = make_queue(sqs, unique("body"))
    policy = {"order": {"country": ["IE"], "total": [{"numeric": [">", 10]}]}}
    sub = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={
            "FilterPolicy": json.dumps(policy),
            "FilterPolicyScope": "MessageBody",
            "RawMessageDelivery": "true",
        },
    )["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attributes["FilterPolicyScope"] == "MessageBody"
    for body in (
        {"order": {"country": "FR", "total": 50}},
        {"order": {"country": "IE", "total": 5}},
        {"order": {"country": "IE", "total": 50}, "id": "wanted"},
    ):
        sns.publish(TopicArn=topic, Message=json.dumps(body))
    sns.publish(TopicArn=topic, Message="not json at all")
    got = receive(sqs, url, 2, timeout=3)
    assert [json.loads(m["Body"]).get("id") for m in got] == ["wanted"]


def test_raw_delivery_sends_the_message_and_sqs_attributes(sns: Any, sqs: Any) -> None:
    topic = sns.create_topic(Name=unique("raw"))["TopicArn"]
    url, arn = make_queue(sqs, unique("raw"))
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    sns.publish(
        TopicArn=topic,
        Message="just this",
        MessageAttributes={
            "s": {"DataType": "String", "StringValue": "v"},
            "n": {"DataType": "Number", "StringValue": "1.5"},
            "b": {"DataType": "Binary", "BinaryValue": b"\xff"},
        },
    )
    message = receive(sqs, url, 1, MessageAttributeNames=["All"])[0]
    assert message["Body"] == "just this"
    assert message["MessageAttributes"] == {
        "s": {"StringValue": "v", "DataType": "String"},
        "n": {"StringValue": "1.5", "DataType": "Number"},
        "b": {"BinaryValue": b"\xff", "DataType": "Binary"},
    }


def test_fifo_topic_to_fifo_queue_keeps_order_and_deduplicates(
    tenku: TenkuProcess, sns: Any, sqs: Any
) -> None:
    topic = sns.create_topic(
        Name=unique("orders") + ".fifo",
        Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
    )["TopicArn"]
    url, arn = make_queue(sqs, unique("orders") + ".fifo", FifoQueue="true")
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    sequence = []
    for n in range(20):
        answer = sns.publish(TopicArn=topic, Message=f"m{n}", MessageGroupId=f"g{n % 2}")
        sequence.append(int(answer["SequenceNumber"]))
    assert sequence == sorted(sequence) and len(set(sequence)) == 20
    first = sns.publish(TopicArn=topic, Message="m0", MessageGroupId="g0")  # a duplicate
    assert int(first["SequenceNumber"]) == sequence[0]
    got = receive(sqs, url, 21, timeout=20, AttributeNames=["MessageGroupId"])
    bodies = [m["Body"] for m in got]
    assert len(bodies) == 20
    for group in ("g0", "g1"):
        in_group = [m["Body"] for m in got if m["Attributes"]["MessageGroupId"] == group]
        offset = 0 if group == "g0" else 1
        assert in_group == [f"m{n}" for n in range(offset, 20, 2)]
    tenku.advance_clock(301)  # the five-minute deduplication window has passed
    again = sns.publish(TopicArn=topic, Message="m0", MessageGroupId="g0")
    assert again["MessageId"] != first["MessageId"]
    assert [m["Body"] for m in receive(sqs, url, 1)] == ["m0"]


def test_message_structure_json_picks_each_protocol(
    tenku: TenkuProcess, sns: Any, sqs: Any
) -> None:
    topic = sns.create_topic(Name=unique("structured"))["TopicArn"]
    url, arn = make_queue(sqs, unique("structured"))
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    address = f"{unique('someone')}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    sns.publish(
        TopicArn=topic,
        MessageStructure="json",
        Message=json.dumps({"default": "for everyone", "sqs": "for queues"}),
        Subject="Hi",
    )
    assert [m["Body"] for m in receive(sqs, url, 1)] == ["for queues"]
    inbox = wait_for(
        lambda: get_json(f"{tenku.endpoint}/_tenku/sns/deliveries?endpoint={address}")["deliveries"]
    )
    assert inbox[0]["body"] == "for everyone"
    assert inbox[0]["subject"] == "Hi"
    assert inbox[0]["protocol"] == "email"
    assert inbox[0]["topicArn"] == topic


def test_email_json_and_sms_land_in_the_inbox(tenku: TenkuProcess, sns: Any) -> None:
    topic = sns.create_topic(Name=unique("inbox"))["TopicArn"]
    address = f"{unique('json')}@example.com"
    sub = sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint=address)
    assert sub["SubscriptionArn"].startswith(topic)  # confirmed at once in Tenku
    phone = "+15555550123"
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=phone)
    published = sns.publish(TopicArn=topic, Message="ping")
    base = f"{tenku.endpoint}/_tenku/sns/deliveries?endpoint="
    envelope = json.loads(wait_for(lambda: get_json(base + address)["deliveries"])[0]["body"])
    assert envelope["MessageId"] == published["MessageId"]
    assert envelope["Message"] == "ping"
    texts = wait_for(lambda: get_json(base + urllib.request.quote(phone))["deliveries"])
    assert texts[0]["body"] == "ping"
    direct = sns.publish(PhoneNumber="+15555550199", Message="direct text")
    sms = get_json(base + urllib.request.quote("+15555550199"))["deliveries"]
    assert sms[0]["messageId"] == direct["MessageId"] and sms[0]["body"] == "direct text"


def test_unsubscribed_endpoint_gets_nothing_more(sns: Any, sqs: Any) -> None:
    topic = sns.create_topic(Name=unique("unsub"))["TopicArn"]
    url, arn = make_queue(sqs, unique("unsub"))
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    sns.unsubscribe(SubscriptionArn=sub)
    sns.publish(TopicArn=topic, Message="nobody listens")
    assert receive(sqs, url, 1, timeout=2) == []
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["SubscriptionsDeleted"] == "1"
    assert attributes["SubscriptionsConfirmed"] == "0"


def test_a_missing_queue_sends_the_message_to_the_dead_letter_queue(sns: Any, sqs: Any) -> None:
    topic = sns.create_topic(Name=unique("lost"))["TopicArn"]
    dlq_url, dlq_arn = make_queue(sqs, unique("lost-dlq"))
    missing = "arn:aws:sqs:us-east-1:000000000000:" + unique("never-created")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=missing,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})},
    )
    published = sns.publish(TopicArn=topic, Message="nowhere to go")
    dead = receive(sqs, dlq_url, 1)
    assert json.loads(dead[0]["Body"])["MessageId"] == published["MessageId"]
