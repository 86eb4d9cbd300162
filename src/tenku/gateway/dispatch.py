"""Dispatch: request -> service -> operation -> provider method -> response.

The handler chain is short and explicit: route, parse, call, serialize; a
`ServiceError` at any step becomes that service's error answer. Both the wire path
(`handle`) and the in-process client (`call`) go through `invoke`, so they behave alike.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from tenku.config import Settings
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope
from tenku.gateway.registry import Providers
from tenku.protocol.http import Request, Response
from tenku.protocol.models import ServiceModel, load_service_model
from tenku.protocol.parsers import parse_request, request_protocol
from tenku.protocol.presign import check_presigned
from tenku.protocol.routing import access_key_of, region_of, service_for
from tenku.protocol.serializers import serialize_error, serialize_result

log = logging.getLogger("tenku.gateway")

_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    return _SNAKE.sub("_", name).lower()


class _Operation:
    """A provider method and the keyword names it takes, keyed by model member name."""

    __slots__ = ("accepts", "any_name", "is_async", "method", "names")

    def __init__(self, method: Callable[..., Any]) -> None:
        self.method = method
        self.is_async = inspect.iscoroutinefunction(method)
        self.names: dict[str, str] = {}
        parameters = inspect.signature(method).parameters
        self.accepts = set(parameters)
        # A method with **kwargs (S3's many-membered operations) takes every member.
        self.any_name = any(p.kind is p.VAR_KEYWORD for p in parameters.values())

    def kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for member, value in params.items():
            name = self.names.get(member)
            if name is None:
                name = self.names[member] = snake_case(member)
            if name in self.accepts or self.any_name:
                out[name] = value
        return out


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        providers: Providers,
        durable: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.durable = durable
        self.providers = providers
        self._operations: dict[tuple[str, str], _Operation | None] = {}

    async def _operation(self, service: str, operation: str) -> _Operation | None:
        key = (service, operation)
        op = self._operations.get(key)
        if op is None and key not in self._operations:
            provider = await self.providers.get(service)  # built on first use
            method = getattr(provider, snake_case(operation), None) if provider else None
            op = self._operations[key] = _Operation(method) if callable(method) else None
        return op

    async def invoke(
        self, service: str, operation: str, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any]:
        op = await self._operation(service, operation)
        if op is None:
            raise ServiceError(
                "NotImplemented",
                f"Tenku does not implement {service}.{operation} yet.",
                501,
                sender_fault=False,
            )
        kwargs = op.kwargs(params)
        if op.is_async:
            result: dict[str, Any] = await op.method(ctx, **kwargs)
        else:
            result = op.method(ctx, **kwargs)
        return result

    def context(
        self,
        request: Request,
        request_id: str,
        client_gone: Callable[[], Awaitable[None]] | None = None,
    ) -> RequestContext:
        region = region_of(request) or self.settings.default_region
        return RequestContext(
            scope=Scope(self.settings.account_id, region),
            request_id=request_id,
            host=request.host or f"{self.settings.public_host}:{self.settings.port}",
            access_key=access_key_of(request) or "test",
            client_gone=client_gone,
        )

    async def handle(
        self, request: Request, client_gone: Callable[[], Awaitable[None]] | None = None
    ) -> Response:
        request_id = new_uuid()
        model: ServiceModel | None = None
        protocol = "json"
        try:
            service = service_for(request)
            if service is None:
                raise ServiceError(
                    "UnknownService",
                    "Tenku could not tell which AWS service this request is for (no "
                    "X-Amz-Target, SigV4 credential scope or Action).",
                )
            model = load_service_model(service)
            protocol = request_protocol(model, request)
            if service not in self.providers:
                raise ServiceError(
                    "NotImplemented",
                    f"Tenku does not implement the {service} service yet.",
                    501,
                    sender_fault=False,
                )
            if service == "s3" and "Expires=" in request.query:
                # A presigned S3 URL is refused once expired (by the server's clock, which
                # tests move). Presigned calls to other APIs are rare and not checked.
                check_presigned(request.query, self.providers.clock.now())
            parsed = parse_request(model, request)
            protocol = parsed.protocol
            ctx = self.context(request, request_id, client_gone)
            result = await self.invoke(service, parsed.operation, parsed.params, ctx)
            if self.durable is not None:
                await self.durable()  # answer only once what this request wrote is committed
            return serialize_result(
                model, parsed.operation, result, protocol=protocol, request_id=request_id
            )
        except ServiceError as error:
            return serialize_error(model, error, protocol=protocol, request_id=request_id)
