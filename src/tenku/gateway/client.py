"""Clients of Tenku's public API.

`remote_client` talks to a running Tenku over HTTP with botocore (already a dependency
for its service models), exactly as any SDK would; the CLI uses it. Test credentials
are fine: Tenku accepts any. `InProcessClient` is how services reach each other inside
the server (Lambda destinations delivering to SQS, later SNS and EventBridge targets).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tenku.core.context import RequestContext
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope

if TYPE_CHECKING:
    from tenku.gateway.dispatch import Dispatcher

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"


def remote_client(
    service: str, endpoint: str = DEFAULT_ENDPOINT, region: str = "us-east-1", session: Any = None
) -> Any:
    """A botocore client for `service` aimed at a Tenku endpoint. Clients made from one
    `session` (a botocore session) share its parsed service models."""
    import botocore.config  # imported here: botocore is slow to import and only clients need it
    import botocore.session

    session = session or botocore.session.get_session()
    return session.create_client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}, read_timeout=960),
    )


class InProcessClient:
    """The `ApiCaller` services use to call each other: the same dispatch path a real
    request takes after parsing (`Dispatcher.invoke`), and the same wait for the commit."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        durable: Callable[[], Awaitable[None]],
        host: Callable[[], str],
    ) -> None:
        self.dispatcher = dispatcher
        self.durable = durable
        self.host = host

    async def __call__(
        self, service: str, operation: str, params: dict[str, Any], scope: Scope
    ) -> dict[str, Any]:
        ctx = RequestContext(scope, new_uuid(), host=self.host(), access_key="tenku", internal=True)
        result = await self.dispatcher.invoke(service, operation, params, ctx)
        await self.durable()
        return result
