"""Finding what to deploy at a path: a SAM or CloudFormation template, a serverless.yml,
or a CDK cloud assembly (`cdk.out/`).

A directory is searched in a fixed order (`template.yaml`, `template.yml`,
`template.json`, `serverless.yml`, `serverless.yaml`, `cdk.out/manifest.json`, the
directory itself as a cloud assembly, then a lone `*.template.json`); a file names the
template (or serverless.yml, or a cloud assembly's `manifest.json`) directly. A template
is SAM when its `Transform` names `AWS::Serverless-2016-10-31`.
Must not: read anything but the files it classifies, or deploy anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tenku.deploy.errors import TemplateError
from tenku.deploy.loader import load_template
from tenku.deploy.sam import needs_sam

Kind = Literal["sam", "cloudformation", "serverless", "cdk"]

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")
CDK_OUT = "cdk.out"
CDK_MANIFEST = "manifest.json"


class ProjectError(Exception):
    """Nothing deployable at the path, or the file found cannot be read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Project:
    """What was found: `source` is the template file, the serverless.yml, or the cloud
    assembly directory; `root` is where relative paths resolve and what is watched."""

    kind: Kind
    root: Path
    source: Path

    @property
    def name(self) -> str:
        """A stack name from the project's directory: CloudFormation's alphabet only."""
        base = self.root.parent if self.kind == "cdk" else self.root
        return stack_name_from(base.resolve().name)


def stack_name_from(text: str) -> str:
    """`text` cut to CloudFormation's stack name rules: a letter, then letters, digits
    and hyphens, at most 128 characters."""
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-" for ch in text)
    cleaned = cleaned.strip("-") or "tenku-app"
    if not cleaned[0].isalpha():
        cleaned = f"app-{cleaned}"
    return cleaned[:128]


def detect(path: Path) -> Project:
    """The project at `path` (a directory or a file), or ProjectError saying what was
    looked for."""
    if not path.exists():
        raise ProjectError(f"{path}: no such file or directory")
    if path.is_file():
        return _from_file(path)
    for name in TEMPLATE_NAMES:
        if (path / name).is_file():
            return _template_project(path / name)
    for name in SERVERLESS_NAMES:
        if (path / name).is_file():
            return Project("serverless", path, path / name)
    if (path / CDK_OUT / CDK_MANIFEST).is_file():
        return Project("cdk", path / CDK_OUT, path / CDK_OUT)
    if (path / CDK_MANIFEST).is_file():
        return Project("cdk", path, path)
    stacks = sorted(path.glob("*.template.json"))
    if len(stacks) == 1:
        return _template_project(stacks[0])
    looked_for = ", ".join((*TEMPLATE_NAMES, *SERVERLESS_NAMES, f"{CDK_OUT}/{CDK_MANIFEST}"))
    raise ProjectError(f"{path}: nothing to deploy here (looked for {looked_for})")


def _from_file(path: Path) -> Project:
    if path.name == CDK_MANIFEST:
        return Project("cdk", path.parent, path.parent)
    if path.name in SERVERLESS_NAMES:
        return Project("serverless", path.parent, path)
    return _template_project(path)


def _template_project(path: Path) -> Project:
    try:
        template = load_template(path.read_bytes(), lenient=True)
    except TemplateError as error:
        raise ProjectError(f"{path}: {error.message}") from error
    except OSError as error:
        raise ProjectError(f"{path}: {error.strerror}") from error
    if "service" in template and "provider" in template and "Resources" not in template:
        return Project("serverless", path.parent, path)  # a serverless.yml by another name
    kind: Kind = "sam" if needs_sam(template) else "cloudformation"
    return Project(kind, path.parent, path)
