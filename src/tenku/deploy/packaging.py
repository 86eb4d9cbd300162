"""Packaging a template's local code the way `sam package` / `aws cloudformation
package` do: every property that names a local directory or file (a function's
`CodeUri`, a layer's `ContentUri`, an API's `DefinitionUri`, a raw `Code` path, ...) is
zipped (directories, and code files that are not zips already) or taken as is (other
files), named by the MD5 of its bytes, and the property is rewritten to that S3
location: an `s3://bucket/key` string for SAM's `*Uri` properties, `{S3Bucket, S3Key}`
(or `{Bucket, Key}`) for CloudFormation's. An `AWS::Include` transform's local
`Location` (anywhere in the template) is uploaded as is and becomes its `s3://` URI, as
`aws cloudformation package` does. Relative paths resolve from the template's directory;
a SAM function with no code at all gets the template's directory, as `sam package` does.
Values that are not plain local paths (`s3://`, intrinsics, maps) stay as they are.

Zips are reproducible (sorted entries, fixed timestamps, no `__pycache__`), so unchanged
code keeps its key and an unchanged template stays unchanged.
Must not: upload anything (the caller does, through the public API).
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tenku.deploy.errors import TemplateError

Form = Literal["uri", "code", "body"]  # s3://b/k | {S3Bucket, S3Key} | {Bucket, Key}

# (resource type, property, how it is rewritten, whether a directory/file is zipped)
PACKAGEABLE: tuple[tuple[str, str, Form, bool], ...] = (
    ("AWS::Serverless::Function", "CodeUri", "uri", True),
    ("AWS::Serverless::LayerVersion", "ContentUri", "uri", True),
    ("AWS::Serverless::Api", "DefinitionUri", "uri", False),
    ("AWS::Serverless::HttpApi", "DefinitionUri", "uri", False),
    ("AWS::Serverless::StateMachine", "DefinitionUri", "uri", False),
    ("AWS::Lambda::Function", "Code", "code", True),
    ("AWS::Lambda::LayerVersion", "Content", "code", True),
    ("AWS::ApiGateway::RestApi", "BodyS3Location", "body", False),
    ("AWS::ApiGatewayV2::Api", "BodyS3Location", "body", False),
    ("AWS::StepFunctions::StateMachine", "DefinitionS3Location", "body", False),
)
_SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".aws-sam", ".tenku", ".serverless"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Artifact:
    """One upload: `body` (the zip or the file) goes to `bucket`/`key`; `source` is the
    local directory or file it was made from, `zipped` whether it was zipped here."""

    source: Path
    zipped: bool
    bucket: str
    key: str
    body: bytes = field(repr=False)
    # How to make the package again when it is not simply `source` zipped (serverless.yml
    # packages choose their files by patterns).
    builder: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)

    def rebuilt(self) -> bytes:
        """The bytes from the source as it is now (for a hot code update)."""
        if self.builder is not None:
            return self.builder()
        return make_body(self.source, self.zipped)


@dataclass
class Packaged:
    template: dict[str, Any]
    artifacts: list[Artifact]


def package_template(
    template: dict[str, Any], base_dir: Path, bucket: str, prefix: str = ""
) -> Packaged:
    """The template with its local paths replaced by S3 locations, and the uploads."""
    result = copy.deepcopy(template)
    artifacts: dict[str, Artifact] = {}
    rules = {(kind, prop): (form, zipped) for kind, prop, form, zipped in PACKAGEABLE}
    has_global_code = _package_globals(result, base_dir, bucket, prefix, artifacts)
    for logical_id, resource in (result.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        props = resource.get("Properties")
        if not isinstance(props, dict):
            if kind != "AWS::Serverless::Function":
                continue
            props = resource["Properties"] = {}
        for (rule_kind, prop), (form, zipped) in rules.items():
            if rule_kind != kind:
                continue
            value = props.get(prop)
            if value is None and _needs_default_code(kind, props, has_global_code):
                value = "."
            if not _is_local(value):
                continue
            where = f"Resources/{logical_id}/Properties/{prop}"
            artifact = _artifact(base_dir, str(value), zipped, bucket, prefix, where)
            artifacts.setdefault(artifact.key, artifact)
            props[prop] = _location(form, artifact)
    _package_includes(result, base_dir, bucket, prefix, artifacts, "")
    return Packaged(result, list(artifacts.values()))


INCLUDE_TRANSFORM = "AWS::Include"


def _package_includes(
    node: Any, base_dir: Path, bucket: str, prefix: str, artifacts: dict[str, Artifact], at: str
) -> None:
    """Every `Fn::Transform: {Name: AWS::Include, Parameters: {Location: <local file>}}`
    under `node`: the file is uploaded as is and the Location becomes its S3 URI."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _package_includes(item, base_dir, bucket, prefix, artifacts, f"{at}/{index}")
        return
    if not isinstance(node, dict):
        return
    transform = node.get("Fn::Transform")
    if isinstance(transform, dict) and transform.get("Name") == INCLUDE_TRANSFORM:
        parameters = transform.get("Parameters")
        location = parameters.get("Location") if isinstance(parameters, dict) else None
        if _is_local(location):
            where = f"{at.lstrip('/')}/Fn::Transform/Parameters/Location"
            artifact = _artifact(base_dir, str(location), False, bucket, prefix, where)
            artifacts.setdefault(artifact.key, artifact)
            assert isinstance(parameters, dict)
            parameters["Location"] = _location("uri", artifact)
    for key, value in node.items():
        _package_includes(value, base_dir, bucket, prefix, artifacts, f"{at}/{key}")


