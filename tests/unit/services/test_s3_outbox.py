"""The S3 notification deliverer: rows leave the outbox only once accepted; a service
Tenku does not serve yet keeps them queued; failures back off with the clock."""

from __future__ import annotations

import asyncio
from typing import Any

from tenku.core.clock import ManualClock
from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.services.s3.outbox import Deliverer
from tenku.services.s3.store import S3Store
from tenku.storage import MemoryStorage

QUEUE = "arn:aws:sqs:us-east-1:000000000000:q"
TOPIC = "arn:aws:sns:us-east-1:000000000000:t"


class FakeApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.refuse: set[str] = set()
        self.fail_ids: set[str] = set()

    async def __call__(
        self, service: str, operation: str, params: dict[str, Any], scope: Scope
    ) -> dict[str, Any]:
        if service in self.refuse:
            raise ServiceError("NotImplemented", f"no {service}", 501, sender_fault=False)
        self.calls.append((service, operation, params))
        if operation == "SendMessageBatch":
            failed = [
                {"Id": e["Id"], "Code": "x", "SenderFault": False}
                for e in params["Entries"]
                if e["MessageBody"] in self.fail_ids
            ]
            return {"Failed": failed} if failed else {}
        return {}


def _deliverer() -> tuple[Deliverer, S3Store, ManualClock, FakeApi]:
    store = S3Store(MemoryStorage())
    clock = ManualClock()
    deliverer = Deliverer(store, clock)
    api = FakeApi()
    deliverer.api = api
    return deliverer, store, clock, api


def test_sqs_rows_go_in_batches_of_ten_and_leave_the_outbox() -> None:
    deliverer, store, clock, api = _deliverer()
    for n in range(23):
        store.enqueue("000000000000", "us-east-1", QUEUE, f"m{n}", int(clock.now() * 1000))
    asyncio.run(deliverer.deliver_due())
    assert [len(c[2]["Entries"]) for c in api.calls] == [10, 10, 3]
    assert api.calls[0][2]["QueueUrl"] == "http://localhost/000000000000/q"
    assert store.outbox_size() == 0


def test_unserved_services_keep_rows_and_back_off() -> None:
    deliverer, store, clock, api = _deliverer()
    api.refuse.add("sns")
    store.enqueue("000000000000", "us-east-1", TOPIC, "m", int(clock.now() * 1000))
    asyncio.run(deliverer.deliver_due())
    assert store.outbox_size() == 1
    assert store.due(int(clock.now() * 1000), 10) == []  # not due again at once
    clock.advance(86400 * 3)  # never given up on: the service will come
    assert len(store.due(int(clock.now() * 1000), 10)) == 1
    api.refuse.clear()
    asyncio.run(deliverer.deliver_due())
    assert store.outbox_size() == 0
    assert api.calls[0][:2] == ("sns", "Publish")


def test_individual_batch_failures_are_retried() -> None:
    deliverer, store, clock, api = _deliverer()
    api.fail_ids.add("bad")
    for body in ("good", "bad"):
        store.enqueue("000000000000", "us-east-1", QUEUE, body, int(clock.now() * 1000))
    asyncio.run(deliverer.deliver_due())
    assert store.outbox_size() == 1
    api.fail_ids.clear()
    clock.advance(5)
    asyncio.run(deliverer.deliver_due())
    assert store.outbox_size() == 0
