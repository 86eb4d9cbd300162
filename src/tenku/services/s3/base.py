"""Shared state and helpers of the S3 provider's feature mixins.

Owns: the provider's parts (store, body files, clock, deliverer), finding a bucket or
failing as S3 does, writing notification rows for an event inside the caller's
transaction, and removing body files whose rows are gone once that is committed.
Must not: implement operations (the mixins do).
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.events import EventBus
from tenku.services.s3 import notifications
from tenku.services.s3.bodies import BodyFiles
from tenku.services.s3.errors import no_such_bucket
from tenku.services.s3.outbox import Deliverer
from tenku.services.s3.store import Bucket, S3Store, Version
from tenku.storage import Storage

log = logging.getLogger("tenku.s3")


class S3Base:
    service = "s3"

    def __init__(self, storage: Storage, clock: Clock, bus: EventBus, data_dir: Path) -> None:
        self.store = S3Store(storage)
        self.bodies = BodyFiles(data_dir / "bodies")
        self.clock = clock
        self.bus = bus
        self.deliverer = Deliverer(self.store, clock)
        self._collected: set[int] = set()  # garbage rows seen by the previous collection

    def now(self) -> float:
        return float(int(self.clock.now()))  # S3 keeps whole seconds

    def bucket_for(self, ctx: RequestContext, name: str) -> Bucket:
        bucket = self.store.bucket(name)
        if bucket is None:
            raise no_such_bucket(name)
        if bucket.account != ctx.scope.account:
            raise ServiceError("AccessDenied", "Access Denied", 403)
        return bucket

    @staticmethod
    def new_version_id() -> str:
        return uuid.uuid4().hex

    # -- notifications -------------------------------------------------------------------
    def notify(
        self,
        bucket: Bucket,
        event_name: str,
        version: Version,
        request_id: str,
        *,
        deleted: bool = False,
    ) -> None:
        """Write the outbox rows of one event (call inside the change's transaction)."""
        stored = self.store.config(bucket.name, "notification")
        if not stored:
            return
        facts = notifications.ObjectFacts(
            version.key,
            None if deleted else version.size,
            None if deleted else version.etag,
            version.version_id if bucket.versioning else None,
            version.sequencer,
        )
        occurrence = notifications.Occurrence(
            event_name,
            bucket.name,
            bucket.region,
            bucket.account,
            self.clock.now(),
            request_id,
            facts,
            principal=f"AWS:{bucket.account}",
        )
        now_ms = int(self.clock.now() * 1000)
        for destination in notifications.destinations(stored, event_name, version.key):
            body = notifications.message(occurrence, destination.configuration_id)
            self.store.enqueue(bucket.account, bucket.region, destination.arn, body, now_ms)
        if "EventBridgeConfiguration" in stored:
            entry = notifications.eventbridge_entry(occurrence)
            if entry is not None:
                self.store.enqueue(
                    bucket.account,
                    bucket.region,
                    notifications.EVENTBRIDGE_TARGET,
                    json.dumps(entry),
                    now_ms,
                )
        self.deliverer.wake()

    # -- body files ------------------------------------------------------------------
    def collect_garbage(self) -> None:
        """Remove files whose rows' deletion is committed: rows seen by the previous
        run (seconds ago, so their batch has been committed since) and still there."""
        rows = self.store.garbage()
        ready = [(i, body) for i, body in rows if i in self._collected]
        for _, body in ready:
            self.bodies.remove(body)
        if ready:
            self.store.forget_garbage([i for i, _ in ready])
        self._collected = {i for i, _ in rows} - {i for i, _ in ready}

    def remove_orphans(self) -> None:
        """At start-up, when nothing is uncommitted: remove the files of deleted rows and
        files no row references (a crash between a body's rename and its commit)."""
        while rows := self.store.garbage():
            for _, body in rows:
                self.bodies.remove(body)
            self.store.forget_garbage([i for i, _ in rows])
        referenced = self.store.referenced_bodies()
        for name in list(self.bodies.all_names()):
            if name not in referenced:
                self.bodies.remove(name)
