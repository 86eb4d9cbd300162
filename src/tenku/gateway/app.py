"""The ASGI app: Tenku's own routes first (`/_tenku/*`), then every AWS API.

It owns assembling the pieces (storage, clock, bus, providers, dispatcher) and their
start and stop; it holds no service logic. Only its last handler catches a bare
`Exception`: it logs it and answers a 500 in the AWS shape.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from tenku import __version__
from tenku.config import Settings
from tenku.core.clock import SystemClock
from tenku.core.events import ClockAdvanced, EventBus, ShuttingDown
from tenku.core.scope import Scope as CoreScope
from tenku.gateway import cognito_routes, execute_api, function_urls
from tenku.gateway.client import InProcessClient
from tenku.gateway.commits import GroupCommit
from tenku.gateway.dispatch import Dispatcher
from tenku.gateway.exchange import Receive, Scope, Send
from tenku.gateway.registry import SERVICES, Providers
from tenku.protocol.http import Request, Response
from tenku.storage import Storage, open_storage

log = logging.getLogger("tenku.gateway")

WARM_UP_DELAY_S = 0.5  # after start-up, build every service not used yet


class Gateway:
    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.settings = settings
        self.storage = storage or open_storage(
            None if settings.ephemeral else settings.data_dir, durability=settings.durability
        )
        self.clock = SystemClock()
        self.bus = EventBus()
        if settings.ephemeral:
            import tempfile  # only ephemeral servers need a scratch directory of their own

            self._scratch: str | None = tempfile.mkdtemp(prefix="tenku-")
            work_dir = Path(self._scratch)
        else:
            self._scratch = None
            work_dir = settings.data_dir
        self.providers = Providers(
            self.storage,
            self.clock,
            self.bus,
            work_dir,
            self.endpoint_for(settings.port),
            settings,
        )
        self.commits = GroupCommit(self.storage)
        self.dispatcher = Dispatcher(settings, self.providers, self.commits.durable)
        self._endpoint = self.endpoint_for(settings.port)
        self.providers.api = InProcessClient(
            self.dispatcher, self.commits.durable, self._endpoint_host
        )
        self.started = False
        self._warm_up: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def endpoint_for(self, port: int) -> str:
        """The URL code running inside functions uses to reach this server."""
        host = self.settings.host
        if host in ("0.0.0.0", "::", "localhost"):
            host = "127.0.0.1"
        return f"http://{host}:{port}"

    def bound(self, port: int) -> None:
        """The server listens on `port` (which may differ from the one asked for: 0)."""
        self._endpoint = self.endpoint_for(port)
        self.providers.set_endpoint(self._endpoint)

    def _endpoint_host(self) -> str:
        return self._endpoint.split("://", 1)[1]

    async def startup(self) -> None:
        """Ready at once; services are built on first use, and all of them soon after
        (`WARM_UP_DELAY_S`) so that work queued before a restart resumes."""
        self.commits.attach()
        loop = asyncio.get_running_loop()
        self._warm_up = loop.call_later(
            WARM_UP_DELAY_S, lambda: self._background(self._warm_up_all())
        )
        self.started = True

    async def _warm_up_all(self) -> None:
        await self.providers.build_all()
        # Every service's modules, models and providers live for the whole run now:
        # take them out of the collector's sight, so that a full collection (which a
        # busy server triggers every few seconds) does not walk them all again and
        # stall every request for milliseconds.
        import gc

        gc.collect()
        gc.freeze()

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def begin_draining(self) -> None:
        """The server stops taking connections: let long polls answer now."""
        self.bus.publish(ShuttingDown())

    async def shutdown(self) -> None:
        if self._warm_up is not None:
            self._warm_up.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.providers.stop()
        self.commits.detach()
        self.storage.close()
        if self._scratch is not None:
            import shutil

            shutil.rmtree(self._scratch, ignore_errors=True)
        self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        # ASGI header names are lower-case already; a repeated header is joined with ", "
        raw_headers = scope["headers"]
        headers = {n.decode("latin-1"): v.decode("latin-1") for n, v in raw_headers}
        if len(headers) != len(raw_headers):
            headers = {}
            for raw_name, raw_value in raw_headers:
                name = raw_name.decode("latin-1")
                value = raw_value.decode("latin-1")
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
        raw_path = scope.get("raw_path") or scope["path"].encode()
        request = Request(
            method=scope["method"],
            path=raw_path.decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
            host=headers.get("host", ""),
        )
        try:
            api_target = execute_api.match(request)
            url_target = function_urls.match(request) if api_target is None else None
            if api_target is not None:  # a call to a deployed API Gateway API
                response = await execute_api.serve(
                    self.providers,
                    request,
                    api_target,
                    scope["headers"],
                    scope.get("tenku.header_names"),
                    scope.get("client"),
                    scope.get("http_version", "1.1"),
                    self.clock.now(),
                )
            elif url_target is not None:  # a Lambda function URL call, not an AWS API call
                response = await function_urls.serve(
                    self.providers,
                    request,
                    url_target,
                    scope["headers"],
                    scope.get("client"),
                    scope.get("http_version", "1.1"),
                )
            elif request.path.startswith("/_tenku/"):
                response = await self._tenku_route(request)
            elif cognito_routes.MARK in request.path and (
                found := await cognito_routes.discovery(self.providers, request, self._endpoint)
            ):
                response = found  # a user pool's OpenID discovery document or JWKS
            else:
                response = await self.dispatcher.handle(request, lambda: _hung_up(receive))
        except Exception:  # the last handler: log it, answer like AWS would
            log.exception("unhandled error for %s %s", request.method, request.path)
            response = Response(
                500,
                list(_JSON_STR),
                b'{"__type":"InternalFailure","message":"Tenku hit an internal error."}',
            )
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        # A HEAD answer (S3's HeadObject) states the length of the body it does not send.
        if not any(k.lower() == b"content-length" for k, _ in out):
            out.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        await send({"type": "http.response.body", "body": response.body})

    # -- /_tenku/* ------------------------------------------------------------------------
    async def _tenku_route(self, request: Request) -> Response:
        route = request.path.split("?", 1)[0].rstrip("/")
        if route == "/_tenku/health":
            return _json(
                200,
                {
                    "status": "running" if self.started else "starting",
                    "version": __version__,
                    "services": {name: "running" for name in sorted(SERVICES)},
                },
            )
        if route == "/_tenku/clock":
            if request.method == "POST":
                try:
                    advance = float(json.loads(request.body or b"{}").get("advance", 0))
                    self.clock.advance(advance)
                except (ValueError, TypeError, AttributeError) as error:
                    return _json(400, {"error": f"bad clock request: {error}"})
                self.bus.publish(ClockAdvanced(advance))
            return _json(200, {"now": self.clock.now(), "offset": self.clock.offset})
        if route.startswith("/_tenku/cognito/"):
            return await cognito_routes.tenku_route(
                self.providers, request, route, self.commits.durable
            )
        if route == "/_tenku/apigateway/metrics":
            return _json(200, {"routes": await execute_api.metrics(self.providers)})
        if route.startswith("/_tenku/lambda/code/") and route.endswith(".zip"):
            return await self._function_code(route)
        if route.startswith("/_tenku/lambda/layers/") and route.endswith(".zip"):
            return await self._layer_content(route)
        if route.startswith("/_tenku/sns/"):
            return await self._sns_route(request, route[len("/_tenku/sns/") :])
        return _json(404, {"error": f"no such Tenku route: {route}"})

    async def _function_code(self, route: str) -> Response:
        """GetFunction's Code.Location: /_tenku/lambda/code/ACCOUNT/REGION/NAME/SHA.zip"""
        parts = route[len("/_tenku/lambda/code/") : -len(".zip")].split("/")
        provider = await self.providers.get("lambda")
        if len(parts) == 4 and provider is not None:
            account, region, name, sha = parts
            code = provider.code_zip(CoreScope(account, region), name, sha)
            if code is not None:
                return Response(200, [("content-type", "application/zip")], code)
        return _json(404, {"error": "no such function code"})

    async def _sns_route(self, request: Request, path: str) -> Response:
        """SNS's signing certificate and its inbox of email/SMS deliveries."""
        from urllib.parse import parse_qs

        provider = await self.providers.get("sns")
        status, content_type, body = await provider.tenku_route(
            request.method, path, parse_qs(request.query)
        )
        return Response(status, [("content-type", content_type)], body)

    async def _layer_content(self, route: str) -> Response:
        """A layer version's Content.Location: /_tenku/lambda/layers/ACCOUNT/REGION/NAME/N.zip"""
        parts = route[len("/_tenku/lambda/layers/") : -len(".zip")].split("/")
        provider = await self.providers.get("lambda")
        if len(parts) == 4 and parts[3].isdigit() and provider is not None:
            account, region, name, version = parts
            data = provider.layer_zip(CoreScope(account, region), name, int(version))
            if data is not None:
                return Response(200, [("content-type", "application/zip")], data)
        return _json(404, {"error": "no such layer version"})


_JSON_STR = [("content-type", "application/json")]


async def _hung_up(receive: Receive) -> None:
    """Return once the client has disconnected (the body has been read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(status, list(_JSON_STR), json.dumps(payload).encode())
