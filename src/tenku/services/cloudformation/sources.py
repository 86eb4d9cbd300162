"""Turning what a caller sent (a template body or S3 URL, parameters, capabilities) into
a `Plan`: the original text, the processed template (SAM expanded), the parameter values.

A `TemplateURL` is read through the S3 API (GetObject) whatever its style: path style
(`https://s3.amazonaws.com/bucket/key`, `http://127.0.0.1:4566/bucket/key`) or virtual
host (`https://bucket.s3.amazonaws.com/key`, `http://bucket.s3.localhost:4566/key`).
Everything refused here is refused before a stack operation starts, as CloudFormation
refuses it: `ValidationError` or `InsufficientCapabilitiesException`.
Must not: create resources or store anything.
"""

from __future__ import annotations

import asyncio
import copy
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tenku.core.api import ApiCaller
from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.deploy.errors import TemplateError
from tenku.deploy.include import (
    INCLUDE_TRANSFORM,
    expand_includes,
    include_locations,
    missing_snippet,
    parse_snippet,
    s3_uri,
)
from tenku.deploy.loader import load_template
from tenku.deploy.parameters import resolve_parameters
from tenku.deploy.resources import HANDLERS
from tenku.deploy.sam import SAM_TRANSFORM, expand_sam, transforms_of
from tenku.deploy.validate import check_sections, check_template, missing_capability
from tenku.services.cloudformation.errors import insufficient, validation

_VIRTUAL_HOST = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-][^/]*)?$")
_SSM_TYPE = "AWS::SSM::Parameter::Value<"


@dataclass
class Plan:
    body: str
    template: dict[str, Any]  # processed: transforms expanded
    values: dict[str, Any]  # typed parameter values for evaluation
    raw: dict[str, str]  # parameter values as DescribeStacks shows them (before NoEcho)
    transforms: list[str] = field(default_factory=list)


def s3_location(url: str) -> tuple[str, str, str | None]:
    """(bucket, key, version) of a template URL; ValidationError if it names no object."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise validation("TemplateURL must be a supported URL.")
    path = unquote(parts.path).lstrip("/")
    versions = parse_qs(parts.query).get("versionId")
    version = versions[0] if versions else None
    match = _VIRTUAL_HOST.match(host)
    if match and not host.startswith("s3."):
        bucket, key = match.group("bucket"), path
    else:
        bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise validation("TemplateURL must reference a valid S3 object to which you have access.")
    return bucket, key, version


async def read_template_url(api: ApiCaller, scope: Scope, url: str) -> str:
    bucket, key, version = s3_location(url)
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version:
        params["VersionId"] = version
    try:
        result = await api("s3", "GetObject", params, scope)
    except ServiceError as error:
        raise validation(
            "TemplateURL must reference a valid S3 object to which you have access."
        ) from error
    return _text_of(result)


def _text_of(result: dict[str, Any]) -> str:
    body: Any = result.get("Body")
    read = getattr(body, "read", None)
    if callable(read):
        body = read()
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            return bytes(body).decode("utf-8")
        except UnicodeDecodeError as error:
            raise validation("Template format error: unsupported structure.") from error
    return str(body or "")


async def template_text(
    api: ApiCaller, scope: Scope, body: str | None, url: str | None, previous: str | None = None
) -> str:
    """The template's text from exactly one of body, URL or the previous template."""
    if previous is not None:
        if body is not None or url is not None:
            raise validation(
                "You cannot specify both usePreviousTemplate and Template Body/Template URL."
            )
        return previous
    if body is not None and url is not None:
        raise validation("You cannot specify both Template URL and Template Body.")
    if body is None and url is None:
        raise validation("Either Template URL or Template Body must be specified.")
    if url is not None:
        return await read_template_url(api, scope, url)
    assert body is not None
    return body


def load(text: str) -> dict[str, Any]:
    """The template, its sections checked unless it includes snippets (`with_includes`
    checks them once the snippets are in place)."""
    try:
        template = load_template(text)
        if not include_locations(template):
            check_sections(template)
    except TemplateError as error:
        raise validation(error.message) from error
    return template


def declared_transforms(template: dict[str, Any]) -> list[str]:
    """The template-level transforms, and `AWS::Include` when a snippet is included."""
    transforms = transforms_of(template)
    try:
        included = bool(include_locations(template))
    except TemplateError:
        included = True  # named, if badly: still a transform the template declares
    return [*transforms, INCLUDE_TRANSFORM] if included else transforms


