"""The SNS API: one method per operation of botocore's SNS model (topics.py,
subscriptions.py and publishing.py hold them by area), the deliverer's lifecycle, and
Tenku's own SNS routes.

Tenku's routes (mounted by the gateway under `/_tenku/sns/`):
- `GET /_tenku/sns/<SigningCertURL file>.pem`: the certificate that verifies signatures;
- `GET /_tenku/sns/deliveries[?endpoint=ADDRESS]`: what was delivered to email,
  email-json, SMS, application and firehose endpoints (and direct SMS publishes),
  oldest first, as `{"deliveries": [{protocol, endpoint, subscriptionArn, topicArn,
  messageId, subject, body, timestamp}]}`.
Must not: see HTTP objects (routes get a path and query parameters, answer a triple).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.errors import InternalError
from tenku.core.events import ClockAdvanced, EventBus
from tenku.core.periodic import Periodic
from tenku.services.sns.delivery import Deliverer
from tenku.services.sns.envelopes import Envelopes
from tenku.services.sns.publishing import PublishOps
from tenku.services.sns.signing import Signer, generate_key_and_certificate
from tenku.services.sns.store import SnsStore
from tenku.services.sns.subscriptions import SubscriptionOps
from tenku.services.sns.topics import TopicOps
from tenku.storage import Storage

SWEEP_INTERVAL_S = 60.0
RouteAnswer = tuple[int, str, bytes]


class SnsProvider(TopicOps, SubscriptionOps, PublishOps):
    service = "sns"

    def __init__(
        self, storage: Storage, clock: Clock, bus: EventBus, endpoint: Callable[[], str]
    ) -> None:
        """`endpoint` gives the URL at which Tenku is reachable (SubscribeURL and others)."""
        self.store = SnsStore(storage)
        self.clock = clock
        self.endpoint = endpoint
        self.api: ApiCaller | None = None  # wired by the registry
        self._signer: Signer | None = None
        self._signer_lock = asyncio.Lock()
        self.envelopes = Envelopes(self.signer, endpoint)
        self.deliverer = Deliverer(
            self.store, clock, self.envelopes, lambda: self.api, self.ensure_signer
        )
        self._sweeper = Periodic(SWEEP_INTERVAL_S, self.sweep)
        bus.subscribe(ClockAdvanced, self._clock_moved)

    async def start(self) -> None:
        self.deliverer.start()  # resumes whatever the outbox held before a restart
        self._sweeper.start()

    async def stop(self) -> None:
        self._sweeper.stop()
        await self.deliverer.stop()

    async def ensure_signer(self) -> Signer:
        """The signer, loaded (or made, the first time) on first need: the crypto library
        and the key stay out of memory until something is signed."""
        async with self._signer_lock:
            if self._signer is None:
                stored = self.store.signing_key()
                if stored is None:
                    # Key generation takes a while: off the event loop, then kept for good.
                    key_pem, cert_pem = await asyncio.to_thread(generate_key_and_certificate)
                    self.store.save_signing_key(key_pem, cert_pem)
                    stored = self.store.signing_key()
                assert stored is not None
                self._signer = Signer(*stored)
        return self._signer

    def signer(self) -> Signer:
        if self._signer is None:
            raise InternalError("the SNS signing key is not loaded yet")
        return self._signer

    def sweep(self) -> None:
        self.store.forget_expired_dedup(self.now_ms())

    def _clock_moved(self, _event: ClockAdvanced) -> None:
        self.sweep()
        self.deliverer.wake()

    # -- Tenku's own routes -------------------------------------------------------------------
    async def tenku_route(self, method: str, path: str, query: dict[str, list[str]]) -> RouteAnswer:
        """Answer `/_tenku/sns/<path>`: (status, content type, body)."""
        if method == "GET" and path.endswith(".pem"):
            signer = await self.ensure_signer()
            if path == signer.cert_name:
                return 200, "application/x-pem-file", signer.cert_pem.encode()
        if method == "GET" and path == "deliveries":
            endpoint = query["endpoint"][0] if query.get("endpoint") else None
            payload = {"deliveries": self.store.inbox(endpoint)}
            return 200, "application/json", json.dumps(payload).encode()
        return 404, "application/json", json.dumps({"error": f"no such SNS route: {path}"}).encode()
