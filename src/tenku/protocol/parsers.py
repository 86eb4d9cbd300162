"""Parse an HTTP request to `(operation, params)` in whichever protocol it arrived.

Owns: choosing the wire protocol (a query-compatible JSON service such as SQS also
accepts the legacy query protocol), the json-protocol parser (hot path: one compiled
pass converts and validates), and dispatch to the query and rest parsers.
Must not: import botocore, know any service's behaviour, or let a non-ServiceError
escape for bad input.

Params carry member names of the input shape; blobs are `bytes` and timestamps are
`float` epoch seconds, whatever the wire format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tenku.core.errors import ServiceError
from tenku.protocol.http import Request
from tenku.protocol.models import ServiceModel
from tenku.protocol.parse_query import is_query_request, parse_query_params
from tenku.protocol.parse_rest import parse_rest_params
from tenku.protocol.s3wire import decode_aws_chunked, with_host_bucket
from tenku.protocol.styles import ValidationStyle, style_for
from tenku.protocol.validate import Check, get_checker, run_checker


@dataclass(slots=True)
class ParsedRequest:
    operation: str
    params: dict[str, Any]
    protocol: str  # the wire protocol the request used: json, query, rest-json, rest-xml


def validation_style(model: ServiceModel) -> ValidationStyle:
    """The validation error style of a model's service (cached on the model)."""
    style: ValidationStyle | None = model.plans.get("style")
    if style is None:
        style = style_for(model.name, model.protocol, model.query_compatible)
        model.plans["style"] = style
    return style


def request_protocol(model: ServiceModel, request: Request) -> str:
    """The protocol `request` speaks to this service."""
    if model.protocol == "json" and model.query_compatible and is_query_request(request):
        return "query"
    return model.protocol


def parse_request(model: ServiceModel, request: Request) -> ParsedRequest:
    """Parse and validate `request`; every bad input raises a ServiceError."""
    style = validation_style(model)
    protocol = request_protocol(model, request)
    try:
        if protocol == "json":
            operation, params = _parse_json(model, request, style)
        elif protocol == "query":
            operation, params = parse_query_params(model, request, style)
        elif protocol in ("rest-json", "rest-xml"):
            request = decode_aws_chunked(request)
            if model.name == "s3":
                request = with_host_bucket(request)
            operation, params = parse_rest_params(model, request, style, protocol)
        else:
            raise ServiceError(
                "InternalFailure", f"Protocol {protocol} is not supported by Tenku", 500
            )
    except RecursionError as exc:
        raise style.malformed_body("nested too deeply") from exc
    return ParsedRequest(operation, params, protocol)


def _json_operation(model: ServiceModel, target: str) -> tuple[str, Check | None] | None:
    """(operation, input checker) for an X-Amz-Target value, cached per target."""
    plans = model.plans
    key = ("json-target", target)
    found: tuple[str, Check | None] | None = plans.get(key)
    if found is not None:
        return found
    prefix, _, name = target.partition(".")
    if prefix != model.target_prefix or not model.has_operation(name):
        return None
    input_shape = model.operation(name).input_shape
    style = validation_style(model)
    checker = get_checker(model, input_shape, decode=True, style=style) if input_shape else None
    found = (name, checker)
    if len(plans) < 100_000:  # unknown targets are never cached, known ones are bounded
        plans[key] = found
    return found


def _parse_json(
    model: ServiceModel, request: Request, style: ValidationStyle
) -> tuple[str, dict[str, Any]]:
    target = request.headers.get("x-amz-target", "")
    found = _json_operation(model, target)
    if found is None:
        raise style.unknown_operation(target.partition(".")[2] or target)
    operation, checker = found
    body = request.body
    if not body or body.isspace():
        document: Any = {}
    else:
        try:
            document = _DECODER.decode(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise style.malformed_body("body is not JSON") from exc
    if checker is None:
        return operation, {}
    return operation, run_checker(checker, document, style)


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN/Infinity by default; AWS does not.
    raise ValueError(f"{name} is not JSON")


# One decoder for all requests: json.loads with options builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
