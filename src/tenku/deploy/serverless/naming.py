"""The logical ids and names the Serverless Framework gives the resources it generates.

Mirrored so that `resources:` overrides, `!Ref HttpApi` or `!GetAtt HelloLambdaFunction.Arn`
written for the Framework point at the same resources here.
Must not: decide what is generated (the compilers do).
"""

from __future__ import annotations

import re
from typing import Any

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def upper_first(name: str) -> str:
    return name[:1].upper() + name[1:]


def alphanumeric(name: str) -> str:
    """`normalizeNameToAlphaNumericOnly`: letters and digits, first one upper case."""
    return upper_first(_NOT_ALNUM.sub("", name))


def resource_name(name: str) -> str:
    """`getNormalizedFunctionName`: `-` spelt `Dash`, `_` spelt `Underscore`."""
    return upper_first(name.replace("-", "Dash").replace("_", "Underscore"))


def path_part(part: str) -> str:
    """One segment of a REST path or an HTTP API route key, as the Framework spells it."""
    text = part[:1].upper() + part[1:].lower()
    text = text.replace("-", "Dash")
    text = re.sub(r"\{(.*)\}", r"\1Var", text)
    return upper_first(_NOT_ALNUM.sub("", text))


def path_id(path: str) -> str:
    return "".join(path_part(p) for p in path.split("/"))


def function_id(function: str) -> str:
    return f"{resource_name(function)}LambdaFunction"


def log_group_id(function: str) -> str:
    return f"{resource_name(function)}LogGroup"


def route_id(route_key: str) -> str:
    return "HttpApiRouteDefault" if route_key == "*" else f"HttpApiRoute{path_id(route_key)}"


def function_arn(function: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [function_id(function), "Arn"]}


def name_of(reference: Any) -> str:
    """A readable name for an ARN or an intrinsic that names a resource (for logical ids):
    the last part of an ARN, the logical id of `Ref`/`Fn::GetAtt`."""
    if isinstance(reference, str):
        tail = reference.rsplit(":", 1)[-1]
        return tail.split("/")[-1] if tail else reference
    if isinstance(reference, dict) and len(reference) == 1:
        ((key, value),) = reference.items()
        if key == "Ref" and isinstance(value, str):
            return value
        if key == "Fn::GetAtt":
            target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
            return str(target)
        if key == "Fn::ImportValue":
            return name_of(value)
        if key == "Fn::Join" and isinstance(value, list) and len(value) == 2:
            items = value[1] if isinstance(value[1], list) else []
            return name_of(items[-1]) if items else "Joined"
        if key == "Fn::Sub" and isinstance(value, str):
            return name_of(value.replace("${", "").replace("}", ""))
    return "Reference"
