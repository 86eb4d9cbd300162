"""`Scope`: the (account, region) pair every stored thing belongs to, and ARN helpers."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class Scope:
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION

    def arn(self, service: str, resource: str) -> str:
        """The ARN of `resource` in this scope, e.g. `arn:aws:sqs:us-east-1:000000000000:q`."""
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


@dataclass(frozen=True, slots=True)
class Arn:
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
