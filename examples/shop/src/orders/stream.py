"""The table's stream processor: a new order (an INSERT of an `ORDER#` item) becomes an
`OrderPlaced` event on EventBridge; a new user is greeted (in the log). Failed records
are reported by sequence number (ReportBatchItemFailures), so the batch resumes there."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from shop_common import as_json

# A named logger: the root logger's level would let botocore's INFO lines through too.
logger = logging.getLogger("shop.orders.stream")
logger.setLevel(logging.INFO)
events = boto3.client("events")
_deserializer = TypeDeserializer()

SOURCE = "com.tenku.shop.orders"


def image(raw: dict[str, Any]) -> dict[str, Any]:
    return as_json({k: _deserializer.deserialize(v) for k, v in raw.items()})


def publish_order_placed(order: dict[str, Any]) -> None:
    detail = {k: order.get(k) for k in ("orderId", "userId", "totalAmount", "createdAt")}
    result = events.put_events(
        Entries=[
            {
                "EventBusName": os.environ.get("EVENT_BUS_NAME", "default"),
                "Source": SOURCE,
                "DetailType": "OrderPlaced",
                "Detail": json.dumps(detail),
            }
        ]
    )
    if result.get("FailedEntryCount"):
        raise RuntimeError(f"PutEvents failed: {result['Entries']}")
    logger.info("OrderPlaced published for order %s", order["orderId"])


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    for record in event["Records"]:
        try:
            if record["eventName"] != "INSERT":
                continue
            item = image(record["dynamodb"]["NewImage"])
            if str(item.get("SK", "")).startswith("ORDER#"):
                publish_order_placed(item)
            elif item.get("SK") == "PROFILE":
                logger.info("welcome email to be sent to %s", item.get("email"))
        except Exception:
            logger.exception("stream record %s failed", record["dynamodb"].get("SequenceNumber"))
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
