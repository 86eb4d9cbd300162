"""Event-source mappings as values: which source an ARN names, the validation Lambda
applies to a mapping's settings, and the events and records Lambda builds for them.

Owns: the rules behind CreateEventSourceMapping/UpdateEventSourceMapping (batch sizes,
windows, retry and age limits, starting positions, response types, filter criteria shape)
with Lambda's messages; the SQS and DynamoDB Streams event records as Lambda delivers
them; reading a function's `batchItemFailures`; the on-failure record of a stream batch.
Must not: store anything, call other services or run functions (`esm.py`, `esm_pollers.py`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from tenku.core.scope import Arn
from tenku.patterns import InvalidPattern, Pattern, compile_pattern
from tenku.services.lambda_.errors import invalid_parameter

SQS, DYNAMODB = "sqs", "dynamodb"
# Sources Lambda reads that Tenku has no service for: a mapping to them is kept (so
# templates and scripts that declare one work) and shown as Lambda shows it, but nothing
# polls it. Self-managed Kafka has no ARN: its brokers are named in SelfManagedEventSource.
KINESIS, MSK, MQ, DOCUMENTDB, SELF_MANAGED_KAFKA = (
    "kinesis", "kafka", "mq", "docdb", "self-managed-kafka",
)  # fmt: skip
POLLED = (SQS, DYNAMODB)
STREAM_KINDS = (DYNAMODB, KINESIS)
# Kinds whose mappings take a StartingPosition (streams and Kafka topics).
POSITIONED = (DYNAMODB, KINESIS, MSK, SELF_MANAGED_KAFKA, DOCUMENTDB)
MAX_FILTERS = 5
MAX_BATCHING_WINDOW_S = 300
DEFAULT_BATCH_SIZE = {
    SQS: 10, DYNAMODB: 100, KINESIS: 100, MSK: 100, MQ: 100, DOCUMENTDB: 100,
    SELF_MANAGED_KAFKA: 100,
}  # fmt: skip
MAX_BATCH_SIZE = {
    SQS: 10_000, DYNAMODB: 10_000, KINESIS: 10_000, MSK: 10_000, MQ: 10_000,
    DOCUMENTDB: 10_000, SELF_MANAGED_KAFKA: 10_000,
}  # fmt: skip
# (ARN service, how the resource part starts) of the sources Tenku keeps but does not poll.
_UNPOLLED_ARNS = {
    ("kinesis", "stream/"): KINESIS,
    ("kafka", "cluster/"): MSK,
    ("mq", "broker:"): MQ,
    ("rds", "cluster:"): DOCUMENTDB,
}
FIFO_MAX_BATCH_SIZE = 10

# The members a mapping keeps, in the order GetEventSourceMapping lists them.
STREAM_ONLY = (
    "StartingPosition",
    "ParallelizationFactor",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "TumblingWindowInSeconds",
)


def kind_of(config: dict[str, Any]) -> str:
    """The kind of source a stored (or requested) mapping reads."""
    arn = config.get("EventSourceArn")
    return source_kind(str(arn)) if arn else SELF_MANAGED_KAFKA


def source_kind(arn: str) -> str:
    """The kind of source an event source ARN names; Lambda's error when none."""
    parsed = Arn.parse(arn)
    if parsed is not None and parsed.service == "sqs":
        return SQS
    if parsed is not None and parsed.service == "dynamodb" and "/stream/" in parsed.resource:
        return DYNAMODB
    for (service, prefix), kind in _UNPOLLED_ARNS.items():
        if parsed is not None and parsed.service == service and parsed.resource.startswith(prefix):
            return kind
    raise invalid_parameter(
        f"Unrecognized event source, must be kinesis, dynamodb stream or sqs. "
        f"Unsupported source arn : {arn}"
    )


def is_fifo(arn: str) -> bool:
    return arn.endswith(".fifo")


