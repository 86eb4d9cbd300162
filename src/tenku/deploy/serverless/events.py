"""Push event sources: `sns`, `s3`, `schedule`, `eventBridge` and `cloudwatchEvent`, as
the Framework compiles them, and the walk over every function's `events` that sends
each event to its compiler (HTTP APIs, REST APIs and pollers compile from their own
modules). Event types Tenku does not run (`alb`, `websocket`, `iot`, ...) are skipped
with a warning naming the function; an unknown event type is an error.
Must not: compile functions or APIs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import Any

from tenku.deploy.serverless import naming, pollers
from tenku.deploy.serverless.context import Build, as_list, region_join
from tenku.deploy.serverless.errors import ServerlessError

API_EVENTS = ("httpApi", "http")
UNSUPPORTED = (
    "alb", "websocket", "cloudwatchLog", "cognitoUserPool", "iot", "iotFleetProvisioning",
    "alexaSkill", "alexaSmartHome", "cloudFront", "kafka", "msk", "activemq", "rabbitmq",
)  # fmt: skip


def compile_events(build: Build) -> None:
    for function, spec in build.functions.items():
        counters: dict[str, int] = {}
        for event in as_list(spec.get("events")):
            if not isinstance(event, dict) or len(event) != 1:
                raise ServerlessError(
                    f'Configuration error at "functions.{function}.events": each event must be '
                    "an object with one event type"
                )
            ((kind, config),) = event.items()
            counters[kind] = counters.get(kind, 0) + 1
            if kind in API_EVENTS:
                continue
            if kind in UNSUPPORTED:
                build.warn(
                    f'Function "{function}": "{kind}" events are not supported by Tenku '
                    "and were skipped"
                )
                continue
            compiler = _COMPILERS.get(kind)
            if compiler is None:
                raise ServerlessError(
                    f'Configuration error at "functions.{function}.events.'
                    f'{counters[kind] - 1}": unsupported function event "{kind}"'
                )
            compiler(build, function, config, counters[kind])


def _sqs(build: Build, function: str, config: Any, index: int) -> None:
    pollers.compile_sqs(build, function, config)


def _stream(build: Build, function: str, config: Any, index: int) -> None:
    pollers.compile_stream(build, function, config)


def _sns(build: Build, function: str, config: Any, index: int) -> None:
    spec: dict[str, Any] = config if isinstance(config, dict) else (
        {"arn": config} if isinstance(config, str) and config.startswith("arn:")
        else {"topicName": config})  # fmt: skip
    arn = spec.get("arn")
    topic = spec.get("topicName")
    if arn is not None:
        if not topic and not isinstance(arn, str):
            raise ServerlessError(
                f'Missing "topicName" property for sns event in function '
                f'"{function}": it is needed when "arn" is not a string'
            )
        topic = topic or naming.name_of(arn)
        topic_arn = arn
    else:
        if not topic:
            raise ServerlessError(f'Missing "topicName" for sns event in function "{function}"')
        topic_id = f"SNSTopic{naming.alphanumeric(str(topic))}"
        props = {"TopicName": str(topic)}
        if spec.get("displayName"):
            props["DisplayName"] = str(spec["displayName"])
        existing = build.resources.get(topic_id, {}).get("Properties", {})
        build.add(topic_id, {"Type": "AWS::SNS::Topic", "Properties": {**existing, **props}})
        topic_arn = {"Ref": topic_id}
    normalized_topic = naming.alphanumeric(str(topic))
    subscription: dict[str, Any] = {"TopicArn": topic_arn, "Protocol": "lambda",
                                    "Endpoint": build.target(function)}  # fmt: skip
    if spec.get("filterPolicy"):
        subscription["FilterPolicy"] = spec["filterPolicy"]
    if spec.get("filterPolicyScope"):
        subscription["FilterPolicyScope"] = spec["filterPolicyScope"]
    redrive = spec.get("redrivePolicy") or {}
    dead_letter = redrive.get("deadLetterTargetArn") or (
        {"Fn::GetAtt": [redrive["deadLetterTargetRef"], "Arn"]}
        if redrive.get("deadLetterTargetRef") else None)  # fmt: skip
    if dead_letter:
        subscription["RedrivePolicy"] = {"deadLetterTargetArn": dead_letter}
    normalized_fn = naming.resource_name(function)
    build.add(
        f"{normalized_fn}SnsSubscription{normalized_topic}",
        build.depends_on_alias(
            function, {"Type": "AWS::SNS::Subscription", "Properties": subscription}
        ),
    )
    build.add(
        f"{normalized_fn}LambdaPermission{normalized_topic}SNS",
        build.permission(function, "sns.amazonaws.com", topic_arn),
    )


def _s3(build: Build, function: str, config: Any, index: int) -> None:
    spec = config if isinstance(config, dict) else {"bucket": config}
    bucket = spec.get("bucket")
    if not bucket:
        raise ServerlessError(f'Missing "bucket" property for s3 event in function "{function}"')
    events = as_list(spec.get("event") or "s3:ObjectCreated:*")
    name = naming.name_of(bucket) if not isinstance(bucket, str) else bucket
    normalized_bucket = naming.alphanumeric(name)
    permission_id = f"{naming.resource_name(function)}LambdaPermission{normalized_bucket}S3"
    build.add(permission_id, build.permission(
        function, "s3.amazonaws.com",
        region_join("arn:", {"Ref": "AWS::Partition"}, ":s3:::", bucket),
        SourceAccount={"Ref": "AWS::AccountId"}))  # fmt: skip
    if spec.get("existing"):
        build.warn(
            f'Function "{function}": s3 event on the existing bucket "{name}" was '
            "skipped (the Framework configures existing buckets with a custom "
            "resource, which Tenku does not run)"
        )
        return
    rules = [{"Name": k, "Value": v} for rule in as_list(spec.get("rules"))
             for k, v in (rule or {}).items()]  # fmt: skip
    bucket_id = f"S3Bucket{normalized_bucket}"
    resource = build.resources.get(bucket_id) or {
        "Type": "AWS::S3::Bucket", "DependsOn": [],
        "Properties": {"BucketName": bucket, "NotificationConfiguration": {
            "LambdaConfigurations": []}}}  # fmt: skip
    configurations = resource["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    for event in events:
        entry: dict[str, Any] = {"Event": event, "Function": build.target(function)}
        if rules:
            entry["Filter"] = {"S3Key": {"Rules": rules}}
        configurations.append(entry)
    if permission_id not in resource["DependsOn"]:
        resource["DependsOn"].append(permission_id)
    build.add(bucket_id, resource)


def _input_text(value: Any) -> Any:
    if isinstance(value, dict) and not (len(value) == 1 and next(iter(value)).startswith("Fn::")):
        if isinstance(value.get("body"), str):
            with contextlib.suppress(ValueError):
                value = {**value, "body": json.loads(value["body"])}
        return json.dumps(value, separators=(",", ":"))
    return value


def _transformer(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"InputTemplate": value.get("inputTemplate")}
    if value.get("inputPathsMap"):
        out["InputPathsMap"] = value["inputPathsMap"]
    return out


def _schedule(build: Build, function: str, config: Any, index: int) -> None:
    spec = config if isinstance(config, dict) else {"rate": config}
    rates = as_list(spec.get("rate"))
    if not rates:
        raise ServerlessError(
            f'Missing "rate" property for schedule event in function "{function}"'
        )
    method = spec.get("method") or "eventBus"
    if len(rates) > 1 and spec.get("name"):
        raise ServerlessError(
            "You cannot specify a name when defining more than one rate expression"
        )
    state = "DISABLED" if spec.get("enabled") is False else "ENABLED"
    normalized = naming.resource_name(function)
    counter = sum(1 for k in build.resources if k.startswith(f"{normalized}EventsRuleSchedule")
                  or k.startswith(f"{normalized}SchedulerSchedule"))  # fmt: skip
    for offset, rate in enumerate(rates, start=1):
        number = counter + offset
        if method == "scheduler":
            _scheduler(build, function, spec, rate, state, number)
            continue
        if spec.get("timezone"):
            raise ServerlessError(
                'Cannot setup "schedule" event: "timezone" is only supported with "scheduler" mode'
            )
        target: dict[str, Any] = {"Arn": build.target(function), "Id": f"{function}Schedule"}
        if spec.get("input") is not None:
            target["Input"] = _input_text(spec["input"])
        if spec.get("inputPath"):
            target["InputPath"] = spec["inputPath"]
        if spec.get("inputTransformer"):
            target["InputTransformer"] = _transformer(spec["inputTransformer"])
        props: dict[str, Any] = {"ScheduleExpression": rate, "State": state, "Targets": [target]}
        for member, source in (("Name", "name"), ("Description", "description")):
            if spec.get(source):
                props[member] = spec[source]
        rule_id = f"{normalized}EventsRuleSchedule{number}"
        build.add(
            rule_id,
            build.depends_on_alias(function, {"Type": "AWS::Events::Rule", "Properties": props}),
        )
        build.add(
            f"{normalized}LambdaPermissionEventsRuleSchedule{number}",
            build.permission(function, "events.amazonaws.com", {"Fn::GetAtt": [rule_id, "Arn"]}),
        )


def _scheduler(build: Build, function: str, spec: dict[str, Any], rate: Any, state: str,
               number: int) -> None:  # fmt: skip
    for unsupported in ("inputTransformer", "inputPath"):
        if spec.get(unsupported):
            raise ServerlessError(
                f'Cannot setup "schedule" event: "{unsupported}" is not '
                'supported with "scheduler" mode'
            )
    function_resource = build.resources[naming.function_id(function)]
    target: dict[str, Any] = {"Arn": build.target(function),
                              "RoleArn": spec.get("roleArn") or function_resource[
                                  "Properties"]["Role"]}  # fmt: skip
    if spec.get("input") is not None:
        target["Input"] = _input_text(spec["input"])
    props: dict[str, Any] = {"ScheduleExpression": rate, "State": state, "Target": target,
                             "FlexibleTimeWindow": {"Mode": "OFF"}}  # fmt: skip
    for member, source in (("Name", "name"), ("Description", "description"),
                           ("ScheduleExpressionTimezone", "timezone")):  # fmt: skip
        if spec.get(source):
            props[member] = spec[source]
    build.add(
        f"{naming.resource_name(function)}SchedulerSchedule{number}",
        build.depends_on_alias(function, {"Type": "AWS::Scheduler::Schedule", "Properties": props}),
    )
    if "scheduler.amazonaws.com" not in build.role_principals:
        build.role_principals.append("scheduler.amazonaws.com")
    name = build.function_name(function)
    arn = f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}"
    build.allow(["lambda:InvokeFunction"], [{"Fn::Sub": arn}, {"Fn::Sub": f"{arn}:*"}])


def _rule_name(build: Build, function: str, index: int) -> str:
    name = f"{build.function_name(function)}-rule-{index}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: 64 - len(digest) - len(f'-rule-{index}') - 1]}-{digest}-rule-{index}"


def _event_bridge(build: Build, function: str, config: Any, index: int) -> None:
    spec = config if isinstance(config, dict) else {}
    if not spec.get("pattern") and not spec.get("schedule"):
        raise ServerlessError(
            f'eventBridge event in function "{function}" needs "pattern" or "schedule"'
        )
    rule_name = str(spec.get("name") or _rule_name(build, function, index))
    rule_id = f"{naming.alphanumeric(rule_name)}EventBridgeRule"
    props: dict[str, Any] = {
        "Name": rule_name,
        "State": "DISABLED" if spec.get("enabled") is False else "ENABLED",
    }
    bus = spec.get("eventBus")
    depends: list[str] = []
    if bus is not None and bus != "default":
        if isinstance(bus, str) and not bus.startswith("arn:"):
            bus_id = f"{naming.resource_name(bus)}EventBridgeEventBus"
            build.add(bus_id, {"Type": "AWS::Events::EventBus", "Properties": {"Name": bus}})
            depends.append(bus_id)
        props["EventBusName"] = bus
    if spec.get("pattern"):
        props["EventPattern"] = spec["pattern"]
    if spec.get("schedule"):
        props["ScheduleExpression"] = spec["schedule"]
    if spec.get("description"):
        props["Description"] = spec["description"]
    target: dict[str, Any] = {"Arn": build.target(function), "Id": f"{rule_name}-target"[:64]}
    if spec.get("input") is not None:
        target["Input"] = _input_text(spec["input"])
    if spec.get("inputPath"):
        target["InputPath"] = spec["inputPath"]
    if spec.get("inputTransformer"):
        target["InputTransformer"] = _transformer(spec["inputTransformer"])
    retry = spec.get("retryPolicy") or {}
    if retry:
        target["RetryPolicy"] = {
            k: int(retry[s])
            for k, s in (
                ("MaximumEventAgeInSeconds", "maximumEventAge"),
                ("MaximumRetryAttempts", "maximumRetryAttempts"),
            )
            if retry.get(s) is not None
        }
    if spec.get("deadLetterQueueArn"):
        target["DeadLetterConfig"] = {"Arn": spec["deadLetterQueueArn"]}
    props["Targets"] = [target]
    rule: dict[str, Any] = {"Type": "AWS::Events::Rule", "Properties": props}
    if depends or function in build.aliases:
        rule["DependsOn"] = depends + ([build.aliases[function]]
                                       if function in build.aliases else [])  # fmt: skip
    build.add(rule_id, rule)
    build.add(
        f"{naming.resource_name(function)}EventBridgeLambdaPermission{index}",
        build.permission(function, "events.amazonaws.com", {"Fn::GetAtt": [rule_id, "Arn"]}),
    )


def _cloudwatch_event(build: Build, function: str, config: Any, index: int) -> None:
    spec = config if isinstance(config, dict) else {}
    if not spec.get("event"):
        raise ServerlessError(
            f'Missing "event" property for cloudwatchEvent event in function "{function}"'
        )
    normalized = naming.resource_name(function)
    rule_id = f"{normalized}EventsRuleCloudWatchEvent{index}"
    target: dict[str, Any] = {"Arn": build.target(function),
                              "Id": f"{function}CloudWatchEvent"}  # fmt: skip
    if spec.get("input") is not None:
        target["Input"] = _input_text(spec["input"])
    if spec.get("inputPath"):
        target["InputPath"] = spec["inputPath"]
    if spec.get("inputTransformer"):
        target["InputTransformer"] = _transformer(spec["inputTransformer"])
    props: dict[str, Any] = {
        "EventPattern": spec["event"],
        "Targets": [target],
        "State": "DISABLED" if spec.get("enabled") is False else "ENABLED",
    }
    if spec.get("name"):
        props["Name"] = spec["name"]
    build.add(
        rule_id,
        build.depends_on_alias(function, {"Type": "AWS::Events::Rule", "Properties": props}),
    )
    build.add(
        f"{normalized}LambdaPermissionEventsRuleCloudWatchEvent{index}",
        build.permission(function, "events.amazonaws.com", {"Fn::GetAtt": [rule_id, "Arn"]}),
    )


_COMPILERS = {
    "sqs": _sqs, "stream": _stream, "sns": _sns, "s3": _s3, "schedule": _schedule,
    "eventBridge": _event_bridge, "cloudwatchEvent": _cloudwatch_event,
}  # fmt: skip
