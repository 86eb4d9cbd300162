"""ListUsers' `Filter`: `ATTRIBUTE = "value"` (exact) or `ATTRIBUTE ^= "value"` (prefix).

Only Cognito's searchable attributes are accepted. `username` and `cognito:user_status`
compare case-sensitively, the others without regard to case; `status` is "Enabled" or
"Disabled". Inside the quotes `\\"` is a quote and `\\\\` a backslash. Pure: parse and
match, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from tenku.services.cognito_idp.errors import invalid_parameter

SEARCHABLE = frozenset(
    {
        "username", "email", "phone_number", "name", "given_name", "family_name",
        "preferred_username", "cognito:user_status", "status", "sub",
    }
)  # fmt: skip
CASE_SENSITIVE = frozenset({"username", "cognito:user_status"})
_SHAPE = re.compile(r'\s*([\w:.-]+)\s*(\^=|=)\s*"((?:[^"\\]|\\.)*)"\s*', re.DOTALL)


class UserFilter(NamedTuple):
    attribute: str
    prefix: bool  # ^= rather than =
    value: str

    def matches(self, values: Mapping[str, str]) -> bool:
        """Whether a user whose searchable values are `values` passes the filter."""
        actual = values.get(self.attribute)
        if actual is None:
            return False
        wanted = self.value
        if self.attribute not in CASE_SENSITIVE:
            actual, wanted = actual.lower(), wanted.lower()
        return actual.startswith(wanted) if self.prefix else actual == wanted


def parse_filter(text: str | None) -> UserFilter | None:
    """The filter `text` describes; None for an empty filter (every user)."""
    if text is None or not text.strip():
        return None
    match = _SHAPE.fullmatch(text)
    if match is None:
        raise invalid_parameter("Error while parsing filter.")
    attribute, operator, raw = match.groups()
    if attribute not in SEARCHABLE:
        raise invalid_parameter(f"Invalid search attribute: {attribute}")
    value = re.sub(r"\\(.)", r"\1", raw, flags=re.DOTALL)
    return UserFilter(attribute, operator == "^=", value)
