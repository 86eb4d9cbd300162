"""What every group of SNS operations shares: the store, the clock, lookups that raise
SNS's errors, and the opaque NextToken of the List operations.

Must not: implement operations (topics.py, subscriptions.py and publishing.py do).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from tenku.core.clock import Clock
from tenku.services.sns import models
from tenku.services.sns.delivery import Deliverer
from tenku.services.sns.envelopes import Envelopes
from tenku.services.sns.errors import invalid_parameter, subscription_not_found, topic_not_found
from tenku.services.sns.models import Subscription, Topic
from tenku.services.sns.store import SnsStore

PAGE_SIZE = 100


class SnsBase:
    store: SnsStore
    clock: Clock
    envelopes: Envelopes
    deliverer: Deliverer
    endpoint: Callable[[], str]

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def require_topic(self, arn: str | None) -> Topic:
        parsed = models.parse_topic_arn(arn)
        topic = self.store.topic(parsed.scope.arn("sns", parsed.resource))
        if topic is None:
            raise topic_not_found()
        return topic

    def require_subscription(self, arn: str | None) -> Subscription:
        if not arn or arn.count(":") < 6 or not arn.startswith("arn:"):
            raise invalid_parameter("SubscriptionArn")
        sub = self.store.subscription(arn)
        if sub is None:
            raise subscription_not_found()
        return sub


def encode_token(after: int) -> str:
    return base64.urlsafe_b64encode(f"tenku:{after}".encode()).decode()


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix == "tenku" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeError):
        pass
    raise invalid_parameter("NextToken")
