"""`RequestContext`: who is calling and how they reached Tenku, handed to every provider call."""

from __future__ import annotations

from dataclasses import dataclass

from tenku.core.scope import Scope


@dataclass(frozen=True, slots=True)
class RequestContext:
    scope: Scope
    request_id: str
    # host[:port] exactly as the caller addressed Tenku; URLs handed back (queue URLs)
    # use it so that they are reachable from wherever the caller is.
    host: str = "localhost:4566"
    access_key: str = "test"
