"""Cognito tokens: the claims Cognito writes, RS256 signatures checked against the JWKS
served on the Tenku port (as a JWT authorizer fetches it), the discovery document,
`tenku token`, and keys and tokens that survive a restart."""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.error
import urllib.request
from typing import Any

import jwt
import pytest

from tests.integration.cognito_support import (
    PASSWORD,
    confirmed_user,
    get_json,
    issuer,
    make_client,
    make_pool,
    password_auth,
    verify,
)
from tests.integration.conftest import BIN_DIR, TenkuProcess


@pytest.fixture(scope="module")
def idp(tenku: TenkuProcess) -> Any:
    return tenku.client("cognito-idp")


def header_of(token: str) -> dict[str, Any]:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # type: ignore[no-any-return]


def test_claims_are_the_ones_cognito_writes(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(idp, Schema=[{"Name": "tier", "AttributeDataType": "String"}])
    client = make_client(
        idp, pool_id, AccessTokenValidity=2, IdTokenValidity=30,
        TokenValidityUnits={"AccessToken": "hours", "IdToken": "minutes"},
    )  # fmt: skip
    client_id = client["ClientId"]
    name = confirmed_user(
        idp, pool_id,
        attributes={"email": "c@example.com", "email_verified": "true", "custom:tier": "gold"},
    )  # fmt: skip
    idp.create_group(UserPoolId=pool_id, GroupName="readers", Precedence=5)
    idp.create_group(
        UserPoolId=pool_id, GroupName="admins", Precedence=1,
        RoleArn="arn:aws:iam::000000000000:role/admins",
    )  # fmt: skip
    idp.create_group(UserPoolId=pool_id, GroupName="unused")
    for group in ("readers", "admins"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=group)
    listed = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=name)["Groups"]
    assert sorted(g["GroupName"] for g in listed) == ["admins", "readers"]

    tokens = password_auth(idp, client_id, name)["AuthenticationResult"]
    assert tokens["ExpiresIn"] == 7200
    sub = next(
        a["Value"]
        for a in idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserAttributes"]
        if a["Name"] == "sub"
    )
    id_token = verify(tenku, pool_id, tokens["IdToken"], audience=client_id)
    assert id_token["token_use"] == "id" and id_token["aud"] == client_id
    assert id_token["sub"] == sub and id_token["cognito:username"] == name
    assert id_token["iss"] == issuer(pool_id)
    assert id_token["email_verified"] is True and id_token["email"] == "c@example.com"
    assert id_token["custom:tier"] == "gold"
    assert id_token["cognito:groups"] == ["admins", "readers"]  # by precedence
    assert id_token["cognito:preferred_role"] == "arn:aws:iam::000000000000:role/admins"
    assert id_token["exp"] - id_token["iat"] == 1800
    assert id_token["auth_time"] == id_token["iat"]
    for claim in ("jti", "origin_jti", "event_id"):
        assert isinstance(id_token[claim], str) and len(id_token[claim]) == 36

    access = verify(tenku, pool_id, tokens["AccessToken"])
    assert access["token_use"] == "access" and access["client_id"] == client_id
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert access["username"] == name and access["sub"] == sub
    assert access["cognito:groups"] == ["admins", "readers"]
    assert "aud" not in access and "email" not in access
    assert access["exp"] - access["iat"] == 7200
    assert access["origin_jti"] == id_token["origin_jti"]

    keys = get_json(f"{tenku.endpoint}/{pool_id}/.well-known/jwks.json")["keys"]
    assert len(keys) == 1
    assert set(keys[0]) == {"alg", "e", "kid", "kty", "n", "use"}
    assert keys[0]["alg"] == "RS256" and keys[0]["kty"] == "RSA" and keys[0]["use"] == "sig"
    assert header_of(tokens["IdToken"]) == {"kid": keys[0]["kid"], "alg": "RS256"}


def test_signatures_are_checked(tenku: TenkuProcess, idp: Any) -> None:
    pool_a, pool_b = make_pool(idp), make_pool(idp)
    client_a = make_client(idp, pool_a)["ClientId"]
    token = password_auth(idp, client_a, confirmed_user(idp, pool_a))["AuthenticationResult"][
        "IdToken"
    ]
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "someone-else"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(tenku, pool_a, f"{head}.{forged_payload}.{signature}")
    with pytest.raises(jwt.PyJWTError):  # pool B's keys do not vouch for pool A's tokens
        jwks = jwt.PyJWKClient(f"{tenku.endpoint}/{pool_b}/.well-known/jwks.json")
        jwt.decode(token, jwks.get_signing_key_from_jwt(token).key, algorithms=["RS256"])
    with pytest.raises(jwt.InvalidAudienceError):
        verify(tenku, pool_a, token, audience="another-client")


