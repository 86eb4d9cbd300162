"""Which providers exist: builds one instance of every service provider Tenku serves."""

from __future__ import annotations

from typing import Any, Protocol

from tenku.core.clock import Clock
from tenku.core.events import EventBus
from tenku.services.sqs.provider import SqsProvider
from tenku.storage import Storage


class Provider(Protocol):
    service: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_providers(storage: Storage, clock: Clock, bus: EventBus) -> dict[str, Any]:
    providers = [SqsProvider(storage, clock, bus)]
    return {provider.service: provider for provider in providers}
