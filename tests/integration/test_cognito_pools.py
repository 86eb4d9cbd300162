"""Cognito user pools, app clients and groups through boto3 and the AWS CLI: their
settings as described back, paging, updates, deletion and the errors on bad input."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.cognito_support import make_client, make_pool, unique
from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def idp(tenku: TenkuProcess) -> Any:
    return tenku.client("cognito-idp")


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_and_describe_a_pool(idp: Any) -> None:
    trigger = "arn:aws:lambda:us-east-1:000000000000:function:pre-sign-up"
    pool = idp.create_user_pool(
        PoolName="shop users",
        AutoVerifiedAttributes=["email"],
        AliasAttributes=["email", "preferred_username"],
        LambdaConfig={"PreSignUp": trigger},
        Schema=[
            {"Name": "email", "Required": True},
            {"Name": "plan", "AttributeDataType": "String", "Mutable": True},
            {"Name": "age", "AttributeDataType": "Number"},
        ],
        UserPoolTags={"team": "shop"},
    )["UserPool"]
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool["Id"])
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool['Id']}"
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["Name"] == "shop users"
    assert described["LambdaConfig"] == {"PreSignUp": trigger}
    assert described["AutoVerifiedAttributes"] == ["email"]
    assert described["AliasAttributes"] == ["email", "preferred_username"]
    assert described["UserPoolTags"] == {"team": "shop"}
    assert described["MfaConfiguration"] == "OFF"
    assert described["DeletionProtection"] == "INACTIVE"
    assert described["EstimatedNumberOfUsers"] == 0
    schema = {a["Name"]: a for a in described["SchemaAttributes"]}
    assert schema["email"]["Required"] is True and schema["sub"]["Mutable"] is False
    assert schema["custom:plan"]["AttributeDataType"] == "String"
    assert schema["custom:age"]["AttributeDataType"] == "Number"
    assert schema["email_verified"]["AttributeDataType"] == "Boolean"

    with pytest.raises(ClientError) as excinfo:
        idp.create_user_pool(
            PoolName="both", AliasAttributes=["email"], UsernameAttributes=["email"]
        )
    assert error_of(excinfo)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        idp.create_user_pool(
            PoolName="req", Schema=[{"Name": "x", "AttributeDataType": "String", "Required": True}]
        )
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "Required custom attributes are not supported currently.",
    )


def test_list_update_and_delete_pools(tenku: TenkuProcess, idp: Any) -> None:
    west = tenku.client("cognito-idp", region="us-west-2")
    created = [make_pool(west, PoolName=f"west-{i}") for i in range(3)]
    seen: list[str] = []
    token: str | None = None
    while True:
        page = west.list_user_pools(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["UserPools"]) <= 2
        seen += [p["Id"] for p in page["UserPools"]]
        token = page.get("NextToken")
        if not token:
            break
    assert set(created) <= set(seen)
    assert all(p.startswith("us-west-2_") for p in seen)
    with pytest.raises(ClientError) as excinfo:  # pools belong to their region
        idp.describe_user_pool(UserPoolId=created[0])
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        f"User pool {created[0]} does not exist.",
    )

    pool_id = created[0]
    west.update_user_pool(
        UserPoolId=pool_id,
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12}},
        DeletionProtection="ACTIVE",
    )
    described = west.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Name"] == "west-0"
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert described["AutoVerifiedAttributes"] == ["email"]
    with pytest.raises(ClientError) as excinfo:
        west.delete_user_pool(UserPoolId=pool_id)
    assert error_of(excinfo)[0] == "InvalidParameterException"
    west.update_user_pool(UserPoolId=pool_id)  # unspecified settings return to defaults
    described = west.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["DeletionProtection"] == "INACTIVE"
    assert "AutoVerifiedAttributes" not in described
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    for each in created:
        west.delete_user_pool(UserPoolId=each)
    with pytest.raises(ClientError) as excinfo:
        west.describe_user_pool(UserPoolId=pool_id)
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_app_clients(idp: Any) -> None:
    pool_id = make_pool(idp)
    client = make_client(
        idp,
        pool_id,
        GenerateSecret=True,
        AccessTokenValidity=30,
        TokenValidityUnits={"AccessToken": "minutes"},
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=["http://localhost:3000/callback"],
        SupportedIdentityProviders=["COGNITO"],
    )
    assert re.fullmatch(r"[a-z0-9]{26}", client["ClientId"])
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])[
        "UserPoolClient"
    ]
    assert described["ClientSecret"] == client["ClientSecret"]
    assert described["AllowedOAuthFlows"] == ["code"]
    assert described["CallbackURLs"] == ["http://localhost:3000/callback"]
    assert described["AccessTokenValidity"] == 30 and described["RefreshTokenValidity"] == 30
    assert described["PreventUserExistenceErrors"] == "LEGACY"

    updated = idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client["ClientId"],
        ClientName="renamed",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    assert updated["ClientName"] == "renamed"
    assert updated["ClientSecret"] == client["ClientSecret"]
    assert "AllowedOAuthFlows" not in updated  # an update replaces every setting

    ids = {client["ClientId"]} | {make_client(idp, pool_id)["ClientId"] for _ in range(2)}
    listed: set[str] = set()
    token: str | None = None
    while True:
        page = idp.list_user_pool_clients(
            UserPoolId=pool_id, MaxResults=2, **({"NextToken": token} if token else {})
        )
        listed |= {c["ClientId"] for c in page["UserPoolClients"]}
        token = page.get("NextToken")
        if not token:
            break
    assert listed == ids

    with pytest.raises(ClientError) as excinfo:
        make_client(idp, pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "REFRESH_TOKEN_AUTH should always be allowed.",
    )
    with pytest.raises(ClientError) as excinfo:
        make_client(idp, pool_id, AccessTokenValidity=2, TokenValidityUnits={"AccessToken": "days"})
    assert error_of(excinfo)[0] == "InvalidParameterException"
    idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])
    with pytest.raises(ClientError) as excinfo:
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        f"User pool client {client['ClientId']} does not exist.",
    )


def test_groups(idp: Any) -> None:
    pool_id = make_pool(idp)
    group = idp.create_group(
        UserPoolId=pool_id, GroupName="admins", Description="the admins", Precedence=0
    )["Group"]
    assert group["GroupName"] == "admins" and group["Precedence"] == 0
    with pytest.raises(ClientError) as excinfo:
        idp.create_group(UserPoolId=pool_id, GroupName="admins")
    assert error_of(excinfo) == ("GroupExistsException", "A group with the name already exists.")
    idp.create_group(UserPoolId=pool_id, GroupName="editors")
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]] == [
        "admins",
        "editors",
    ]
    name = unique()
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName="editors")
    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName="editors")["Users"]
    assert [u["Username"] for u in members] == [name]
    with pytest.raises(ClientError) as excinfo:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName="nope")
    assert error_of(excinfo) == ("ResourceNotFoundException", "Group not found.")
    with pytest.raises(ClientError) as excinfo:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ghost", GroupName="admins")
    assert error_of(excinfo) == ("UserNotFoundException", "User does not exist.")
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=name, GroupName="editors")
    assert idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=name)["Groups"] == []
    idp.delete_group(UserPoolId=pool_id, GroupName="editors")
    with pytest.raises(ClientError):
        idp.get_group(UserPoolId=pool_id, GroupName="editors")


def test_bad_input_answers_invalid_parameter(idp: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        idp.describe_user_pool(UserPoolId="not a pool")
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "1 validation error detected: Value 'not a pool' at 'userPoolId' failed to satisfy"
        " constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+",
    )
    with pytest.raises(ClientError) as excinfo:
        idp.list_user_pools(MaxResults=61)
    assert error_of(excinfo)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        idp.describe_user_pool(UserPoolId="us-east-1_missing00")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "User pool us-east-1_missing00 does not exist.",
    )


def test_the_aws_cli_drives_it(tenku: TenkuProcess) -> None:
    created = tenku.aws("cognito-idp", "create-user-pool", "--pool-name", "cli-pool")
    assert created.returncode == 0, created.stderr
    pool_id = json.loads(created.stdout)["UserPool"]["Id"]
    client = tenku.aws(
        "cognito-idp", "create-user-pool-client", "--user-pool-id", pool_id,
        "--client-name", "cli", "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    )  # fmt: skip
    client_id = json.loads(client.stdout)["UserPoolClient"]["ClientId"]
    for args in (
        ["admin-create-user", "--user-pool-id", pool_id, "--username", "cli-user",
         "--message-action", "SUPPRESS"],
        ["admin-set-user-password", "--user-pool-id", pool_id, "--username", "cli-user",
         "--password", "Cl1-password!", "--permanent"],
    ):  # fmt: skip
        done = tenku.aws("cognito-idp", *args)
        assert done.returncode == 0, done.stderr
    signed_in = tenku.aws(
        "cognito-idp", "initiate-auth", "--client-id", client_id, "--auth-flow",
        "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=cli-user,PASSWORD=Cl1-password!",
    )  # fmt: skip
    assert signed_in.returncode == 0, signed_in.stderr
    assert json.loads(signed_in.stdout)["AuthenticationResult"]["TokenType"] == "Bearer"
    listed = tenku.aws("cognito-idp", "list-users", "--user-pool-id", pool_id)
    assert [u["Username"] for u in json.loads(listed.stdout)["Users"]] == ["cli-user"]
