"""DynamoDB's errors as `ServiceError`s: codes, statuses and message styles."""

from __future__ import annotations

from tenku.core.errors import ServiceError


def validation(message: str) -> ServiceError:
    """A `ValidationException` (400), DynamoDB's answer to any malformed request."""
    return ServiceError("ValidationException", message, 400)
