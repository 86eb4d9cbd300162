"""Why a template cannot be deployed, in CloudFormation's words.

`TemplateError` is a template that fails validation (CloudFormation answers
`ValidationError` before anything is created); `ResourceFailure` is a resource whose
create, update or delete failed while a stack operation ran (the stack rolls back).
"""

from __future__ import annotations


class TemplateError(Exception):
    """The template (or its parameters) is invalid; `str(error)` is CloudFormation's
    message, e.g. `Template format error: Unresolved resource dependencies [X] in the
    Resources block of the template`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ResourceFailure(Exception):
    """A resource operation failed; `message` is the status reason the stack shows."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
