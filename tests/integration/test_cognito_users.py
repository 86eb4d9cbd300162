"""Cognito users through boto3: ListUsers with filters and paging, attributes and their
verification, sign-in names (usernames, email usernames, aliases, case), deletion, and
the codes Tenku keeps and logs in place of sending them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.cognito_support import (
    PASSWORD,
    codes,
    confirmed_user,
    make_client,
    make_pool,
    password_auth,
    unique,
)
from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def idp(tenku: TenkuProcess) -> Any:
    return tenku.client("cognito-idp")


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def attributes_of(idp: Any, pool_id: str, name: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_list_users_with_filters_and_pages(idp: Any) -> None:
    pool_id = make_pool(idp)
    people = {
        "alice": "alice@shop.example",
        "alfred": "alfred@other.example",
        "bob": "bob@shop.example",
        "carol": "Carol@Shop.example",
    }
    for name, email in people.items():
        confirmed_user(idp, pool_id, username=name, attributes={"email": email})
    idp.admin_create_user(UserPoolId=pool_id, Username="dave", MessageAction="SUPPRESS")
    idp.admin_disable_user(UserPoolId=pool_id, Username="bob")

    def names(filter_text: str = "", **kwargs: Any) -> list[str]:
        users = idp.list_users(UserPoolId=pool_id, Filter=filter_text, **kwargs)["Users"]
        return sorted(u["Username"] for u in users)

    assert names() == ["alfred", "alice", "bob", "carol", "dave"]
    assert names('username = "alice"') == ["alice"]
    assert names('username ^= "al"') == ["alfred", "alice"]
    assert names('email ^= "carol@shop"') == ["carol"]  # emails compare without case
    assert names('email = "bob@shop.example"') == ["bob"]
    assert names('cognito:user_status = "FORCE_CHANGE_PASSWORD"') == ["dave"]
    assert names('status = "Disabled"') == ["bob"]
    assert names('username = "say \\"hi\\""') == []
    with pytest.raises(ClientError) as excinfo:
        names("email equals bob")
    assert error_of(excinfo) == ("InvalidParameterException", "Error while parsing filter.")
    with pytest.raises(ClientError) as excinfo:
        names('custom:tier = "gold"')
    assert error_of(excinfo)[0] == "InvalidParameterException"

    collected: list[str] = []
    token: str | None = None
    while True:
        page = idp.list_users(
            UserPoolId=pool_id, Limit=2, **({"PaginationToken": token} if token else {})
        )
        assert len(page["Users"]) <= 2
        collected += [u["Username"] for u in page["Users"]]
        token = page.get("PaginationToken")
        if not token:
            break
    assert sorted(collected) == ["alfred", "alice", "bob", "carol", "dave"]
    only_email = idp.list_users(UserPoolId=pool_id, AttributesToGet=["email"], Limit=1)
    assert only_email["Users"][0]["Attributes"] == [{"Name": "email", "Value": people["alfred"]}]
    first = idp.list_users(UserPoolId=pool_id, Filter='username = "alice"')["Users"][0]
    assert first["Enabled"] is True and first["UserStatus"] == "CONFIRMED"


def test_attributes_and_their_verification(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(
        idp,
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "tier", "AttributeDataType": "String"}],
    )
    client_id = make_client(idp, pool_id)["ClientId"]
    name = confirmed_user(
        idp, pool_id, attributes={"email": "old@example.com", "email_verified": "true"}
    )
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username=name,
        UserAttributes=[{"Name": "custom:tier", "Value": "gold"}, {"Name": "name", "Value": "Al"}],
    )
    assert attributes_of(idp, pool_id, name)["custom:tier"] == "gold"
    with pytest.raises(ClientError) as excinfo:
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username=name, UserAttributes=[{"Name": "tier", "Value": "x"}]
        )
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "Attributes did not conform to the schema: tier: Attribute does not exist in the schema.",
    )
    with pytest.raises(ClientError) as excinfo:
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username=name, UserAttributes=[{"Name": "email", "Value": "nope"}]
        )
    assert error_of(excinfo) == ("InvalidParameterException", "Invalid email address format.")

    access = password_auth(idp, client_id, name)["AuthenticationResult"]["AccessToken"]
    changed = idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "new@example.com"}]
    )
    assert changed["CodeDeliveryDetailsList"] == [
        {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    assert attributes_of(idp, pool_id, name)["email_verified"] == "false"
    with pytest.raises(ClientError) as excinfo:
        idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code="123")
    assert error_of(excinfo)[0] == "CodeMismatchException"
    code = codes(tenku, pool_id, name)["VERIFY_email"]
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert attributes_of(idp, pool_id, name)["email_verified"] == "true"
    user = idp.get_user(AccessToken=access)
    assert {"Name": "email", "Value": "new@example.com"} in user["UserAttributes"]
    idp.delete_user_attributes(AccessToken=access, UserAttributeNames=["name"])
    assert "name" not in attributes_of(idp, pool_id, name)
    idp.admin_delete_user_attributes(
        UserPoolId=pool_id, Username=name, UserAttributeNames=["custom:tier"]
    )
    assert "custom:tier" not in attributes_of(idp, pool_id, name)


def test_usernames_emails_aliases_and_case(idp: Any) -> None:
    by_email = make_pool(idp, UsernameAttributes=["email"])
    client_id = make_client(idp, by_email)["ClientId"]
    with pytest.raises(ClientError) as excinfo:
        idp.sign_up(ClientId=client_id, Username="not-an-email", Password=PASSWORD)
    assert error_of(excinfo) == ("InvalidParameterException", "Username should be an email.")
    idp.sign_up(ClientId=client_id, Username="dup@example.com", Password=PASSWORD)
    with pytest.raises(ClientError) as excinfo:
        idp.sign_up(ClientId=client_id, Username="dup@example.com", Password=PASSWORD)
    assert error_of(excinfo) == (
        "UsernameExistsException",
        "An account with the given email already exists.",
    )

    plain = make_pool(idp)
    plain_client = make_client(idp, plain)["ClientId"]
    idp.sign_up(ClientId=plain_client, Username="sam", Password=PASSWORD)
    with pytest.raises(ClientError) as excinfo:
        idp.sign_up(ClientId=plain_client, Username="sam", Password=PASSWORD)
    assert error_of(excinfo) == ("UsernameExistsException", "User already exists")
    with pytest.raises(ClientError) as excinfo:
        idp.admin_create_user(UserPoolId=plain, Username="sam")
    assert error_of(excinfo) == ("UsernameExistsException", "User account already exists")
    with pytest.raises(ClientError) as excinfo:  # usernames compare exactly by default
        password_auth(idp, plain_client, "SAM")
    assert error_of(excinfo)[0] == "UserNotFoundException"

    aliased = make_pool(
        idp, AliasAttributes=["email"], UsernameConfiguration={"CaseSensitive": False}
    )
    alias_client = make_client(idp, aliased)["ClientId"]
    with pytest.raises(ClientError) as excinfo:
        idp.sign_up(ClientId=alias_client, Username="x@example.com", Password=PASSWORD)
    assert error_of(excinfo)[0] == "InvalidParameterException"
    confirmed_user(
        idp, aliased, username="Robin",
        attributes={"email": "robin@example.com", "email_verified": "true"},
    )  # fmt: skip
    confirmed_user(idp, aliased, username="kim", attributes={"email": "kim@example.com"})
    assert "AuthenticationResult" in password_auth(idp, alias_client, "robin@example.com")
    assert "AuthenticationResult" in password_auth(idp, alias_client, "ROBIN")
    with pytest.raises(ClientError):  # an unverified email is no alias
        password_auth(idp, alias_client, "kim@example.com")


def test_deleting_users(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    gone = confirmed_user(idp, pool_id)
    idp.admin_delete_user(UserPoolId=pool_id, Username=gone)
    with pytest.raises(ClientError) as excinfo:
        idp.admin_get_user(UserPoolId=pool_id, Username=gone)
    assert error_of(excinfo) == ("UserNotFoundException", "User does not exist.")
    leaving = confirmed_user(idp, pool_id)
    access = password_auth(idp, client_id, leaving)["AuthenticationResult"]["AccessToken"]
    idp.delete_user(AccessToken=access)
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=access)
    assert error_of(excinfo) == ("UserNotFoundException", "User does not exist.")
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EstimatedNumberOfUsers"] == 0


def test_codes_are_kept_and_logged(fresh_tenku: TenkuProcess) -> None:
    idp = fresh_tenku.client("cognito-idp")
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    client_id = make_client(idp, pool_id)["ClientId"]
    name = unique()
    idp.sign_up(
        ClientId=client_id,
        Username=name,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "log@example.com"}],
    )
    resent = idp.resend_confirmation_code(ClientId=client_id, Username=name)
    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = codes(fresh_tenku, pool_id, name)["SIGN_UP"]
    invited = unique()
    idp.admin_create_user(UserPoolId=pool_id, Username=invited, MessageAction="SUPPRESS")
    temporary = codes(fresh_tenku, pool_id, invited)["TEMPORARY_PASSWORD"]
    started = password_auth(idp, client_id, invited, temporary)
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    fresh_tenku.stop()
    assert fresh_tenku.process is not None and fresh_tenku.process.stdout is not None
    output = fresh_tenku.process.stdout.read()
    assert f"Cognito SIGN_UP code for user {name} in {pool_id}: {code}" in output
    assert "Cognito would send it by EMAIL to l***@e***" in output
