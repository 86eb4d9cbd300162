"""`kill -9` while clients write items: every acknowledged write is there after restart,
with its exact value, and every acknowledged conditional increment is counted."""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tests.integration.conftest import TenkuProcess

TABLE = "durable"
COUNTER_KEY = {"pk": {"S": "counter"}, "sk": {"N": "0"}}


def _item(worker: int, n: int) -> dict[str, Any]:
    return {
        "pk": {"S": f"w{worker}"},
        "sk": {"N": str(n)},
        "body": {"S": f"worker {worker} write {n} " + "x" * (n % 50)},
        "n": {"N": str(n * 7)},
        "tags": {"SS": [f"t{n % 3}", "all"]},
        "doc": {"M": {"worker": {"N": str(worker)}, "odd": {"BOOL": n % 2 == 1}}},
    }


def test_kill_9_loses_no_acknowledged_put_or_increment(fresh_tenku: TenkuProcess) -> None:
    ddb = fresh_tenku.client("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=TABLE, Item={**COUNTER_KEY, "count": {"N": "0"}})
    acked: dict[tuple[int, int], dict[str, Any]] = {}
    increments = 0  # acknowledged conditional increments
    attempted = 0  # increments sent, answered or not
    stop = threading.Event()
    lock = threading.Lock()

    def writer(worker: int) -> None:
        client = fresh_tenku.client("dynamodb")
        n = 0
        while not stop.is_set():
            item = _item(worker, n)
            try:
                client.put_item(TableName=TABLE, Item=item)
            except (BotoCoreError, ClientError):
                return  # the server is gone: this write was never acknowledged
            with lock:
                acked[(worker, n)] = item
            n += 1

    def incrementer() -> None:
        nonlocal increments, attempted
        client = fresh_tenku.client("dynamodb")
        while not stop.is_set():
            with lock:
                attempted += 1
            try:
                # Conditional read-modify-write: only applies if the counter is there.
                client.update_item(
                    TableName=TABLE,
                    Key=COUNTER_KEY,
                    UpdateExpression="SET #c = #c + :one",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeNames={"#c": "count"},
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
            except (BotoCoreError, ClientError):
                return
            with lock:
                increments += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=incrementer) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    fresh_tenku.kill()  # SIGKILL, mid-traffic
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acked) > 200 and increments > 50

    fresh_tenku.start()
    ddb = fresh_tenku.client("dynamodb")
    stored: dict[tuple[int, int], dict[str, Any]] = {}
    pages = ddb.get_paginator("scan").paginate(TableName=TABLE, ConsistentRead=True)
    for page in pages:
        for item in page["Items"]:
            if item["pk"]["S"] != "counter":
                stored[(int(item["pk"]["S"][1:]), int(item["sk"]["N"]))] = item
    lost = [key for key in acked if key not in stored]
    assert not lost, f"{len(lost)} acknowledged puts lost, e.g. {lost[:5]}"
    changed = [key for key, item in acked.items() if stored[key] != item]
    assert not changed, f"acknowledged items came back different: {changed[:5]}"
    # At most one unanswered put per writer may have landed as well.
    assert len(stored) - len(acked) <= 4
    got = ddb.get_item(TableName=TABLE, Key=COUNTER_KEY, ConsistentRead=True)["Item"]
    count = int(got["count"]["N"])
    # Every acknowledged increment is counted; at most the unanswered ones on top.
    assert increments <= count <= attempted
