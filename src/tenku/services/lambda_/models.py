"""Pure Lambda logic: names, ARNs and qualifiers, the runtime list, request validation.

No storage, no I/O: everything here takes values and returns values or raises the
AWS-shaped `ServiceError` that Lambda would.
"""

from __future__ import annotations

import re
import time
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.services.lambda_.errors import invalid_parameter, validation

LATEST = "$LATEST"

# Runtimes a function may be created with or updated to.
SUPPORTED_RUNTIMES = frozenset(
    {
        "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
        "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
        "java8.al2", "java11", "java17", "java21", "java25",
        "dotnet8", "dotnet10",
        "ruby3.2", "ruby3.3", "ruby3.4",
        "provided.al2", "provided.al2023",
    }
)  # fmt: skip
# Runtimes Lambda once had and now refuses for new functions and updates.
DEPRECATED_RUNTIMES = frozenset(
    {
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
        "nodejs12.x", "nodejs14.x", "nodejs16.x", "python2.7", "python3.6", "python3.7",
        "python3.8", "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
        "dotnetcore3.1", "dotnet6", "go1.x", "ruby2.5", "ruby2.7", "provided",
    }
)  # fmt: skip

ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
_ROLE = re.compile(ROLE_PATTERN)
_NAME = re.compile(r"[a-zA-Z0-9-_]{1,64}")
_ALIAS = re.compile(r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)")
_VERSION = re.compile(r"[0-9]+")
_FUNCTION_REF = re.compile(
    r"(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?P<region>(?:eusc-)?[a-z]{2}(?:(?:-gov)|(?:-iso[a-z]?))?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?"
    r"(?:function:)?"
    r"(?P<name>[a-zA-Z0-9-_]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?"
)

RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
        "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip
MIN_MEMORY, MAX_MEMORY = 128, 10240
MIN_TIMEOUT, MAX_TIMEOUT = 1, 900
DEFAULT_MEMORY, DEFAULT_TIMEOUT = 128, 3
ACCOUNT_CONCURRENCY = 1000
MIN_UNRESERVED = 100


