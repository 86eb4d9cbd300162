"""The users API: GET/POST /users, GET/PUT/DELETE /users/{userId}, behind the HTTP API's
JWT authorizer (HTTP API payload format 2.0: the route key picks the action)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from shop_common import as_json, claims, error, json_body, now, response, table, user_key

# A named logger: the root logger's level would let botocore's INFO lines through too.
logger = logging.getLogger("shop.users.handler")
logger.setLevel(logging.INFO)

PUBLIC_FIELDS = ("userId", "name", "email", "createdAt", "updatedAt", "createdBy")


def public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in as_json(item).items() if k in PUBLIC_FIELDS}


def list_users(event: dict[str, Any]) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    try:
        limit = max(1, min(100, int(query.get("limit", "20"))))
    except ValueError:
        return error(400, "limit must be a number")
    page = table().query(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :users",
        ExpressionAttributeValues={":users": "USERS"},
        Limit=limit,
    )
    users = [public(item) for item in page.get("Items", [])]
    return response(200, {"users": users, "count": len(users)})


def _validated(body: Any, *, partial: bool) -> dict[str, str] | str:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    fields = {k: body[k] for k in ("name", "email") if k in body}
    missing = [k for k in ("name", "email") if k not in fields]
    if missing and not partial:
        return f"{' and '.join(missing)} required"
    if not fields:
        return "nothing to update: give name or email"
    for key, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            return f"{key} must be a non-empty string"
    if "email" in fields and "@" not in fields["email"]:
        return "email is not an email address"
    return fields


def create_user(event: dict[str, Any]) -> dict[str, Any]:
    try:
        fields = _validated(json_body(event), partial=False)
    except ValueError:
        return error(400, "the body is not JSON")
    if isinstance(fields, str):
        return error(400, fields)
    user_id = str(uuid.uuid4())
    stamp = now()
    item = {
        **user_key(user_id),
        "GSI1PK": "USERS",
        "GSI1SK": f"{stamp}#{user_id}",
        "userId": user_id,
        **fields,
        "createdAt": stamp,
        "updatedAt": stamp,
        "createdBy": claims(event).get("sub", ""),
    }
    table().put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
    logger.info("created user %s", user_id)
    return response(201, public(item), {"location": f"/users/{user_id}"})


def get_user(event: dict[str, Any]) -> dict[str, Any]:
    user_id = event["pathParameters"]["userId"]
    item = table().get_item(Key=user_key(user_id)).get("Item")
    if item is None:
        return error(404, f"user {user_id} not found")
    return response(200, public(item))


def update_user(event: dict[str, Any]) -> dict[str, Any]:
    user_id = event["pathParameters"]["userId"]
    try:
        fields = _validated(json_body(event), partial=True)
    except ValueError:
        return error(400, "the body is not JSON")
    if isinstance(fields, str):
        return error(400, fields)
    names = {f"#{k}": k for k in fields}
    values = {f":{k}": v for k, v in fields.items()} | {":now": now()}
    assignments = ", ".join(f"#{k} = :{k}" for k in fields)
    try:
        updated = table().update_item(
            Key=user_key(user_id),
            UpdateExpression=f"SET {assignments}, updatedAt = :now",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    except ClientError as failure:
        if failure.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return error(404, f"user {user_id} not found")
        raise
    return response(200, public(updated["Attributes"]))


def delete_user(event: dict[str, Any]) -> dict[str, Any]:
    user_id = event["pathParameters"]["userId"]
    try:
        table().delete_item(Key=user_key(user_id), ConditionExpression="attribute_exists(PK)")
    except ClientError as failure:
        if failure.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return error(404, f"user {user_id} not found")
        raise
    logger.info("deleted user %s", user_id)
    return {"statusCode": 204}


ROUTES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "GET /users": list_users,
    "POST /users": create_user,
    "GET /users/{userId}": get_user,
    "PUT /users/{userId}": update_user,
    "DELETE /users/{userId}": delete_user,
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = ROUTES.get(event.get("routeKey", ""))
    if action is None:
        return error(404, "route not found")
    try:
        return action(event)
    except Exception:
        logger.exception("request %s failed", context.aws_request_id)
        return error(500, "internal server error")
