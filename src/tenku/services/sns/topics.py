"""Topic operations: CreateTopic (standard and FIFO, idempotent), attributes, listing,
deletion, tags and the access policy's permission statements. Mixed into SnsProvider.

Must not: publish or deliver.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.scope import Arn
from tenku.services.sns import models
from tenku.services.sns.base import PAGE_SIZE, SnsBase, decode_token, encode_token
from tenku.services.sns.errors import invalid_parameter, resource_not_found, tag_limit
from tenku.services.sns.models import Topic

MAX_TAGS = 50


def _tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in tags or []:
        key, value = tag.get("Key", ""), tag.get("Value", "")
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise invalid_parameter("Tags Reason: Tag keys must be 1-128 and values 0-256 chars")
        out[key] = value
    return out


class TopicOps(SnsBase):
    def create_topic(
        self,
        ctx: RequestContext,
        name: str,
        attributes: dict[str, str] | None = None,
        tags: list[dict[str, str]] | None = None,
        data_protection_policy: str | None = None,
    ) -> dict[str, Any]:
        requested = dict(attributes or {})
        if data_protection_policy is not None:
            requested["DataProtectionPolicy"] = data_protection_policy
        fifo = requested.get("FifoTopic", "false").lower() == "true"
        models.validate_topic_name(name, fifo)
        cleaned = {
            key: models.validate_topic_attribute(key, value, fifo=fifo, creating=True)
            for key, value in requested.items()
        }
        if not fifo:
            cleaned.pop("FifoTopic", None)
        else:
            cleaned.setdefault("ContentBasedDeduplication", "false")
        tag_map = _tag_map(tags)
        if len(tag_map) > MAX_TAGS:
            raise tag_limit()
        arn = models.topic_arn(ctx.scope, name)
        existing = self.store.topic(arn)
        if existing is not None:
            current = self._visible_attributes(existing)
            if any(current.get(k, "") != v for k, v in cleaned.items()):
                raise invalid_parameter(
                    "Attributes Reason: Topic already exists with different attributes"
                )
            if tags is not None and tag_map != existing.tags:
                raise invalid_parameter("Tags Reason: Topic already exists with different tags")
            return {"TopicArn": arn}
        self.store.save_topic(Topic(arn, name, ctx.scope, cleaned, tag_map))
        return {"TopicArn": arn}

    def _visible_attributes(self, topic: Topic) -> dict[str, str]:
        return {
            "Policy": models.default_policy(topic.arn, topic.scope.account),
            "DisplayName": "",
            **topic.attributes,
        }

    def get_topic_attributes(self, ctx: RequestContext, topic_arn: str) -> dict[str, Any]:
        topic = self.require_topic(topic_arn)
        confirmed, pending, deleted = self.store.subscription_counts(topic.arn)
        attributes = {
            **self._visible_attributes(topic),
            "Owner": topic.scope.account,
            "TopicArn": topic.arn,
            "SubscriptionsConfirmed": str(confirmed),
            "SubscriptionsPending": str(pending),
            "SubscriptionsDeleted": str(deleted),
            "EffectiveDeliveryPolicy": json.dumps(
                models.effective_topic_policy(topic), separators=(",", ":")
            ),
        }
        return {"Attributes": attributes}

    def set_topic_attributes(
        self,
        ctx: RequestContext,
        topic_arn: str,
        attribute_name: str,
        attribute_value: str | None = None,
    ) -> dict[str, Any]:
        topic = self.require_topic(topic_arn)
        value = models.validate_topic_attribute(
            attribute_name, attribute_value or "", fifo=topic.fifo, creating=False
        )
        if not value and attribute_name in ("Policy", "DeliveryPolicy", "KmsMasterKeyId"):
            topic.attributes.pop(attribute_name, None)  # back to the default
        else:
            topic.attributes[attribute_name] = value
        self.store.save_topic(topic)
        return {}

    def list_topics(self, ctx: RequestContext, next_token: str | None = None) -> dict[str, Any]:
        after = decode_token(next_token)
        page = self.store.topics_page(ctx.scope, after, PAGE_SIZE + 1)
        result: dict[str, Any] = {"Topics": [{"TopicArn": arn} for _, arn in page[:PAGE_SIZE]]}
        if len(page) > PAGE_SIZE:
            result["NextToken"] = encode_token(page[PAGE_SIZE - 1][0])
        return result

    def delete_topic(self, ctx: RequestContext, topic_arn: str) -> dict[str, Any]:
        parsed = models.parse_topic_arn(topic_arn)
        # Deleting a topic that does not exist is not an error (DeleteTopic is idempotent).
        self.store.delete_topic(parsed.scope.arn("sns", parsed.resource))
        return {}

    # -- tags ----------------------------------------------------------------------------------
    def _tagged_topic(self, arn: str) -> Topic:
        parsed = Arn.parse(arn)
        topic = self.store.topic(arn) if parsed and parsed.service == "sns" else None
        if topic is None:
            raise resource_not_found()
        return topic

    def tag_resource(
        self, ctx: RequestContext, resource_arn: str, tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        topic = self._tagged_topic(resource_arn)
        merged = {**topic.tags, **_tag_map(tags)}
        if len(merged) > MAX_TAGS:
            raise tag_limit()
        topic.tags = merged
        self.store.save_topic(topic)
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource_arn: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        topic = self._tagged_topic(resource_arn)
        topic.tags = {k: v for k, v in topic.tags.items() if k not in set(tag_keys)}
        self.store.save_topic(topic)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, resource_arn: str) -> dict[str, Any]:
        topic = self._tagged_topic(resource_arn)
        return {"Tags": [{"Key": k, "Value": v} for k, v in topic.tags.items()]}

    # -- permissions ---------------------------------------------------------------------------
    def add_permission(
        self,
        ctx: RequestContext,
        topic_arn: str,
        label: str,
        aws_account_id: list[str],
        action_name: list[str],
    ) -> dict[str, Any]:
        topic = self.require_topic(topic_arn)
        policy = json.loads(self._visible_attributes(topic)["Policy"])
        statements = policy.setdefault("Statement", [])
        if any(s.get("Sid") == label for s in statements):
            raise invalid_parameter("Statement already exists")
        principals = [f"arn:aws:iam::{account}:root" for account in aws_account_id]
        actions = [f"SNS:{action}" for action in action_name]
        statements.append(
            {
                "Sid": label,
                "Effect": "Allow",
                "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                "Action": actions[0] if len(actions) == 1 else actions,
                "Resource": topic.arn,
            }
        )
        topic.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        self.store.save_topic(topic)
        return {}

    def remove_permission(self, ctx: RequestContext, topic_arn: str, label: str) -> dict[str, Any]:
        topic = self.require_topic(topic_arn)
        policy = json.loads(self._visible_attributes(topic)["Policy"])
        policy["Statement"] = [s for s in policy.get("Statement", []) if s.get("Sid") != label]
        topic.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        self.store.save_topic(topic)
        return {}
