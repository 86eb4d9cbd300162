"""POST /orders: check the order, give it an id and put it on the FIFO order queue (one
message group per user, so a user's orders are processed in order). The worker
(`orders/processor.py`) writes it to the table."""

from __future__ import annotations

import json
import logging
import os
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3
from shop_common import claims, error, json_body, now, response

# A named logger: the root logger's level would let botocore's INFO lines through too.
logger = logging.getLogger("shop.orders.handler")
logger.setLevel(logging.INFO)
sqs = boto3.client("sqs")


def _items(raw: Any) -> list[dict[str, Any]] | str:
    if not isinstance(raw, list) or not raw:
        return "items must be a non-empty list"
    items = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("productId"), str):
            return f"items[{position}] needs a productId"
        quantity = entry.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            return f"items[{position}].quantity must be a positive whole number"
        try:
            price = Decimal(str(entry.get("price")))
        except InvalidOperation:
            return f"items[{position}].price must be a number"
        if price < 0 or not price.is_finite():
            return f"items[{position}].price must be a number of at least 0"
        items.append({"productId": entry["productId"], "quantity": quantity, "price": str(price)})
    return items


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        body = json_body(event)
    except ValueError:
        return error(400, "the body is not JSON")
    if not isinstance(body, dict):
        return error(400, "the body must be a JSON object")
    items = _items(body.get("items"))
    if isinstance(items, str):
        return error(400, items)
    user_id = body.get("userId") or claims(event).get("sub")
    if not isinstance(user_id, str) or not user_id:
        return error(400, "userId required")
    total = sum(Decimal(i["price"]) * i["quantity"] for i in items)
    order = {
        "orderId": str(uuid.uuid4()),
        "userId": user_id,
        "items": items,
        "totalAmount": str(total),
        "createdAt": now(),
    }
    sqs.send_message(
        QueueUrl=os.environ["ORDER_QUEUE_URL"],
        MessageBody=json.dumps(order),
        MessageGroupId=user_id,
        MessageDeduplicationId=order["orderId"],
        MessageAttributes={"OrderType": {"DataType": "String", "StringValue": "standard"}},
    )
    logger.info("order %s queued for user %s (%s)", order["orderId"], user_id, total)
    return response(
        202, {"orderId": order["orderId"], "status": "QUEUED", "totalAmount": order["totalAmount"]}
    )
