"""Tenku's own small HTTP/1.1 server for its ASGI app.

Owns: listening on a TCP port, the ASGI ``lifespan`` protocol, graceful shutdown, and
``run()``, the blocking entry point that picks uvloop and handles SIGINT/SIGTERM. The
per-connection work lives in ``tenku.gateway.http11``.

Why not uvicorn: Tenku must answer within 150 ms of process start, and uvicorn's imports
alone cost about 100 ms. The app stays a plain ASGI 3 app, so uvicorn remains a fallback.

Must not: know anything of AWS, routing or services; import anything heavy at module
level (uvloop is imported inside ``run()`` only).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from tenku.gateway.exchange import ASGI_VERSION, ASGIApp, Message
from tenku.gateway.http11 import HttpConnection, Shared

__all__ = ["ASGIApp", "HttpServer", "run", "serve"]

logger = logging.getLogger("tenku.gateway")


class _Lifespan:
    """Runs the app's ``lifespan`` scope; an app that raises on it simply has none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.supported = False
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._reply: asyncio.Future[str | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = False

    async def startup(self) -> None:
        loop = asyncio.get_running_loop()
        self._reply = loop.create_future()
        self._task = loop.create_task(self._main())
        self._inbox.put_nowait({"type": "lifespan.startup"})
        outcome = await self._reply
        if outcome is None:
            logger.debug("ASGI app does not support lifespan; continuing without it")
            return
        if outcome != "lifespan.startup.complete":
            raise RuntimeError(f"ASGI lifespan startup failed: {outcome}")
        self.supported = True

    async def shutdown(self) -> None:
        if not self.supported or self._task is None or self._task.done():
            return
        self._reply = asyncio.get_running_loop().create_future()
        self._inbox.put_nowait({"type": "lifespan.shutdown"})
        outcome = await self._reply
        if outcome is not None and outcome != "lifespan.shutdown.complete":
            logger.error("ASGI lifespan shutdown failed: %s", outcome)

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": ASGI_VERSION, "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        except Exception as exc:
            if self._started:
                logger.error("ASGI lifespan failed", exc_info=exc)
            else:
                logger.debug("ASGI lifespan raised before startup completed", exc_info=exc)
        finally:
            reply = self._reply
            if reply is not None and not reply.done():
                reply.set_result(None)

    async def _receive(self) -> Message:
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self._started = True
        reply = self._reply
        if reply is not None and not reply.done():
            text = message.get("message", "")
            reply.set_result(f"{kind}: {text}" if kind.endswith(".failed") else kind)


class HttpServer:
    """An asyncio HTTP/1.1 server hosting one ASGI 3 app."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 4566,
        *,
        max_body: int = 64 * 1024 * 1024,
        backlog: int = 2048,
        lifespan: bool = True,
    ) -> None:
        self.app = app
        self.host = host
        self._port = port
        self.max_body = max_body
        self.backlog = backlog
        self._lifespan = _Lifespan(app) if lifespan else None
        self._server: asyncio.AbstractServer | None = None
        self._shared: Shared | None = None

    @property
    def port(self) -> int:
        """The bound port once ``start()`` has returned (the requested one before)."""
        return self._port

    async def start(self) -> None:
        """Run lifespan startup, then bind and listen."""
        loop = asyncio.get_running_loop()
        if self._lifespan is not None:
            await self._lifespan.startup()
        shared = Shared(self.app, loop, self.max_body)
        if self._lifespan is not None and self._lifespan.state:
            shared.state = self._lifespan.state
        self._shared = shared
        self._server = await loop.create_server(
            lambda: HttpConnection(shared),
            self.host,
            self._port,
            backlog=self.backlog,
            reuse_address=True,
        )
        sockets = self._server.sockets
        if sockets:
            self._port = sockets[0].getsockname()[1]

    async def shutdown(
        self, grace: float = 5.0, on_draining: Callable[[], None] | None = None
    ) -> None:
        """Stop accepting, close idle connections, let in-flight requests finish for up
        to ``grace`` seconds, cancel what is left, then run lifespan shutdown.

        ``on_draining`` is called once no new connection can arrive, before the wait: an
        app can use it to answer its long-held requests (long polls) at once."""
        shared = self._shared
        if shared is not None and not shared.stopping:
            shared.stopping = True
            assert self._server is not None
            self._server.close()
            if on_draining is not None:
                on_draining()
            loop = asyncio.get_running_loop()
            if shared.connections:
                idle = loop.create_future()

                def on_idle() -> None:
                    if not idle.done():
                        idle.set_result(None)

                shared.on_idle = on_idle
                for conn in list(shared.connections):
                    conn.stop()
                if shared.connections:
                    try:
                        await asyncio.wait_for(idle, grace)
                    except TimeoutError:
                        for conn in list(shared.connections):
                            conn.kill()
                        await asyncio.sleep(0)  # let cancelled requests unwind
            await self._server.wait_closed()
        if self._lifespan is not None:
            await self._lifespan.shutdown()
            self._lifespan = None


async def serve(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 4566,
    *,
    on_ready: Callable[[str, int], None] | None = None,
    install_signal_handlers: bool = True,
    stop: asyncio.Event | None = None,
    grace: float = 5.0,
    on_draining: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set, or this task is cancelled)."""
    server = HttpServer(app, host, port)
    await server.start()
    if stop is None:
        stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if install_signal_handlers:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or a platform without them
            installed.append(sig)
    try:
        if on_ready is not None:
            on_ready(host, server.port)
        await stop.wait()
    finally:
        # Handlers go first, so a second Ctrl-C during the grace period interrupts it.
        for sig in installed:
            loop.remove_signal_handler(sig)
        await server.shutdown(grace, on_draining)


def run(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 4566,
    *,
    on_ready: Callable[[str, int], None] | None = None,
    install_signal_handlers: bool = True,
    use_uvloop: bool = True,
    on_draining: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` until SIGINT/SIGTERM, then shut down gracefully. Blocks."""
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if use_uvloop:
        try:
            import uvloop  # imported here: it is optional and costs start-up time
        except ImportError:
            pass
        else:
            loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(
            serve(
                app,
                host,
                port,
                on_ready=on_ready,
                install_signal_handlers=install_signal_handlers,
                on_draining=on_draining,
            )
        )
