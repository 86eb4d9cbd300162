"""EventBridge Scheduler's errors, worded as AWS words them.

Sources: "Schedule X does not exist." (404), "Invalid Schedule Expression X." and "The
StartDate you specify cannot be earlier than 5 minutes ago." were recorded from AWS
(LocalStack's snapshot tests and Moto); "Schedule X already exists." is Moto's. The
schedule-group wordings follow the schedule ones; the remaining messages (the default
group, flexible windows, end dates, resource ARNs) were chosen without a source.
"""

from __future__ import annotations

from tenku.core.errors import ServiceError


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, 400)


def schedule_not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Schedule {name} does not exist.", 404)


def group_not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Schedule group {name} does not exist.", 404)


def schedule_exists(name: str) -> ServiceError:
    return ServiceError("ConflictException", f"Schedule {name} already exists.", 409)


def group_exists(name: str) -> ServiceError:
    return ServiceError("ConflictException", f"Schedule group {name} already exists.", 409)


def default_group_is_permanent() -> ServiceError:
    return validation("The default schedule group cannot be deleted.")


def start_date_too_early() -> ServiceError:
    return validation("The StartDate you specify cannot be earlier than 5 minutes ago.")


def end_date_before_start() -> ServiceError:
    return validation("The EndDate you specify cannot be earlier than the StartDate.")


def window_required() -> ServiceError:
    return validation("MaximumWindowInMinutes must be provided when Mode is FLEXIBLE.")


def bad_resource_arn(arn: str) -> ServiceError:
    return validation(f"Invalid ARN {arn}.")