def test_discovery_documents(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(idp)
    with urllib.request.urlopen(
        f"{tenku.endpoint}/{pool_id}/.well-known/openid-configuration"
    ) as response:
        assert response.headers["access-control-allow-origin"] == "*"
        document = json.load(response)
    assert document["issuer"] == issuer(pool_id)
    assert document["jwks_uri"] == f"{tenku.endpoint}/{pool_id}/.well-known/jwks.json"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    for path in ("openid-configuration", "jwks.json"):
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(f"{tenku.endpoint}/us-east-1_NoSuchPool/.well-known/{path}")
        assert excinfo.value.code == 404


def run_token_cli(tenku: TenkuProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "python"), "-m", "tenku", "token", "--endpoint", tenku.endpoint, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tenku_token_prints_a_valid_token(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(idp)
    first = make_client(idp, pool_id)["ClientId"]
    second = make_client(idp, pool_id, ClientName="other")["ClientId"]
    name = confirmed_user(idp, pool_id, attributes={"email": "cli@example.com"})

    done = run_token_cli(tenku, "--user-pool", pool_id, "--username", name)
    assert done.returncode == 0, done.stderr
    claims = verify(tenku, pool_id, done.stdout.strip(), audience=first)
    assert claims["token_use"] == "id" and claims["cognito:username"] == name
    done = run_token_cli(
        tenku, "--user-pool", pool_id, "--username", name, "--client-id", second, "--access"
    )
    access = verify(tenku, pool_id, done.stdout.strip())
    assert access["client_id"] == second and access["token_use"] == "access"
    assert idp.get_user(AccessToken=done.stdout.strip())["Username"] == name

    missing_user = run_token_cli(tenku, "--user-pool", pool_id, "--username", "ghost")
    assert missing_user.returncode != 0 and "User does not exist." in missing_user.stderr
    missing_pool = run_token_cli(tenku, "--user-pool", "us-east-1_Nope12345", "--username", name)
    assert missing_pool.returncode != 0
    assert "User pool us-east-1_Nope12345 does not exist." in missing_pool.stderr
    wrong_region = run_token_cli(
        tenku, "--user-pool", pool_id, "--username", name, "--region", "eu-west-1"
    )
    assert wrong_region.returncode != 0 and "not in region eu-west-1" in wrong_region.stderr
    no_clients = make_pool(idp)
    confirmed_user(idp, no_clients, username="lonely")
    lonely = run_token_cli(tenku, "--user-pool", no_clients, "--username", "lonely")
    assert lonely.returncode != 0 and "has no app client" in lonely.stderr


def test_tenku_token_route(tenku: TenkuProcess, idp: Any) -> None:
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)["ClientId"]
    name = confirmed_user(idp, pool_id)
    request = urllib.request.Request(
        f"{tenku.endpoint}/_tenku/cognito/token",
        data=json.dumps({"userPoolId": pool_id, "username": name}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        tokens = json.load(response)
    assert tokens["ClientId"] == client_id and tokens["Username"] == name
    refreshed = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert "IdToken" in refreshed["AuthenticationResult"]
    bad = urllib.request.Request(
        f"{tenku.endpoint}/_tenku/cognito/token", data=b"[1]", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(bad)
    assert excinfo.value.code == 400


def test_keys_users_and_tokens_survive_a_restart(tmp_path: Any) -> None:
    server = TenkuProcess(tmp_path / "data").start()
    try:
        idp = server.client("cognito-idp")
        pool_id = make_pool(idp)
        client_id = make_client(idp, pool_id)["ClientId"]
        name = confirmed_user(idp, pool_id)
        tokens = password_auth(idp, client_id, name)["AuthenticationResult"]
        kid = get_json(f"{server.endpoint}/{pool_id}/.well-known/jwks.json")["keys"][0]["kid"]
        server.kill()  # SIGKILL: only what was acknowledged may be relied on
        server.start()
        idp = server.client("cognito-idp")
        assert (
            get_json(f"{server.endpoint}/{pool_id}/.well-known/jwks.json")["keys"][0]["kid"] == kid
        )
        verify(server, pool_id, tokens["IdToken"], audience=client_id)
        assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == name
        refreshed = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
        verify(server, pool_id, refreshed["AuthenticationResult"]["AccessToken"])
        assert "AuthenticationResult" in password_auth(idp, client_id, name, PASSWORD)
    finally:
        server.stop()
