"""CloudFormation's errors, in its words and codes (query protocol, `ValidationError` 400
for nearly everything)."""

from __future__ import annotations

from tenku.core.errors import ServiceError


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, 400)


def no_stack(name: str) -> ServiceError:
    return validation(f"Stack with id {name} does not exist")


def stack_exists(name: str) -> ServiceError:
    return ServiceError("AlreadyExistsException", f"Stack [{name}] already exists", 400)


def insufficient(capability: str) -> ServiceError:
    return ServiceError(
        "InsufficientCapabilitiesException", f"Requires capabilities : [{capability}]", 400
    )


def no_change_set(name: str) -> ServiceError:
    return ServiceError("ChangeSetNotFound", f"ChangeSet [{name}] does not exist", 404)


def bad_change_set_status(message: str) -> ServiceError:
    return ServiceError("InvalidChangeSetStatus", message, 400)


def busy(stack_id: str, status: str) -> ServiceError:
    return validation(f"Stack:{stack_id} is in {status} state and can not be updated.")


NO_UPDATES = "No updates are to be performed."
NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to "
    "create a change set."
)
