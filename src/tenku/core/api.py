"""`ApiCaller`: how one service uses another — through the public API, never its code.

The gateway provides the implementation (an in-process call through the same dispatch
path a real SDK request takes); services receive it and call other services by
operation name with the operation's members, exactly as a client would.
"""

from __future__ import annotations

from typing import Any, Protocol

from tenku.core.scope import Scope


class ApiCaller(Protocol):
    async def __call__(
        self, service: str, operation: str, params: dict[str, Any], scope: Scope
    ) -> dict[str, Any]:
        """Call `operation` of `service` in `scope`; AWS errors raise `ServiceError`."""
        ...
