"""The order worker: the FIFO order queue's messages in batches of up to 10, each order
written to the table as PLACED. A message that cannot be processed is reported in
`batchItemFailures` (ReportBatchItemFailures), so only it comes back, and after three
receives it goes to the dead-letter queue."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from shop_common import now, order_key, table

# A named logger: the root logger's level would let botocore's INFO lines through too.
logger = logging.getLogger("shop.orders.processor")
logger.setLevel(logging.INFO)


def place(order: dict[str, Any]) -> None:
    order_id, user_id = order["orderId"], order["userId"]
    item = {
        **order_key(user_id, order_id),
        "GSI1PK": f"ORDER#{order_id}",
        "GSI1SK": "ORDER",
        "orderId": order_id,
        "userId": user_id,
        "items": [
            {
                "productId": i["productId"],
                "quantity": int(i["quantity"]),
                "price": Decimal(i["price"]),
            }
            for i in order["items"]
        ],
        "totalAmount": Decimal(order["totalAmount"]),
        "status": "PLACED",
        "createdAt": order["createdAt"],
        "placedAt": now(),
    }
    try:
        # A message delivered twice must not place the order twice.
        table().put_item(Item=item, ConditionExpression="attribute_not_exists(SK)")
    except ClientError as failure:
        if failure.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        logger.info("order %s was placed already", order_id)
        return
    logger.info("order %s placed for user %s: %s", order_id, user_id, order["totalAmount"])


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            place(json.loads(record["body"]))
        except Exception:
            logger.exception("message %s failed", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
