"""Reading a template body: JSON, or YAML with CloudFormation's short-form tags.

The short forms (`!Ref X`, `!GetAtt A.B`, `!Sub ...`, `!If [...]`) become the long forms
(`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`), so everything after loading sees one
shape. YAML's implicit timestamps stay strings (`AWSTemplateFormatVersion: 2010-09-09`
is the text CloudFormation compares), and so do YAML 1.1 words like `on`/`yes`, as
CloudFormation's parser keeps them. A duplicate key is CloudFormation's "YAML not
well-formed"; the client side (`lenient=True`) reads it as `sam deploy` and `aws
cloudformation package` do, the last one winning, since they send CloudFormation a
template they parsed and wrote again.
Must not: evaluate anything; a malformed body raises `TemplateError` with
CloudFormation's message.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tenku.deploy.errors import TemplateError

# Short tag -> long name; `!Ref` and `!Condition` are not Fn:: functions.
_FUNCTIONS = (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join",
    "Length", "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform",
)  # fmt: skip


class _Loader(yaml.SafeLoader):
    """SafeLoader without timestamp or YAML 1.1 boolean guessing of plain scalars."""


# Plain scalars that CloudFormation's YAML reads as text while PyYAML's 1.1 resolver
# would make them booleans or dates: keep only the YAML 1.2 core booleans.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for first in "yYnNoO":
    _Loader.yaml_implicit_resolvers[first] = [
        (tag, regexp)
        for tag, regexp in _Loader.yaml_implicit_resolvers.get(first, [])
        if tag != "tag:yaml.org,2002:bool"
    ]
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct(node: yaml.Node, loader: _Loader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node, deep=True)


def _tag_function(name: str) -> Any:
    def construct(loader: _Loader, node: yaml.Node) -> Any:
        return {f"Fn::{name}": _construct(node, loader)}

    return construct


def _ref(loader: _Loader, node: yaml.Node) -> Any:
    return {"Ref": _construct(node, loader)}


def _condition(loader: _Loader, node: yaml.Node) -> Any:
    return {"Condition": _construct(node, loader)}


def _get_att(loader: _Loader, node: yaml.Node) -> Any:
    value = _construct(node, loader)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


for _name in _FUNCTIONS:
    _Loader.add_constructor(f"!{_name}", _tag_function(_name))
_Loader.add_constructor("!Ref", _ref)
_Loader.add_constructor("!Condition", _condition)
_Loader.add_constructor("!GetAtt", _get_att)


def _no_duplicates(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise TemplateError(
                f"Template format error: YAML not well-formed. Duplicate key "
                f"'{key}' (line {key_node.start_mark.line + 1}, column "
                f"{key_node.start_mark.column + 1})"
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


class _LenientLoader(_Loader):
    """`_Loader` where a repeated key replaces the earlier one (the packagers' reading)."""


def _last_wins(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    return {
        loader.construct_object(key, deep=True): loader.construct_object(value, deep=True)
        for key, value in node.value
    }


_LenientLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _last_wins)


def load_template(body: str | bytes, *, lenient: bool = False) -> dict[str, Any]:
    """The template as a dict (long-form intrinsics), or TemplateError; `lenient` lets a
    repeated YAML key replace the earlier one instead of refusing the template."""
    loaded = load_document(body, lenient=lenient)
    if not isinstance(loaded, dict):
        raise TemplateError("Template format error: unsupported structure.")
    return loaded


def load_document(body: str | bytes, *, lenient: bool = False) -> Any:
    """Any JSON or YAML document read as a template is (an `AWS::Include` snippet may be
    a list or a scalar), or TemplateError."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return json.loads(text)
        except ValueError as error:
            message = f"Template format error: JSON not well-formed. ({error})"
            raise TemplateError(message) from error
    try:
        loader = _LenientLoader if lenient else _Loader  # SafeLoader subclasses
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise TemplateError(f"Template format error: YAML not well-formed.{where}") from error


def dump_json(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=2, sort_keys=False, default=str)
