"""`Scope`: the (account, region) pair every stored thing belongs to, and ARN helpers.

Value types here and across `core` are NamedTuples: immutable, hashable, and cheap to
define (a frozen dataclass costs about a millisecond of start-up each).
"""

from __future__ import annotations

from typing import NamedTuple

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


class Scope(NamedTuple):
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION

    def arn(self, service: str, resource: str) -> str:
        """The ARN of `resource` in this scope, e.g. `arn:aws:sqs:us-east-1:000000000000:q`."""
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


class Arn(NamedTuple):
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn | None:
        """Split an ARN into its parts; None when `text` is not an ARN."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
            return None
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    @property
    def scope(self) -> Scope:
        return Scope(self.account, self.region)
