"""What a stack keeps of each resource (`Record`), how resource steps are reported
(`EventSink`), and the guard that turns a handler's bug into a resource failure.

Must not: act on resources (the engine and teardown do).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tenku.core.scope import Scope
from tenku.deploy.errors import ResourceFailure, TemplateError
from tenku.deploy.resources.base import Made

log = logging.getLogger("tenku.deploy")


@dataclass
class Record:
    """One resource of a stack as the engine keeps it."""

    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any]
    properties: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)
    deletion_policy: str = "Delete"
    replace_policy: str = "Delete"  # UpdateReplacePolicy: what happens to a replaced one
    skipped: bool = False  # an unknown type the stack was told to skip

    def made(self) -> Made:
        return Made(self.physical_id, self.attributes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


# (logical id, type, physical id, status, reason)
EventSink = Callable[[str, str, str, str, str], None]


async def guarded(action: Any) -> Any:
    """Await a handler's action; a bug in a handler fails the resource, not the stack
    machinery (CloudFormation shows such failures as "Internal Failure")."""
    try:
        return await action
    except (ResourceFailure, TemplateError, asyncio.CancelledError):
        raise
    except Exception as error:  # a handler bug must not leave the stack half-done
        log.exception("resource handler failed")
        raise ResourceFailure(f"Internal Failure: {type(error).__name__}: {error}") from error


# CloudFormation namespaces whose ARNs name another service (`AWS::MSK::Cluster` ->
# `arn:aws:kafka:...`), so that what checks the ARN (an event source mapping) knows it.
_ARN_SERVICE = {
    "MSK": "kafka",
    "StepFunctions": "states",
    "CertificateManager": "acm",
    "ElasticLoadBalancingV2": "elasticloadbalancing",
    "KinesisFirehose": "firehose",
    "OpenSearchService": "es",
    "Elasticsearch": "es",
    "EFS": "elasticfilesystem",
    "DocDB": "rds",
    "AmazonMQ": "mq",
}


def skipped_attribute(scope: Scope | None, kind: str, physical_id: str, name: str) -> str:
    """What `Fn::GetAtt` of a skipped resource gives: for an ARN attribute, an ARN of the
    stack's account and region in the service's usual shape (`arn:aws:kinesis:...:stream/
    Name`), so the properties that take it (an event source, a policy) see an ARN;
    otherwise `<physical id>.<attribute>`."""
    parts = kind.split("::")
    if scope is not None and name.endswith("Arn") and len(parts) == 3:
        service = _ARN_SERVICE.get(parts[1], parts[1].lower())
        return scope.arn(service, f"{parts[2].lower()}/{physical_id}")
    return f"{physical_id}.{name}"
