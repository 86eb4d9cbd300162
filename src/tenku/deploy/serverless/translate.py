"""A serverless.yml (Framework v3 or v4) as a CloudFormation template Tenku deploys.

`translate_service(service_dir, ...)` reads `serverless.yml` (or `.yaml`/`.json`; the
CloudFormation short-form tags kept as long forms), resolves its variables, compiles
functions, events, APIs, the execution role and log groups with the Framework's
logical ids, merges `resources`, and returns a `Translation`: the template, the stack
name (`${service}-${stage}` or `provider.stackName`), the code `Artifact`s to zip and
upload, and warnings (ignored plugins, skipped event types, completed references).

Code locations are template parameters: `TenkuArtifactBucket` and one key parameter
per artifact (`Artifact.key_parameter`). A caller uploads every `artifact.zip_bytes()`
(e.g. at `artifact.default_key(service, stage)`), then either deploys the template with
`translation.parameter_values(bucket, keys)` or deploys `translation.bind(bucket, keys)`,
the template with those values written in.
Must not: upload, deploy or call any API (lookups come through the given callables).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenku.deploy.errors import TemplateError
from tenku.deploy.loader import load_template
from tenku.deploy.serverless import events, functions, http_api, merge, rest_api
from tenku.deploy.serverless.context import BUCKET_PARAMETER, Build
from tenku.deploy.serverless.errors import ServerlessError
from tenku.deploy.serverless.packaging import Artifact
from tenku.deploy.serverless.variables import CfLookup, Resolver, SsmLookup, VariableSources

CONFIG_FILES = ("serverless.yml", "serverless.yaml", "serverless.json")
DESCRIPTION = "The AWS CloudFormation template for this Serverless application"


@dataclass
class Translation:
    template: dict[str, Any]  # CloudFormation, long-form intrinsics, JSON-serialisable
    stack_name: str
    service: str
    stage: str
    region: str
    artifacts: list[Artifact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)  # the resolved serverless.yml

    def parameter_values(self, bucket: str, keys: Mapping[str, str]) -> dict[str, str]:
        """Template parameter values: `keys` maps each artifact's `key_parameter` (or its
        `name`) to the S3 key it was uploaded under."""
        values = {BUCKET_PARAMETER: bucket} if self.artifacts else {}
        for artifact in self.artifacts:
            key = keys.get(artifact.key_parameter) or keys.get(artifact.name)
            if key is None:
                raise ValueError(f"no S3 key given for artifact {artifact.name!r}")
            values[artifact.key_parameter] = key
        return values

    def bind(self, bucket: str, keys: Mapping[str, str]) -> dict[str, Any]:
        """The template with the code locations written in and no code parameters left."""
        values = self.parameter_values(bucket, keys)
        bound: dict[str, Any] = _substitute(copy.deepcopy(self.template), values)
        parameters = {k: v for k, v in (bound.get("Parameters") or {}).items()
                      if k not in values}  # fmt: skip
        if parameters:
            bound["Parameters"] = parameters
        else:
            bound.pop("Parameters", None)
        return bound


def _substitute(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and value.get("Ref") in values:
            return values[value["Ref"]]
        return {k: _substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, values) for v in value]
    return value


def config_path(service_dir: Path, config_file: str | None = None) -> Path:
    if config_file:
        return service_dir / config_file
    for name in CONFIG_FILES:
        if (service_dir / name).is_file():
            return service_dir / name
    for name in ("serverless.ts", "serverless.js"):
        if (service_dir / name).is_file():
            raise ServerlessError(f"Tenku reads serverless.yml, .yaml or .json, not {name}")
    raise ServerlessError(
        f'No serverless.yml found in "{service_dir}" (looked for {", ".join(CONFIG_FILES)})'
    )


def translate_service(
    service_dir: str | Path,
    *,
    stage: str | None = None,
    region: str | None = None,
    options: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    ssm_lookup: SsmLookup | None = None,
    cf_lookup: CfLookup | None = None,
    account: str = "000000000000",
    instance_id: str | None = None,
    config_file: str | None = None,
    strict: bool = False,
) -> Translation:
    """Translate the service in `service_dir`; ServerlessError says why it cannot be."""
    directory = Path(service_dir).resolve()
    path = config_path(directory, config_file)
    try:
        raw = load_template(path.read_bytes())
    except TemplateError as error:
        raise ServerlessError(f'Cannot parse "{path.name}": {error.message}') from error
    except OSError as error:
        raise ServerlessError(f'Cannot read "{path}": {error.strerror}') from error
    given = dict(options or {})
    if stage:
        given["stage"] = stage
    if region:
        given["region"] = region
    sources = VariableSources(directory, given, dict(env or {}), ssm_lookup, cf_lookup, account,
                              instance_id or uuid.uuid4().hex[:8])  # fmt: skip
    resolver = Resolver(raw, sources)
    config = resolver.resolve()
    provider = config.get("provider") or {}
    if not isinstance(provider, dict) or provider.get("name") != "aws":
        raise ServerlessError(
            'Configuration error at "provider.name": must be equal to "aws" '
            "(Tenku runs AWS services only)"
        )
    service = config.get("service")
    if isinstance(service, dict):  # v1: `service: {name: ...}`
        service = service.get("name")
    if not service or not isinstance(service, str):
        raise ServerlessError("Configuration error: must have required property 'service'")
    build = Build(config, service, resolver.stage(), resolver.region(), directory)
    for plugin in _plugins(config):
        build.warn(
            f'Plugin "{plugin}" is ignored: Tenku translates serverless.yml without running plugins'
        )
    if provider.get("deploymentBucket"):
        build.warn(
            "provider.deploymentBucket is ignored: code is uploaded where the caller chooses"
        )
    artifacts = functions.compile_functions(build, path.name)
    http_api.compile_http_api(build)
    rest_api.compile_rest_api(build)
    events.compile_events(build)
    functions.compile_role(build)
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": DESCRIPTION,
        "Parameters": build.parameters,
        "Resources": build.resources,
        "Outputs": build.outputs,
    }
    merge.merge_resources(build, template)
    merge.settle_references(build, template, strict)
    if not template["Parameters"]:
        del template["Parameters"]
    stack_name = provider.get("stackName")
    return Translation(
        template=template,
        stack_name=str(stack_name) if stack_name else f"{service}-{build.stage}",
        service=service,
        stage=build.stage,
        region=build.region,
        artifacts=artifacts,
        warnings=build.warnings,
        config=config,
    )


def _plugins(config: dict[str, Any]) -> list[str]:
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):  # `plugins: {localPath: ..., modules: [...]}`
        plugins = plugins.get("modules") or []
    return [str(p) for p in plugins]
