"""The S3 API: one method per operation of botocore's S3 model (the implemented ones),
assembled from the feature mixins, plus the background work: the notification
deliverer, the lifecycle expiration sweep and the removal of deleted body files.

Unimplemented operations (ACLs, website, replication, object lock, ...) answer the
generic NotImplemented error.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from tenku.core.clock import Clock
from tenku.core.events import ClockAdvanced, EventBus
from tenku.core.periodic import Periodic
from tenku.services.s3 import lifecycle
from tenku.services.s3.buckets import BucketsMixin
from tenku.services.s3.deletes import DeletesMixin
from tenku.services.s3.listing import ListingMixin
from tenku.services.s3.multipart import MultipartMixin
from tenku.services.s3.store import Bucket, Version
from tenku.storage import Storage

log = logging.getLogger("tenku.s3")

LIFECYCLE_INTERVAL_S = 60.0
GARBAGE_INTERVAL_S = 2.0


class S3Provider(BucketsMixin, DeletesMixin, MultipartMixin, ListingMixin):
    def __init__(self, storage: Storage, clock: Clock, bus: EventBus, data_dir: Path) -> None:
        super().__init__(storage, clock, bus, data_dir)
        self._lifecycle = Periodic(LIFECYCLE_INTERVAL_S, self.sweep_lifecycle)
        self._garbage = Periodic(GARBAGE_INTERVAL_S, self.collect_garbage)
        bus.subscribe(ClockAdvanced, lambda _event: self.sweep_lifecycle())

    async def start(self) -> None:
        self.remove_orphans()
        self.deliverer.start()
        self._lifecycle.start()
        self._garbage.start()

    async def stop(self) -> None:
        self._lifecycle.stop()
        self._garbage.stop()
        await self.deliverer.stop()

    # -- lifecycle -----------------------------------------------------------------------
    def sweep_lifecycle(self) -> None:
        """Apply every bucket's enabled expiration rules as of the injected clock."""
        now = self.clock.now()
        for name, rules in self.store.buckets_with_config("lifecycle"):
            bucket = self.store.bucket(name)
            if bucket is not None:
                try:
                    self._expire_bucket(bucket, rules, now)
                except Exception:  # one bad bucket must not stop the others
                    log.exception("lifecycle sweep of bucket %s failed", name)

    def _expire_bucket(self, bucket: Bucket, rules: list[dict[str, Any]], now: float) -> None:
        by_key: dict[str, list[Version]] = {}
        for version in self.store.bucket_versions(bucket.name):
            by_key.setdefault(version.key, []).append(version)  # newest first
        request_id = uuid.uuid4().hex
        for key, versions in by_key.items():
            for newer, version in itertools.pairwise(versions):
                # a version stopped being current when the next newer one was written
                if _applies(rules, version, partial(_noncurrent, since=newer.modified, now=now)):
                    self.remove(bucket, key, version.version_id, request_id, LIFECYCLE)
            current = versions[0] if versions[0].latest else None
            if current is None:
                continue
            if current.marker:
                alone = self.store.latest(bucket.name, key) is not None and not any(
                    self.store.version(bucket.name, key, v.version_id) for v in versions[1:]
                )
                if alone and _applies(rules, current, _removes_lone_markers):
                    self.remove(bucket, key, current.version_id, request_id, LIFECYCLE)
            elif _applies(rules, current, partial(_expired, created=current.modified, now=now)):
                self.remove(bucket, key, None, request_id, LIFECYCLE)
        for upload in self.store.uploads(bucket.name):
            if any(
                lifecycle.rule_matches(r, upload.key, 0, {})
                and lifecycle.abort_due(r, upload.initiated, now)
                for r in rules
            ):
                self.store.end_upload(upload.upload_id)


LIFECYCLE = "LifecycleExpiration"


def _applies(
    rules: list[dict[str, Any]], version: Version, due: Callable[[dict[str, Any]], bool]
) -> bool:
    """Whether an enabled rule covering this version says its action is due."""
    tags = version.meta.get("Tags") or {}
    return any(lifecycle.rule_matches(r, version.key, version.size, tags) and due(r) for r in rules)


def _noncurrent(rule: dict[str, Any], *, since: float, now: float) -> bool:
    return lifecycle.noncurrent_due(rule, since, now)


def _expired(rule: dict[str, Any], *, created: float, now: float) -> bool:
    return lifecycle.expiration_due(rule, created, now)


def _removes_lone_markers(rule: dict[str, Any]) -> bool:
    return bool((rule.get("Expiration") or {}).get("ExpiredObjectDeleteMarker"))
