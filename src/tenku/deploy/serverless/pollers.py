"""`sqs` and `stream` events: Lambda event-source mappings, as the Framework compiles them.

`sqs` -> `<Fn>EventSourceMappingSQS<Queue>` (batch size 10 unless given, batching window,
`functionResponseType`, `filterPatterns`, `maximumConcurrency`); `stream` (DynamoDB or
Kinesis, the type from the ARN or `type:`) -> `<Fn>EventSourceMapping<Type><Stream>`
(batch size 100, `startingPosition` TRIM_HORIZON unless given, retries, bisecting,
`destinations.onFailure`). Each adds the read actions to the execution role.
Must not: compile other event types.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.deploy.serverless import naming
from tenku.deploy.serverless.context import ROLE_ID, Build
from tenku.deploy.serverless.errors import ServerlessError

_STREAM_ACTIONS = {
    "dynamodb": ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                 "dynamodb:ListStreams"],
    "kinesis": ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"],
}  # fmt: skip


def _mapping(build: Build, function: str, props: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": props}
    function_resource = build.resources.get(naming.function_id(function)) or {}
    depends = [ROLE_ID] if ROLE_ID in function_resource.get("DependsOn", []) else []
    if function in build.aliases:
        depends.append(build.aliases[function])
    if depends:
        resource["DependsOn"] = depends
    return resource


def _filters(patterns: Any) -> dict[str, Any]:
    return {"Filters": [{"Pattern": json.dumps(p, separators=(",", ":"))} for p in patterns]}


def compile_sqs(build: Build, function: str, config: Any) -> None:
    spec = config if isinstance(config, dict) and "arn" in config else {"arn": config}
    arn = spec["arn"]
    if not arn:
        raise ServerlessError(f'Missing "arn" property for sqs event in function "{function}"')
    props: dict[str, Any] = {
        "BatchSize": int(spec.get("batchSize") or 10),
        "EventSourceArn": arn,
        "FunctionName": build.target(function),
        "Enabled": spec.get("enabled", True) is not False,
    }
    if spec.get("maximumBatchingWindow") is not None:
        props["MaximumBatchingWindowInSeconds"] = int(spec["maximumBatchingWindow"])
    if spec.get("functionResponseType"):
        props["FunctionResponseTypes"] = [spec["functionResponseType"]]
    if spec.get("filterPatterns"):
        props["FilterCriteria"] = _filters(spec["filterPatterns"])
    if spec.get("maximumConcurrency"):
        props["ScalingConfig"] = {"MaximumConcurrency": int(spec["maximumConcurrency"])}
    queue = naming.alphanumeric(naming.name_of(arn))
    logical_id = f"{naming.resource_name(function)}EventSourceMappingSQS{queue}"
    build.add(logical_id, _mapping(build, function, props))
    build.allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], [arn])


def _stream_type(function: str, spec: dict[str, Any]) -> str:
    arn = spec["arn"]
    kind = spec.get("type")
    if not kind and isinstance(arn, str):
        kind = arn.split(":")[2] if arn.count(":") >= 2 else None
    if kind not in _STREAM_ACTIONS:
        raise ServerlessError(
            f'Missing or invalid "type" property for stream event in function "{function}": '
            'the type must be "dynamodb" or "kinesis"'
        )
    return str(kind)


def _stream_name(arn: Any) -> str:
    if isinstance(arn, str):
        parts = arn.split("/")
        return parts[1] if len(parts) > 1 else naming.name_of(arn)
    return naming.name_of(arn)


def compile_stream(build: Build, function: str, config: Any) -> None:
    spec = config if isinstance(config, dict) else {"arn": config}
    if not spec.get("arn"):
        raise ServerlessError(f'Missing "arn" property for stream event in function "{function}"')
    kind = _stream_type(function, spec)
    props: dict[str, Any] = {
        "BatchSize": int(spec.get("batchSize") or 100),
        "EventSourceArn": spec["arn"],
        "FunctionName": build.target(function),
        "StartingPosition": str(spec.get("startingPosition") or "TRIM_HORIZON"),
        "Enabled": spec.get("enabled", True) is not False,
    }
    if spec.get("startingPositionTimestamp") is not None:
        props["StartingPositionTimestamp"] = spec["startingPositionTimestamp"]
    for member, source in (
        ("MaximumBatchingWindowInSeconds", "batchWindow"),
        ("MaximumRetryAttempts", "maximumRetryAttempts"),
        ("ParallelizationFactor", "parallelizationFactor"),
        ("MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds"),
        ("TumblingWindowInSeconds", "tumblingWindowInSeconds"),
    ):
        if spec.get(source) is not None:
            props[member] = int(spec[source])
    if spec.get("bisectBatchOnFunctionError") is not None:
        props["BisectBatchOnFunctionError"] = bool(spec["bisectBatchOnFunctionError"])
    if spec.get("functionResponseType"):
        props["FunctionResponseTypes"] = [spec["functionResponseType"]]
    if spec.get("filterPatterns"):
        props["FilterCriteria"] = _filters(spec["filterPatterns"])
    on_failure = (spec.get("destinations") or {}).get("onFailure")
    if on_failure:
        target = on_failure.get("arn") if isinstance(on_failure, dict) else on_failure
        target_type = on_failure.get("type") if isinstance(on_failure, dict) else None
        if not target_type and isinstance(target, str):
            target_type = target.split(":")[2] if target.count(":") >= 2 else None
        if target_type not in ("sns", "sqs"):
            raise ServerlessError(
                f'Stream event in function "{function}": onFailure destination needs "type" '
                '"sns" or "sqs" when its arn is not a literal ARN'
            )
        props["DestinationConfig"] = {"OnFailure": {"Destination": target}}
        action = "sns:Publish" if target_type == "sns" else "sqs:SendMessage"
        build.allow([action], [target])
    logical_id = (
        f"{naming.resource_name(function)}EventSourceMapping"
        f"{naming.upper_first(kind)}{naming.alphanumeric(_stream_name(spec['arn']))}"
    )
    build.add(logical_id, _mapping(build, function, props))
    build.allow(_STREAM_ACTIONS[kind], [spec["arn"]])
