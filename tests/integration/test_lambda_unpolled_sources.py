"""Event-source mappings to sources Tenku has no service for (Kinesis, Amazon MSK,
self-managed Kafka, Amazon MQ, DocumentDB): Lambda keeps them, with their topics, queues
and access settings, and reports them Enabled; nothing polls them. Their own rules hold."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, zipped

KINESIS = "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
MSK = "arn:aws:kafka:us-east-1:000000000000:cluster/c/6cc0432b-8618-4f44-bccc-e1fbd8fb7c4d-2"
MQ = "arn:aws:mq:us-east-1:000000000000:broker:B:b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9"
DOCDB = "arn:aws:rds:us-east-1:000000000000:cluster:sample-cluster"
SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:s-1a2b3c"


@pytest.fixture
def lam(tenku: TenkuProcess) -> Any:
    client = tenku.client("lambda")
    # The server is shared by the module's tests: the function may be there already.
    with contextlib.suppress(client.exceptions.ResourceConflictException):
        client.create_function(
            FunctionName="reader",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": zipped({"app.py": "def handler(e, c):\n    return e\n"})},
        )
    return client


def _settled(lam: Any, uuid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        found: dict[str, Any] = lam.get_event_source_mapping(UUID=uuid)
        if found["State"] not in ("Creating", "Enabling") or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_mappings_to_unpolled_sources_are_kept(lam: Any) -> None:
    kinesis = lam.create_event_source_mapping(
        FunctionName="reader", EventSourceArn=KINESIS, StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=1_700_000_000, ParallelizationFactor=2,
    )  # fmt: skip
    assert kinesis["BatchSize"] == 100 and kinesis["ParallelizationFactor"] == 2
    msk = lam.create_event_source_mapping(
        FunctionName="reader", EventSourceArn=MSK, StartingPosition="LATEST",
        Topics=["orders"], AmazonManagedKafkaEventSourceConfig={"ConsumerGroupId": "g"},
    )  # fmt: skip
    kafka = lam.create_event_source_mapping(
        FunctionName="reader",
        Topics=["orders"],
        SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["abc.xyz.com:9092"]}},
        SourceAccessConfigurations=[{"Type": "SASL_SCRAM_512_AUTH", "URI": SECRET}],
    )
    mq = lam.create_event_source_mapping(
        FunctionName="reader", EventSourceArn=MQ, Queues=["jobs"],
        SourceAccessConfigurations=[{"Type": "BASIC_AUTH", "URI": SECRET}],
    )  # fmt: skip
    docdb = lam.create_event_source_mapping(
        FunctionName="reader", EventSourceArn=DOCDB,
        DocumentDBEventSourceConfig={"DatabaseName": "db1"},
    )  # fmt: skip
    for created in (kinesis, msk, kafka, mq, docdb):
        assert _settled(lam, created["UUID"])["State"] == "Enabled"
    assert _settled(lam, msk["UUID"])["Topics"] == ["orders"]
    assert "EventSourceArn" not in _settled(lam, kafka["UUID"])
    shown = _settled(lam, kafka["UUID"])["SelfManagedEventSource"]
    assert shown == {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["abc.xyz.com:9092"]}}
    assert _settled(lam, mq["UUID"])["Queues"] == ["jobs"]
    assert _settled(lam, docdb["UUID"])["DocumentDBEventSourceConfig"] == {"DatabaseName": "db1"}
    listed = lam.list_event_source_mappings(FunctionName="reader")["EventSourceMappings"]
    assert {m["UUID"] for m in listed} >= {m["UUID"] for m in (kinesis, msk, kafka, mq, docdb)}
    lam.update_event_source_mapping(UUID=kinesis["UUID"], BatchSize=50)
    assert lam.get_event_source_mapping(UUID=kinesis["UUID"])["BatchSize"] == 50
    lam.delete_event_source_mapping(UUID=kafka["UUID"])
    left = {m["UUID"] for m in lam.list_event_source_mappings()["EventSourceMappings"]}
    assert kafka["UUID"] not in left and kinesis["UUID"] in left


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"EventSourceArn": KINESIS}, "Member must not be null"),
        ({"EventSourceArn": MSK, "Topics": ["orders"]}, "Member must not be null"),
        (
            {
                "EventSourceArn": KINESIS,
                "StartingPosition": "LATEST",
                "DestinationConfig": {"OnFailure": {"Destination": MQ}},
            },
            "Unsupported destination for on-failure",
        ),
        ({"EventSourceArn": MQ, "StartingPosition": "LATEST"}, "Unsupported parameter"),
        ({"EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:notastream"}, "Unsupported"),
        ({"SelfManagedEventSource": {}}, "Unrecognized event source."),
    ],
)
def test_their_settings_are_checked(lam: Any, request_: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as raised:
        lam.create_event_source_mapping(FunctionName="reader", **request_)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert message in raised.value.response["Error"]["Message"]
