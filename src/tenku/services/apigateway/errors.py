"""API Gateway's AWS-facing errors: exact codes, HTTP statuses and message wording.

Only constructors of `ServiceError` live here; no logic about when they apply. The
wording is AWS's own as SDKs and tools report it ("Invalid API identifier specified
000000000000:abc123", "Invalid Resource identifier specified", ...).
"""

from __future__ import annotations

from tenku.core.errors import ServiceError


def bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message, 404)


def conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message, 409)


def too_many_requests(message: str = "Too Many Requests") -> ServiceError:
    return ServiceError("TooManyRequestsException", message, 429, headers={"Retry-After": "1"})


def api_not_found(account: str, api_id: str) -> ServiceError:
    return not_found(f"Invalid API identifier specified {account}:{api_id}")


def resource_not_found() -> ServiceError:
    return not_found("Invalid Resource identifier specified")


def method_not_found() -> ServiceError:
    return not_found("Invalid Method identifier specified")


def integration_not_found() -> ServiceError:
    return not_found("Invalid Integration identifier specified")


def response_not_found() -> ServiceError:
    return not_found("Invalid Response status code specified")


def authorizer_not_found() -> ServiceError:
    return not_found("Invalid Authorizer identifier specified")


def deployment_not_found() -> ServiceError:
    return not_found("Invalid Deployment identifier specified")


def stage_not_found() -> ServiceError:
    return not_found("Invalid Stage identifier specified")


def api_key_not_found() -> ServiceError:
    return not_found("Invalid API Key identifier specified")


def usage_plan_not_found() -> ServiceError:
    return not_found("Invalid Usage Plan ID specified")


def usage_plan_key_not_found() -> ServiceError:
    return not_found("Invalid Usage Plan Key identifier specified")


def invalid_path_part() -> ServiceError:
    return bad_request(
        "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning "
        "and the end and an optional plus sign before the closing brace."
    )


def sibling_exists(path_part: str) -> ServiceError:
    return conflict(f"Another resource with the same parent already has this name: {path_part}")


def greedy_parent(path_part: str) -> ServiceError:
    return bad_request(
        f"Cannot create a child of a resource with a greedy path variable: {path_part}"
    )


def variable_sibling(sibling: str) -> ServiceError:
    return bad_request(
        f"A sibling ({sibling}) of this resource already has a variable path part -- only "
        "one is allowed"
    )


def no_methods() -> ServiceError:
    return bad_request("The REST API doesn't contain any methods")


def deployment_in_use() -> ServiceError:
    return bad_request("Active stages pointing to this deployment must be moved or deleted")


def invalid_patch_path(path: str, op: str, allowed: list[str]) -> ServiceError:
    # AWS writes two spaces after "path" in this message.
    return bad_request(
        f"Invalid patch path  '{path}' specified for op '{op}'. "
        f"Must be one of: [{', '.join(allowed)}]"
    )


def unsupported_patch_op(path: str, op: str) -> ServiceError:
    return bad_request(
        f"Invalid patch path  '{path}' specified for op '{op}'. Please choose supported operations"
    )


def invalid_authorizer_for_method() -> ServiceError:
    return bad_request(
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
        "COGNITO_USER_POOLS requires a valid authorizer."
    )
