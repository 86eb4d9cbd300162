"""SNS's error answers through the wire: codes, statuses and message wording for bad
topics, subscriptions, filter policies, publishes and batches."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.sns_helpers import make_queue


@pytest.fixture(scope="module")
def sns(tenku: TenkuProcess) -> Any:
    return tenku.client("sns")


@pytest.fixture(scope="module")
def topic(sns: Any) -> str:
    return str(sns.create_topic(Name=f"bad-{uuid.uuid4().hex[:8]}")["TopicArn"])


@pytest.fixture(scope="module")
def fifo_topic(sns: Any) -> str:
    name = f"bad-{uuid.uuid4().hex[:8]}.fifo"
    return str(sns.create_topic(Name=name, Attributes={"FifoTopic": "true"})["TopicArn"])


def error_of(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def invalid(detail: str) -> tuple[str, str, int]:
    return ("InvalidParameter", f"Invalid parameter: {detail}", 400)


MISSING = "arn:aws:sns:us-east-1:000000000000:no-such-topic"


# -- topics ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "attributes", "expected"),
    [
        ("has space", {}, invalid("Topic Name")),
        ("x" * 257, {}, invalid("Topic Name")),
        ("plain.fifo", {}, invalid("Topic Name")),
        ("", {}, invalid("Topic Name")),
        (
            "not-fifo-suffix",
            {"FifoTopic": "true"},
            invalid(
                "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
                "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between "
                "1 and 256 characters long."
            ),
        ),
        ("ok-name", {"Colour": "blue"}, invalid("AttributeName")),
        ("ok-name2", {"SignatureVersion": "3"}, invalid("SignatureVersion")),
        (
            "ok-name3",
            {"ContentBasedDeduplication": "true"},
            invalid(
                "ContentBasedDeduplication Reason: Content based deduplication can only be set "
                "for FIFO topics"
            ),
        ),
        ("ok-name4", {"DeliveryPolicy": "{nope"}, invalid("DeliveryPolicy: failed to parse JSON.")),
    ],
)
def test_create_topic_refusals(
    sns: Any, name: str, attributes: dict[str, str], expected: tuple[str, str, int]
) -> None:
    assert error_of(lambda: sns.create_topic(Name=name, Attributes=attributes)) == expected


def test_create_topic_is_idempotent_only_with_the_same_attributes_and_tags(sns: Any) -> None:
    name = f"idem-{uuid.uuid4().hex[:8]}"
    arn = sns.create_topic(
        Name=name, Attributes={"DisplayName": "a"}, Tags=[{"Key": "k", "Value": "v"}]
    )["TopicArn"]
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "a"})["TopicArn"] == arn
    assert error_of(
        lambda: sns.create_topic(Name=name, Attributes={"DisplayName": "b"})
    ) == invalid("Attributes Reason: Topic already exists with different attributes")
    assert error_of(
        lambda: sns.create_topic(Name=name, Tags=[{"Key": "k", "Value": "other"}])
    ) == invalid("Tags Reason: Topic already exists with different tags")


def test_topic_lookups(sns: Any, topic: str) -> None:
    not_found = ("NotFound", "Topic does not exist", 404)
    assert error_of(lambda: sns.get_topic_attributes(TopicArn=MISSING)) == not_found
    assert error_of(lambda: sns.get_topic_attributes(TopicArn="not-an-arn")) == invalid("TopicArn")
    assert error_of(lambda: sns.list_subscriptions_by_topic(TopicArn=MISSING)) == not_found
    assert error_of(lambda: sns.publish(TopicArn=MISSING, Message="x")) == not_found
    sns.delete_topic(TopicArn=MISSING)  # deleting what does not exist is fine
    assert error_of(
        lambda: sns.set_topic_attributes(
            TopicArn=topic, AttributeName="FifoTopic", AttributeValue="true"
        )
    ) == invalid("AttributeName")
    assert error_of(
        lambda: sns.set_topic_attributes(TopicArn=topic, AttributeName="Bogus", AttributeValue="1")
    ) == invalid("AttributeName")
    assert error_of(lambda: sns.list_topics(NextToken="garbage")) == invalid("NextToken")
    assert error_of(lambda: sns.list_tags_for_resource(ResourceArn=MISSING)) == (
        "ResourceNotFound",
        "Resource does not exist",
        404,
    )
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(lambda: sns.tag_resource(ResourceArn=topic, Tags=too_many))[0] == (
        "TagLimitExceeded"
    )


# -- subscriptions -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("protocol", "endpoint", "expected"),
    [
        (
            "carrier-pigeon",
            "x",
            invalid("Amazon SNS does not support this protocol string: carrier-pigeon"),
        ),
        ("sqs", "my-queue", invalid("SQS endpoint ARN")),
        ("lambda", "arn:aws:sqs:us-east-1:000000000000:q", invalid("Lambda endpoint ARN")),
        ("http", "https://example.com", invalid("Endpoint must match the specified protocol")),
        ("https", "ftp://example.com", invalid("Endpoint must match the specified protocol")),
        ("email", "not-an-address", invalid("Email address")),
        (
            "sqs",
            "arn:aws:sqs:us-east-1:000000000000:q.fifo",
            invalid(
                "Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"
            ),
        ),
    ],
)
def test_subscribe_refusals(
    sns: Any, topic: str, protocol: str, endpoint: str, expected: tuple[str, str, int]
) -> None:
    assert error_of(
        lambda: sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
    ) == (expected)


def test_fifo_topics_take_only_sqs(sns: Any, fifo_topic: str) -> None:
    code, message, _ = error_of(
        lambda: sns.subscribe(TopicArn=fifo_topic, Protocol="http", Endpoint="http://example.com")
    )
    assert code == "InvalidParameter" and "FIFO topics only support SQS" in message


QUEUE = "arn:aws:sqs:us-east-1:000000000000:some-queue"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"Bogus": "1"}, invalid("AttributeName")),
        (
            {"RawMessageDelivery": "yes"},
            invalid(
                "Attributes Reason: RawMessageDelivery: Invalid value [yes]. Must be true or false."
            ),
        ),
        ({"FilterPolicy": "{nope"}, None),
        (
            {"FilterPolicy": '{"a": "x"}'},
            invalid('FilterPolicy: "a" must be an object or an array'),
        ),
        ({"FilterPolicy": '{"a": []}'}, invalid("FilterPolicy: Empty arrays are not allowed")),
        (
            {"FilterPolicy": '{"a": {"b": ["x"]}}'},
            invalid(
                "FilterPolicy: Filter policy scope MessageAttributes does not support nested "
                "filter policy"
            ),
        ),
        (
            {"FilterPolicy": '{"a": [{"exists": "yes"}]}'},
            invalid("FilterPolicy: exists match pattern must be either true or false."),
        ),
        (
            {"FilterPolicy": '{"a": [{"numeric": ["<", "1"]}]}'},
            invalid("FilterPolicy: Value of < must be numeric"),
        ),
        (
            {"FilterPolicy": json.dumps({k: ["x"] for k in "abcdef"})},
            invalid("FilterPolicy: Filter policy can not have more than 5 keys"),
        ),
        (
            {
                "FilterPolicy": json.dumps(
                    {"a": list("abcdefghij"), "b": list("abcdefghij"), "c": ["x", "y"]}
                )
            },
            invalid("FilterPolicy: Filter policy is too complex"),
        ),
        (
            {"FilterPolicy": '{"a": ["x"]}', "FilterPolicyScope": "Everything"},
            invalid(
                "Attributes Reason: FilterPolicyScope: Invalid value [Everything]. "
                "Please use either MessageBody or MessageAttributes"
            ),
        ),
        ({"RedrivePolicy": "{}"}, invalid("RedrivePolicy: deadLetterTargetArn is missing")),
        (
            {"RedrivePolicy": '{"deadLetterTargetArn": "arn:aws:sns:us-east-1:0:t"}'},
            invalid("RedrivePolicy: deadLetterTargetArn is an invalid arn"),
        ),
    ],
)
def test_subscription_attribute_refusals(
    sns: Any, topic: str, attributes: dict[str, str], expected: tuple[str, str, int] | None
) -> None:
    found = error_of(
        lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE, Attributes=attributes)
    )
    if expected is None:
        assert found[0] == "InvalidParameter"
        assert found[1].startswith("Invalid parameter: FilterPolicy: failed to parse JSON.")
    else:
        assert found == expected


def test_subscription_lookups_and_updates(tenku: TenkuProcess, sns: Any, topic: str) -> None:
    _, queue = make_queue(tenku.client("sqs"), f"sub-{uuid.uuid4().hex[:8]}")
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)["SubscriptionArn"] == arn
    assert error_of(
        lambda: sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=queue,
            Attributes={"RawMessageDelivery": "true"},
        )
    ) == invalid("Attributes Reason: Subscription already exists with different attributes")
    assert error_of(lambda: sns.get_subscription_attributes(SubscriptionArn=f"{topic}:nope")) == (
        "NotFound",
        "Subscription does not exist",
        404,
    )
    assert error_of(lambda: sns.get_subscription_attributes(SubscriptionArn="junk")) == invalid(
        "SubscriptionArn"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicyScope", AttributeValue="MessageBody"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue='{"a": {"b": ["x"]}}'
    )
    assert error_of(
        lambda: sns.set_subscription_attributes(
            SubscriptionArn=arn,
            AttributeName="FilterPolicyScope",
            AttributeValue="MessageAttributes",
        )
    ) == invalid(
        "FilterPolicy: Filter policy scope MessageAttributes does not support nested filter policy"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=""
    )
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert "FilterPolicy" not in attributes
    assert error_of(
        lambda: sns.set_subscription_attributes(
            SubscriptionArn=arn, AttributeName="Protocol", AttributeValue="x"
        )
    ) == invalid("AttributeName")
    sns.unsubscribe(SubscriptionArn=arn)
    sns.unsubscribe(SubscriptionArn=arn)  # twice is fine


# -- publish -----------------------------------------------------------------------------------
def attribute(data_type: str, **value: Any) -> dict[str, Any]:
    return {"a": {"DataType": data_type, **value}}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"Message": ""}, invalid("Empty message")),
        ({"Message": "x" * 262_145}, invalid("Message too long")),
        (
            {
                "Message": "x" * 262_000,
                "MessageAttributes": attribute("String", StringValue="y" * 200),
            },
            invalid("Message too long"),
        ),
        ({"Message": "x", "Subject": "s" * 101}, invalid("Subject")),
        ({"Message": "x", "Subject": "two\nlines"}, invalid("Subject")),
        ({"Message": "x", "MessageStructure": "xml"}, invalid("MessageStructure")),
        (
            {"Message": "not json", "MessageStructure": "json"},
            invalid("Message Structure - JSON message body failed to parse"),
        ),
        (
            {"Message": '{"sqs": "only"}', "MessageStructure": "json"},
            invalid("Message Structure - No default entry in JSON message body"),
        ),
        (
            {"Message": "x", "MessageAttributes": attribute("Float", StringValue="1")},
            (
                "ParameterValueInvalid",
                "The message attribute 'a' has an invalid message attribute type, the set of "
                "supported type prefixes is Binary, Number, and String.",
                400,
            ),
        ),
        (
            {"Message": "x", "MessageAttributes": attribute("Number", StringValue="abc")},
            ("ParameterValueInvalid", "Could not cast message attribute 'a' value to number.", 400),
        ),
        (
            {"Message": "x", "MessageAttributes": attribute("Binary", StringValue="abc")},
            (
                "ParameterValueInvalid",
                "The message attribute 'a' with type 'Binary' must use field 'Binary'.",
                400,
            ),
        ),
        (
            {"Message": "x", "MessageAttributes": attribute("String", BinaryValue=b"abc")},
            (
                "ParameterValueInvalid",
                "The message attribute 'a' with type 'String' must use field 'String'.",
                400,
            ),
        ),
        (
            {"Message": "x", "MessageAttributes": attribute("String")},
            (
                "ParameterValueInvalid",
                "The message attribute 'a' must contain non-empty message attribute value for "
                "message attribute type 'String'.",
                400,
            ),
        ),
        (
            {
                "Message": "x",
                "MessageAttributes": {"AWS.secret": {"DataType": "String", "StringValue": "v"}},
            },
            ("ParameterValueInvalid", "The message attribute name 'AWS.secret' is invalid.", 400),
        ),
        (
            {"Message": "x", "MessageDeduplicationId": "d"},
            invalid(
                "MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
                "parameter that is not valid for this topic type"
            ),
        ),
    ],
)
def test_publish_refusals(
    sns: Any, topic: str, kwargs: dict[str, Any], expected: tuple[str, str, int]
) -> None:
    assert error_of(lambda: sns.publish(TopicArn=topic, **kwargs)) == expected


def test_string_array_must_be_a_json_array(sns: Any, topic: str) -> None:
    code, message, status = error_of(
        lambda: sns.publish(
            TopicArn=topic,
            Message="x",
            MessageAttributes=attribute("String.Array", StringValue="[{"),
        )
    )
    assert (code, status) == ("InvalidParameter", 400) and "String.Array" in message


def test_publish_needs_one_target(sns: Any, topic: str) -> None:
    assert error_of(lambda: sns.publish(Message="x")) == invalid(
        "TopicArn or TargetArn Reason: no value for required parameter"
    )
    code, _, _ = error_of(lambda: sns.publish(TopicArn=topic, TargetArn=topic, Message="x"))
    assert code == "InvalidParameter"
    assert error_of(lambda: sns.publish(PhoneNumber="call me", Message="x")) == invalid(
        "PhoneNumber Reason: call me is not valid to publish to"
    )


def test_fifo_publish_rules(sns: Any, fifo_topic: str) -> None:
    assert error_of(lambda: sns.publish(TopicArn=fifo_topic, Message="x")) == invalid(
        "The MessageGroupId parameter is required for FIFO topics"
    )
    assert error_of(
        lambda: sns.publish(TopicArn=fifo_topic, Message="x", MessageGroupId="g")
    ) == invalid(
        "The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly"
    )
    code, message, _ = error_of(
        lambda: sns.publish(
            TopicArn=fifo_topic, Message="x", MessageGroupId="g" * 129, MessageDeduplicationId="d"
        )
    )
    assert code == "InvalidParameter" and message.startswith("Invalid parameter: MessageGroupId")
    answer = sns.publish(
        TopicArn=fifo_topic, Message="x", MessageGroupId="g", MessageDeduplicationId="d"
    )
    assert len(answer["SequenceNumber"]) == 20


# -- batches -----------------------------------------------------------------------------------
def entries(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"Id": f"e{i}", "Message": f"m{i}", **extra} for i in range(count)]


def test_publish_batch_request_errors(sns: Any, topic: str) -> None:
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[])) == (
        "EmptyBatchRequest",
        "The batch request doesn't contain any entries.",
        400,
    )
    assert error_of(
        lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries(11))
    ) == (
        "TooManyEntriesInBatchRequest",
        "The batch request contains more entries than permissible.",
        400,
    )
    twins = [{"Id": "same", "Message": "a"}, {"Id": "same", "Message": "b"}]
    assert error_of(
        lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=twins)
    ) == (
        "BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
        400,
    )
    bad_id = [{"Id": "no spaces", "Message": "a"}]
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=bad_id))[
        0
    ] == ("InvalidBatchEntryId")
    big = [{"Id": f"e{i}", "Message": "x" * 100_000} for i in range(3)]
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=big)) == (
        "BatchRequestTooLong",
        "The length of all the messages put together is more than the limit.",
        400,
    )
    assert (
        error_of(
            lambda: sns.publish_batch(TopicArn=MISSING, PublishBatchRequestEntries=entries(1))
        )[0]
        == "NotFound"
    )


def test_publish_batch_reports_each_entry(sns: Any, topic: str, fifo_topic: str) -> None:
    batch = [
        {"Id": "good", "Message": "fine"},
        {"Id": "empty", "Message": ""},
        {
            "Id": "bad-attr",
            "Message": "x",
            "MessageAttributes": attribute("Number", StringValue="z"),
        },
    ]
    answer = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=batch)
    assert [s["Id"] for s in answer["Successful"]] == ["good"]
    assert answer["Successful"][0]["MessageId"]
    failed = {f["Id"]: f for f in answer["Failed"]}
    assert failed["empty"] == {
        "Id": "empty",
        "Code": "InvalidParameter",
        "Message": "Invalid parameter: Empty message",
        "SenderFault": True,
    }
    assert failed["bad-attr"]["Code"] == "ParameterValueInvalid"
    fifo = sns.publish_batch(
        TopicArn=fifo_topic,
        PublishBatchRequestEntries=[
            {"Id": "a", "Message": "1", "MessageGroupId": "g", "MessageDeduplicationId": "a"},
            {"Id": "b", "Message": "2"},
        ],
    )
    assert [s["Id"] for s in fifo["Successful"]] == ["a"]
    assert fifo["Successful"][0]["SequenceNumber"]
    assert fifo["Failed"][0]["Id"] == "b"


def test_cli_reports_errors(tenku: TenkuProcess) -> None:
    result = tenku.aws("sns", "get-topic-attributes", "--topic-arn", MISSING)
    assert result.returncode != 0
    assert "NotFound" in result.stderr and "Topic does not exist" in result.stderr
    created = tenku.aws("sns", "create-topic", "--name", f"cli-{uuid.uuid4().hex[:8]}")
    assert created.returncode == 0, created.stderr
    arn = json.loads(created.stdout)["TopicArn"]
    published = tenku.aws("sns", "publish", "--topic-arn", arn, "--message", "from the cli")
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["MessageId"]
