"""DynamoDB's expression language: one tokenizer, parser, validator and evaluator for
key condition, condition, filter, projection and update expressions, plus the legacy
parameters (Expected, AttributeUpdates, KeyConditions, Query/ScanFilter,
AttributesToGet) converted into the same engine.

Entry points (see `api`): `parse_condition`, `parse_update`, `parse_projection`,
`parse_key_condition`; share one `ExpressionContext` across a request's expressions and
call `check_all_used()` at the end."""

from .api import parse_condition, parse_key_condition, parse_projection, parse_update
from .ast import Path
from .evaluate import Condition
from .keycondition import KeyCondition
from .legacy import (
    check_expression_attributes,
    check_no_mixing,
    condition_from_expected,
    condition_from_filter,
    key_condition_from_legacy,
    projection_from_attributes_to_get,
    update_from_attribute_updates,
)
from .names import ExpressionContext
from .projection import Projection
from .update import Update

__all__ = [
    "Condition",
    "ExpressionContext",
    "KeyCondition",
    "Path",
    "Projection",
    "Update",
    "check_expression_attributes",
    "check_no_mixing",
    "condition_from_expected",
    "condition_from_filter",
    "key_condition_from_legacy",
    "parse_condition",
    "parse_key_condition",
    "parse_projection",
    "parse_update",
    "projection_from_attributes_to_get",
    "update_from_attribute_updates",
]
