"""Lambda's AWS-facing errors: exact codes, message styles and HTTP statuses.

Only constructors of `ServiceError` live here; no logic about when they apply.
"""

from __future__ import annotations

from tenku.core.errors import ServiceError

MAX_INVOKE_PAYLOAD = 6_291_456
MAX_ZIP_UPLOAD = 69_905_067  # the base64 form of a 50 MB zip must fit in the request


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, 400, fields={"Type": "User"})


def validation(field: str, value: object, constraint: str) -> ServiceError:
    return ServiceError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: {constraint}",
        400,
    )


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message, 404, fields={"Type": "User"})


def function_not_found(arn: str) -> ServiceError:
    return not_found(f"Function not found: {arn}")


def conflict(message: str) -> ServiceError:
    return ServiceError("ResourceConflictException", message, 409, fields={"Type": "User"})


def precondition_failed(kind: str) -> ServiceError:
    return ServiceError(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        f"Call the {kind} API to retrieve the latest Revision Id",
        412,
        fields={"Type": "User"},
    )


def throttled(reason: str) -> ServiceError:
    return ServiceError(
        "TooManyRequestsException",
        "Rate Exceeded.",
        429,
        fields={"Type": "User", "Reason": reason},
    )


def request_too_large(operation: str, limit: int) -> ServiceError:
    code = (
        "RequestTooLargeException"
        if operation == "InvokeFunction"
        else ("RequestEntityTooLargeException")
    )
    return ServiceError(
        code,
        f"Request must be smaller than {limit} bytes for the {operation} operation",
        413,
        fields={"Type": "User"},
    )


def unzip_failed() -> ServiceError:
    return invalid_parameter(
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )


def no_such_resource() -> ServiceError:
    """Lambda's generic not-found message (GetPolicy, function URL configs)."""
    return not_found("The resource you requested does not exist.")


def policy_too_long(size: int, limit: int) -> ServiceError:
    return ServiceError(
        "PolicyLengthExceededException",
        f"The final policy size ({size}) is bigger than the limit ({limit}).",
        400,
        fields={"Type": "User"},
    )


def bad_client_context() -> ServiceError:
    return ServiceError(
        "InvalidRequestContentException",
        "Client context must be a valid Base64-encoded JSON object.",
        400,
    )
