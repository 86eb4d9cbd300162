"""Topics and subscriptions as values, and SNS's rules about them.

Owns: topic names and ARNs, the default access policy, which topic and subscription
attributes exist and which may be set, subscription endpoints per protocol, delivery
policies (the defaults, the effective policy, the retry schedule they imply).
Must not: touch storage or call other services.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from tenku.core.scope import Arn, Scope
from tenku.services.sns.errors import invalid_parameter
from tenku.services.sns.filters import ATTRIBUTES, BODY, FilterPolicyError, compile_policy

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_FIFO_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^\+?[1-9]\d{1,14}$")

PROTOCOLS = (
    "http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose",
)  # fmt: skip
# Delivered into Tenku's own inbox (GET /_tenku/sns/deliveries) rather than over the wire.
INBOX_PROTOCOLS = frozenset({"email", "email-json", "sms", "application", "firehose"})

SETTABLE_TOPIC_ATTRIBUTES = frozenset({
    "DeliveryPolicy", "DisplayName", "Policy", "TracingConfig", "KmsMasterKeyId",
    "SignatureVersion", "ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy",
    "DataProtectionPolicy",
    *(f"{p}{k}" for p in ("HTTP", "Firehose", "Lambda", "SQS", "Application")
      for k in ("SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn")),
})  # fmt: skip
CREATE_ONLY_TOPIC_ATTRIBUTES = frozenset({"FifoTopic"})
SUBSCRIPTION_ATTRIBUTES = frozenset({
    "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
    "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy",
})  # fmt: skip

DEFAULT_HTTP_RETRY = {
    "minDelayTarget": 20,
    "maxDelayTarget": 20,
    "numRetries": 3,
    "numMaxDelayRetries": 0,
    "numNoDelayRetries": 0,
    "numMinDelayRetries": 0,
    "backoffFunction": "linear",
}
DEFAULT_REQUEST_POLICY = {"headerContentType": "text/plain; charset=UTF-8"}
# AWS-managed endpoints (SQS, Lambda): 3 immediate retries, 2 one second apart, 10 with
# exponential backoff from 1 to 20 seconds, then 100,000 twenty seconds apart.
MANAGED_RETRY = {
    "numNoDelayRetries": 3,
    "numMinDelayRetries": 2,
    "numMaxDelayRetries": 100_000,
    "numRetries": 100_015,
    "minDelayTarget": 1,
    "maxDelayTarget": 20,
    "backoffFunction": "exponential",
}


@dataclass(slots=True)
class Topic:
    arn: str
    name: str
    scope: Scope
    attributes: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoTopic") == "true"

    @property
    def content_dedup(self) -> bool:
        return self.attributes.get("ContentBasedDeduplication") == "true"


@dataclass(slots=True)
class Subscription:
    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    owner: str
    attributes: dict[str, str] = field(default_factory=dict)
    confirmed: bool = True
    token: str | None = None

    @property
    def raw(self) -> bool:
        return self.attributes.get("RawMessageDelivery") == "true"


def topic_arn(scope: Scope, name: str) -> str:
    return scope.arn("sns", name)


def parse_topic_arn(text: str | None, member: str = "TopicArn") -> Arn:
    arn = Arn.parse(text or "")
    if arn is None or arn.service != "sns" or not arn.resource or ":" in arn.resource:
        raise invalid_parameter(member)
    return arn


def validate_topic_name(name: str, fifo: bool) -> None:
    if fifo:
        if not _FIFO_TOPIC_NAME.match(name):
            raise invalid_parameter(
                "Fifo Topic names must end with .fifo and must be made up of only uppercase "
                "and lowercase ASCII letters, numbers, underscores, and hyphens, and must be "
                "between 1 and 256 characters long."
            )
    elif not _TOPIC_NAME.match(name):
        raise invalid_parameter("Topic Name")


def default_policy(arn: str, account: str) -> str:
    actions = [
        "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
        "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
        "SNS:ListSubscriptionsByTopic", "SNS:Publish",
    ]  # fmt: skip
    statement = {
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": actions,
        "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
    }
    return _dumps({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [statement]})


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def validate_topic_attribute(name: str, value: str, *, fifo: bool, creating: bool) -> str:
    """The value to store for a topic attribute, or an InvalidParameter."""
    allowed = SETTABLE_TOPIC_ATTRIBUTES | (CREATE_ONLY_TOPIC_ATTRIBUTES if creating else set())
    if name not in allowed:
        raise invalid_parameter("AttributeName")
    if name in ("FifoTopic", "ContentBasedDeduplication"):
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise invalid_parameter(f"{name}: Invalid value [{value}]. Must be true or false.")
        if name == "ContentBasedDeduplication" and lowered == "true" and not fifo:
            raise invalid_parameter(
                "ContentBasedDeduplication Reason: Content based deduplication can only be set "
                "for FIFO topics"
            )
        return lowered
    if name == "SignatureVersion" and value not in ("1", "2"):
        raise invalid_parameter("SignatureVersion")
    if name in ("Policy", "DeliveryPolicy", "DataProtectionPolicy", "ArchivePolicy") and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            raise invalid_parameter(f"{name}: failed to parse JSON.") from None
        if not isinstance(parsed, dict):
            raise invalid_parameter(f"{name}: must be a JSON object")
        if name == "DeliveryPolicy":
            check_delivery_policy(parsed.get("http", parsed), name)
    if name == "DisplayName" and len(value) > 100:
        raise invalid_parameter("DisplayName")
    return value


def check_delivery_policy(policy: Any, name: str = "DeliveryPolicy") -> None:
    if not isinstance(policy, dict):
        raise invalid_parameter(f"{name}: must be a JSON object")
    retry = policy.get("defaultHealthyRetryPolicy", policy.get("healthyRetryPolicy"))
    if retry is None:
        return
    if not isinstance(retry, dict):
        raise invalid_parameter(f"{name}: healthyRetryPolicy must be an object")
    merged = {**DEFAULT_HTTP_RETRY, **retry}
    numbers = [k for k in DEFAULT_HTTP_RETRY if k != "backoffFunction"]
    for key in numbers:
        if not isinstance(merged[key], int) or isinstance(merged[key], bool) or merged[key] < 0:
            raise invalid_parameter(f"{name}: {key} must be a non-negative integer")
    if merged["minDelayTarget"] > merged["maxDelayTarget"]:
        raise invalid_parameter(f"{name}: minDelayTarget must be <= maxDelayTarget")
    if merged["numRetries"] > 100:
        raise invalid_parameter(f"{name}: numRetries must be <= 100")
    phases = merged["numNoDelayRetries"] + merged["numMinDelayRetries"]
    if phases + merged["numMaxDelayRetries"] > merged["numRetries"]:
        raise invalid_parameter(f"{name}: numRetries is less than the sum of the phases")
    if merged["backoffFunction"] not in ("linear", "arithmetic", "geometric", "exponential"):
        raise invalid_parameter(f"{name}: backoffFunction is not valid")


def effective_topic_policy(topic: Topic) -> dict[str, Any]:
    custom = json.loads(topic.attributes.get("DeliveryPolicy") or "{}").get("http", {})
    http = {
        "defaultHealthyRetryPolicy": {
            **DEFAULT_HTTP_RETRY,
            **custom.get("defaultHealthyRetryPolicy", {}),
        },
        "disableSubscriptionOverrides": custom.get("disableSubscriptionOverrides", False),
        "defaultRequestPolicy": {
            **DEFAULT_REQUEST_POLICY,
            **custom.get("defaultRequestPolicy", {}),
        },
    }
    if "defaultThrottlePolicy" in custom:
        http["defaultThrottlePolicy"] = custom["defaultThrottlePolicy"]
    return {"http": http}


def effective_subscription_policy(topic: Topic | None, sub: Subscription) -> dict[str, Any]:
    topic_http: dict[str, Any] = (
        effective_topic_policy(topic)["http"]
        if topic
        else {
            "defaultHealthyRetryPolicy": DEFAULT_HTTP_RETRY,
            "defaultRequestPolicy": DEFAULT_REQUEST_POLICY,
        }
    )
    own = json.loads(sub.attributes.get("DeliveryPolicy") or "{}")
    if topic_http.get("disableSubscriptionOverrides"):
        own = {}
    return {
        "healthyRetryPolicy": {
            **topic_http["defaultHealthyRetryPolicy"],
            **own.get("healthyRetryPolicy", {}),
        },
        "requestPolicy": {**topic_http["defaultRequestPolicy"], **own.get("requestPolicy", {})},
    }


def retry_delay(policy: dict[str, Any], retry: int) -> float | None:
    """Seconds before retry number `retry` (1-based), or None when retries are spent."""
    total = int(policy["numRetries"])
    if retry > total:
        return None
    no_delay = int(policy["numNoDelayRetries"])
    at_min = int(policy["numMinDelayRetries"])
    at_max = int(policy["numMaxDelayRetries"])
    low, high = float(policy["minDelayTarget"]), float(policy["maxDelayTarget"])
    if retry <= no_delay:
        return 0.0
    if retry <= no_delay + at_min:
        return low
    backoff = total - no_delay - at_min - at_max
    step = retry - no_delay - at_min
    if step > backoff or backoff <= 0:
        return high
    share = _backoff_share(str(policy.get("backoffFunction", "linear")), step, backoff)
    return low + (high - low) * share


def _backoff_share(function: str, step: int, steps: int) -> float:
    """How far (0..1) between the minimum and maximum delay retry `step` of `steps` is."""
    if function == "exponential":
        return (2.0**step - 1) / (2.0**steps - 1)
    if function == "geometric":
        return math.log1p(step) / math.log1p(steps)
    if function == "arithmetic":
        return (step * (step + 1)) / (steps * (steps + 1))
    return step / steps


def validate_endpoint(protocol: str, endpoint: str | None) -> str:
    """The endpoint as stored, or InvalidParameter for one that does not fit `protocol`."""
    if protocol not in PROTOCOLS:
        raise invalid_parameter(f"Amazon SNS does not support this protocol string: {protocol}")
    value = endpoint or ""
    if protocol in ("http", "https"):
        if not value.lower().startswith(f"{protocol}://") or len(value) <= len(protocol) + 3:
            raise invalid_parameter("Endpoint must match the specified protocol")
    elif protocol in ("email", "email-json"):
        if not _EMAIL.match(value):
            raise invalid_parameter("Email address")
    elif protocol == "sms":
        digits = value.replace("-", "").replace(" ", "")
        if not _PHONE.match(digits):
            raise invalid_parameter(f"Invalid SMS endpoint: {value}")
        return digits
    elif protocol in ("sqs", "lambda", "firehose", "application"):
        arn = Arn.parse(value)
        service = {"sqs": "sqs", "lambda": "lambda", "firehose": "firehose"}.get(protocol, "sns")
        if arn is None or arn.service != service or not arn.account or not arn.resource:
            label = {"sqs": "SQS", "lambda": "Lambda", "firehose": "Firehose"}.get(protocol)
            raise invalid_parameter(
                f"{label} endpoint ARN" if label else "Application endpoint arn invalid"
            )
    return value


def validate_subscription_attribute(name: str, value: str, protocol: str) -> str:
    if name not in SUBSCRIPTION_ATTRIBUTES:
        raise invalid_parameter("AttributeName")
    if name == "RawMessageDelivery":
        if value.lower() not in ("true", "false"):
            raise invalid_parameter(
                f"Attributes Reason: RawMessageDelivery: Invalid value [{value}]. "
                "Must be true or false."
            )
        if protocol not in ("sqs", "http", "https", "firehose") and value.lower() == "true":
            raise invalid_parameter(
                "Attributes Reason: Delivery protocol [" + protocol + "] does not support raw "
                "message delivery."
            )
        return value.lower()
    if name == "FilterPolicyScope" and value not in (ATTRIBUTES, BODY):
        raise invalid_parameter(
            f"Attributes Reason: FilterPolicyScope: Invalid value [{value}]. "
            "Please use either MessageBody or MessageAttributes"
        )
    if name == "RedrivePolicy" and value:
        check_redrive_policy(value)
    if name == "DeliveryPolicy" and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            raise invalid_parameter("DeliveryPolicy: failed to parse JSON.") from None
        check_delivery_policy(parsed)
    return value


def check_filter_policy(policy: str, scope: str) -> None:
    if not policy:
        return
    try:
        compile_policy(policy, scope)
    except FilterPolicyError as error:
        raise invalid_parameter(f"FilterPolicy: {error}") from None


def check_redrive_policy(value: str) -> None:
    try:
        policy = json.loads(value)
    except ValueError:
        raise invalid_parameter("RedrivePolicy: failed to parse JSON.") from None
    target = policy.get("deadLetterTargetArn") if isinstance(policy, dict) else None
    if not isinstance(target, str):
        raise invalid_parameter("RedrivePolicy: deadLetterTargetArn is missing")
    arn = Arn.parse(target)
    if arn is None or arn.service != "sqs":
        raise invalid_parameter("RedrivePolicy: deadLetterTargetArn is an invalid arn")


def dead_letter_arn(sub: Subscription) -> str | None:
    value = sub.attributes.get("RedrivePolicy")
    if not value:
        return None
    target = json.loads(value).get("deadLetterTargetArn")
    return str(target) if target else None
