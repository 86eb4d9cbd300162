"""Reading a CDK cloud assembly (`cdk.out/`): its stacks in dependency order, each with
its template and the file assets its template references.

`manifest.json` lists artifacts: `aws:cloudformation:stack` (a template file and a
stack name), `cdk:asset-manifest` (a `*.assets.json` naming, for every file asset, its
source path in the assembly, `zip` or `file` packaging and the bucket and key it is
published to: the bootstrap bucket `cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}`
unless the app chose another) and `cdk:cloud-assembly` (a nested assembly, a CDK Stage,
read the same way). `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}` in
bucket names and keys are filled in for the target account and region. Docker image
assets and assets built by a command are reported, not handled.
Must not: upload or deploy anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenku.deploy.errors import TemplateError
from tenku.deploy.packaging import make_body

STACK = "aws:cloudformation:stack"
ASSET_MANIFEST = "cdk:asset-manifest"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"


@dataclass(frozen=True)
class CdkAsset:
    source: Path
    packaging: str  # "zip" (a directory, zipped) or "file"
    bucket: str
    key: str

    def body(self) -> bytes:
        """What is published: the directory zipped, or the file as it is."""
        zipped = self.packaging == "zip" and self.source.is_dir()
        return make_body(self.source, zipped)


@dataclass
class CdkStack:
    artifact_id: str
    stack_name: str
    template_file: Path
    template: dict[str, Any]
    assets: list[CdkAsset] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)  # artifact ids of other stacks
    unsupported: list[str] = field(default_factory=list)  # why some assets were left out


def read_assembly(directory: Path, account: str, region: str) -> list[CdkStack]:
    """Every stack of the assembly (nested ones included), dependencies first."""
    stacks = _read(directory, account, region, prefix="")
    return _ordered(stacks)


def _manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise TemplateError(f"{path}: not a readable cloud assembly manifest ({error})") from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts", {}), dict):
        raise TemplateError(f"{path}: not a cloud assembly manifest")
    return manifest


def _read(directory: Path, account: str, region: str, prefix: str) -> list[CdkStack]:
    artifacts: dict[str, Any] = _manifest(directory).get("artifacts") or {}
    stacks: list[CdkStack] = []
    asset_files: dict[str, Path] = {}
    for artifact_id, artifact in artifacts.items():
        props = artifact.get("properties") or {}
        if artifact.get("type") == ASSET_MANIFEST and props.get("file"):
            asset_files[artifact_id] = directory / props["file"]
        elif artifact.get("type") == NESTED_ASSEMBLY and props.get("directoryName"):
            stacks += _read(directory / props["directoryName"], account, region, f"{artifact_id}/")
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != STACK:
            continue
        props = artifact.get("properties") or {}
        template_file = directory / str(props.get("templateFile") or "")
        try:
            template = json.loads(template_file.read_text())
        except (OSError, ValueError) as error:
            raise TemplateError(
                f"{template_file}: cannot read the stack template ({error})"
            ) from error
        needs = [str(d) for d in artifact.get("dependencies") or []]
        stack = CdkStack(
            prefix + artifact_id,
            str(props.get("stackName") or artifact.get("displayName") or artifact_id).replace(
                "/", "-"
            ),
            template_file,
            template,
            depends_on=[prefix + d for d in needs if artifacts.get(d, {}).get("type") == STACK],
        )
        for dependency in needs:
            if dependency in asset_files:
                _add_assets(stack, asset_files[dependency], account, region)
        stacks.append(stack)
    return stacks


def _add_assets(stack: CdkStack, manifest_file: Path, account: str, region: str) -> None:
    try:
        manifest = json.loads(manifest_file.read_text())
    except (OSError, ValueError) as error:
        raise TemplateError(f"{manifest_file}: cannot read the asset manifest ({error})") from error
    for asset_id, asset in (manifest.get("files") or {}).items():
        source = asset.get("source") or {}
        if source.get("executable"):
            stack.unsupported.append(f"file asset {asset_id} is built by a command")
            continue
        path = manifest_file.parent / str(source.get("path") or "")
        if path.resolve() == stack.template_file.resolve():
            continue  # the template itself: Tenku sends it in the request
        for destination in (asset.get("destinations") or {}).values():
            stack.assets.append(
                CdkAsset(
                    path,
                    str(source.get("packaging") or "file"),
                    fill(str(destination.get("bucketName") or ""), account, region),
                    fill(str(destination.get("objectKey") or ""), account, region),
                )
            )
    for image_id in manifest.get("dockerImages") or {}:
        stack.unsupported.append(f"container image asset {image_id} (Tenku runs zip functions)")


def fill(text: str, account: str, region: str) -> str:
    """CDK's placeholders for the target environment, filled in."""
    return (
        text.replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", "aws")
    )


def _ordered(stacks: list[CdkStack]) -> list[CdkStack]:
    by_id = {s.artifact_id: s for s in stacks}
    done: list[CdkStack] = []
    seen: set[str] = set()

    def visit(stack: CdkStack, path: tuple[str, ...]) -> None:
        if stack.artifact_id in seen:
            return
        if stack.artifact_id in path:
            raise TemplateError(f"cloud assembly: stacks depend on each other in a cycle: {path}")
        for dependency in stack.depends_on:
            if dependency in by_id:
                visit(by_id[dependency], (*path, stack.artifact_id))
        seen.add(stack.artifact_id)
        done.append(stack)

    for stack in stacks:
        visit(stack, ())
    return done
