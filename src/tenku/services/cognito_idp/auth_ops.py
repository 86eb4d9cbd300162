"""Sign-in: InitiateAuth and AdminInitiateAuth (password and refresh-token flows), the
NEW_PASSWORD_REQUIRED challenge and its answer (RespondToAuthChallenge and
AdminRespondToAuthChallenge).

Checks run in Cognito's order: the client, whether it allows the flow, the parameters,
SECRET_HASH, then the user and password, then the user's state. An unknown user is
`UserNotFoundException` unless the client prevents user existence errors, in which case
it looks like a wrong password. USER_SRP_AUTH answers the PASSWORD_VERIFIER challenge
(srp.py does the arithmetic); CUSTOM_AUTH and USER_AUTH are refused.
Must not: sign tokens itself (issuing.py does).
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import secrets
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.cognito_idp import passwords, pools, schema, srp
from tenku.services.cognito_idp.errors import (
    auth_method_not_supported,
    expired_session,
    incorrect_credentials,
    invalid_parameter,
    invalid_refresh_token,
    invalid_session,
    missing_auth_parameter,
    not_authorized,
    password_reset_required,
    revoked_refresh_token,
    user_disabled,
    user_not_confirmed,
    user_not_found,
)
from tenku.services.cognito_idp.issuing import TokenIssuer
from tenku.services.cognito_idp.store import Client, Pool, Session, User

log = logging.getLogger("tenku.cognito")
JsonDict = dict[str, Any]
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
_ADMIN_PASSWORD_FLOWS = ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
_REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")


class Authentication(TokenIssuer):
    def initiate_auth(
        self,
        ctx: RequestContext,
        auth_flow: str,
        client_id: str,
        auth_parameters: dict[str, str] | None = None,
    ) -> JsonDict:
        pool, client = self._client(ctx.scope, client_id)
        params = auth_parameters or {}
        if auth_flow in _ADMIN_PASSWORD_FLOWS:
            raise auth_method_not_supported()
        if not pools.flow_enabled(client, auth_flow):
            raise invalid_parameter(f"{auth_flow} flow not enabled for this client")
        if auth_flow in _REFRESH_FLOWS:
            return self._refresh(pool, client, params)
        if auth_flow == "USER_PASSWORD_AUTH":
            return self._password_auth(pool, client, params)
        if auth_flow == "USER_SRP_AUTH":
            return self._srp_start(pool, client, params)
        return self._unsupported(pool, auth_flow)

    def admin_initiate_auth(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        client_id: str,
        auth_flow: str,
        auth_parameters: dict[str, str] | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        client = self._pool_client(pool, client_id)
        params = auth_parameters or {}
        if auth_flow == "USER_PASSWORD_AUTH":
            raise auth_method_not_supported()
        if not pools.flow_enabled(client, auth_flow):
            raise invalid_parameter("Auth flow not enabled for this client")
        if auth_flow in _REFRESH_FLOWS:
            return self._refresh(pool, client, params)
        if auth_flow in _ADMIN_PASSWORD_FLOWS:
            return self._password_auth(pool, client, params)
        if auth_flow == "USER_SRP_AUTH":
            return self._srp_start(pool, client, params)
        return self._unsupported(pool, auth_flow)

    def respond_to_auth_challenge(
        self,
        ctx: RequestContext,
        client_id: str,
        challenge_name: str,
        session: str | None = None,
        challenge_responses: dict[str, str] | None = None,
    ) -> JsonDict:
        pool, client = self._client(ctx.scope, client_id)
        return self._answer(pool, client, challenge_name, session, challenge_responses or {})

    def admin_respond_to_auth_challenge(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        client_id: str,
        challenge_name: str,
        session: str | None = None,
        challenge_responses: dict[str, str] | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        client = self._pool_client(pool, client_id)
        return self._answer(pool, client, challenge_name, session, challenge_responses or {})

    # -- flows -------------------------------------------------------------------------------
    def _unsupported(self, pool: Pool, flow: str) -> JsonDict:
        if flow == "CUSTOM_AUTH" and not pool.config.get("LambdaConfig", {}).get(
            "DefineAuthChallenge"
        ):
            raise invalid_parameter(
                "Custom auth lambda trigger is not configured for the user pool."
            )
        log.warning("Tenku's Cognito does not implement the %s flow", flow)
        raise auth_method_not_supported()

    def _password_auth(self, pool: Pool, client: Client, params: dict[str, str]) -> JsonDict:
        name = params.get("USERNAME")
        if not name:
            raise missing_auth_parameter("USERNAME")
        password = params.get("PASSWORD")
        if not password:
            raise missing_auth_parameter("PASSWORD")
        self._check_secret_hash(client, name, params.get("SECRET_HASH"))
        user = self._find_user(pool, name)
        if user is None:
            raise self._unknown_user(client)
        if user.status == "RESET_REQUIRED":
            raise password_reset_required()
        if not passwords.verify_password(password, user.password):
            raise incorrect_credentials()
        return self._signed_in(pool, client, user)

    def _signed_in(self, pool: Pool, client: Client, user: User) -> JsonDict:
        """The user proved their password: tokens, or the challenge their state calls for."""
        if not user.enabled:
            raise user_disabled()
        if user.status == "UNCONFIRMED":
            raise user_not_confirmed()
        if user.status == "FORCE_CHANGE_PASSWORD":
            if user.temp_expires is not None and user.temp_expires < self._now():
                raise not_authorized(
                    "Temporary password has expired and must be reset by an administrator."
                )
            return self._challenge(pool, client, user, NEW_PASSWORD_REQUIRED)
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": self._issue_tokens(pool, client, user),
        }

    @staticmethod
    def _unknown_user(client: Client) -> Exception:
        if client.config.get("PreventUserExistenceErrors") == "ENABLED":
            return incorrect_credentials()
        return user_not_found()

    def _refresh(self, pool: Pool, client: Client, params: dict[str, str]) -> JsonDict:
        token = params.get("REFRESH_TOKEN")
        if not token:
            raise missing_auth_parameter("REFRESH_TOKEN")
        record = self.store.refresh(token)
        if record is None or record.client_id != client.id:
            raise invalid_refresh_token()
        user = self.store.user(pool.id, record.user_key)
        if user is None:
            raise invalid_refresh_token()
        self._check_secret_hash(client, user.username, params.get("SECRET_HASH"))
        if record.revoked:
            raise revoked_refresh_token()
        if record.expires < self._now():
            raise not_authorized("Refresh Token has expired")
        if not user.enabled:
            raise user_disabled()
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": self._issue_tokens(pool, client, user, refresh=record),
        }

    def _srp_start(self, pool: Pool, client: Client, params: dict[str, str]) -> JsonDict:
        name = params.get("USERNAME")
        if not name:
            raise missing_auth_parameter("USERNAME")
        srp_a = params.get("SRP_A")
        if not srp_a:
            raise missing_auth_parameter("SRP_A")
        self._check_secret_hash(client, name, params.get("SECRET_HASH"))
        user = self._find_user(pool, name)
        if user is None:
            raise self._unknown_user(client)
        if user.status == "RESET_REQUIRED":
            raise password_reset_required()
        try:
            big_a = int(srp_a, 16)
        except ValueError:
            raise invalid_parameter("SRP_A is not a valid hexadecimal value.") from None
        if user.srp is None or big_a % srp.N == 0:
            raise incorrect_credentials()
        salt, b, big_b = srp.server_values(user.srp)
        # The secret block is all the client hands back (no Session): it keys the state.
        block = base64.b64encode(secrets.token_bytes(96)).decode()
        minutes = int(client.config.get("AuthSessionValidity", 3))
        data = json.dumps({"A": srp_a, "b": format(b, "x"), "B": format(big_b, "x")})
        expires = self._now() + minutes * 60
        self.store.put_session(
            block, Session(pool.id, client.id, user.key, PASSWORD_VERIFIER, expires, data)
        )
        return {
            "ChallengeName": PASSWORD_VERIFIER,
            "ChallengeParameters": {
                "SALT": salt,
                "SRP_B": format(big_b, "x"),
                "SECRET_BLOCK": block,
                "USER_ID_FOR_SRP": user.username,
                "USERNAME": user.username,
            },
        }

    def _password_verifier(self, pool: Pool, client: Client, responses: dict[str, str]) -> JsonDict:
        for required in (
            "PASSWORD_CLAIM_SECRET_BLOCK",
            "PASSWORD_CLAIM_SIGNATURE",
            "TIMESTAMP",
            "USERNAME",
        ):
            if not responses.get(required):
                raise missing_auth_parameter(required)
        block = responses["PASSWORD_CLAIM_SECRET_BLOCK"]
        session = self.store.session(block)
        if (
            session is None
            or session.challenge != PASSWORD_VERIFIER
            or (session.pool_id, session.client_id) != (pool.id, client.id)
        ):
            raise invalid_session()
        if session.expires < self._now():
            raise expired_session()
        name = responses["USERNAME"]
        user = self._find_user(pool, name)
        if user is None or user.key != session.user_key or user.srp is None:
            raise invalid_session()
        self._check_secret_hash(client, name, responses.get("SECRET_HASH"))
        self.store.delete_session(block)  # one answer per challenge, right or wrong
        state = json.loads(session.data)
        key = srp.session_key(
            user.srp, int(state["A"], 16), int(state["b"], 16), int(state["B"], 16)
        )
        expected = (
            srp.claim_signature(key, pool.id, user.username, block, responses["TIMESTAMP"])
            if key is not None
            else ""
        )
        if not key or not hmac.compare_digest(expected, responses["PASSWORD_CLAIM_SIGNATURE"]):
            raise incorrect_credentials()
        return self._signed_in(pool, client, user)

    # -- challenges --------------------------------------------------------------------------
    def _challenge(self, pool: Pool, client: Client, user: User, name: str) -> JsonDict:
        token = secrets.token_urlsafe(192)
        minutes = int(client.config.get("AuthSessionValidity", 3))
        self.store.put_session(
            token, Session(pool.id, client.id, user.key, name, self._now() + minutes * 60)
        )
        shown = {k: v for k, v in user.attributes.items() if k != "sub"}
        required = [
            f"userAttributes.{n}"
            for n in schema.required_names(pool.config["SchemaAttributes"])
            if not user.attributes.get(n)
        ]
        return {
            "ChallengeName": name,
            "Session": token,
            "ChallengeParameters": {
                "USER_ID_FOR_SRP": user.username,
                "requiredAttributes": json.dumps(required),
                "userAttributes": json.dumps(shown),
            },
        }

    def _answer(
        self,
        pool: Pool,
        client: Client,
        challenge: str,
        token: str | None,
        responses: dict[str, str],
    ) -> JsonDict:
        if challenge == PASSWORD_VERIFIER:
            return self._password_verifier(pool, client, responses)
        session = self.store.session(token) if token else None
        if session is None or session.client_id != client.id or session.pool_id != pool.id:
            raise invalid_session()
        if session.expires < self._now():
            raise expired_session()
        if challenge != session.challenge:
            raise invalid_parameter(
                f"Invalid challenge name {challenge}; expected {session.challenge}."
            )
        name = responses.get("USERNAME")
        if not name:
            raise missing_auth_parameter("USERNAME")
        user = self._find_user(pool, name)
        if user is None or user.key != session.user_key:
            raise invalid_session()
        self._check_secret_hash(client, name, responses.get("SECRET_HASH"))
        new_password = responses.get("NEW_PASSWORD")
        if not new_password:
            raise missing_auth_parameter("NEW_PASSWORD")
        passwords.check_policy(new_password, pools.password_policy(pool))
        written = [
            {"Name": key.split(".", 1)[1], "Value": value}
            for key, value in responses.items()
            if key.startswith("userAttributes.")
        ]
        if written:
            user, _ = self._change_attributes(pool, user, written)
        schema.check_required(pool.config["SchemaAttributes"], user.attributes)
        user = self._set_password(pool, user, new_password, permanent=True)
        self.store.delete_session(token or "")
        self.store.delete_code(pool.id, user.key, "TEMPORARY_PASSWORD")
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": self._issue_tokens(pool, client, user),
        }
