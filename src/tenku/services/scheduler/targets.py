"""What calling a schedule's target means: (service, operation, parameters) for the
public API, from the target's ARN, its Input and its templated-target parameters.

Templated targets (AWS's "Using templated targets"):
- Lambda function: `Invoke` with InvocationType Event and the Input as the payload.
- SQS queue: `SendMessage` with the Input as the body; SqsParameters.MessageGroupId for a
  FIFO queue, whose deduplication id is the execution id (so a retried delivery of one
  occurrence is not queued twice; AWS does not document what it sends).
- SNS topic: `Publish` with the Input as the message.
- EventBridge bus: `PutEvents` of one entry: EventBridgeParameters' DetailType and
  Source, the Input as the detail, the schedule as the resource, the scheduled time.
Universal targets, `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`: the Input is the
operation's parameters as JSON (members in PascalCase, as the SDK documentation shows).
`<service>` is the SDK's service name (`sqs`, `dynamodb`, `eventbridge`,
`cloudwatchlogs`, ...) and `apiAction` the operation in camelCase (`sendMessage`). The
parameters go through the same conversion and validation as a request body, so a bad
Input fails the way the same call from an SDK would.
Without an Input, AWS delivers "a default notification"; Tenku delivers `{}`.
Context attributes (`<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-time>`,
`<aws.scheduler.execution-id>`, `<aws.scheduler.attempt-number>`) are replaced in the
Input before any of this.
Must not: call anything (the delivery does), or import another service.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tenku.core.errors import ServiceError
from tenku.core.scope import Arn, Scope
from tenku.protocol.models import UnknownServiceError, load_service_model
from tenku.protocol.parsers import validation_style
from tenku.protocol.validate import get_checker, run_checker

UNIVERSAL_PREFIX = "arn:aws:scheduler:::aws-sdk:"
# SDK service names whose botocore model (and Tenku service) is named differently.
_SDK_SERVICE_ALIASES = {
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "sfn": "stepfunctions",
    "cloudwatchevents": "events",
    "elasticloadbalancingv2": "elbv2",
    "applicationautoscaling": "application-autoscaling",
}
_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class Call(NamedTuple):
    service: str
    operation: str
    params: dict[str, Any]
    scope: Scope


class Context(NamedTuple):
    """One delivery attempt of one occurrence, as the context attributes describe it."""

    schedule_arn: str
    scheduled: float
    execution_id: str
    attempt: int


def scheduled_time_text(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_input(target: dict[str, Any], context: Context) -> str:
    """The target's Input with the context attributes filled in."""
    text = target.get("Input")
    if text is None:
        return "{}"
    replacements = {
        "<aws.scheduler.schedule-arn>": context.schedule_arn,
        "<aws.scheduler.scheduled-time>": scheduled_time_text(context.scheduled),
        "<aws.scheduler.execution-id>": context.execution_id,
        "<aws.scheduler.attempt-number>": str(context.attempt),
    }
    for marker, value in replacements.items():
        text = text.replace(marker, value)
    return str(text)


def call_for(target: dict[str, Any], body: str, context: Context, home: Scope) -> Call:
    """The API call that delivers `body` to `target`; ServiceError when it cannot be
    made (an unknown service or operation, an Input that is not the operation's
    parameters)."""
    arn_text = target["Arn"]
    if arn_text.startswith(UNIVERSAL_PREFIX):
        return _universal(arn_text, body, home)
    arn = Arn.parse(arn_text)
    if arn is None:
        raise ServiceError("ValidationException", f"Invalid target ARN {arn_text}.", 400)
    if arn.service == "lambda":
        params: dict[str, Any] = {
            "FunctionName": arn_text,
            "InvocationType": "Event",
            "Payload": body.encode(),
        }
        return Call("lambda", "Invoke", params, arn.scope)
    if arn.service == "sqs":
        params = {
            "QueueUrl": f"http://localhost/{arn.account}/{arn.resource}",
            "MessageBody": body,
        }
        group = (target.get("SqsParameters") or {}).get("MessageGroupId")
        if group:
            params["MessageGroupId"] = group
        if arn.resource.endswith(".fifo"):
            params["MessageDeduplicationId"] = context.execution_id
        return Call("sqs", "SendMessage", params, arn.scope)
    if arn.service == "sns":
        return Call("sns", "Publish", {"TopicArn": arn_text, "Message": body}, arn.scope)
    if arn.service == "events" and arn.resource.startswith("event-bus/"):
        bridge = target.get("EventBridgeParameters") or {}
        entry = {
            "EventBusName": arn_text,
            "Source": bridge.get("Source", "aws.scheduler"),
            "DetailType": bridge.get("DetailType", "Scheduled Event"),
            "Detail": body,
            "Resources": [context.schedule_arn],
            "Time": context.scheduled,
        }
        return Call("events", "PutEvents", {"Entries": [entry]}, arn.scope)
    raise ServiceError(
        "NotImplemented",
        f"Tenku's Scheduler cannot deliver to {arn.service} targets yet.",
        501,
        sender_fault=False,
    )


def _universal(arn_text: str, body: str, home: Scope) -> Call:
    sdk_service, _, action = arn_text[len(UNIVERSAL_PREFIX) :].partition(":")
    service = _SDK_SERVICE_ALIASES.get(sdk_service.lower(), sdk_service.lower())
    try:
        if not _SERVICE_NAME.fullmatch(service):
            raise ValueError(service)
        model = load_service_model(service)
    except (UnknownServiceError, ValueError, OSError):
        raise ServiceError(
            "ValidationException", f"Unknown service {sdk_service} in target {arn_text}.", 400
        ) from None
    by_lower = {name.lower(): name for name in model.operation_names}
    operation = by_lower.get(action.lower())
    if operation is None:
        raise ServiceError(
            "ValidationException", f"Unknown API action {action} in target {arn_text}.", 400
        )
    try:
        document = json.loads(body)
    except ValueError:
        raise ServiceError(
            "ValidationException", f"The Input of target {arn_text} is not JSON.", 400
        ) from None
    if not isinstance(document, dict):
        raise ServiceError(
            "ValidationException", f"The Input of target {arn_text} is not a JSON object.", 400
        )
    shape = model.operation(operation).input_shape
    params: dict[str, Any] = {}
    if shape:
        style = validation_style(model)
        params = run_checker(get_checker(model, shape, decode=True, style=style), document, style)
    return Call(service, operation, params, home)
