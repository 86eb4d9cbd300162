"""The Cognito user pools API (`cognito-idp`): one method per operation of botocore's
model, gathered from the mixins that own each area (pools and clients, groups, admin
user operations, self-service, sign-in), plus what Tenku's own routes need: the JWKS
and OpenID discovery document of a pool, pending codes, and token minting.

Must not: see HTTP objects (the gateway hands over plain values).
"""

from __future__ import annotations

from tenku.core.clock import Clock
from tenku.core.periodic import Periodic
from tenku.services.cognito_idp.auth_ops import Authentication
from tenku.services.cognito_idp.group_ops import Groups
from tenku.services.cognito_idp.pool_ops import UserPools
from tenku.services.cognito_idp.self_ops import SelfService
from tenku.services.cognito_idp.store import CognitoStore
from tenku.services.cognito_idp.user_ops import AdminUsers
from tenku.storage import Storage

SWEEP_INTERVAL_SECONDS = 300.0


class CognitoIdpProvider(UserPools, Groups, AdminUsers, SelfService, Authentication):
    service = "cognito-idp"

    def __init__(self, storage: Storage, clock: Clock) -> None:
        super().__init__(CognitoStore(storage), clock)
        self._sweeper = Periodic(SWEEP_INTERVAL_SECONDS, self.sweep)

    async def start(self) -> None:
        self._sweeper.start()

    async def stop(self) -> None:
        self._sweeper.stop()

    def sweep(self) -> None:
        """Forget auth sessions nobody answered in time."""
        self.store.expire_sessions(self._now())
