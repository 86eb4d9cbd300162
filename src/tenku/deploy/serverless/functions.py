"""`functions`, `layers` and the execution role, as the Framework compiles them.

Each function becomes `<Fn>LambdaFunction` (name `${service}-${stage}-${key}` unless
given; provider settings overridden per function) with a `<Fn>LogGroup` for
`/aws/lambda/<name>`; `provisionedConcurrency` adds a `<Fn>LambdaVersion<hash>` and the
`provisioned` alias `<Fn>ProvConcLambdaAlias`, which event sources then target. Service
layers become `<Layer>LambdaLayer`. `IamRoleLambdaExecution` carries the log statements,
`iam.role.statements` (or v2's `iamRoleStatements`) and what event sources add. Code is
`S3Bucket: !Ref TenkuArtifactBucket` and `S3Key: !Ref <artifact key parameter>`.
Must not: compile events (the event modules do).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tenku.deploy.serverless import naming
from tenku.deploy.serverless.context import BUCKET_PARAMETER, ROLE_ID, Build, as_list
from tenku.deploy.serverless.errors import ServerlessError
from tenku.deploy.serverless.packaging import DEFAULT_EXCLUDES, Artifact, package_patterns

DEFAULT_RUNTIME = "nodejs20.x"


def _code(key_parameter: str) -> dict[str, Any]:
    return {"S3Bucket": {"Ref": BUCKET_PARAMETER}, "S3Key": {"Ref": key_parameter}}


def _key_parameter(build: Build, name: str) -> str:
    build.parameters.setdefault(BUCKET_PARAMETER, {
        "Type": "String", "Description": "Bucket holding the uploaded code artifacts",
    })  # fmt: skip
    build.parameters[name] = {"Type": "String", "Description": "S3 key of a code artifact"}
    return name


def _role_reference(role: Any) -> Any:
    if isinstance(role, str):
        return role if role.startswith("arn:") else {"Fn::GetAtt": [role, "Arn"]}
    return role


def custom_role(build: Build) -> Any:
    """The provider-wide role given by ARN, name or intrinsic, if any (then none is made)."""
    iam = build.provider.get("iam") or {}
    role = iam.get("role") if isinstance(iam, dict) else None
    if role is None:
        role = build.provider.get("role")
    return None if role is None or (isinstance(role, dict) and not _is_intrinsic(role)) else role


def _is_intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::ImportValue",
                                                       "Fn::Sub", "Fn::Join")  # fmt: skip


def compile_functions(build: Build, config_name: str) -> list[Artifact]:
    _provider, package = build.provider, build.config.get("package") or {}
    individually = bool(isinstance(package, dict) and package.get("individually"))
    base = [*DEFAULT_EXCLUDES, f"!{config_name}", *_layer_excludes(build)]
    base += package_patterns(package)
    artifacts = _compile_layers(build, base)
    shared: list[str] = []
    provider_role = custom_role(build)
    for key, spec in build.functions.items():
        if spec.get("image"):
            raise ServerlessError(
                f'Function "{key}" uses a container image: Tenku runs zip packages only'
            )
        if not spec.get("handler"):
            raise ServerlessError(
                f"Configuration error at \"functions.{key}\": must have required property 'handler'"
            )
        logical_id = naming.function_id(key)
        own = spec.get("package") or {}
        if isinstance(own, dict) and own.get("artifact"):
            parameter = _key_parameter(build, f"TenkuArtifactKey{naming.resource_name(key)}")
            prebuilt = build.service_dir / str(own["artifact"])
            artifacts.append(Artifact(key, build.service_dir, (), (logical_id,), parameter,
                                      prebuilt))  # fmt: skip
        elif individually or (isinstance(own, dict) and own.get("individually")):
            parameter = _key_parameter(build, f"TenkuArtifactKey{naming.resource_name(key)}")
            patterns = (*base, *package_patterns(own))
            artifacts.append(Artifact(key, build.service_dir, patterns, (logical_id,), parameter))
        else:
            parameter = "TenkuArtifactKey"
            shared.append(logical_id)
        role = spec.get("role") if spec.get("role") is not None else provider_role
        _compile_function(build, key, spec, parameter, role)
    if shared:
        _key_parameter(build, "TenkuArtifactKey")
        if isinstance(package, dict) and package.get("artifact"):
            prebuilt = build.service_dir / str(package["artifact"])
            artifacts.append(Artifact(build.service, build.service_dir, (), tuple(shared),
                                      "TenkuArtifactKey", prebuilt))  # fmt: skip
        else:
            artifacts.append(Artifact(build.service, build.service_dir, tuple(base),
                                      tuple(shared), "TenkuArtifactKey"))  # fmt: skip
    return artifacts


def _layer_excludes(build: Build) -> list[str]:
    layers = build.config.get("layers") or {}
    return [f"!{str(spec['path']).strip('./')}/**" for spec in layers.values()
            if isinstance(spec, dict) and spec.get("path")]  # fmt: skip


def _compile_layers(build: Build, base: list[str]) -> list[Artifact]:
    artifacts = []
    for key, spec in (build.config.get("layers") or {}).items():
        if not isinstance(spec, dict) or not (spec.get("path") or spec.get("package")):
            raise ServerlessError(f'Layer "{key}" needs a "path" (or "package.artifact")')
        logical_id = f"{naming.resource_name(key)}LambdaLayer"
        parameter = _key_parameter(build, f"TenkuArtifactKey{naming.resource_name(key)}Layer")
        props: dict[str, Any] = {"Content": _code(parameter), "LayerName": spec.get("name") or key}
        for member, source in (("Description", "description"),
                               ("CompatibleRuntimes", "compatibleRuntimes"),
                               ("CompatibleArchitectures", "compatibleArchitectures"),
                               ("LicenseInfo", "licenseInfo")):  # fmt: skip
            if spec.get(source) is not None:
                props[member] = spec[source]
        build.add(logical_id, {"Type": "AWS::Lambda::LayerVersion", "Properties": props})
        build.outputs[f"{logical_id}QualifiedArn"] = {
            "Description": "Current Lambda layer version", "Value": {"Ref": logical_id},
        }  # fmt: skip
        own = spec.get("package") or {}
        if isinstance(own, dict) and own.get("artifact"):
            prebuilt = build.service_dir / str(own["artifact"])
            artifacts.append(Artifact(key, build.service_dir, (), (logical_id,), parameter,
                                      prebuilt))  # fmt: skip
        else:
            root = build.service_dir / str(spec["path"])
            patterns = (*base[: len(DEFAULT_EXCLUDES)], *package_patterns(own))
            artifacts.append(Artifact(key, root, patterns, (logical_id,), parameter))
    return artifacts


def _tracing(value: Any) -> str | None:
    if value is True or value == "Active":
        return "Active"
    if value == "PassThrough":
        return "PassThrough"
    return None


def _environment(*blocks: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in blocks:
        for name, value in (block or {}).items():
            merged[name] = ("true" if value else "false") if isinstance(value, bool) else (
                str(value) if isinstance(value, (int, float)) else value)  # fmt: skip
    return merged


def _compile_function(
    build: Build, key: str, spec: dict[str, Any], parameter: str, role: Any
) -> None:
    provider = build.provider
    name = build.function_name(key)
    props: dict[str, Any] = {
        "Code": _code(parameter),
        "Handler": spec["handler"],
        "Runtime": spec.get("runtime") or provider.get("runtime") or DEFAULT_RUNTIME,
        "FunctionName": name,
        "MemorySize": int(spec.get("memorySize") or provider.get("memorySize") or 1024),
        "Timeout": int(spec.get("timeout") or provider.get("timeout") or 6),
    }
    if spec.get("description"):
        props["Description"] = spec["description"]
    architecture = spec.get("architecture") or provider.get("architecture")
    if architecture:
        props["Architectures"] = [architecture]
    variables = _environment(provider.get("environment"), spec.get("environment"))
    if variables:
        props["Environment"] = {"Variables": variables}
    props["Role"] = _role_reference(role) if role is not None else {
        "Fn::GetAtt": [ROLE_ID, "Arn"]}  # fmt: skip
    tracing = _tracing(spec.get("tracing", (provider.get("tracing") or {}).get("lambda")))
    if tracing:
        props["TracingConfig"] = {"Mode": tracing}
    if spec.get("reservedConcurrency") is not None:
        props["ReservedConcurrentExecutions"] = int(spec["reservedConcurrency"])
    layers = spec.get("layers") if spec.get("layers") is not None else provider.get("layers")
    if layers:
        props["Layers"] = as_list(layers)
    tags = {**(provider.get("tags") or {}), **(spec.get("tags") or {})}
    if tags:
        props["Tags"] = [{"Key": k, "Value": str(v)} for k, v in tags.items()]
    for member, source in (("VpcConfig", "vpc"), ("KmsKeyArn", "kmsKeyArn")):
        value = spec.get(source) or provider.get(source)
        if value:
            props[member] = _vpc(value) if member == "VpcConfig" else value
    if spec.get("ephemeralStorageSize"):
        props["EphemeralStorage"] = {"Size": int(spec["ephemeralStorageSize"])}
    if spec.get("onError"):
        props["DeadLetterConfig"] = {"TargetArn": spec["onError"]}
    depends_on = []
    if not spec.get("disableLogs"):
        log_group: dict[str, Any] = {"LogGroupName": f"/aws/lambda/{name}"}
        retention = spec.get("logRetentionInDays") or provider.get("logRetentionInDays")
        if retention:
            log_group["RetentionInDays"] = int(retention)
        build.add(naming.log_group_id(key), {"Type": "AWS::Logs::LogGroup",
                                             "Properties": log_group})  # fmt: skip
        depends_on.append(naming.log_group_id(key))
    if role is None:
        depends_on.append(ROLE_ID)
    depends_on += [str(d) for d in as_list(spec.get("dependsOn"))]
    resource: dict[str, Any] = {"Type": "AWS::Lambda::Function", "Properties": props,
                                "DependsOn": depends_on}  # fmt: skip
    if spec.get("condition"):
        resource["Condition"] = spec["condition"]
    logical_id = naming.function_id(key)
    build.add(logical_id, resource)
    provisioned = spec.get("provisionedConcurrency")
    if provisioned:
        _provisioned(build, key, props, int(provisioned))
    if spec.get("url"):
        build.warn(f'Function "{key}": "url" is not translated yet; no function URL was made')


def _vpc(value: Any) -> Any:
    if isinstance(value, dict) and ("securityGroupIds" in value or "subnetIds" in value):
        return {"SecurityGroupIds": value.get("securityGroupIds") or [],
                "SubnetIds": value.get("subnetIds") or []}  # fmt: skip
    return value


def _provisioned(build: Build, key: str, props: dict[str, Any], count: int) -> None:
    digest = hashlib.sha256(json.dumps(props, sort_keys=True, default=str).encode()).hexdigest()
    normalized = naming.resource_name(key)
    version_id = f"{normalized}LambdaVersion{digest[:43]}"
    alias_id = f"{normalized}ProvConcLambdaAlias"
    function_id = naming.function_id(key)
    build.add(version_id, {"Type": "AWS::Lambda::Version", "DeletionPolicy": "Retain",
                           "Properties": {"FunctionName": {"Ref": function_id}}})  # fmt: skip
    build.add(alias_id, {"Type": "AWS::Lambda::Alias", "Properties": {
        "FunctionName": {"Ref": function_id},
        "FunctionVersion": {"Fn::GetAtt": [version_id, "Version"]},
        "Name": "provisioned",
        "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": count},
    }, "DependsOn": function_id})  # fmt: skip
    build.outputs[f"{function_id}QualifiedArn"] = {
        "Description": "Current Lambda function version", "Value": {"Ref": version_id},
    }  # fmt: skip
    build.aliases[key] = alias_id


def compile_role(build: Build) -> None:
    """`IamRoleLambdaExecution`, unless every function runs under a role given elsewhere."""
    if not any(naming.function_id(k) in build.resources
               and ROLE_ID in build.resources[naming.function_id(k)].get("DependsOn", [])
               for k in build.functions):  # fmt: skip
        return
    provider = build.provider
    iam: dict[str, Any] = provider["iam"] if isinstance(provider.get("iam"), dict) else {}
    role_spec: dict[str, Any] = iam["role"] if isinstance(iam.get("role"), dict) else {}
    prefix = f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:" \
             f"/aws/lambda/{build.service}-{build.stage}*"  # fmt: skip
    statements: list[Any] = [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup",
                                       "logs:TagResource"],
         "Resource": [{"Fn::Sub": f"{prefix}:*"}]},
        {"Effect": "Allow", "Action": ["logs:PutLogEvents"],
         "Resource": [{"Fn::Sub": f"{prefix}:*:*"}]},
    ]  # fmt: skip
    statements += as_list(role_spec.get("statements") or provider.get("iamRoleStatements"))
    statements += build.role_statements
    traced = any(_tracing(s.get("tracing", (provider.get("tracing") or {}).get("lambda")))
                 for s in build.functions.values())  # fmt: skip
    if traced and not any(isinstance(s, dict) and "xray:PutTraceSegments" in as_list(
            s.get("Action")) for s in statements):  # fmt: skip
        statements.append(
            {
                "Effect": "Allow",
                "Resource": ["*"],
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            }
        )
    props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": list(build.role_principals)},
            "Action": ["sts:AssumeRole"]}]},
        "Policies": [{"PolicyName": {"Fn::Join": ["-", [build.service, build.stage, "lambda"]]},
                      "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        "Path": role_spec.get("path") or "/",
        "RoleName": role_spec.get("name") or {"Fn::Join": ["-", [
            build.service, build.stage, {"Ref": "AWS::Region"}, "lambdaRole"]]},
    }  # fmt: skip
    managed = role_spec.get("managedPolicies") or provider.get("iamManagedPolicies")
    if managed:
        props["ManagedPolicyArns"] = as_list(managed)
    if role_spec.get("permissionsBoundary"):
        props["PermissionsBoundary"] = role_spec["permissionsBoundary"]
    build.add(ROLE_ID, {"Type": "AWS::IAM::Role", "Properties": props})
