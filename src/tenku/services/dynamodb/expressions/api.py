"""The engine's entry points: parse each expression kind with its placeholders into
`Condition`, `Update`, `Projection` or `KeyCondition`."""

from __future__ import annotations

from collections.abc import Mapping

from .ast import AttributeValue
from .evaluate import Condition
from .keycondition import KeyCondition, key_condition_from_tree
from .names import ExpressionContext
from .parser import Parser
from .projection import Projection
from .update import Update

Names = Mapping[str, str] | None
Values = Mapping[str, AttributeValue] | None


def _context(
    context: ExpressionContext | None, names: Names, values: Values
) -> tuple[ExpressionContext, bool]:
    """The request's context, or a private one to check for unused placeholders."""
    if context is not None:
        return context, False
    return ExpressionContext(names, values), True


def parse_condition(
    expression: str,
    names: Names = None,
    values: Values = None,
    *,
    kind: str = "ConditionExpression",
    context: ExpressionContext | None = None,
) -> Condition:
    """A ConditionExpression (or, with kind="FilterExpression", a filter).

    With `context`, placeholders come from it and stay tracked for the request's
    `context.check_all_used()`; without, unused placeholders are rejected at once."""
    ctx, alone = _context(context, names, values)
    node = Parser(expression, kind, ctx).parse_condition()
    if alone:
        ctx.check_all_used()
    return Condition(node, expression)


def parse_update(
    expression: str,
    names: Names = None,
    values: Values = None,
    *,
    context: ExpressionContext | None = None,
) -> Update:
    """An UpdateExpression."""
    ctx, alone = _context(context, names, values)
    actions = Parser(expression, "UpdateExpression", ctx).parse_update()
    if alone:
        ctx.check_all_used()
    return Update(actions, expression)


def parse_projection(
    expression: str, names: Names = None, *, context: ExpressionContext | None = None
) -> Projection:
    """A ProjectionExpression."""
    ctx, alone = _context(context, names, None)
    paths = Parser(expression, "ProjectionExpression", ctx).parse_projection()
    if alone:
        ctx.check_all_used()
    return Projection(paths, expression)


def parse_key_condition(
    expression: str,
    names: Names = None,
    values: Values = None,
    *,
    hash_key: str,
    range_key: str | None = None,
    context: ExpressionContext | None = None,
) -> KeyCondition:
    """A KeyConditionExpression, checked against the table's or index's key schema."""
    ctx, alone = _context(context, names, values)
    node = Parser(expression, "KeyConditionExpression", ctx).parse_condition()
    key = key_condition_from_tree(node, hash_key, range_key)
    if alone:
        ctx.check_all_used()
    return key
