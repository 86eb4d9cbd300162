"""Which providers exist: builds one instance of every service provider Tenku serves,
and wires the Lambda API to the execution engine (services never import the runtime).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from tenku.core.clock import Clock
from tenku.core.events import EventBus, LogEvent
from tenku.core.scope import Scope
from tenku.runtime.engine import LambdaEngine
from tenku.services.lambda_.provider import LambdaProvider
from tenku.services.logs.provider import LogsProvider
from tenku.services.sqs.provider import SqsProvider
from tenku.storage import Storage


class Provider(Protocol):
    service: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_providers(
    storage: Storage, clock: Clock, bus: EventBus, work_dir: Path, endpoint_url: str
) -> dict[str, Any]:
    """`work_dir` holds unpacked function code and execution environments' scratch space;
    `endpoint_url` is where code inside functions reaches Tenku."""
    engine = LambdaEngine(work_dir / "runtime")

    def publish_log(scope: Scope, group: str, stream: str, at: float, line: str) -> None:
        bus.publish(LogEvent(scope, group, stream, int(at * 1000), line))

    engine.on_log = publish_log
    return {
        "sqs": SqsProvider(storage, clock, bus),
        "logs": LogsProvider(storage, clock, bus),
        "lambda": LambdaProvider(storage, clock, bus, engine, work_dir / "lambda", endpoint_url),
    }
