"""`RequestContext`: who is calling and how they reached Tenku, handed to every provider call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from tenku.core.scope import Scope


class RequestContext(NamedTuple):
    scope: Scope
    request_id: str
    # host[:port] exactly as the caller addressed Tenku; URLs handed back (queue URLs)
    # use it so that they are reachable from wherever the caller is.
    host: str = "localhost:4566"
    access_key: str = "test"
    # Resolves once the caller has hung up. Only long-held operations (long polls) use
    # it, so that they stop taking messages for a client that will never read them.
    client_gone: Callable[[], Awaitable[None]] | None = None
    # True when one service calls another through `ApiCaller`: AWS services may do what
    # clients may not (e.g. put events whose source starts with "aws.").
    internal: bool = False