def _package_globals(
    template: dict[str, Any],
    base_dir: Path,
    bucket: str,
    prefix: str,
    artifacts: dict[str, Artifact],
) -> bool:
    """Globals.Function.CodeUri packaged like a function's own; True when it is set."""
    function = (template.get("Globals") or {}).get("Function")
    if not isinstance(function, dict) or function.get("CodeUri") is None:
        return False
    value = function["CodeUri"]
    if _is_local(value):
        where = "Globals/Function/CodeUri"
        artifact = _artifact(base_dir, str(value), True, bucket, prefix, where)
        artifacts.setdefault(artifact.key, artifact)
        function["CodeUri"] = _location("uri", artifact)
    return True


def _needs_default_code(kind: Any, props: dict[str, Any], has_global_code: bool) -> bool:
    if kind != "AWS::Serverless::Function" or has_global_code:
        return False
    return not any(props.get(k) for k in ("InlineCode", "ImageUri")) and (
        props.get("PackageType", "Zip") == "Zip"
    )


def _is_local(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    return not value.startswith(("s3://", "http://", "https://"))


def _location(form: Form, artifact: Artifact) -> Any:
    if form == "uri":
        return f"s3://{artifact.bucket}/{artifact.key}"
    if form == "code":
        return {"S3Bucket": artifact.bucket, "S3Key": artifact.key}
    return {"Bucket": artifact.bucket, "Key": artifact.key}


def _artifact(
    base_dir: Path, value: str, zipped: bool, bucket: str, prefix: str, where: str
) -> Artifact:
    path = (base_dir / value).resolve()
    if not path.exists():
        raise TemplateError(f"{where}: {value} does not exist (resolved to {path})")
    if path.is_dir() and not zipped:
        raise TemplateError(f"{where}: {value} is a directory; a file is expected here")
    as_zip = zipped and not (path.is_file() and _is_archive(path))
    body = make_body(path, as_zip)
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
    key = f"{prefix.strip('/')}/{digest}" if prefix.strip("/") else digest
    return Artifact(path, as_zip, bucket, key, body)


def _is_archive(path: Path) -> bool:
    return path.suffix.lower() in (".zip", ".jar")


def make_body(source: Path, zipped: bool) -> bytes:
    """The upload for `source`: a reproducible zip of it, or its bytes."""
    if not zipped:
        return source.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file, name in _files(source):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            mode = 0o755 if os.access(file, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return buffer.getvalue()


def _files(source: Path) -> Iterator[tuple[Path, str]]:
    """(file, name in the zip) for a directory's files in a stable order, or the file."""
    if source.is_file():
        yield source, source.name
        return
    for directory, subdirs, files in os.walk(source, followlinks=True):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith(_SKIPPED_SUFFIXES) or name == ".DS_Store":
                continue
            file = Path(directory, name)
            yield file, file.relative_to(source).as_posix()


def is_packaged_source(path: Path) -> bool:
    """Whether a change to `path` can change a package (the watcher ignores the rest)."""
    return not (
        any(part in _SKIPPED_DIRS for part in path.parts)
        or path.name.endswith(_SKIPPED_SUFFIXES)
        or path.name == ".DS_Store"
    )


def function_artifacts(template: dict[str, Any], artifacts: list[Artifact]) -> dict[str, Artifact]:
    """Which uploaded package each Lambda function of the template runs, by logical id
    (SAM functions keep their logical id when expanded), for hot code updates."""
    by_key = {a.key: a for a in artifacts if a.zipped or _is_archive(a.source)}
    found: dict[str, Artifact] = {}
    global_code = ((template.get("Globals") or {}).get("Function") or {}).get("CodeUri")
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        key: Any = None
        if kind == "AWS::Lambda::Function":
            code = props.get("Code")
            key = code.get("S3Key") if isinstance(code, dict) else None
        elif kind == "AWS::Serverless::Function":
            uri = props.get("CodeUri", global_code)
            if isinstance(uri, dict):
                key = uri.get("Key")
            elif isinstance(uri, str) and uri.startswith("s3://"):
                key = uri[len("s3://") :].partition("/")[2]
        if isinstance(key, str) and key in by_key:
            found[logical_id] = by_key[key]
    return found
