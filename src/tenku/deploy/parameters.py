"""Template parameters: the values a stack operation supplies, checked against the
template's declarations as CloudFormation checks them.

Types `String`, `Number`, `List<Number>`, `CommaDelimitedList`, the `AWS::...` resource
id types (taken as strings) and `AWS::SSM::Parameter::Value<...>` (looked up through a
callable, since the values live in SSM); constraints `AllowedValues`, `AllowedPattern`,
`MinLength`/`MaxLength`, `MinValue`/`MaxValue`, with `ConstraintDescription` replacing
the message as in CloudFormation. `UsePreviousValue` takes the stack's previous value.
Must not: evaluate anything else in the template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tenku.deploy.errors import TemplateError

MAX_PARAMETERS = 200


def resolve_parameters(
    declared: dict[str, Any],
    supplied: dict[str, str],
    previous: dict[str, str] | None = None,
    use_previous: set[str] | None = None,
    ssm_lookup: Callable[[str], str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(values for evaluation, the raw values DescribeStacks shows)."""
    if len(declared) > MAX_PARAMETERS:
        raise TemplateError(
            f"Template format error: Number of parameters exceeds the limit {MAX_PARAMETERS}"
        )
    unknown = [name for name in supplied if name not in declared]
    if unknown:
        raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    raw: dict[str, str] = {}
    missing: list[str] = []
    for name, spec in declared.items():
        if not isinstance(spec, dict) or "Type" not in spec:
            raise TemplateError(
                "Template format error: Every Parameters object must contain a Type member."
            )
        if use_previous and name in use_previous and previous and name in previous:
            raw[name] = previous[name]
        elif name in supplied:
            raw[name] = str(supplied[name])
        elif "Default" in spec:
            default = spec["Default"]
            raw[name] = (
                ",".join(map(_scalar, default)) if isinstance(default, list) else _scalar(default)
            )
        else:
            missing.append(name)
    if missing:
        raise TemplateError(f"Parameters: [{', '.join(missing)}] must have values")
    values: dict[str, Any] = {}
    for name, text in raw.items():
        spec = declared[name]
        values[name] = _typed(name, spec, text, ssm_lookup)
    return values, raw


def _typed(
    name: str, spec: dict[str, Any], text: str, ssm_lookup: Callable[[str], str] | None
) -> Any:
    kind = str(spec["Type"])
    if kind.startswith("AWS::SSM::Parameter::Value<"):
        if ssm_lookup is None:
            raise TemplateError(f"Parameters: [{name}] cannot be resolved without SSM")
        text = ssm_lookup(text)
        kind = kind[len("AWS::SSM::Parameter::Value<") : -1]
    if kind.startswith("List<") or kind == "CommaDelimitedList":
        items = [item.strip() for item in text.split(",")] if text != "" else []
        if kind == "List<Number>":
            for item in items:
                _number(name, item)
        for item in items:
            _check(name, spec, item)
        return items
    if kind == "Number":
        _number(name, text)
        _check(name, spec, text)
        return text
    if kind != "String" and not kind.startswith("AWS::"):
        raise TemplateError(f"Template format error: Unrecognized parameter type: {kind}")
    _check(name, spec, text)
    return text


def _scalar(value: Any) -> str:
    """A template scalar as CloudFormation reads it: YAML's `true` is the text "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError as error:
        raise TemplateError(f"Parameter '{name}' must be a number not '{text}'") from error


def _check(name: str, spec: dict[str, Any], text: str) -> None:
    description = spec.get("ConstraintDescription")

    def fail(default: str) -> None:
        raise TemplateError(f"Parameter '{name}' {description}" if description else default)

    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [_scalar(v) for v in allowed]:
        fail(f"Parameter '{name}' must be one of AllowedValues")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), text):
        fail(f"Parameter '{name}' must match pattern {pattern}")
    if "MinLength" in spec and len(text) < int(spec["MinLength"]):
        fail(f"Parameter '{name}' must contain at least {spec['MinLength']} characters")
    if "MaxLength" in spec and len(text) > int(spec["MaxLength"]):
        fail(f"Parameter '{name}' must contain at most {spec['MaxLength']} characters")
    if "MinValue" in spec and _number(name, text) < float(spec["MinValue"]):
        fail(f"Parameter '{name}' must be a number greater than or equal to {spec['MinValue']}")
    if "MaxValue" in spec and _number(name, text) > float(spec["MaxValue"]):
        fail(f"Parameter '{name}' must be a number less than or equal to {spec['MaxValue']}")


def shown_value(spec: dict[str, Any], raw: str) -> str:
    """What DescribeStacks shows for a parameter (NoEcho ones as asterisks)."""
    return "****" if str(spec.get("NoEcho", "false")).lower() == "true" else raw
