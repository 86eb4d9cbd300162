"""Function configuration documents: built from requests, updated, shown, turned into specs.

A stored configuration is the FunctionConfiguration output shape plus private keys
(leading `_`). `public` strips those; `to_spec` describes a version to the engine.
Must not: touch storage or disk.
"""

from __future__ import annotations

from typing import Any

from tenku.core.functions import FunctionSpec
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope
from tenku.services.lambda_ import models
from tenku.services.lambda_.code import Package

_UPDATABLE = ("Role", "Handler", "Description", "Timeout", "MemorySize", "Runtime")


def new_config(
    scope: Scope,
    name: str,
    package: Package,
    now: float,
    *,
    runtime: str | None,
    role: str,
    handler: str | None,
    description: str | None,
    timeout: int | None,
    memory_size: int | None,
    environment: dict[str, Any] | None,
    architectures: list[str] | None,
    layers: list[dict[str, Any]] | None,
    tracing_config: dict[str, Any] | None,
    ephemeral_storage: dict[str, Any] | None,
    logging_config: dict[str, Any] | None,
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": models.function_arn(scope, name),
        "Runtime": runtime,
        "Role": role,
        "Handler": handler,
        "CodeSize": package.size,
        "Description": description or "",
        "Timeout": timeout or models.DEFAULT_TIMEOUT,
        "MemorySize": memory_size or models.DEFAULT_MEMORY,
        "LastModified": models.timestamp(now),
        "CodeSha256": package.sha256_b64,
        "Version": models.LATEST,
        "TracingConfig": {"Mode": (tracing_config or {}).get("Mode") or "PassThrough"},
        "RevisionId": new_uuid(),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": list(architectures or ["x86_64"]),
        "EphemeralStorage": {"Size": int((ephemeral_storage or {}).get("Size") or 512)},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": _logging(name, logging_config),
        "_CodeHex": package.sha256_hex,
        "_Published": None,
    }
    if handler is None:
        del config["Handler"]
    if environment is not None:
        config["Environment"] = {"Variables": models.validate_environment(environment)}
    if layers:
        config["Layers"] = [dict(layer) for layer in layers]  # {Arn, CodeSize}, checked
    return config


def _logging(name: str, given: dict[str, Any] | None) -> dict[str, Any]:
    given = given or {}
    fmt = given.get("LogFormat") or "Text"
    out: dict[str, Any] = {
        "LogFormat": fmt,
        "LogGroup": given.get("LogGroup") or f"/aws/lambda/{name}",
    }
    if fmt == "JSON":
        out["ApplicationLogLevel"] = given.get("ApplicationLogLevel") or "INFO"
        out["SystemLogLevel"] = given.get("SystemLogLevel") or "INFO"
    return out


def touch(config: dict[str, Any], now: float) -> None:
    """Mark $LATEST as changed: new revision, new LastModified, not yet published."""
    config["LastModified"] = models.timestamp(now)
    config["RevisionId"] = new_uuid()
    config["_Published"] = None


def apply_update(config: dict[str, Any], changes: dict[str, Any]) -> None:
    """Apply UpdateFunctionConfiguration members (already validated) to `config`."""
    for key in _UPDATABLE:
        if changes.get(key) is not None:
            config[key] = changes[key]
    if changes.get("Environment") is not None:
        config["Environment"] = {"Variables": models.validate_environment(changes["Environment"])}
    if changes.get("TracingConfig") is not None:
        config["TracingConfig"] = {"Mode": changes["TracingConfig"].get("Mode") or "PassThrough"}
    if changes.get("EphemeralStorage") is not None:
        config["EphemeralStorage"] = {"Size": int(changes["EphemeralStorage"].get("Size") or 512)}
    if changes.get("LoggingConfig") is not None:
        config["LoggingConfig"] = _logging(config["FunctionName"], changes["LoggingConfig"])
    if changes.get("Layers") is not None:
        layers = changes["Layers"]
        if layers:
            config["Layers"] = [dict(layer) for layer in layers]
        else:
            config.pop("Layers", None)


def set_code(config: dict[str, Any], package: Package, architectures: list[str] | None) -> None:
    config["CodeSize"] = package.size
    config["CodeSha256"] = package.sha256_b64
    config["_CodeHex"] = package.sha256_hex
    if architectures:
        config["Architectures"] = list(architectures)


def as_version(
    latest: dict[str, Any], scope: Scope, number: int, description: str | None
) -> dict[str, Any]:
    version = {k: v for k, v in latest.items() if k != "_Published"}
    version["Version"] = str(number)
    version["FunctionArn"] = models.function_arn(scope, latest["FunctionName"], str(number))
    version["RevisionId"] = new_uuid()
    if description is not None:
        version["Description"] = description
    return version


def public(config: dict[str, Any], *, qualified: bool = False) -> dict[str, Any]:
    """The output shape: private keys dropped; `$LATEST` qualified in version lists."""
    out = {k: v for k, v in config.items() if not k.startswith("_")}
    if qualified and out.get("Version") == models.LATEST:
        out["FunctionArn"] = f"{out['FunctionArn']}:{models.LATEST}"
    return out


def to_spec(
    config: dict[str, Any],
    scope: Scope,
    code_dir: str,
    endpoint_url: str,
    reserved: int | None,
) -> FunctionSpec:
    name = str(config["FunctionName"])
    version = str(config["Version"])
    variables = (config.get("Environment") or {}).get("Variables") or {}
    logging = config.get("LoggingConfig") or {}
    return FunctionSpec(
        name=name,
        arn=models.function_arn(scope, name, version),
        version=version,
        runtime=str(config.get("Runtime") or ""),
        handler=str(config.get("Handler") or ""),
        code_dir=code_dir,
        code_sha256=str(config["CodeSha256"]),
        account=scope.account,
        region=scope.region,
        memory_mb=int(config["MemorySize"]),
        timeout_s=float(config["Timeout"]),
        environment=tuple(sorted((str(k), str(v)) for k, v in variables.items())),
        layer_dirs=(),
        reserved_concurrency=reserved,
        log_group=str(logging.get("LogGroup") or f"/aws/lambda/{name}"),
        log_format=str(logging.get("LogFormat") or "Text"),
        endpoint_url=endpoint_url,
    )


def set_dead_letter(
    config: dict[str, Any], given: dict[str, Any] | None, *, creating: bool
) -> None:
    """Apply a DeadLetterConfig member: an ARN sets it; on update, no ARN removes it."""
    if given is None:
        return
    target = given.get("TargetArn")
    if target is None and creating:
        return
    if not target and not creating:
        config.pop("DeadLetterConfig", None)
        return
    config["DeadLetterConfig"] = {"TargetArn": models.validate_dead_letter(str(target))}
