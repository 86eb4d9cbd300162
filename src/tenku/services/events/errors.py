"""EventBridge's AWS-facing errors, with the codes and message wording the service uses."""

from __future__ import annotations

from tenku.core.errors import ServiceError


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message)


def already_exists(message: str) -> ServiceError:
    return ServiceError("ResourceAlreadyExistsException", message)


def bus_not_found(name: str) -> ServiceError:
    return not_found(f"Event bus {name} does not exist.")


def rule_not_found(name: str, bus: str) -> ServiceError:
    return not_found(f"Rule {name} does not exist on EventBus {bus}.")


def invalid_pattern(reason: str) -> ServiceError:
    return ServiceError(
        "InvalidEventPatternException", f"Event pattern is not valid. Reason: {reason}"
    )


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceededException", message)


def illegal_status(message: str) -> ServiceError:
    return ServiceError("IllegalStatusException", message)
