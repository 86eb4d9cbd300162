"""The seed's users API (`GET/POST /users`, `GET/PUT/DELETE /users/{userId}`) as a Python
function behind an HTTP API with a JWT authorizer whose issuer is a Tenku user pool
(written the way templates write it: `https://cognito-idp.<region>.amazonaws.com/<pool>`):
no token, a bad signature, a wrong audience or a past expiry give 401; a valid token
passes and the function sees the claims; scopes are checked; the CORS preflight from
`http://localhost:3000` is answered as the configuration says."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.apigateway_support import python_function, raw
from tests.integration.conftest import TenkuProcess

# The users API of the seed, in Python, on an in-memory dict (the table is DynamoDB's
# job in the example application; here the point is the API in front of it).
USERS = """
import json

USERS = {}

def handler(event, context):
    route = event["routeKey"]
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    user_id = (event.get("pathParameters") or {}).get("userId")
    body = json.loads(event.get("body") or "{}")
    if route == "GET /users":
        result = (200, list(USERS.values()))
    elif route == "POST /users":
        user = {"userId": body["userId"], "name": body["name"], "createdBy": claims["sub"]}
        USERS[user["userId"]] = user
        result = (201, user)
    elif user_id not in USERS:
        result = (404, {"message": "User not found"})
    elif route == "GET /users/{userId}":
        result = (200, USERS[user_id])
    elif route == "PUT /users/{userId}":
        USERS[user_id].update(name=body["name"])
        result = (200, USERS[user_id])
    else:
        del USERS[user_id]
        result = (204, None)
    status, payload = result
    answer = {"statusCode": status, "headers": {"content-type": "application/json"}}
    if payload is not None:
        answer["body"] = json.dumps({"data": payload, "claims": claims})
    return answer
"""

ROUTES = ["GET /users", "POST /users", "GET /users/{userId}", "PUT /users/{userId}",
          "DELETE /users/{userId}"]  # fmt: skip


@pytest.fixture(scope="module")
def tenku(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    """A server of this module's own: the expiry test moves its clock by an hour."""
    server = TenkuProcess(tmp_path_factory.mktemp("jwt")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def setup(tenku: TenkuProcess) -> dict[str, Any]:
    idp = tenku.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="users-api")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                              "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Passw0rd!x",
                                Permanent=True)
    function = python_function(tenku, "users-jwt", USERS)
    api2 = tenku.client("apigatewayv2")
    api = api2.create_api(
        Name="users", ProtocolType="HTTP",
        CorsConfiguration={"AllowOrigins": ["http://localhost:3000"],
                           "AllowMethods": ["GET", "POST", "PUT", "DELETE"],
                           "AllowHeaders": ["Content-Type", "Authorization"], "MaxAge": 300},
    )["ApiId"]
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    authorizer = api2.create_authorizer(
        ApiId=api, Name="cognito", AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer, "Audience": [client_id]},
    )["AuthorizerId"]
    integration = api2.create_integration(
        ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=function,
        PayloadFormatVersion="2.0",
    )["IntegrationId"]
    for key in ROUTES:
        api2.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integration}",
                          AuthorizationType="JWT", AuthorizerId=authorizer)
    api2.create_route(ApiId=api, RouteKey="GET /admin", Target=f"integrations/{integration}",
                      AuthorizationType="JWT", AuthorizerId=authorizer,
                      AuthorizationScopes=["admin/all"])
    api2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    tokens = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )["AuthenticationResult"]
    return {"api": api, "pool": pool, "client": client_id, "issuer": issuer,
            "id_token": tokens["IdToken"], "access_token": tokens["AccessToken"]}


def call(tenku: TenkuProcess, setup: dict[str, Any], method: str, path: str,
         token: str | None = None, body: Any = None) -> tuple[int, dict[str, str], Any]:
    headers: list[tuple[str, str]] = []
    if token is not None:
        headers.append(("Authorization", f"Bearer {token}"))
    data = b""
    if body is not None:
        headers.append(("Content-Type", "application/json"))
        data = json.dumps(body).encode()
    status, answer_headers, payload = raw(
        tenku.port, f"{setup['api']}.execute-api.localhost:{tenku.port}", method, path,
        tuple(headers), data,
    )
    return status, answer_headers, json.loads(payload) if payload else None