def min_unreserved(account_concurrency: int) -> int:
    """The pool reserved concurrency must leave: Lambda's 100, or a tenth of a limit
    configured below 1,000 (so a small local limit still allows reservations)."""
    return min(MIN_UNRESERVED, account_concurrency // 10)


class FunctionRef(NamedTuple):
    """A function named by name, partial ARN or ARN, with its scope and qualifier."""

    scope: Scope
    name: str
    qualifier: str | None

    def arn(self, qualifier: str | None = None) -> str:
        return function_arn(self.scope, self.name, qualifier)


def function_arn(scope: Scope, name: str, qualifier: str | None = None) -> str:
    arn = scope.arn("lambda", f"function:{name}")
    return f"{arn}:{qualifier}" if qualifier else arn


def parse_function_ref(
    scope: Scope, text: str, qualifier: str | None = None, *, field: str = "functionName"
) -> FunctionRef:
    """Resolve a FunctionName member (name, `name:qual`, partial or full ARN)."""
    match = _FUNCTION_REF.fullmatch(text or "")
    if match is None or len(text) > 170:
        raise validation(
            field,
            text,
            "Member must satisfy regular expression pattern: "
            r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?"
            r"(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?",
        )
    if len(match["name"]) > 64:
        raise validation(field, text, "Member must have length less than or equal to 64")
    derived = match["qualifier"]
    if derived and qualifier and derived != qualifier:
        raise invalid_parameter(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    resolved = Scope(match["account"] or scope.account, match["region"] or scope.region)
    return FunctionRef(resolved, match["name"], derived or qualifier or None)


def parse_resource_arn(scope: Scope, arn: str) -> FunctionRef:
    """A taggable resource: only function ARNs are supported (no qualifier allowed)."""
    if not arn.startswith("arn:"):
        raise validation("resource", arn, "Member must satisfy regular expression pattern: arn:.*")
    ref = parse_function_ref(scope, arn, field="resource")
    if ref.qualifier:
        raise invalid_parameter(
            "Tags on function aliases and versions are not supported. Please specify a "
            "function ARN."
        )
    return ref


def validate_function_name(name: str) -> None:
    if not _NAME.fullmatch(name or ""):
        raise validation(
            "functionName",
            name,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
        )


def validate_alias_name(name: str) -> None:
    if not _ALIAS.fullmatch(name or "") or len(name) > 128:
        raise validation(
            "name",
            name,
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        )


def is_version(qualifier: str) -> bool:
    return qualifier == LATEST or bool(_VERSION.fullmatch(qualifier))


def validate_runtime(runtime: str, *, allow_retired: bool = False) -> None:
    """Refuses a runtime Lambda does not take. Retired runtimes are refused on the public API
    as AWS does; `allow_retired` lets the internal callers (CloudFormation deploys of old
    SAM templates) through, since Tenku runs them on the local interpreter anyway."""
    if runtime in SUPPORTED_RUNTIMES:
        return
    if runtime in DEPRECATED_RUNTIMES:
        if allow_retired:
            return
        raise invalid_parameter(
            f"The runtime parameter of {runtime} is no longer supported for creating or "
            "updating AWS Lambda functions. We recommend you use the new runtime "
            "(python3.13) while creating or updating functions."
        )
    raise invalid_parameter(
        f"The runtime parameter of {runtime} is not supported for creating or updating "
        "AWS Lambda functions."
    )


def is_provided(runtime: str | None) -> bool:
    return bool(runtime) and str(runtime).startswith("provided")


def is_retired(runtime: str | None) -> bool:
    return runtime in DEPRECATED_RUNTIMES


def validate_runtime_and_handler(
    runtime: str | None, handler: str | None, *, allow_retired: bool = False
) -> None:
    if not runtime or (not handler and not is_provided(runtime)):
        raise invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with "
            "deployment packages."
        )
    validate_runtime(runtime, allow_retired=allow_retired)
    if handler is not None and (len(handler) > 128 or re.search(r"\s", handler)):
        raise validation(
            "handler", handler, r"Member must satisfy regular expression pattern: [^\s]+"
        )


def validate_role(role: str) -> None:
    if not _ROLE.fullmatch(role or ""):
        raise validation(
            "role", role, f"Member must satisfy regular expression pattern: {ROLE_PATTERN}"
        )


def validate_limits(memory_size: int | None, timeout: int | None) -> None:
    if memory_size is not None:
        if memory_size < MIN_MEMORY:
            raise validation(
                "memorySize",
                memory_size,
                f"Member must have value greater than or equal to {MIN_MEMORY}",
            )
        if memory_size > MAX_MEMORY:
            raise validation(
                "memorySize",
                memory_size,
                f"Member must have value less than or equal to {MAX_MEMORY}",
            )
    if timeout is not None:
        if timeout < MIN_TIMEOUT:
            raise validation(
                "timeout", timeout, f"Member must have value greater than or equal to {MIN_TIMEOUT}"
            )
        if timeout > MAX_TIMEOUT:
            raise validation(
                "timeout", timeout, f"Member must have value less than or equal to {MAX_TIMEOUT}"
            )


def validate_environment(environment: dict[str, Any] | None) -> dict[str, str]:
    variables = dict((environment or {}).get("Variables") or {})
    for key in variables:
        if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]*", key):
            raise validation(
                "environment.variables",
                key,
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
            )
    reserved = [k for k in variables if k in RESERVED_VARIABLES]
    if reserved:
        raise invalid_parameter(
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided contains reserved keys that are "
            f"currently not supported for modification. Reserved keys used in this request: "
            f"{', '.join(reserved)}"
        )
    if sum(len(k) + len(str(v)) for k, v in variables.items()) > 4096:
        raise invalid_parameter(
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided exceeded the 4KB limit."
        )
    return {str(k): str(v) for k, v in variables.items()}


def timestamp(epoch: float) -> str:
    """Lambda's LastModified format: `2026-11-28T12:00:00.000+0000`."""
    millis = round(epoch * 1000)
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}+0000"


def paginate(
    items: list[Any], marker: str | None, max_items: int | None
) -> tuple[list[Any], str | None]:
    """A page of `items` after the opaque `marker`, and the next marker."""
    limit = max(1, min(max_items or 50, 10000))
    start = 0
    if marker:
        if not marker.isdigit():
            raise invalid_parameter("Invalid marker: " + marker)
        start = int(marker)
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, (str(start + limit) if more else None)


def page_of(
    key: str, items: list[Any], marker: str | None, max_items: int | None
) -> dict[str, Any]:
    """A list operation's answer: `{key: page}`, with `NextMarker` when more follow."""
    page, next_marker = paginate(items, marker, max_items)
    result: dict[str, Any] = {key: page}
    if next_marker:
        result["NextMarker"] = next_marker
    return result


DEAD_LETTER_SERVICES = ("sqs", "sns")


def validate_dead_letter(target: str) -> str:
    """A DeadLetterConfig TargetArn: the ARN of an SQS queue or an SNS topic."""
    if not target.startswith("arn:"):
        raise invalid_parameter("Invalid dead letter queue ARN: ARNs must start with 'arn:'")
    parts = target.split(":", 5)
    if len(parts) != 6 or parts[2] not in DEAD_LETTER_SERVICES or not parts[5]:
        raise invalid_parameter(
            f"Invalid dead letter queue ARN: {target} is not the ARN of an SQS queue or an "
            "SNS topic"
        )
    return target
