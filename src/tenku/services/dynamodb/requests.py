"""Request-level expression handling shared by every item operation: the legacy/
expression mixing rules, one `ExpressionContext` per request, and building the
condition, update and projection a request asks for (expression or legacy form).

Must not: touch tables or storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenku.services.dynamodb import expressions as ex
from tenku.services.dynamodb.errors import validation


class Parsed:
    """The parsed expressions of one request (each None when not given)."""

    __slots__ = ("condition", "context", "filter", "projection", "update")

    def __init__(self, context: ex.ExpressionContext) -> None:
        self.context = context
        self.condition: ex.Condition | None = None
        self.filter: ex.Condition | None = None
        self.update: ex.Update | None = None
        self.projection: ex.Projection | None = None


def parse_request(
    params: Mapping[str, Any],
    expression_kinds: list[str],
    *,
    filter_kind: str | None = None,
) -> Parsed:
    """Parse whatever of ConditionExpression/Expected, UpdateExpression/AttributeUpdates,
    ProjectionExpression/AttributesToGet and FilterExpression/QueryFilter/ScanFilter
    `params` (AWS member names) holds. `expression_kinds` are the operation's
    expression parameters that may use ExpressionAttributeValues, in DynamoDB's order;
    `filter_kind` is "QueryFilter" or "ScanFilter" for reads."""
    ex.check_no_mixing(params)
    ex.check_expression_attributes(params, expression_kinds)
    names = params.get("ExpressionAttributeNames")
    values = params.get("ExpressionAttributeValues")
    context = ex.ExpressionContext(names, values)
    parsed = Parsed(context)
    update_expression = params.get("UpdateExpression")
    if update_expression is not None:
        parsed.update = ex.parse_update(update_expression, context=context)
    elif params.get("AttributeUpdates") is not None:
        parsed.update = ex.update_from_attribute_updates(params["AttributeUpdates"])
    condition_expression = params.get("ConditionExpression")
    operator = params.get("ConditionalOperator")
    if condition_expression is not None:
        parsed.condition = ex.parse_condition(condition_expression, context=context)
    elif params.get("Expected") is not None:
        parsed.condition = ex.condition_from_expected(params["Expected"], operator)
    elif operator is not None and filter_kind is None:
        raise validation(
            "One or more parameter values were invalid: ConditionalOperator can only be used "
            "when Expected or KeyConditions or QueryFilter or ScanFilter is present"
        )
    filter_expression = params.get("FilterExpression")
    if filter_expression is not None:
        parsed.filter = ex.parse_condition(
            filter_expression, kind="FilterExpression", context=context
        )
    elif filter_kind is not None and params.get(filter_kind) is not None:
        parsed.filter = ex.condition_from_filter(params[filter_kind], operator)
    projection_expression = params.get("ProjectionExpression")
    if projection_expression is not None:
        parsed.projection = ex.parse_projection(projection_expression, context=context)
    elif params.get("AttributesToGet") is not None:
        parsed.projection = ex.projection_from_attributes_to_get(params["AttributesToGet"])
    # A KeyConditionExpression needs the key schema, known only after the table
    # lookup: Query parses it later with `parsed.context` and checks usage then.
    if params.get("KeyConditionExpression") is None:
        context.check_all_used()
    return parsed


def params_of(**members: Any) -> dict[str, Any]:
    """AWS member names -> values, for the mixing checks (None members dropped)."""
    return {k: v for k, v in members.items() if v is not None}