def forged(setup: dict[str, Any], **changes: Any) -> str:
    """The ID token's claims, changed and signed with a key that is not the pool's."""
    claims = jwt.decode(setup["id_token"], options={"verify_signature": False})
    claims.update(changes)
    header = jwt.get_unverified_header(setup["id_token"])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": header["kid"]})


def resigned_payload(token: str, **changes: Any) -> str:
    """The token with its payload changed but its original signature kept."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{encoded}.{signature}"


def test_no_token_and_bad_tokens_get_401(tenku: TenkuProcess, setup: dict[str, Any]) -> None:
    for token in (None, "garbage", forged(setup), resigned_payload(setup["id_token"], sub="x")):
        status, headers, body = call(tenku, setup, "GET", "/users", token)
        assert (status, body) == (401, {"message": "Unauthorized"}), token
    status, headers, _ = call(tenku, setup, "GET", "/users", "garbage")
    assert "www-authenticate" in headers


def test_wrong_audience_and_expired_tokens_get_401(
    tenku: TenkuProcess, setup: dict[str, Any]
) -> None:
    minted = subprocess.run(
        [sys.executable, "-m", "tenku", "token", "--endpoint", tenku.endpoint,
         "--user-pool", setup["pool"], "--username", "alice"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert call(tenku, setup, "GET", "/users", minted)[0] == 200  # `tenku token` works
    idp = tenku.client("cognito-idp")
    other = idp.create_user_pool_client(
        UserPoolId=setup["pool"], ClientName="other",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    wrong_audience = idp.initiate_auth(
        ClientId=other, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )["AuthenticationResult"]["IdToken"]
    status, headers, _ = call(tenku, setup, "GET", "/users", wrong_audience)
    assert status == 401
    assert "audience" in headers.get("www-authenticate", "")
    tenku.advance_clock(3700)  # past the token's hour
    status, headers, _ = call(tenku, setup, "GET", "/users", setup["id_token"])
    assert status == 401 and "expired" in headers.get("www-authenticate", "")


def test_a_valid_token_passes_and_the_function_sees_its_claims(
    tenku: TenkuProcess, setup: dict[str, Any]
) -> None:
    idp = tenku.client("cognito-idp")
    token = idp.initiate_auth(
        ClientId=setup["client"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )["AuthenticationResult"]["IdToken"]
    status, _, body = call(tenku, setup, "POST", "/users", token, {"userId": "u1", "name": "A"})
    assert status == 201
    claims = body["claims"]
    assert claims["iss"] == setup["issuer"] and claims["aud"] == setup["client"]
    assert claims["cognito:username"] == "alice" and claims["token_use"] == "id"
    assert body["data"]["createdBy"] == claims["sub"]
    assert call(tenku, setup, "GET", "/users/u1", token)[2]["data"]["name"] == "A"
    assert call(tenku, setup, "PUT", "/users/u1", token, {"name": "B"})[2]["data"]["name"] == "B"
    assert [u["userId"] for u in call(tenku, setup, "GET", "/users", token)[2]["data"]] == ["u1"]
    assert call(tenku, setup, "DELETE", "/users/u1", token)[0] == 204
    assert call(tenku, setup, "GET", "/users/u1", token)[0] == 404
    # an access token has no scope admin/all: the scoped route refuses it
    access = idp.initiate_auth(
        ClientId=setup["client"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )["AuthenticationResult"]["AccessToken"]
    assert call(tenku, setup, "GET", "/users", access)[0] == 200  # client_id for audience
    assert call(tenku, setup, "GET", "/admin", access)[0] == 403
    time.sleep(0)


def test_the_cors_preflight_from_localhost_3000(
    tenku: TenkuProcess, setup: dict[str, Any]
) -> None:
    status, headers, _ = raw(
        tenku.port, f"{setup['api']}.execute-api.localhost", "OPTIONS", "/users/u1",
        (("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "DELETE"),
         ("Access-Control-Request-Headers", "authorization")),
    )
    assert status == 204  # answered by API Gateway, no token needed
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "DELETE" in headers["access-control-allow-methods"]
    assert "authorization" in headers["access-control-allow-headers"].lower()
    assert headers["access-control-max-age"] == "300"
