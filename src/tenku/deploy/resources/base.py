"""What a resource type module provides, and what it is given to act with.

A `Handler` creates, updates and deletes one resource type through the public API
(`ResourceContext.call`, an `ApiCaller` bound to the stack's scope), and says which
property changes need a replacement. `Made` is what the stack engine keeps of a
resource: the physical id `Ref` returns and the attributes `Fn::GetAtt` reads.
Must not: reach into any service's store.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from typing import Any, NamedTuple

from tenku.core.api import ApiCaller
from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.deploy.coerce import coerce_params
from tenku.deploy.errors import ResourceFailure


class Made(NamedTuple):
    physical_id: str
    attributes: dict[str, Any]


class ResourceContext:
    """The stack operation's view for one resource: scope, names and the API."""

    def __init__(
        self,
        api: ApiCaller,
        scope: Scope,
        stack_name: str,
        stack_id: str,
        logical_id: str,
        skip_unknown: bool = False,
    ) -> None:
        self.api = api
        self.scope = scope
        # The stack is deployed with `tenku:skip-unknown-types`: what only exists outside
        # this machine (a resource type Tenku lacks, a package in a bucket it does not
        # hold) stands in for itself instead of failing the deploy.
        self.skip_unknown = skip_unknown
        self.stack_name = stack_name
        self.stack_id = stack_id
        self.logical_id = logical_id

    async def call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Call the public API; an AWS error becomes the resource's failure reason."""
        try:
            return await self.api(
                service, operation, coerce_params(service, operation, params), self.scope
            )
        except ServiceError as error:
            raise ResourceFailure(
                f'Resource handler returned message: "{error.message}" (Service: {service}, '
                f"Status Code: {error.status}, Error Code: {error.code})"
            ) from error

    def physical_name(self, max_length: int = 64, separator: str = "-", lower: bool = False) -> str:
        """A generated name like CloudFormation's: `{stack}-{logical id}-{suffix}`, cut to fit."""
        digest = hashlib.sha256(f"{self.stack_id}/{self.logical_id}".encode()).hexdigest()
        suffix = digest[:12].upper()
        stack = re.sub(r"[^A-Za-z0-9-]", "", self.stack_name)
        logical = re.sub(r"[^A-Za-z0-9-]", "", self.logical_id)
        room = max_length - len(suffix) - 2 * len(separator)
        stack_part = stack[: max(1, room // 2)]
        logical_part = logical[: max(1, room - len(stack_part))]
        name = separator.join((stack_part, logical_part, suffix))
        return name.lower() if lower else name

    def arn(self, service: str, resource: str) -> str:
        return self.scope.arn(service, resource)


class Handler(ABC):
    """One resource type. Subclasses set `type_name`, create and delete, and update in
    place when any property can change without a replacement."""

    type_name = ""
    # Properties whose change makes CloudFormation replace the resource (create the new
    # one, then delete the old one) instead of updating it in place.
    replace_on: tuple[str, ...] = ()

    @abstractmethod
    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made: ...

    async def update(
        self,
        ctx: ResourceContext,
        current: Made,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> Made:
        """Bring the resource to `new` in place; the default replaces nothing and keeps
        the resource as it is (for types whose every property is replace-on-change)."""
        return current

    @abstractmethod
    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None: ...

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        return any(old.get(name) != new.get(name) for name in self.replace_on)


def require(props: dict[str, Any], name: str, type_name: str) -> Any:
    if props.get(name) in (None, ""):
        raise ResourceFailure(
            f"Properties validation failed for resource {type_name} with message: "
            f"#: required key [{name}] not found"
        )
    return props[name]


def tag_list(props: dict[str, Any]) -> dict[str, str]:
    """CloudFormation's `Tags: [{Key, Value}]` as a dict."""
    tags = props.get("Tags") or []
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t["Value"]) for t in tags if isinstance(t, dict) and "Key" in t}
