"""What every shop function shares (a Lambda layer, found on /opt/python): the table,
JSON answers for the HTTP API, the caller's JWT claims, and the single-table keys.

Single-table design (table PK/SK, index GSI1 on GSI1PK/GSI1SK):

| item          | PK             | SK               | GSI1PK           | GSI1SK                |
|---------------|----------------|------------------|------------------|-----------------------|
| user profile  | USER#<userId>  | PROFILE          | USERS            | <createdAt>#<userId>  |
| order         | USER#<userId>  | ORDER#<orderId>  | ORDER#<orderId>  | ORDER                 |
| daily report  | REPORT#daily   | <date>           |                  |                       |
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3

_table: Any = None


def table() -> Any:
    """The shop's DynamoDB table (TABLE_NAME), made once per execution environment."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return _table


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def user_key(user_id: str) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": "PROFILE"}


def order_key(user_id: str, order_id: str) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": f"ORDER#{order_id}"}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) answer with a JSON body."""
    answer: dict[str, Any] = {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
    }
    if body is not None:
        answer["body"] = json.dumps(body, default=_plain)
    return answer


def error(status: int, message: str) -> dict[str, Any]:
    return response(status, {"error": message})


def json_body(event: dict[str, Any]) -> Any:
    """The request body as JSON; ValueError when it is not."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        import base64

        raw = base64.b64decode(raw).decode()
    return json.loads(raw) if raw else {}


def claims(event: dict[str, Any]) -> dict[str, str]:
    """The caller's verified JWT claims (the API's JWT authorizer put them there)."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return dict((authorizer.get("jwt") or {}).get("claims") or {})


def as_json(item: dict[str, Any]) -> dict[str, Any]:
    """An item as plain JSON values (DynamoDB numbers are Decimals)."""
    return json.loads(json.dumps(item, default=_plain))
