"""The daily report (EventBridge Scheduler, 09:00 Asia/Tokyo): counts the orders and their
total and writes them to the table under REPORT#daily / <date in Tokyo>."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from boto3.dynamodb.conditions import Attr
from shop_common import now, table

# A named logger: the root logger's level would let botocore's INFO lines through too.
logger = logging.getLogger("shop.reports.daily")
logger.setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    count, total = 0, Decimal(0)
    scan: dict[str, Any] = {"FilterExpression": Attr("SK").begins_with("ORDER#")}
    while True:
        page = table().scan(**scan)
        for item in page.get("Items", []):
            count += 1
            total += Decimal(item.get("totalAmount", 0))
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    day = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    table().put_item(
        Item={
            "PK": "REPORT#daily",
            "SK": day,
            "reportType": event.get("reportType", "daily"),
            "orders": count,
            "totalAmount": total,
            "generatedAt": now(),
        }
    )
    logger.info("daily report %s: %d orders, total %s", day, count, total)
    return {"date": day, "orders": count, "totalAmount": str(total)}
