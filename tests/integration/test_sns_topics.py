"""SNS topic and subscription management through the wire: attributes, paging, tags,
permissions, deletion, and the query protocol's unsigned SubscribeURL-style calls."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.integration.conftest import TenkuProcess


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_topic_attributes_round_trip(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns")
    arn = sns.create_topic(Name=unique("attrs"))["TopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TopicArn"] == arn
    assert attributes["Owner"] == "000000000000"
    assert attributes["DisplayName"] == ""
    assert attributes["SubscriptionsPending"] == "0"
    assert "FifoTopic" not in attributes
    policy = json.loads(attributes["Policy"])
    assert policy["Statement"][0]["Resource"] == arn
    delivery = json.loads(attributes["EffectiveDeliveryPolicy"])
    assert delivery["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3

    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Shop")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue="alias/x")
    custom = {"http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 1}}}
    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(custom)
    )
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["DisplayName"] == "Shop"
    assert attributes["KmsMasterKeyId"] == "alias/x"
    effective = json.loads(attributes["EffectiveDeliveryPolicy"])["http"]
    assert effective["defaultHealthyRetryPolicy"]["numRetries"] == 5
    assert effective["defaultHealthyRetryPolicy"]["maxDelayTarget"] == 20


def test_fifo_topic_attributes(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns")
    arn = sns.create_topic(Name=unique("f") + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"
    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="ContentBasedDeduplication", AttributeValue="true"
    )
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["ContentBasedDeduplication"] == "true"


def test_list_topics_pages_by_100(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns", region="eu-west-3")
    made = {sns.create_topic(Name=f"page-{i:03}")["TopicArn"] for i in range(105)}
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and first["NextToken"]
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    listed = {t["TopicArn"] for t in first["Topics"] + second["Topics"]}
    assert listed == made
    assert all(":eu-west-3:" in arn for arn in listed)
    paginated = sns.get_paginator("list_topics").paginate()
    assert sum(len(page["Topics"]) for page in paginated) == 105


def test_subscriptions_listing_and_topic_deletion(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns", region="ap-south-1")
    topic = sns.create_topic(Name="listing")["TopicArn"]
    other = sns.create_topic(Name="listing-other")["TopicArn"]
    for i in range(102):
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=f"arn:aws:sqs:ap-south-1:000000000000:q{i}",
        )
    sns.subscribe(TopicArn=other, Protocol="email", Endpoint="a@example.com")
    by_topic = sns.list_subscriptions_by_topic(TopicArn=topic)
    assert len(by_topic["Subscriptions"]) == 100
    rest = sns.list_subscriptions_by_topic(TopicArn=topic, NextToken=by_topic["NextToken"])
    assert len(rest["Subscriptions"]) == 2 and "NextToken" not in rest
    entry = by_topic["Subscriptions"][0]
    assert set(entry) == {"SubscriptionArn", "Owner", "Protocol", "Endpoint", "TopicArn"}
    everything = sns.get_paginator("list_subscriptions").paginate()
    assert sum(len(page["Subscriptions"]) for page in everything) == 103
    subscription = entry["SubscriptionArn"]
    sns.delete_topic(TopicArn=topic)
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [other]
    remaining = sns.list_subscriptions()["Subscriptions"]
    assert [s["TopicArn"] for s in remaining] == [other]
    error = sns.exceptions.NotFoundException
    try:
        sns.get_subscription_attributes(SubscriptionArn=subscription)
        raise AssertionError("the subscription should be gone with its topic")
    except error:
        pass


def test_tags(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns")
    arn = sns.create_topic(Name=unique("tags"), Tags=[{"Key": "a", "Value": "1"}])["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    tags = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "3"), ("b", "2")]
    sns.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]


def test_permissions_are_kept_in_the_policy(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns")
    arn = sns.create_topic(Name=unique("perm"))["TopicArn"]
    sns.add_permission(
        TopicArn=arn, Label="friends", AWSAccountId=["111122223333"], ActionName=["Publish"]
    )
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    statement = {s["Sid"]: s for s in policy["Statement"]}["friends"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert statement["Action"] == "SNS:Publish"
    assert statement["Resource"] == arn
    try:
        sns.add_permission(
            TopicArn=arn, Label="friends", AWSAccountId=["111122223333"], ActionName=["Publish"]
        )
        raise AssertionError("a duplicate label should be refused")
    except sns.exceptions.InvalidParameterException as error:
        assert "Statement already exists" in str(error)
    sns.remove_permission(TopicArn=arn, Label="friends")
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["__default_statement_ID"]


def test_subscription_attributes(tenku: TenkuProcess) -> None:
    sns = tenku.client("sns")
    topic = sns.create_topic(Name=unique("subattrs"))["TopicArn"]
    queue = "arn:aws:sqs:us-east-1:000000000000:somewhere"
    dlq = "arn:aws:sqs:us-east-1:000000000000:dead"
    arn = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue,
        Attributes={"FilterPolicy": '{"a": ["b"]}'},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue="true"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=arn,
        AttributeName="RedrivePolicy",
        AttributeValue=json.dumps({"deadLetterTargetArn": dlq}),
    )
    attributes: dict[str, Any] = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["Protocol"] == "sqs" and attributes["Endpoint"] == queue
    assert attributes["TopicArn"] == topic and attributes["SubscriptionArn"] == arn
    assert attributes["RawMessageDelivery"] == "true"
    assert attributes["PendingConfirmation"] == "false"
    assert attributes["FilterPolicy"] == '{"a": ["b"]}'
    assert attributes["FilterPolicyScope"] == "MessageAttributes"
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dlq}
    assert "EffectiveDeliveryPolicy" in attributes


def test_cli_round_trip(tenku: TenkuProcess) -> None:
    name = unique("cli")
    created = tenku.aws("sns", "create-topic", "--name", name)
    assert created.returncode == 0, created.stderr
    arn = json.loads(created.stdout)["TopicArn"]
    subscribed = tenku.aws(
        "sns", "subscribe", "--topic-arn", arn, "--protocol", "email",
        "--notification-endpoint", "cli@example.com",
    )  # fmt: skip
    assert subscribed.returncode == 0, subscribed.stderr
    listed = tenku.aws("sns", "list-subscriptions-by-topic", "--topic-arn", arn)
    assert json.loads(listed.stdout)["Subscriptions"][0]["Endpoint"] == "cli@example.com"
    deleted = tenku.aws("sns", "delete-topic", "--topic-arn", arn)
    assert deleted.returncode == 0, deleted.stderr
