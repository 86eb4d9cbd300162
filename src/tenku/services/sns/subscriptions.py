"""Subscription operations: Subscribe (idempotent per topic, protocol and endpoint),
the HTTP/S confirmation handshake, Unsubscribe, attributes and listing. Mixed into
SnsProvider.

SQS, Lambda and the endpoints Tenku keeps in its inbox (email, SMS, ...) are confirmed
at once; an HTTP/S subscription stays pending until its endpoint visits the
SubscribeURL (or calls ConfirmSubscription) with the token it was sent.
Must not: deliver anything itself (it queues the confirmation for the deliverer).
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.ids import new_token, new_uuid
from tenku.services.sns import models
from tenku.services.sns.base import PAGE_SIZE, SnsBase, decode_token, encode_token
from tenku.services.sns.errors import invalid_parameter
from tenku.services.sns.filters import ATTRIBUTES
from tenku.services.sns.models import Subscription, Topic

PENDING = "pending confirmation"
_REMOVABLE = ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy", "ReplayPolicy")


def _check_attributes(attributes: dict[str, str], protocol: str) -> dict[str, str]:
    cleaned = {
        name: models.validate_subscription_attribute(name, value, protocol)
        for name, value in attributes.items()
    }
    models.check_filter_policy(
        cleaned.get("FilterPolicy", ""), cleaned.get("FilterPolicyScope", ATTRIBUTES)
    )
    return {k: v for k, v in cleaned.items() if v or k not in _REMOVABLE}


def _check_topic_fit(topic: Topic, protocol: str, endpoint: str) -> None:
    fifo_queue = protocol == "sqs" and endpoint.endswith(".fifo")
    if topic.fifo and protocol != "sqs":
        raise invalid_parameter(
            f"Invalid protocol type: {protocol}. FIFO topics only support SQS subscriptions"
        )
    if fifo_queue and not topic.fifo:
        raise invalid_parameter(
            "Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"
        )


class SubscriptionOps(SnsBase):
    def subscribe(
        self,
        ctx: RequestContext,
        topic_arn: str,
        protocol: str,
        endpoint: str | None = None,
        attributes: dict[str, str] | None = None,
        return_subscription_arn: bool | None = None,
    ) -> dict[str, Any]:
        topic = self.require_topic(topic_arn)
        protocol = protocol.lower()
        target = models.validate_endpoint(protocol, endpoint)
        _check_topic_fit(topic, protocol, target)
        wanted = _check_attributes(attributes or {}, protocol)
        existing = self.store.find_subscription(topic.arn, protocol, target)
        if existing is not None:
            if any(existing.attributes.get(k) != v for k, v in wanted.items()):
                raise invalid_parameter(
                    "Attributes Reason: Subscription already exists with different attributes"
                )
            shown = existing.arn if existing.confirmed or return_subscription_arn else PENDING
            return {"SubscriptionArn": shown}
        needs_handshake = protocol in ("http", "https")
        sub = Subscription(
            arn=f"{topic.arn}:{new_uuid()}",
            topic_arn=topic.arn,
            protocol=protocol,
            endpoint=target,
            owner=ctx.scope.account,
            attributes=wanted,
            confirmed=not needs_handshake,
            token=new_token(64) if needs_handshake else None,
        )
        with self.store.db.transaction():
            self.store.save_subscription(sub, topic.scope)
            if needs_handshake:
                self.store.add_outbox(None, sub.arn, "confirmation", None, self.now_ms())
        if needs_handshake:
            self.deliverer.wake()
        shown = sub.arn if sub.confirmed or return_subscription_arn else PENDING
        return {"SubscriptionArn": shown}

    def confirm_subscription(
        self,
        ctx: RequestContext,
        topic_arn: str,
        token: str,
        authenticate_on_unsubscribe: str | None = None,
    ) -> dict[str, Any]:
        topic = self.require_topic(topic_arn)
        sub = self.store.subscription_by_token(topic.arn, token)
        if sub is None:
            raise invalid_parameter("Token")
        if not sub.confirmed:
            sub.confirmed = True
            if str(authenticate_on_unsubscribe).lower() in ("true", "1"):
                sub.attributes["ConfirmationWasAuthenticated"] = "true"
            self.store.save_subscription(sub, topic.scope)
        return {"SubscriptionArn": sub.arn}

    def unsubscribe(self, ctx: RequestContext, subscription_arn: str) -> dict[str, Any]:
        if subscription_arn.count(":") < 6 or not subscription_arn.startswith("arn:"):
            raise invalid_parameter("SubscriptionArn")
        sub = self.store.subscription(subscription_arn)
        if sub is not None:  # unsubscribing twice is not an error
            self.store.delete_subscription(sub)
        return {}

    def get_subscription_attributes(
        self, ctx: RequestContext, subscription_arn: str
    ) -> dict[str, Any]:
        sub = self.require_subscription(subscription_arn)
        topic = self.store.topic(sub.topic_arn)
        attributes = {
            "Owner": sub.owner,
            "RawMessageDelivery": "false",
            "TopicArn": sub.topic_arn,
            "Endpoint": sub.endpoint,
            "Protocol": sub.protocol,
            "PendingConfirmation": "false" if sub.confirmed else "true",
            "ConfirmationWasAuthenticated": "true" if sub.confirmed else "false",
            "SubscriptionArn": sub.arn,
            "EffectiveDeliveryPolicy": json.dumps(
                models.effective_subscription_policy(topic, sub), separators=(",", ":")
            ),
            **sub.attributes,
        }
        if "FilterPolicy" in sub.attributes:
            attributes.setdefault("FilterPolicyScope", ATTRIBUTES)
        return {"Attributes": attributes}

    def set_subscription_attributes(
        self,
        ctx: RequestContext,
        subscription_arn: str,
        attribute_name: str,
        attribute_value: str | None = None,
    ) -> dict[str, Any]:
        sub = self.require_subscription(subscription_arn)
        value = models.validate_subscription_attribute(
            attribute_name, attribute_value or "", sub.protocol
        )
        updated = {**sub.attributes, attribute_name: value}
        models.check_filter_policy(
            updated.get("FilterPolicy", ""), updated.get("FilterPolicyScope", ATTRIBUTES)
        )
        if not value and attribute_name in _REMOVABLE:
            updated.pop(attribute_name)
        sub.attributes = updated
        topic = self.store.topic(sub.topic_arn)
        self.store.save_subscription(sub, topic.scope if topic else ctx.scope)
        return {}

    def _listing(self, page: list[tuple[int, Subscription]]) -> dict[str, Any]:
        entries = [
            {
                "SubscriptionArn": sub.arn if sub.confirmed else "PendingConfirmation",
                "Owner": sub.owner,
                "Protocol": sub.protocol,
                "Endpoint": sub.endpoint,
                "TopicArn": sub.topic_arn,
            }
            for _, sub in page[:PAGE_SIZE]
        ]
        result: dict[str, Any] = {"Subscriptions": entries}
        if len(page) > PAGE_SIZE:
            result["NextToken"] = encode_token(page[PAGE_SIZE - 1][0])
        return result

    def list_subscriptions(
        self, ctx: RequestContext, next_token: str | None = None
    ) -> dict[str, Any]:
        after = decode_token(next_token)
        return self._listing(self.store.subscriptions_page(ctx.scope, None, after, PAGE_SIZE + 1))

    def list_subscriptions_by_topic(
        self, ctx: RequestContext, topic_arn: str, next_token: str | None = None
    ) -> dict[str, Any]:
        topic = self.require_topic(topic_arn)
        after = decode_token(next_token)
        page = self.store.subscriptions_page(ctx.scope, topic.arn, after, PAGE_SIZE + 1)
        return self._listing(page)
