"""SNS's errors: codes (the query protocol's `<Code>`), HTTP statuses and message styles.

SNS words most of its validation failures as `InvalidParameter` with a message that
starts "Invalid parameter: "; message-attribute problems are `ParameterValueInvalid`
(botocore's InvalidParameterValueException) with a sentence of their own.
Must not: decide when an error applies; callers do.
"""

from __future__ import annotations

from tenku.core.errors import ServiceError


def invalid_parameter(detail: str) -> ServiceError:
    """`InvalidParameter` with SNS's "Invalid parameter: <detail>" wording."""
    return ServiceError("InvalidParameter", f"Invalid parameter: {detail}", 400)


def invalid_value(message: str) -> ServiceError:
    """`ParameterValueInvalid`: used for message attributes."""
    return ServiceError("ParameterValueInvalid", message, 400)


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFound", message, 404)


def topic_not_found() -> ServiceError:
    return not_found("Topic does not exist")


def subscription_not_found() -> ServiceError:
    return not_found("Subscription does not exist")


def resource_not_found() -> ServiceError:
    return ServiceError("ResourceNotFound", "Resource does not exist", 404)


def batch_error(code: str, message: str) -> ServiceError:
    return ServiceError(code, message, 400)


def tag_limit() -> ServiceError:
    return ServiceError(
        "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded", 400
    )
