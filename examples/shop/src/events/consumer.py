"""The EventBridge rule's consumer: an `OrderPlaced` event confirms the order (status
CONFIRMED in the table), standing in for stock updates and confirmation mail."""

from __future__ import annotations

import logging
from typing import Any

from shop_common import now, order_key, table

# A named logger: the root logger's level would let botocore's INFO lines through too.
logger = logging.getLogger("shop.events.consumer")
logger.setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any) -> None:
    kind = event.get("detail-type")
    detail = event.get("detail") or {}
    logger.info("received %s from %s", kind, event.get("source"))
    if kind != "OrderPlaced":
        logger.warning("unknown event type %s", kind)
        return
    table().update_item(
        Key=order_key(detail["userId"], detail["orderId"]),
        UpdateExpression="SET #status = :confirmed, confirmedAt = :now, eventId = :id",
        ConditionExpression="attribute_exists(SK)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":confirmed": "CONFIRMED", ":now": now(), ":id": event["id"]},
    )
    logger.info(
        "order %s confirmed for user %s, total %s",
        detail["orderId"],
        detail["userId"],
        detail.get("totalAmount"),
    )