def check_settings(kind: str, source_arn: str, settings: dict[str, Any], creating: bool) -> None:
    """Raise Lambda's InvalidParameterValueException for settings the source does not take.
    `settings` holds the mapping's members after the request is applied."""
    batch = settings.get("BatchSize")
    window = settings.get("MaximumBatchingWindowInSeconds")
    if batch is not None and not 1 <= int(batch) <= MAX_BATCH_SIZE[kind]:
        raise invalid_parameter(
            f"BatchSize must be between 1 and {MAX_BATCH_SIZE[kind]}, inclusive."
        )
    if window is not None and not 0 <= int(window) <= MAX_BATCHING_WINDOW_S:
        raise invalid_parameter(
            f"MaximumBatchingWindowInSeconds must be between 0 and {MAX_BATCHING_WINDOW_S}."
        )
    if kind == SQS:
        _check_sqs(source_arn, settings, creating)
    elif kind in POSITIONED:
        _check_stream(kind, settings, creating)
    elif settings.get("StartingPosition") is not None:
        raise invalid_parameter(f"Unsupported parameter for {kind} event source: StartingPosition")
    for response_type in settings.get("FunctionResponseTypes") or ():
        if response_type != "ReportBatchItemFailures":
            raise invalid_parameter(f"Unsupported FunctionResponseType: {response_type}")
    check_filters(settings.get("FilterCriteria"))


def _check_sqs(source_arn: str, settings: dict[str, Any], creating: bool) -> None:
    batch = int(settings.get("BatchSize") or DEFAULT_BATCH_SIZE[SQS])
    window = int(settings.get("MaximumBatchingWindowInSeconds") or 0)
    if is_fifo(source_arn):
        if batch > FIFO_MAX_BATCH_SIZE:
            raise invalid_parameter(
                "Batch size for SQS FIFO queues must be between 1 and 10, inclusive."
            )
        if window:
            raise invalid_parameter("Batching window is not supported for FIFO queues.")
    elif batch > 10 and window < 1:
        raise invalid_parameter(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size "
            "is greater than 10"
        )
    for member in STREAM_ONLY:
        if settings.get(member) is not None and (creating or member != "StartingPosition"):
            raise invalid_parameter(f"Unsupported parameter for SQS event source: {member}")
    scaling = settings.get("ScalingConfig") or {}
    maximum = scaling.get("MaximumConcurrency")
    if maximum is not None and not 2 <= int(maximum) <= 1000:
        raise invalid_parameter("MaximumConcurrency must be between 2 and 1000, inclusive.")


