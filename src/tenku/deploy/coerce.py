"""Typing template values for an API call, as CloudFormation's resource handlers do.

Templates carry numbers and booleans as strings as often as not (`BatchSize: "10"`,
`Enabled: "true"`, anything that went through a `Ref` of a parameter). Before a
resource handler's parameters reach an operation, each value is converted to the type
botocore's model gives its member: integer, long, float, double, boolean, string.
Values that do not convert are left alone for the service to refuse.
Must not: validate constraints (the service does that) or know any service's meaning.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _input_shape(service: str, operation: str) -> Any:
    model = _service_model(service)
    if model is None or operation not in model.operation_names:
        return None
    return model.operation_model(operation).input_shape


@functools.cache
def _service_model(service: str) -> Any:
    import botocore.exceptions  # only deployments need the models here
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(service)
    except botocore.exceptions.UnknownServiceError:
        return None


def coerce_params(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    shape = _input_shape(service, operation)
    if shape is None:
        return params
    converted = _convert(shape, params)
    return converted if isinstance(converted, dict) else params


def _convert(shape: Any, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {
            key: _convert(members[key], item) if key in members else item
            for key, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [_convert(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {str(key): _convert(shape.value, item) for key, item in value.items()}
    if kind in ("integer", "long") and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if kind in ("float", "double") and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if kind == "string" and isinstance(value, bool):
        return "true" if value else "false"
    return value
