"""API Gateway V2's AWS-facing errors: exact codes, HTTP statuses and message styles.

Only constructors of `ServiceError` live here; no logic about when they apply. Sources:
"Invalid API identifier specified {account}:{apiId}", "Route with key {key} already
exists for this API", "Timeout should be between 50 ms and 30000 ms", "Invalid
authorizer ID specified. Setting the authorization type to JWT requires a valid JWT
authorizer." and "Unable to update route. Authorizer type is invalid or null." are what
AWS answers (quoted in SDK, Terraform and SST issues); the other wordings follow AWS's
style where no quote was found.
"""

from __future__ import annotations

from tenku.core.errors import ServiceError


def bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


def not_found(message: str, resource_type: str | None = None) -> ServiceError:
    fields = {"resourceType": resource_type} if resource_type else None
    return ServiceError("NotFoundException", message, 404, fields=fields)


def conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message, 409)


def too_many(message: str, limit_type: str) -> ServiceError:
    return ServiceError("TooManyRequestsException", message, 429, fields={"limitType": limit_type})


def api_not_found(account: str, api_id: str) -> ServiceError:
    return not_found(f"Invalid API identifier specified {account}:{api_id}")


def child_not_found(kind: str, child_id: str) -> ServiceError:
    """`kind` as AWS capitalises it: Route, Integration, Authorizer, IntegrationResponse."""
    return not_found(f"Invalid {kind} identifier specified {child_id}")


def stage_not_found() -> ServiceError:
    return not_found("Invalid stage identifier specified")


def deployment_not_found(deployment_id: str) -> ServiceError:
    return not_found(f"Invalid Deployment identifier specified {deployment_id}")


def bad_token() -> ServiceError:
    return bad_request("Invalid pagination token specified.")