def _check_stream(kind: str, settings: dict[str, Any], creating: bool) -> None:
    position = settings.get("StartingPosition")
    positions = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP") if kind != DYNAMODB else ()
    if creating and position is None and kind in (DYNAMODB, KINESIS, MSK):
        raise invalid_parameter(
            "1 validation error detected: Value null at 'startingPosition' "
            "failed to satisfy constraint: Member must not be null."
        )
    if position is not None and position not in ("TRIM_HORIZON", "LATEST", *positions):
        raise invalid_parameter(f"Unsupported starting position for DynamoDB stream: {position}")
    retries = settings.get("MaximumRetryAttempts")
    if retries is not None and not -1 <= int(retries) <= 10_000:
        raise invalid_parameter("MaximumRetryAttempts must be between -1 and 10000, inclusive.")
    age = settings.get("MaximumRecordAgeInSeconds")
    if age is not None and int(age) != -1 and not 60 <= int(age) <= 604_800:
        raise invalid_parameter(
            "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800, inclusive."
        )
    factor = settings.get("ParallelizationFactor")
    if factor is not None and not 1 <= int(factor) <= 10:
        raise invalid_parameter("ParallelizationFactor must be between 1 and 10, inclusive.")
    tumbling = settings.get("TumblingWindowInSeconds")
    if tumbling is not None and not 0 <= int(tumbling) <= 900:
        raise invalid_parameter("TumblingWindowInSeconds must be between 0 and 900, inclusive.")
    if settings.get("ScalingConfig"):
        raise invalid_parameter("ScalingConfig is only supported for SQS event sources.")
    destination = ((settings.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
        "Destination"
    )
    if destination:
        parsed = Arn.parse(str(destination))
        if parsed is None or parsed.service not in ("sqs", "sns"):
            raise invalid_parameter(
                f"Unsupported destination for on-failure: {destination}. Supported "
                "destinations are SQS queues and SNS topics."
            )


def check_filters(criteria: dict[str, Any] | None) -> list[Pattern]:
    """The compiled patterns of FilterCriteria: at most five, each in EventBridge's
    grammar (Lambda filters use it), or Lambda's error."""
    filters = (criteria or {}).get("Filters") or []
    if len(filters) > MAX_FILTERS:
        raise invalid_parameter(
            f"Number of filters in FilterCriteria exceeds the limit of {MAX_FILTERS}."
        )
    return [_compiled(str(entry.get("Pattern") or "")) for entry in filters]


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Pattern:
    try:
        return compile_pattern(text)
    except InvalidPattern as error:
        raise invalid_parameter("Invalid filter pattern definition.") from error


# -- events -------------------------------------------------------------------------------
def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as it appears in the `Records` of Lambda's SQS event."""
    attributes = {k: str(v) for k, v in (message.get("Attributes") or {}).items()}
    message_attributes = {
        name: _sqs_attribute(value)
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody")
        or hashlib.md5(str(message.get("Body", "")).encode()).hexdigest(),
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update(eventSource="aws:sqs", eventSourceARN=queue_arn, awsRegion=region)
    return record


def _sqs_attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = _b64(value["BinaryValue"])
    out["stringListValues"] = list(value.get("StringListValues") or [])
    out["binaryListValues"] = [_b64(v) for v in value.get("BinaryListValues") or []]
    out["dataType"] = value.get("DataType", "String")
    return out


def _b64(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def dynamodb_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record (from GetRecords, binaries as bytes) as Lambda's event has it."""
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        created = created.timestamp()
    if created is not None:
        body["ApproximateCreationDateTime"] = int(float(created))
    for key in ("Keys", "NewImage", "OldImage"):
        if key in body:
            body[key] = {name: json_value(value) for name, value in body[key].items()}
    out = {k: v for k, v in record.items() if k not in ("dynamodb", "eventSourceARN")}
    out["dynamodb"] = body
    out["eventSourceARN"] = stream_arn
    return out


def json_value(value: dict[str, Any]) -> dict[str, Any]:
    """An attribute value with its binaries in base64, as JSON carries them."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": _b64(inner)}
    if kind == "BS":
        return {"BS": [_b64(v) for v in inner]}
    if kind == "M":
        return {"M": {k: json_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [json_value(v) for v in inner]}
    return {kind: inner}


def batch_failures(payload: bytes, identifiers: list[str]) -> set[str] | None:
    """The item identifiers a `ReportBatchItemFailures` response names as failed; None
    when the response fails the whole batch (an identifier that is missing, empty or not
    in the batch, as Lambda treats it). A response without the key fails nothing."""
    try:
        response = json.loads(payload) if payload.strip() else None
    except ValueError:
        return set()
    if not isinstance(response, dict):
        return set()
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    known = set(identifiers)
    failed: set[str] = set()
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or identifier not in known:
            return None
        failed.add(identifier)
    return failed


def stream_failure_record(
    *,
    request_id: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    status_code: int,
    executed_version: str,
    function_error: str | None,
    now: float,
    shard_id: str,
    stream_arn: str,
    records: list[dict[str, Any]],
) -> dict[str, Any]:
    """What goes to a stream mapping's on-failure destination for a batch given up on."""
    response: dict[str, Any] = {"statusCode": status_code, "executedVersion": executed_version}
    if function_error:
        response["functionError"] = function_error
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    return {
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": iso_ms(now),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": iso_ms(first["ApproximateCreationDateTime"]),
            "approximateArrivalOfLastRecord": iso_ms(last["ApproximateCreationDateTime"]),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def iso_ms(epoch: float) -> str:
    moment = datetime.fromtimestamp(float(epoch), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
