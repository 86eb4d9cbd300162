"""Parameter Store's AWS-facing errors, with the codes and messages SSM answers."""

from __future__ import annotations

from tenku.core.errors import ServiceError


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def not_found() -> ServiceError:
    # SSM answers a missing parameter with an empty message.
    return ServiceError("ParameterNotFound", "")


def version_not_found(name: str, selector: str) -> ServiceError:
    return ServiceError(
        "ParameterVersionNotFound",
        f"Systems Manager could not find version {selector} of {name}. Verify the version "
        "and try again.",
    )


def label_not_found(name: str, label: str) -> ServiceError:
    return ServiceError(
        "ParameterVersionNotFound",
        f"Systems Manager could not find label {label} of {name}. Verify the label and try again.",
    )


def already_exists() -> ServiceError:
    return ServiceError(
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in "
        "the request to true.",
    )


def hierarchy_too_deep() -> ServiceError:
    return ServiceError(
        "HierarchyLevelLimitExceededException",
        "Parameter name: hierarchy level limit exceeded. A parameter name can have at most "
        "15 levels.",
    )


def pattern_mismatch(pattern: str) -> ServiceError:
    return ServiceError(
        "ParameterPatternMismatchException",
        f"Parameter value, cannot be validated against allowedPattern: {pattern}",
    )


def invalid_allowed_pattern(pattern: str) -> ServiceError:
    return ServiceError(
        "InvalidAllowedPatternException", f"The allowed pattern {pattern} is not valid."
    )


def invalid_token() -> ServiceError:
    return ServiceError("InvalidNextToken", "The specified token is not valid.")


def invalid_filter_key(message: str) -> ServiceError:
    return ServiceError("InvalidFilterKey", message)


def invalid_filter_option(message: str) -> ServiceError:
    return ServiceError("InvalidFilterOption", message)


def invalid_filter_value(message: str) -> ServiceError:
    return ServiceError("InvalidFilterValue", message)


def invalid_resource_type() -> ServiceError:
    return ServiceError("InvalidResourceType", "The resource type is not valid.")


def invalid_resource_id() -> ServiceError:
    return ServiceError(
        "InvalidResourceId", "The resource ID is not valid. Verify the ID and try again."
    )


def too_many_tags() -> ServiceError:
    return ServiceError(
        "TooManyTagsError",
        "The Tags parameter contains too many tags. A resource can have at most 50 tags.",
    )


def label_limit() -> ServiceError:
    return ServiceError(
        "ParameterVersionLabelLimitExceeded",
        "A parameter version can have maximum 10 labels.Move one or more labels to another "
        "version and try again.",
    )


def max_versions(name: str) -> ServiceError:
    return ServiceError(
        "ParameterMaxVersionLimitExceeded",
        f"You attempted to create a new version of {name} by calling the PutParameter API "
        "with the overwrite flag. Version 1, the oldest version, can't be deleted because it "
        "has a label associated with it. Move the label to another version of the parameter, "
        "and try creating a new version again.",
    )
