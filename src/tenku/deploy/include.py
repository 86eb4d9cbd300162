"""CloudFormation's `AWS::Include` transform: every `Fn::Transform` named `AWS::Include`
is replaced by the JSON or YAML snippet its `Location` (an `s3://bucket/key` URI) holds.

CloudFormation evaluates these snippet transforms before the template-level ones, so an
OpenAPI file included as a SAM API's `DefinitionBody` reaches the SAM translator as a
document. Included snippets are not searched for further includes (CloudFormation does
not expand nested includes either). The messages are CloudFormation's ("Transform
AWS::Include failed with: ..."); the one for a missing object is not measured.
Must not: read S3 itself (the caller fetches the objects and passes their text).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from tenku.deploy.errors import TemplateError
from tenku.deploy.loader import load_document

INCLUDE_TRANSFORM = "AWS::Include"
_FAILED = f"Transform {INCLUDE_TRANSFORM} failed with:"


def _include_location(node: Any) -> Any:
    """The Location of `node` when it is an `AWS::Include` transform, else None."""
    if not isinstance(node, dict) or "Fn::Transform" not in node:
        return None
    transform = node["Fn::Transform"]
    if not isinstance(transform, dict) or transform.get("Name") != INCLUDE_TRANSFORM:
        return None
    parameters = transform.get("Parameters")
    location = parameters.get("Location") if isinstance(parameters, dict) else None
    return location if location is not None else ""


def s3_uri(location: Any) -> tuple[str, str]:
    """(bucket, key) of an include's Location, or CloudFormation's refusal."""
    if isinstance(location, str) and location.startswith("s3://"):
        bucket, _, key = location[len("s3://") :].partition("/")
        if bucket and key:
            return bucket, key
    raise TemplateError(f"{_FAILED} The location parameter is not a valid S3 uri.")


def include_locations(template: Any) -> list[str]:
    """Every distinct S3 URI the template includes, in the order they appear."""
    found: list[str] = []

    def walk(node: Any) -> None:
        location = _include_location(node)
        if location is not None:
            s3_uri(location)
            if location not in found:
                found.append(location)
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(template)
    return found


def parse_snippet(text: str) -> Any:
    try:
        return load_document(text)
    except TemplateError as error:
        message = f"{_FAILED} The specified S3 object's content should be valid Yaml/JSON."
        raise TemplateError(message) from error


def missing_snippet() -> TemplateError:
    return TemplateError(f"{_FAILED} S3 object does not exist or access is denied.")


def expand_includes(node: Any, snippets: Mapping[str, Any]) -> Any:
    """`node` with every include replaced by its parsed snippet (`snippets` by URI). An
    include beside other keys (`Resources: {Fn::Transform: ..., Bucket: ...}`) merges its
    snippet's keys into that mapping."""
    location = _include_location(node)
    if location is not None:
        snippet = copy.deepcopy(snippets[location])
        assert isinstance(node, dict)
        if len(node) == 1:
            return snippet
        if not isinstance(snippet, dict):
            message = f"{_FAILED} The specified S3 object's content should be valid Yaml/JSON."
            raise TemplateError(message)
        rest = {k: expand_includes(v, snippets) for k, v in node.items() if k != "Fn::Transform"}
        return {**rest, **snippet}
    if isinstance(node, dict):
        return {key: expand_includes(value, snippets) for key, value in node.items()}
    if isinstance(node, list):
        return [expand_includes(item, snippets) for item in node]
    return node
