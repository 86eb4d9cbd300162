"""Cognito's routes that are not AWS API calls, handed to the cognito-idp provider as
plain values:

- `GET /{poolId}/.well-known/openid-configuration` and `GET /{poolId}/.well-known/jwks.json`:
  what `https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/...` serves in AWS,
  so that a JWT authorizer or an OIDC library can map the AWS issuer to
  `{tenku endpoint}/{poolId}` and fetch them over HTTP. The discovery document keeps the
  AWS issuer and points `jwks_uri` at Tenku.
- `POST /_tenku/cognito/token` with `{"userPoolId", "username", "clientId"?}`: tokens for
  an existing user without their password (tests, `tenku token`).
- `GET /_tenku/cognito/codes/{poolId}/{username}`: the codes Cognito would have emailed
  or texted (sign-up, forgotten password, attribute verification) and generated
  temporary passwords, still unused.

Must not: hold Cognito logic (the provider does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from tenku.core.errors import ServiceError
from tenku.gateway.registry import Providers
from tenku.protocol.http import Request, Response

MARK = "/.well-known/"  # the cheap test app.py makes before calling `discovery`
_DISCOVERY = re.compile(
    r"/([a-z]{2}(?:-[a-z]+)+-[0-9]+_[0-9A-Za-z]+)/\.well-known/(openid-configuration|jwks\.json)"
)
_JSON = [("content-type", "application/json"), ("access-control-allow-origin", "*")]
_NOT_FOUND_CODES = ("ResourceNotFoundException", "UserNotFoundException")


async def discovery(providers: Providers, request: Request, endpoint: str) -> Response | None:
    """The answer to a discovery request, or None when `request` is not one."""
    match = _DISCOVERY.fullmatch(request.path.split("?", 1)[0])
    if match is None or request.method not in ("GET", "HEAD"):
        return None
    pool_id, document = match.groups()
    provider: Any = await providers.get("cognito-idp")
    if document == "jwks.json":
        body = provider.jwks(pool_id)
    else:
        base = f"http://{request.host}" if request.host else endpoint
        body = provider.openid_configuration(pool_id, base)
    if body is None:
        return _answer(404, {"message": f"User pool {pool_id} does not exist."})
    return _answer(200, body)


async def tenku_route(
    providers: Providers, request: Request, route: str, durable: Callable[[], Awaitable[None]]
) -> Response:
    """`/_tenku/cognito/...`"""
    provider: Any = await providers.get("cognito-idp")
    if route == "/_tenku/cognito/token" and request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
            pool_id, username = str(body["userPoolId"]), str(body["username"])
            client_id = body.get("clientId")
        except (ValueError, KeyError, TypeError, AttributeError):
            return _answer(400, {"error": 'expected JSON {"userPoolId", "username", "clientId"?}'})
        try:
            tokens = provider.mint_tokens(pool_id, username, str(client_id) if client_id else None)
        except ServiceError as error:
            status = 404 if error.code in _NOT_FOUND_CODES else 400
            return _answer(status, {"error": error.message, "code": error.code})
        await durable()  # the refresh token is stored: answer once it is committed
        return _answer(200, tokens)
    prefix = "/_tenku/cognito/codes/"
    parts = route[len(prefix) :].split("/") if route.startswith(prefix) else []
    if len(parts) == 2 and request.method == "GET":
        pool_id, username = unquote(parts[0]), unquote(parts[1])
        codes = provider.pending_codes(pool_id, username)
        if codes is None:
            return _answer(404, {"error": f"no user {username} in user pool {pool_id}"})
        return _answer(200, {"userPoolId": pool_id, "username": username, "codes": codes})
    return _answer(404, {"error": f"no such Tenku route: {route}"})


def _answer(status: int, payload: dict[str, Any]) -> Response:
    return Response(status, list(_JSON), json.dumps(payload).encode())