async def with_includes(api: ApiCaller, scope: Scope, template: dict[str, Any]) -> dict[str, Any]:
    """The template with its `AWS::Include` snippets read from S3 and put in place (before
    the template-level transforms, as CloudFormation evaluates them)."""
    try:
        locations = include_locations(template)
        if not locations:
            return template
        snippets: dict[str, Any] = {}
        for location in locations:
            bucket, key = s3_uri(location)
            try:
                found = await api("s3", "GetObject", {"Bucket": bucket, "Key": key}, scope)
            except ServiceError as error:
                raise missing_snippet() from error
            snippets[location] = parse_snippet(_text_of(found))
        expanded = expand_includes(template, snippets)
        check_sections(expanded)
    except TemplateError as error:
        raise validation(error.message) from error
    assert isinstance(expanded, dict)
    return expanded


async def _ssm_values(
    api: ApiCaller, scope: Scope, declared: dict[str, Any], supplied: dict[str, str]
) -> dict[str, str]:
    """The values of SSM parameters that `AWS::SSM::Parameter::Value<...>` types name."""
    out: dict[str, str] = {}
    for name, spec in declared.items():
        if not isinstance(spec, dict) or not str(spec.get("Type", "")).startswith(_SSM_TYPE):
            continue
        key = supplied.get(name, spec.get("Default"))
        if key is None:
            continue
        try:
            found = await api("ssm", "GetParameter", {"Name": str(key)}, scope)
        except ServiceError as error:
            raise validation(
                f"Unable to fetch parameters [{key}] from parameter store for this account."
            ) from error
        out[str(key)] = str((found.get("Parameter") or {}).get("Value", ""))
    return out


async def prepare(
    api: ApiCaller,
    scope: Scope,
    text: str,
    supplied: list[dict[str, Any]] | None,
    previous: dict[str, str] | None,
    capabilities: list[str],
    skip_unknown: bool,
    direct: bool,
) -> Plan:
    """The plan for a stack operation; `direct` is CreateStack/UpdateStack (which need
    CAPABILITY_AUTO_EXPAND for transforms), not a change set."""
    template = load(text)
    # CreateStack/UpdateStack acknowledge transforms, AWS::Include among them.
    included = bool(include_locations(template))
    if included and direct and "CAPABILITY_AUTO_EXPAND" not in capabilities:
        raise insufficient("CAPABILITY_AUTO_EXPAND")
    template = await with_includes(api, scope, template)
    given: dict[str, str] = {}
    use_previous: set[str] = set()
    for item in supplied or []:
        key = str(item.get("ParameterKey", ""))
        if item.get("UsePreviousValue"):
            if previous is None or key not in previous:
                raise validation(
                    f"Invalid input for parameter key {key}. Cannot specify usePreviousValue "
                    "as true for a parameter key not in the previous template"
                    if previous is not None
                    else f"Invalid input for parameter key {key}. Cannot specify "
                    "usePreviousValue as true for non existing stack"
                )
            use_previous.add(key)
        elif item.get("ParameterValue") is not None:
            given[key] = str(item["ParameterValue"])
    transforms = transforms_of(template)
    if transforms and direct and "CAPABILITY_AUTO_EXPAND" not in capabilities:
        raise insufficient("CAPABILITY_AUTO_EXPAND")
    unsupported = [t for t in transforms if t != SAM_TRANSFORM]
    if unsupported:
        raise validation(
            f"Template format error: Unsupported transform(s) [{', '.join(unsupported)}]; "
            f"Tenku runs {SAM_TRANSFORM} only"
        )
    declared = template.get("Parameters") or {}
    ssm = await _ssm_values(api, scope, declared, given)
    try:
        values, raw = resolve_parameters(declared, given, previous, use_previous, ssm.__getitem__)
        if transforms:
            # Defaults stay the template's own (typed: `Default: true` is a boolean to
            # the translator, as in SAM's own tests); only given values are passed.
            chosen = {name: raw[name] for name in raw if name in given or name in use_previous}
            template = await asyncio.to_thread(
                expand_sam, copy.deepcopy(template), chosen, scope.region, scope.account
            )
            declared = template.get("Parameters") or {}
            values, raw = resolve_parameters(
                declared, given, previous, use_previous, ssm.__getitem__
            )
        check_template(template, HANDLERS, skip_unknown)
    except TemplateError as error:
        raise validation(error.message) from error
    missing = missing_capability(template, capabilities)
    if missing:
        raise insufficient(missing)
    return Plan(text, template, values, raw, transforms)
