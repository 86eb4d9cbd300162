"""SNS to HTTP endpoints through the wire: the subscription confirmation handshake with a
local http.server, notifications with SNS's headers, retries by the delivery policy
(driven by Tenku's clock), then the subscription's dead-letter queue."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.sns_helpers import Endpoint, make_queue, receive, wait_for


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def confirm(endpoint: Endpoint) -> dict[str, Any]:
    """Visit the SubscribeURL of the confirmation the endpoint got (unsigned GET)."""
    request = wait_for(lambda: endpoint.of_type("SubscriptionConfirmation"))[0]
    message = json.loads(request["body"])
    with urllib.request.urlopen(message["SubscribeURL"]) as response:
        assert response.status == 200
        assert b"<SubscriptionArn>" in response.read()
    return message


def test_http_confirmation_handshake_then_notifications(
    tenku: TenkuProcess, endpoint: Endpoint
) -> None:
    sns = tenku.client("sns")
    topic = sns.create_topic(Name=unique("web"))["TopicArn"]
    answer = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    assert answer["SubscriptionArn"] == "pending confirmation"
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]
    sns.publish(TopicArn=topic, Message="before confirmation")  # not delivered: pending

    request = wait_for(lambda: endpoint.of_type("SubscriptionConfirmation"))[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-amz-sns-topic-arn"] == topic
    assert "x-amz-sns-subscription-arn" not in headers
    assert headers["content-type"].startswith("text/plain")
    message = json.loads(request["body"])
    assert message["Type"] == "SubscriptionConfirmation"
    assert message["TopicArn"] == topic
    assert message["Token"] and message["Signature"]
    assert message["SubscribeURL"].startswith(f"{tenku.endpoint}/?Action=ConfirmSubscription")
    assert headers["x-amz-sns-message-id"] == message["MessageId"]
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["SubscriptionsPending"] == "1"

    confirm(endpoint)
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    subscription = listed[0]["SubscriptionArn"]
    assert subscription.startswith(topic + ":")
    confirmed = sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]
    assert confirmed["PendingConfirmation"] == "false"
    # Confirming again with the same token answers the same subscription.
    again = sns.confirm_subscription(TopicArn=topic, Token=message_token(endpoint))
    assert again["SubscriptionArn"] == subscription

    published = sns.publish(TopicArn=topic, Message="after", Subject="S")
    notification = wait_for(lambda: endpoint.of_type("Notification"))
    assert len(notification) == 1
    headers = {k.lower(): v for k, v in notification[0]["headers"].items()}
    assert headers["x-amz-sns-message-id"] == published["MessageId"]
    assert headers["x-amz-sns-subscription-arn"] == subscription
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    body = json.loads(notification[0]["body"])
    assert body["Message"] == "after" and body["Subject"] == "S"

    # The UnsubscribeURL works unsigned, too.
    with urllib.request.urlopen(body["UnsubscribeURL"]) as response:
        assert response.status == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def message_token(endpoint: Endpoint) -> str:
    return str(json.loads(endpoint.of_type("SubscriptionConfirmation")[0]["body"])["Token"])


def test_wrong_token_is_refused(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns")
    topic = sns.create_topic(Name=unique("tok"))["TopicArn"]
    with pytest.raises(sns.exceptions.InvalidParameterException) as raised:
        sns.confirm_subscription(TopicArn=topic, Token="nope")
    assert raised.value.response["Error"]["Message"] == "Invalid parameter: Token"


def test_raw_http_delivery(tenku: TenkuProcess, endpoint: Endpoint) -> None:
    sns = tenku.client("sns")
    topic = sns.create_topic(Name=unique("rawweb"))["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="http",
        Endpoint=endpoint.url,
        Attributes={"RawMessageDelivery": "true"},
    )
    confirm(endpoint)
    sns.publish(TopicArn=topic, Message="plain body")
    request = wait_for(lambda: endpoint.of_type("Notification"))[0]
    assert request["body"] == "plain body"
    assert request["headers"].get("x-amz-sns-rawdelivery") == "true"


def test_http_retries_by_policy_then_the_dead_letter_queue(
    tenku: TenkuProcess, endpoint: Endpoint
) -> None:
    sns, sqs = tenku.client("sns"), tenku.client("sqs")
    dlq_url, dlq_arn = make_queue(sqs, unique("web-dlq"))
    topic = sns.create_topic(Name=unique("flaky"))["TopicArn"]
    endpoint.status = lambda kind: 200 if kind == "SubscriptionConfirmation" else 503
    sns.subscribe(
        TopicArn=topic,
        Protocol="http",
        Endpoint=endpoint.url,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})},
    )
    confirm(endpoint)
    published = sns.publish(TopicArn=topic, Message="will fail")
    wait_for(lambda: len(endpoint.of_type("Notification")) == 1)
    # The default policy: three retries, 20 seconds apart, by Tenku's clock.
    for attempts in (2, 3, 4):
        assert receive(sqs, dlq_url, 1, timeout=0.5) == []
        tenku.advance_clock(20)
        wait_for(lambda n=attempts: len(endpoint.of_type("Notification")) == n)  # type: ignore[misc]
    dead = receive(sqs, dlq_url, 1)
    assert json.loads(dead[0]["Body"])["MessageId"] == published["MessageId"]
    tenku.advance_clock(60)
    time.sleep(0.6)  # time for a delivery that should not happen
    assert len(endpoint.of_type("Notification")) == 4


def test_subscription_delivery_policy_changes_the_retries(
    tenku: TenkuProcess, endpoint: Endpoint
) -> None:
    sns = tenku.client("sns")
    topic = sns.create_topic(Name=unique("policy"))["TopicArn"]
    endpoint.status = lambda kind: 200 if kind == "SubscriptionConfirmation" else 500
    policy = {
        "healthyRetryPolicy": {
            "numRetries": 2,
            "numNoDelayRetries": 1,
            "minDelayTarget": 5,
            "maxDelayTarget": 5,
        }
    }
    sns.subscribe(
        TopicArn=topic,
        Protocol="http",
        Endpoint=endpoint.url,
        Attributes={"DeliveryPolicy": json.dumps(policy)},
    )
    confirm(endpoint)
    sns.publish(TopicArn=topic, Message="x")
    wait_for(lambda: len(endpoint.of_type("Notification")) == 2)  # first try + immediate retry
    tenku.advance_clock(5)
    wait_for(lambda: len(endpoint.of_type("Notification")) == 3)
    tenku.advance_clock(60)
    time.sleep(0.6)  # time for a delivery that should not happen
    assert len(endpoint.of_type("Notification")) == 3


def test_client_error_status_is_not_retried(tenku: TenkuProcess, endpoint: Endpoint) -> None:
    sns = tenku.client("sns")
    topic = sns.create_topic(Name=unique("gone"))["TopicArn"]
    endpoint.status = lambda kind: 200 if kind == "SubscriptionConfirmation" else 404
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    confirm(endpoint)
    sns.publish(TopicArn=topic, Message="x")
    wait_for(lambda: len(endpoint.of_type("Notification")) == 1)
    tenku.advance_clock(60)
    time.sleep(0.6)  # time for a delivery that should not happen
    assert len(endpoint.of_type("Notification")) == 1
