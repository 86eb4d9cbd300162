"""From a detected project to what must be sent: one `StackPlan` per stack, with the
template to submit (local code replaced by S3 locations), the uploads that must exist
first, the stack's parameters, and which package each function runs (for hot code
updates).

SAM and CloudFormation templates are packaged into the `tenku-deploy-artifacts` bucket
(see `packaging`); a serverless.yml goes through the serverless translator, which
returns the template and its code packages; a CDK assembly gives one plan per stack,
its file assets going to the buckets and keys its template names (the CDK bootstrap
bucket), and the bootstrap version SSM parameter its `BootstrapVersion` parameter reads.
Must not: talk to any service (the caller uploads and deploys through the public API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenku.deploy import cdk
from tenku.deploy.errors import TemplateError
from tenku.deploy.loader import load_template
from tenku.deploy.packaging import Artifact, function_artifacts, package_template
from tenku.deploy.project import Project

ARTIFACT_BUCKET = "tenku-deploy-artifacts"
CDK_BOOTSTRAP_VERSION = "21"


@dataclass
class StackPlan:
    stack_name: str
    template: dict[str, Any]
    parameters: dict[str, str]
    artifacts: list[Artifact]
    functions: dict[str, Artifact]  # logical id -> its package
    sources: list[Path]  # files whose change means a new change set
    notes: list[str] = field(default_factory=list)
    ssm_parameters: dict[str, str] = field(default_factory=dict)  # to exist beforehand

    @property
    def buckets(self) -> list[str]:
        return sorted({a.bucket for a in self.artifacts})


def plan_project(
    project: Project,
    *,
    account: str,
    region: str,
    parameters: dict[str, str] | None = None,
    stage: str | None = None,
    stack_name: str | None = None,
) -> list[StackPlan]:
    """The stacks to deploy for `project`, in order; TemplateError when it cannot be read."""
    supplied = dict(parameters or {})
    if project.kind == "cdk":
        plans = _cdk(project, account, region, supplied)
        if stack_name is not None:
            if len(plans) != 1:
                raise TemplateError(
                    f"--stack-name names one stack; this assembly has {len(plans)}: "
                    + ", ".join(p.stack_name for p in plans)
                )
            plans[0].stack_name = stack_name
        return plans
    if project.kind == "serverless":
        return [_serverless(project, account, region, supplied, stage, stack_name)]
    return [_template(project, supplied, stage, stack_name)]


def _template(
    project: Project, supplied: dict[str, str], stage: str | None, stack_name: str | None
) -> StackPlan:
    template = load_template(project.source.read_bytes(), lenient=True)
    notes: list[str] = []
    declared = template.get("Parameters") or {}
    if stage is not None:
        if "Stage" in declared:
            supplied.setdefault("Stage", stage)
        else:
            notes.append(f"--stage {stage}: the template declares no Stage parameter")
    name = stack_name or (f"{project.name}-{stage}" if stage else project.name)
    packaged = package_template(template, project.root, ARTIFACT_BUCKET, prefix=name)
    return StackPlan(
        name,
        packaged.template,
        supplied,
        packaged.artifacts,
        function_artifacts(packaged.template, packaged.artifacts),
        [project.source],
        notes,
    )


def _cdk(project: Project, account: str, region: str, supplied: dict[str, str]) -> list[StackPlan]:
    plans = []
    for stack in cdk.read_assembly(project.source, account, region):
        artifacts = [
            Artifact(
                a.source, a.packaging == "zip" and a.source.is_dir(), a.bucket, a.key, a.body()
            )
            for a in stack.assets
        ]
        declared = stack.template.get("Parameters") or {}
        ssm: dict[str, str] = {}
        if "BootstrapVersion" in declared:
            ssm[cdk.BOOTSTRAP_VERSION_PARAMETER] = CDK_BOOTSTRAP_VERSION
        plans.append(
            StackPlan(
                stack.stack_name,
                stack.template,
                {k: v for k, v in supplied.items() if k in declared},
                artifacts,
                function_artifacts(stack.template, artifacts),
                [project.source / "manifest.json", stack.template_file],
                [f"{stack.stack_name}: skipped {why}" for why in stack.unsupported],
                ssm,
            )
        )
    return plans


def _serverless(
    project: Project,
    account: str,
    region: str,
    supplied: dict[str, str],
    stage: str | None,
    stack_name: str | None,
) -> StackPlan:
    """Through the serverless.yml translator: its code packages are uploaded under
    content-addressed keys, which are written into the template."""
    import hashlib

    from tenku.deploy.serverless import translate_service

    translation = translate_service(
        project.root,
        stage=stage,
        region=region,
        account=account,
        config_file=project.source.name,
    )
    artifacts: list[Artifact] = []
    keys: dict[str, str] = {}
    for package in translation.artifacts:
        body = package.zip_bytes()
        digest = hashlib.sha256(body).hexdigest()
        key = package.default_key(translation.service, translation.stage, digest)
        keys[package.key_parameter] = key
        source = package.prebuilt or package.root_dir
        artifacts.append(
            Artifact(
                source, package.prebuilt is None, ARTIFACT_BUCKET, key, body, package.zip_bytes
            )
        )
    template = translation.bind(ARTIFACT_BUCKET, keys)
    declared = template.get("Parameters") or {}
    return StackPlan(
        stack_name or translation.stack_name,
        template,
        {k: v for k, v in supplied.items() if k in declared},
        artifacts,
        function_artifacts(template, artifacts),
        [project.source],
        [f"serverless.yml: {warning}" for warning in translation.warnings],
    )


def stack_names(
    project: Project,
    *,
    account: str,
    region: str,
    stage: str | None = None,
) -> list[str]:
    """The stacks `plan_project` would deploy, in order, without packaging any code
    (what `tenku destroy PATH` deletes)."""
    if project.kind == "cdk":
        return [s.stack_name for s in cdk.read_assembly(project.source, account, region)]
    if project.kind == "serverless":
        return [
            p.stack_name for p in plan_project(project, account=account, region=region, stage=stage)
        ]
    return [f"{project.name}-{stage}" if stage else project.name]
