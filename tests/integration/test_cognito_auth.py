"""Cognito sign-in through boto3: sign-up and confirmation, password and refresh-token
flows, the NEW_PASSWORD_REQUIRED challenge, and every way a sign-in is refused."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.cognito_support import (
    PASSWORD,
    codes,
    confirmed_user,
    issuer,
    make_client,
    make_pool,
    password_auth,
    secret_hash,
    unique,
    verify,
)
from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def idp(tenku: TenkuProcess) -> Any:
    return tenku.client("cognito-idp")


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_sign_up_confirm_sign_in_and_refresh(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(idp, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = make_client(idp, pool_id)["ClientId"]
    email = f"{unique()}@example.com"
    signed = idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    assert signed["UserConfirmed"] is False
    assert signed["CodeDeliveryDetails"] == {
        "Destination": f"{email[0]}***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    user = idp.admin_get_user(UserPoolId=pool_id, Username=email)
    assert user["UserStatus"] == "UNCONFIRMED"
    assert user["Username"] == signed["UserSub"]  # email pools name users by their sub

    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, client_id, email)
    assert error_of(excinfo) == ("UserNotConfirmedException", "User is not confirmed.")
    with pytest.raises(ClientError) as excinfo:
        idp.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode="000000x")
    assert error_of(excinfo) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
    code = codes(tenku, pool_id, email)["SIGN_UP"]
    idp.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
    attributes = {
        a["Name"]: a["Value"]
        for a in idp.admin_get_user(UserPoolId=pool_id, Username=email)["UserAttributes"]
    }
    assert attributes["email_verified"] == "true"
    with pytest.raises(ClientError) as excinfo:
        idp.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
    assert error_of(excinfo) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )

    result = password_auth(idp, client_id, email)
    assert result["ChallengeParameters"] == {}
    tokens = result["AuthenticationResult"]
    assert tokens["TokenType"] == "Bearer" and tokens["ExpiresIn"] == 3600
    id_claims = verify(tenku, pool_id, tokens["IdToken"], audience=client_id)
    assert id_claims["email"] == email and id_claims["sub"] == signed["UserSub"]
    access = verify(tenku, pool_id, tokens["AccessToken"])
    assert access["client_id"] == client_id and access["token_use"] == "access"
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == signed["UserSub"]

    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )["AuthenticationResult"]
    assert "RefreshToken" not in refreshed
    again = verify(tenku, pool_id, refreshed["IdToken"], audience=client_id)
    assert again["origin_jti"] == id_claims["origin_jti"]
    assert again["auth_time"] == id_claims["auth_time"]
    assert again["jti"] != id_claims["jti"]
    legacy_name = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert "AccessToken" in legacy_name["AuthenticationResult"]
    with pytest.raises(ClientError) as excinfo:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": "not-a-token"},
        )
    assert error_of(excinfo) == ("NotAuthorizedException", "Invalid Refresh Token")


def test_admin_created_user_answers_the_new_password_challenge(
    tenku: TenkuProcess, idp: Any
) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    name = unique()
    created = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        TemporaryPassword="Temp0rary!pass",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "new@example.com"}],
    )["User"]
    assert created["UserStatus"] == "FORCE_CHANGE_PASSWORD" and created["Enabled"] is True

    started = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": "Temp0rary!pass"},
    )
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert started["ChallengeParameters"]["USER_ID_FOR_SRP"] == name
    assert "AuthenticationResult" not in started
    with pytest.raises(ClientError) as excinfo:
        idp.admin_respond_to_auth_challenge(
            UserPoolId=pool_id,
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": "weak"},
        )
    assert error_of(excinfo) == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password not long enough",
    )
    with pytest.raises(ClientError) as excinfo:
        idp.admin_respond_to_auth_challenge(
            UserPoolId=pool_id,
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session="x" * 40,
            ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": PASSWORD},
        )
    assert error_of(excinfo) == ("NotAuthorizedException", "Invalid session for the user.")
    answered = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": PASSWORD},
    )
    verify(tenku, pool_id, answered["AuthenticationResult"]["IdToken"], audience=client_id)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "CONFIRMED"
    with pytest.raises(ClientError) as excinfo:  # a session answers once
        idp.admin_respond_to_auth_challenge(
            UserPoolId=pool_id,
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": PASSWORD},
        )
    assert error_of(excinfo)[0] == "NotAuthorizedException"
    assert "AuthenticationResult" in password_auth(idp, client_id, name)


def test_the_challenge_through_the_client_api_with_required_attributes(idp: Any) -> None:
    pool_id = make_pool(idp, Schema=[{"Name": "name", "Required": True}])
    client_id = make_client(idp, pool_id)["ClientId"]
    name = unique()
    with pytest.raises(ClientError) as excinfo:  # the schema requires "name"
        idp.admin_create_user(UserPoolId=pool_id, Username=name, TemporaryPassword="Temp0rary!pass")
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "Attributes did not conform to the schema: name: The attribute is required",
    )
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        TemporaryPassword="Temp0rary!pass",
        UserAttributes=[{"Name": "name", "Value": "Ann"}],
        MessageAction="SUPPRESS",
    )
    started = password_auth(idp, client_id, name, "Temp0rary!pass")
    assert started["ChallengeParameters"]["requiredAttributes"] == "[]"
    answered = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=started["Session"],
        ChallengeResponses={
            "USERNAME": name,
            "NEW_PASSWORD": PASSWORD,
            "userAttributes.family_name": "Lee",
        },
    )
    assert "IdToken" in answered["AuthenticationResult"]
    attributes = idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserAttributes"]
    assert {"Name": "family_name", "Value": "Lee"} in attributes


def test_wrong_password_and_unknown_users(idp: Any) -> None:
    pool_id = make_pool(idp)
    legacy = make_client(idp, pool_id)["ClientId"]
    hiding = make_client(idp, pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]
    name = confirmed_user(idp, pool_id)
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, legacy, name, "Wr0ng-password!")
    assert error_of(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, legacy, "nobody-here")
    assert error_of(excinfo) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, hiding, "nobody-here")
    assert error_of(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as excinfo:
        idp.initiate_auth(
            ClientId=legacy, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name}
        )
    assert error_of(excinfo) == ("InvalidParameterException", "Missing required parameter PASSWORD")
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, "nosuchclient123", name)
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "User pool client nosuchclient123 does not exist.",
    )


def test_disabled_users_cannot_sign_in_and_lose_their_tokens(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    name = confirmed_user(idp, pool_id)
    tokens = password_auth(idp, client_id, name)["AuthenticationResult"]
    idp.admin_disable_user(UserPoolId=pool_id, Username=name)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["Enabled"] is False
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, client_id, name)
    assert error_of(excinfo) == ("NotAuthorizedException", "User is disabled.")
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_of(excinfo) == ("NotAuthorizedException", "Access Token has been revoked")
    with pytest.raises(ClientError) as excinfo:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    assert error_of(excinfo) == ("NotAuthorizedException", "Refresh Token has been revoked")
    idp.admin_enable_user(UserPoolId=pool_id, Username=name)
    assert "AuthenticationResult" in password_auth(idp, client_id, name)


def test_a_flow_must_be_enabled_on_the_client(idp: Any) -> None:
    pool_id = make_pool(idp)
    name = confirmed_user(idp, pool_id)
    srp_only = make_client(
        idp, pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["ClientId"]
    defaults = make_client(idp, pool_id, ExplicitAuthFlows=[])["ClientId"]
    for client_id in (srp_only, defaults):
        with pytest.raises(ClientError) as excinfo:
            password_auth(idp, client_id, name)
        assert error_of(excinfo) == (
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client",
        )
        with pytest.raises(ClientError) as excinfo:
            idp.admin_initiate_auth(
                UserPoolId=pool_id,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )
        assert error_of(excinfo) == (
            "InvalidParameterException",
            "Auth flow not enabled for this client",
        )
    with pytest.raises(ClientError) as excinfo:  # admin flows belong to AdminInitiateAuth
        idp.initiate_auth(
            ClientId=srp_only,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )
    assert error_of(excinfo) == ("InvalidParameterException", "Initiate Auth method not supported.")
    with pytest.raises(ClientError) as excinfo:  # only SRP and refresh are allowed
        idp.initiate_auth(
            ClientId=make_client(idp, pool_id)["ClientId"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": name, "SRP_A": "abc"},
        )
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "USER_SRP_AUTH flow not enabled for this client",
    )
    legacy = make_client(idp, pool_id, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])["ClientId"]
    done = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=legacy,
        AuthFlow="ADMIN_NO_SRP_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
    )
    assert "IdToken" in done["AuthenticationResult"]


def test_secret_hash_is_required_and_checked(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(idp)
    client = make_client(idp, pool_id, GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    assert len(secret) >= 24
    name = confirmed_user(idp, pool_id)
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, client_id, name)
    assert error_of(excinfo) == (
        "NotAuthorizedException",
        f"Client {client_id} is configured with secret but SECRET_HASH was not received",
    )
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, client_id, name, SECRET_HASH=secret_hash("wrong", name, client_id))
    assert error_of(excinfo) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client_id}",
    )
    good = secret_hash(secret, name, client_id)
    tokens = password_auth(idp, client_id, name, SECRET_HASH=good)["AuthenticationResult"]
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": good},
    )
    assert verify(tenku, pool_id, refreshed["AuthenticationResult"]["IdToken"])["iss"] == issuer(
        pool_id
    )
    with pytest.raises(ClientError) as excinfo:
        idp.sign_up(ClientId=client_id, Username=unique(), Password=PASSWORD)
    assert error_of(excinfo)[0] == "NotAuthorizedException"
    newcomer = unique()
    idp.sign_up(
        ClientId=client_id,
        Username=newcomer,
        Password=PASSWORD,
        SecretHash=secret_hash(secret, newcomer, client_id),
    )


def test_password_policy_is_enforced_everywhere(idp: Any) -> None:
    pool_id = make_pool(
        idp,
        Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": False}},
    )
    policy = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 10 and policy["RequireSymbols"] is False
    assert policy["RequireUppercase"] is True and policy["TemporaryPasswordValidityDays"] == 7
    client_id = make_client(idp, pool_id)["ClientId"]
    cases = {
        "Short1Aa": "Password not long enough",
        "nouppercase123": "Password must have uppercase characters",
        "NOLOWERCASE123": "Password must have lowercase characters",
        "NoNumbersHere": "Password must have numeric characters",
    }
    for password, reason in cases.items():
        with pytest.raises(ClientError) as excinfo:
            idp.sign_up(ClientId=client_id, Username=unique(), Password=password)
        assert error_of(excinfo) == (
            "InvalidPasswordException",
            f"Password did not conform with policy: {reason}",
        )
    name = confirmed_user(idp, pool_id, password="LongEnough123")
    with pytest.raises(ClientError) as excinfo:
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password="short")
    assert error_of(excinfo) == (
        "InvalidPasswordException",
        "Password did not conform with password policy: Password not long enough",
    )
    with pytest.raises(ClientError) as excinfo:
        idp.admin_create_user(UserPoolId=pool_id, Username=unique(), TemporaryPassword="short")
    assert error_of(excinfo)[0] == "InvalidPasswordException"
    strict = make_pool(idp)  # Cognito's default policy wants symbols too
    strict_client = make_client(idp, strict)["ClientId"]
    with pytest.raises(ClientError) as excinfo:
        idp.sign_up(ClientId=strict_client, Username=unique(), Password="Abcdefg123")
    assert error_of(excinfo)[1].endswith("Password must have symbol characters")
    with pytest.raises(ClientError) as excinfo:  # never echoes the password
        idp.sign_up(ClientId=strict_client, Username=unique(), Password="has a space1A!")
    code, message = error_of(excinfo)
    assert code == "InvalidParameterException" and "has a space" not in message
    assert "Value at 'password' failed to satisfy constraint" in message


def test_forgotten_and_changed_passwords(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    name = confirmed_user(
        idp, pool_id, attributes={"email": "f@example.com", "email_verified": "true"}
    )
    sent = idp.forgot_password(ClientId=client_id, Username=name)["CodeDeliveryDetails"]
    assert sent == {"Destination": "f***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    with pytest.raises(ClientError) as excinfo:
        idp.confirm_forgot_password(
            ClientId=client_id, Username=name, ConfirmationCode="999999x", Password="N3w-password!"
        )
    assert error_of(excinfo)[0] == "CodeMismatchException"
    code = codes(tenku, pool_id, name)["FORGOT_PASSWORD"]
    idp.confirm_forgot_password(
        ClientId=client_id, Username=name, ConfirmationCode=code, Password="N3w-password!"
    )
    with pytest.raises(ClientError):
        password_auth(idp, client_id, name)
    tokens = password_auth(idp, client_id, name, "N3w-password!")["AuthenticationResult"]
    with pytest.raises(ClientError) as excinfo:
        idp.change_password(
            PreviousPassword="not-it-1A!",
            ProposedPassword=PASSWORD,
            AccessToken=tokens["AccessToken"],
        )
    assert error_of(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    idp.change_password(
        PreviousPassword="N3w-password!",
        ProposedPassword=PASSWORD,
        AccessToken=tokens["AccessToken"],
    )
    assert "AuthenticationResult" in password_auth(idp, client_id, name)

    unverified = confirmed_user(idp, pool_id, attributes={"email": "u@example.com"})
    with pytest.raises(ClientError) as excinfo:
        idp.forgot_password(ClientId=client_id, Username=unverified)
    assert error_of(excinfo)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        idp.forgot_password(ClientId=client_id, Username="nobody-at-all")
    assert error_of(excinfo) == (
        "UserNotFoundException",
        "Username/client id combination not found.",
    )


def test_sign_out_and_token_revocation(idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    name = confirmed_user(idp, pool_id)
    first = password_auth(idp, client_id, name)["AuthenticationResult"]
    second = password_auth(idp, client_id, name)["AuthenticationResult"]

    idp.revoke_token(Token=second["RefreshToken"], ClientId=client_id)
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=second["AccessToken"])
    assert error_of(excinfo) == ("NotAuthorizedException", "Access Token has been revoked")
    assert idp.get_user(AccessToken=first["AccessToken"])["Username"] == name
    with pytest.raises(ClientError) as excinfo:
        idp.revoke_token(Token=first["AccessToken"], ClientId=client_id)
    assert error_of(excinfo)[0] == "UnsupportedTokenTypeException"

    idp.global_sign_out(AccessToken=first["AccessToken"])
    with pytest.raises(ClientError) as excinfo:
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
        )
    assert error_of(excinfo) == ("NotAuthorizedException", "Refresh Token has been revoked")
    third = password_auth(idp, client_id, name)["AuthenticationResult"]
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username=name)
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=third["AccessToken"])
    assert error_of(excinfo)[1] == "Access Token has been revoked"
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken="e30.e30.e30")
    assert error_of(excinfo) == ("NotAuthorizedException", "Invalid Access Token")


def test_time_limits_follow_the_tenku_clock(fresh_tenku: TenkuProcess) -> None:
    idp = fresh_tenku.client("cognito-idp")
    pool_id = make_pool(idp)
    client_id = make_client(
        idp,
        pool_id,
        AccessTokenValidity=5,
        TokenValidityUnits={"AccessToken": "minutes"},
    )["ClientId"]
    name = confirmed_user(idp, pool_id)
    tokens = password_auth(idp, client_id, name)["AuthenticationResult"]
    assert tokens["ExpiresIn"] == 300
    pending = unique()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=pending,
        TemporaryPassword="Temp0rary!pass",
        MessageAction="SUPPRESS",
    )
    started = password_auth(idp, client_id, pending, "Temp0rary!pass")
    signed_up = unique()
    idp.sign_up(ClientId=client_id, Username=signed_up, Password=PASSWORD)
    code = codes(fresh_tenku, pool_id, signed_up)["SIGN_UP"]

    fresh_tenku.advance_clock(301)
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_of(excinfo) == ("NotAuthorizedException", "Access Token has expired")
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )["AuthenticationResult"]
    assert idp.get_user(AccessToken=refreshed["AccessToken"])["Username"] == name
    with pytest.raises(ClientError) as excinfo:
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=started["Session"],
            ChallengeResponses={"USERNAME": pending, "NEW_PASSWORD": PASSWORD},
        )
    assert error_of(excinfo) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )

    fresh_tenku.advance_clock(8 * 86400)
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, client_id, pending, "Temp0rary!pass")
    assert error_of(excinfo) == (
        "NotAuthorizedException",
        "Temporary password has expired and must be reset by an administrator.",
    )
    with pytest.raises(ClientError) as excinfo:
        idp.confirm_sign_up(ClientId=client_id, Username=signed_up, ConfirmationCode=code)
    assert error_of(excinfo)[0] == "ExpiredCodeException"


SRP_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_srp_sign_in_as_pycognito_does_it(tenku: TenkuProcess, idp: Any) -> None:
    from pycognito.aws_srp import AWSSRP
    from pycognito.exceptions import ForceChangePasswordException

    pool_id = make_pool(idp, UsernameAttributes=["email"])
    client = make_client(idp, pool_id, ExplicitAuthFlows=SRP_FLOWS, GenerateSecret=True)
    email = f"{unique()}@example.com"
    confirmed_user(idp, pool_id, username=email)

    def srp(password: str, username: str = email) -> Any:
        return AWSSRP(
            username, password, pool_id, client["ClientId"], client=idp,
            client_secret=client["ClientSecret"],
        ).authenticate_user()  # fmt: skip

    tokens = srp(PASSWORD)["AuthenticationResult"]
    claims = verify(tenku, pool_id, tokens["IdToken"], audience=client["ClientId"])
    assert claims["email"] == email
    with pytest.raises(ClientError) as excinfo:
        srp("Wr0ng-password!")
    assert error_of(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as excinfo:
        srp(PASSWORD, "nobody@example.com")
    assert error_of(excinfo) == ("UserNotFoundException", "User does not exist.")

    plain = make_client(idp, pool_id, ExplicitAuthFlows=SRP_FLOWS)["ClientId"]
    newcomer = f"{unique()}@example.com"
    idp.admin_create_user(
        UserPoolId=pool_id, Username=newcomer, TemporaryPassword="Temp0rary!pass",
        MessageAction="SUPPRESS",
    )  # fmt: skip
    with pytest.raises(ForceChangePasswordException):
        AWSSRP(newcomer, "Temp0rary!pass", pool_id, plain, client=idp).authenticate_user()
    changed = AWSSRP(newcomer, "Temp0rary!pass", pool_id, plain, client=idp)
    result = changed.set_new_password_challenge(PASSWORD)
    assert "IdToken" in result["AuthenticationResult"]
    again = AWSSRP(newcomer, PASSWORD, pool_id, plain, client=idp).authenticate_user()
    assert "AccessToken" in again["AuthenticationResult"]

    started = idp.initiate_auth(
        ClientId=plain, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": email, "SRP_A": "1f"}
    )
    block = started["ChallengeParameters"]["SECRET_BLOCK"]
    forged = {
        "USERNAME": started["ChallengeParameters"]["USERNAME"],
        "PASSWORD_CLAIM_SECRET_BLOCK": block,
        "PASSWORD_CLAIM_SIGNATURE": "AAAA",
        "TIMESTAMP": "Mon Jan 1 00:00:00 UTC 2024",
    }
    with pytest.raises(ClientError) as excinfo:
        idp.respond_to_auth_challenge(
            ClientId=plain, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=forged
        )
    assert error_of(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as excinfo:  # the secret block answers once
        idp.respond_to_auth_challenge(
            ClientId=plain, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=forged
        )
    assert error_of(excinfo) == ("NotAuthorizedException", "Invalid session for the user.")
