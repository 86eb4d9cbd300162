"""STS: who the caller is, and temporary credentials for roles (what the AWS CLI, the
SDKs' role profiles and `cdk deploy` ask for before anything else).

Tenku accepts any credentials, so these calls hand out well-formed temporary keys
(`ASIA...`) and remember, durably, which role each was issued for: GetCallerIdentity
made with such a key answers with the assumed-role ARN, as AWS does; any other key is
the account's root-like `tenku` user. Nothing here enforces a policy.
Must not: import another service.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.events import EventBus
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS sts_sessions (
        access_key TEXT PRIMARY KEY, account TEXT NOT NULL, arn TEXT NOT NULL,
        user_id TEXT NOT NULL, expires REAL NOT NULL)""",
)
DEFAULT_DURATION_S = 3600
MIN_DURATION_S, MAX_DURATION_S = 900, 43200
_ROLE_ARN = "arn:aws:iam::{account}:role/{name}"


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, 400)


def _key(prefix: str, size: int = 16) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(size))


class StsProvider:
    service = "sts"

    def __init__(self, storage: Storage, clock: Clock, bus: EventBus | None = None) -> None:
        self.db = storage
        storage.ensure_schema("sts", SCHEMA)
        self.clock = clock

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    # -- identity ------------------------------------------------------------------------
    def get_caller_identity(self, ctx: RequestContext) -> dict[str, Any]:
        row = self.db.query_one(
            "SELECT account, arn, user_id FROM sts_sessions WHERE access_key = ?",
            (ctx.access_key,),
        )
        if row is not None:
            return {"UserId": row[2], "Account": row[0], "Arn": row[1]}
        account = ctx.scope.account
        return {
            "UserId": _unique_id("AIDA", account, "tenku"),
            "Account": account,
            "Arn": f"arn:aws:iam::{account}:user/tenku",
        }

    def get_access_key_info(self, ctx: RequestContext, access_key_id: str) -> dict[str, Any]:
        row = self.db.query_one(
            "SELECT account FROM sts_sessions WHERE access_key = ?", (access_key_id,)
        )
        return {"Account": row[0] if row else ctx.scope.account}

    # -- temporary credentials -----------------------------------------------------------
    def assume_role(
        self,
        ctx: RequestContext,
        role_arn: str,
        role_session_name: str,
        duration_seconds: int | None = None,
        **_ignored: Any,
    ) -> dict[str, Any]:
        return self._assume(ctx, role_arn, role_session_name, duration_seconds)

    def assume_role_with_web_identity(
        self,
        ctx: RequestContext,
        role_arn: str,
        role_session_name: str,
        web_identity_token: str,
        duration_seconds: int | None = None,
        **_ignored: Any,
    ) -> dict[str, Any]:
        if not web_identity_token:
            raise _invalid("WebIdentityToken must not be empty")
        out = self._assume(ctx, role_arn, role_session_name, duration_seconds)
        out["SubjectFromWebIdentityToken"] = hashlib.sha256(
            web_identity_token.encode()
        ).hexdigest()[:32]
        return out

    def get_session_token(
        self, ctx: RequestContext, duration_seconds: int | None = None, **_ignored: Any
    ) -> dict[str, Any]:
        caller = self.get_caller_identity(ctx)
        credentials = self._issue(
            caller["Account"], caller["Arn"], caller["UserId"], duration_seconds, 129600
        )
        return {"Credentials": credentials}

    def _assume(
        self, ctx: RequestContext, role_arn: str, session: str, duration: int | None
    ) -> dict[str, Any]:
        parts = role_arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
            raise _invalid(f"{role_arn} is invalid")
        if not 2 <= len(session) <= 64:
            raise _invalid(
                "1 validation error detected: Value at 'roleSessionName' failed to satisfy "
                "constraint: Member must have length greater than or equal to 2"
            )
        account, role_name = parts[4] or ctx.scope.account, parts[5].rsplit("/", 1)[-1]
        role_id = _unique_id("AROA", account, role_name)
        arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}"
        credentials = self._issue(account, arn, f"{role_id}:{session}", duration, MAX_DURATION_S)
        return {
            "Credentials": credentials,
            "AssumedRoleUser": {"AssumedRoleId": f"{role_id}:{session}", "Arn": arn},
            "PackedPolicySize": 0,
        }

    def _issue(
        self, account: str, arn: str, user_id: str, duration: int | None, longest: int
    ) -> dict[str, Any]:
        seconds = DEFAULT_DURATION_S if duration is None else int(duration)
        if not MIN_DURATION_S <= seconds <= longest:
            raise _invalid(
                f"1 validation error detected: Value '{seconds}' at 'durationSeconds' failed "
                f"to satisfy constraint: Member must have value less than or equal to "
                f"{longest}"
                if seconds > longest
                else f"1 validation error detected: Value '{seconds}' at 'durationSeconds' "
                f"failed to satisfy constraint: Member must have value greater than or equal "
                f"to {MIN_DURATION_S}"
            )
        access_key = _key("ASIA")
        expires = self.clock.now() + seconds
        self.db.execute(
            "INSERT INTO sts_sessions (access_key, account, arn, user_id, expires)"
            " VALUES (?, ?, ?, ?, ?)",
            (access_key, account, arn, user_id, expires),
        )
        token = base64.b64encode(secrets.token_bytes(96)).decode("ascii")
        return {
            "AccessKeyId": access_key,
            "SecretAccessKey": base64.b64encode(secrets.token_bytes(30)).decode("ascii"),
            "SessionToken": "FwoGZXIvYXdzE" + token,
            "Expiration": expires,
        }


def _unique_id(prefix: str, account: str, name: str) -> str:
    digest = hashlib.sha256(f"{account}/{name}".encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return prefix + "".join(alphabet[b % 32] for b in digest[:17])
