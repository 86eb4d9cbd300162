"""The state one translation builds up: the resolved config, the template being
assembled, the execution role's extra statements, the artifacts and the warnings.

Every compiler (functions, HTTP APIs, REST APIs, event sources) reads the config
through `Build` and adds resources to it.
Must not: compile anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenku.deploy.serverless import naming
from tenku.deploy.serverless.errors import ServerlessError

ROLE_ID = "IamRoleLambdaExecution"
BUCKET_PARAMETER = "TenkuArtifactBucket"


@dataclass
class Build:
    config: dict[str, Any]
    service: str
    stage: str
    region: str
    service_dir: Path
    resources: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    role_statements: list[dict[str, Any]] = field(default_factory=list)
    role_principals: list[str] = field(default_factory=lambda: ["lambda.amazonaws.com"])
    aliases: dict[str, str] = field(default_factory=dict)  # function key -> alias logical id

    @property
    def provider(self) -> dict[str, Any]:
        provider = self.config.get("provider") or {}
        return provider if isinstance(provider, dict) else {}

    @property
    def functions(self) -> dict[str, dict[str, Any]]:
        functions = self.config.get("functions") or {}
        if not isinstance(functions, dict):
            raise ServerlessError('Configuration error at "functions": must be object')
        return {k: (v or {}) for k, v in functions.items()}

    def add(self, logical_id: str, resource: dict[str, Any]) -> None:
        self.resources[logical_id] = resource

    def target(self, function: str) -> Any:
        """What an event source invokes: the function, or its `provisioned` alias."""
        arn = naming.function_arn(function)
        if function in self.aliases:
            return {"Fn::Join": [":", [arn, "provisioned"]]}
        return arn

    def depends_on_alias(self, function: str, resource: dict[str, Any]) -> dict[str, Any]:
        if function in self.aliases:
            resource["DependsOn"] = self.aliases[function]
        return resource

    def function_name(self, function: str) -> str:
        configured = self.functions[function].get("name")
        return str(configured) if configured else f"{self.service}-{self.stage}-{function}"

    def permission(
        self, function: str, principal: str, source_arn: Any, **extra: Any
    ) -> dict[str, Any]:
        props: dict[str, Any] = {
            "FunctionName": self.target(function),
            "Action": "lambda:InvokeFunction",
            "Principal": principal,
        }
        if source_arn is not None:
            props["SourceArn"] = source_arn
        props.update(extra)
        return self.depends_on_alias(
            function, {"Type": "AWS::Lambda::Permission", "Properties": props}
        )

    def allow(self, actions: list[str], resources: list[Any]) -> None:
        """An extra statement for the generated execution role (event-source reads)."""
        self.role_statements.append({"Effect": "Allow", "Action": actions, "Resource": resources})

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def region_join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def execute_api_arn(api: Any, suffix: str) -> dict[str, Any]:
    return region_join(
        "arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":",
        {"Ref": "AWS::AccountId"}, ":", api, suffix,
    )  # fmt: skip


def invocation_uri(function_arn: Any) -> dict[str, Any]:
    return region_join(
        "arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
        ":lambda:path/2015-03-31/functions/", function_arn, "/invocations",
    )  # fmt: skip


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
