"""ListUsers' filter language: parsing, escapes, errors and matching."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.services.cognito_idp.filters import UserFilter, parse_filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('email = "a@b.c"', UserFilter("email", False, "a@b.c")),
        ('given_name ^= "Jo"', UserFilter("given_name", True, "Jo")),
        ('  username="x"  ', UserFilter("username", False, "x")),
        ('family_name = "say \\"hi\\""', UserFilter("family_name", False, 'say "hi"')),
        ('name = "back\\\\slash"', UserFilter("name", False, "back\\slash")),
        (
            'cognito:user_status = "CONFIRMED"',
            UserFilter("cognito:user_status", False, "CONFIRMED"),
        ),
        ('status = "Enabled"', UserFilter("status", False, "Enabled")),
        ('sub = ""', UserFilter("sub", False, "")),
    ],
)
def test_parses(text: str, expected: UserFilter) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_filters_select_everyone(text: str | None) -> None:
    assert parse_filter(text) is None


@pytest.mark.parametrize(
    "text",
    ["email", 'email == "x"', "email = x", 'email = "x', '= "x"', 'email = "x" extra', 'a "x"'],
)
def test_syntax_errors(text: str) -> None:
    with pytest.raises(ServiceError) as excinfo:
        parse_filter(text)
    assert excinfo.value.code == "InvalidParameterException"
    assert excinfo.value.message == "Error while parsing filter."


@pytest.mark.parametrize("attribute", ["custom:tier", "email_verified", "address", "nickname"])
def test_only_searchable_attributes(attribute: str) -> None:
    with pytest.raises(ServiceError) as excinfo:
        parse_filter(f'{attribute} = "x"')
    assert excinfo.value.message == f"Invalid search attribute: {attribute}"


def test_matching() -> None:
    values = {"username": "Alice", "email": "Alice@Example.com", "cognito:user_status": "CONFIRMED"}
    assert UserFilter("email", False, "alice@example.com").matches(values)
    assert UserFilter("email", True, "ALICE@").matches(values)
    assert not UserFilter("email", True, "bob").matches(values)
    assert UserFilter("username", False, "Alice").matches(values)
    assert not UserFilter("username", False, "alice").matches(values)  # case-sensitive
    assert not UserFilter("cognito:user_status", False, "confirmed").matches(values)
    assert not UserFilter("phone_number", True, "").matches(values)  # absent never matches
    assert UserFilter("username", True, "").matches(values)
