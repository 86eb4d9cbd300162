"""Events reaching targets through the wire: SQS (standard and FIFO), Lambda, input
transformation, another bus, API destinations over HTTP, retries and dead-letter queues,
archives and replays."""

# ruff: noqa: E501  (request and answer literals read best one per line)
from __future__ import annotations

import base64
import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import zipped

ACCOUNT = "000000000000"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def receive(
    sqs: Any, url: str, count: int = 1, wait: float = 10.0, **extra: Any
) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while len(got) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **extra
        )
        for message in answer.get("Messages", []):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return got


def rule_to(
    events: Any,
    name: str,
    pattern: dict[str, Any],
    *targets: dict[str, Any],
    bus: str | None = None,
) -> str:
    extra = {"EventBusName": bus} if bus else {}
    arn: str = events.put_rule(Name=name, EventPattern=json.dumps(pattern), **extra)["RuleArn"]
    answer = events.put_targets(Rule=name, Targets=list(targets), **extra)
    assert answer["FailedEntryCount"] == 0, answer
    return arn


def put(events: Any, source: str, detail: dict[str, Any], **extra: Any) -> str:
    answer = events.put_events(
        Entries=[
            {"Source": source, "DetailType": "Order Placed", "Detail": json.dumps(detail), **extra}
        ]
    )
    assert answer["FailedEntryCount"] == 0, answer
    event_id: str = answer["Entries"][0]["EventId"]
    return event_id


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records requests; answers the status at the head of `statuses` (200 when empty)."""

    requests: list[dict[str, Any]] = []
    statuses: list[int] = []

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        type(self).requests.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PUT = do_GET = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"requests": [], "statuses": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()


# -- SQS --------------------------------------------------------------------------------------
def test_rule_delivers_the_exact_envelope_to_sqs(tenku: TenkuProcess) -> None:
    events, sqs = tenku.client("events"), tenku.client("sqs")
    url, arn = make_queue(sqs, unique("env"))
    source = unique("shop")
    rule_to(
        events,
        unique("env"),
        {"source": [source], "detail": {"total": [{"numeric": [">", 100]}]}},
        {"Id": "q", "Arn": arn},
    )
    answer = events.put_events(Entries=[
        {"Source": source, "DetailType": "Order Placed", "Detail": json.dumps({"total": 120.5, "items": [1, 2]}),
         "Resources": ["arn:aws:shop:::order/1"], "Time": 1_700_000_000},
        {"Source": source, "DetailType": "Order Placed", "Detail": json.dumps({"total": 5})},
    ])  # fmt: skip
    event_id = answer["Entries"][0]["EventId"]
    messages = receive(sqs, url, 2, wait=3)
    assert len(messages) == 1  # the second event does not match
    body = messages[0]["Body"]
    assert body == json.dumps({
        "version": "0", "id": event_id, "detail-type": "Order Placed", "source": source,
        "account": ACCOUNT, "time": "2023-11-14T22:13:20Z", "region": "us-east-1",
        "resources": ["arn:aws:shop:::order/1"], "detail": {"total": 120.5, "items": [1, 2]},
    }, separators=(",", ":"))  # fmt: skip


def test_disabled_rules_do_not_deliver(tenku: TenkuProcess) -> None:
    events, sqs = tenku.client("events"), tenku.client("sqs")
    url, arn = make_queue(sqs, unique("off"))
    source, name = unique("src"), unique("off")
    rule_to(events, name, {"source": [source]}, {"Id": "q", "Arn": arn})
    events.disable_rule(Name=name)
    put(events, source, {"n": 1})
    events.enable_rule(Name=name)
    put(events, source, {"n": 2})
    bodies = [json.loads(m["Body"])["detail"] for m in receive(sqs, url, 2, wait=3)]
    assert bodies == [{"n": 2}]


def test_fifo_queue_target_gets_the_group_and_the_event_id_as_deduplication_id(
    tenku: TenkuProcess,
) -> None:
    events, sqs = tenku.client("events"), tenku.client("sqs")
    url, arn = make_queue(
        sqs, unique("orders") + ".fifo", FifoQueue="true", ContentBasedDeduplication="true"
    )
    source = unique("src")
    rule_to(
        events,
        unique("fifo"),
        {"source": [source]},
        {"Id": "q", "Arn": arn, "SqsParameters": {"MessageGroupId": "grp-1"}},
    )
    ids = [put(events, source, {"n": n}) for n in range(3)]
    messages = receive(sqs, url, 3, AttributeNames=["All"])
    assert [json.loads(m["Body"])["detail"]["n"] for m in messages] == [0, 1, 2]
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"grp-1"}
    assert [m["Attributes"]["MessageDeduplicationId"] for m in messages] == ids


# -- Lambda -------------------------------------------------------------------------------------
def test_lambda_target_is_invoked_asynchronously(tenku: TenkuProcess) -> None:
    events, lam, logs = tenku.client("events"), tenku.client("lambda"), tenku.client("logs")
    name = unique("fn")
    code = "import json\ndef handler(event, context):\n    print('GOT ' + json.dumps(event))\n"
    arn = lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": zipped({"app.py": code})})["FunctionArn"]  # fmt: skip
    source = unique("src")
    rule_to(events, unique("fn"), {"source": [source]}, {"Id": "f", "Arn": arn})
    event_id = put(events, source, {"hello": "lambda"})
    deadline = time.monotonic() + 30
    lines: list[str] = []
    while time.monotonic() < deadline:
        try:
            found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern="GOT")
            lines = [e["message"] for e in found["events"]]
        except ClientError:
            lines = []
        if lines:
            break
        time.sleep(0.3)
    assert lines, "the function was never invoked"
    event = json.loads(lines[0].split("GOT ", 1)[1])
    assert event["id"] == event_id and event["detail"] == {"hello": "lambda"}


# -- input -------------------------------------------------------------------------------------
def test_input_input_path_and_input_transformer(tenku: TenkuProcess) -> None:
    events, sqs = tenku.client("events"), tenku.client("sqs")
    urls = {}
    targets = []
    for key in ("const", "path", "json", "text"):
        urls[key], arn = make_queue(sqs, unique(key))
        targets.append({"Id": key, "Arn": arn})
    targets[0]["Input"] = '{"fixed": true}'
    targets[1]["InputPath"] = "$.detail.order"
    targets[2]["InputTransformer"] = {
        "InputPathsMap": {
            "id": "$.detail.order.id",
            "items": "$.detail.order.items",
            "missing": "$.detail.nope",
        },
        "InputTemplate": '{"order": <id>, "items": <items>, "label": "order <id>", "rule": "<aws.events.rule-name>", "none": <missing>, "raw": <aws.events.event.json>}',
    }
    targets[3]["InputTransformer"] = {
        "InputPathsMap": {"id": "$.detail.order.id"},
        "InputTemplate": "Order <id> was placed",
    }
    source, rule = unique("src"), unique("xform")
    rule_to(events, rule, {"source": [source]}, *targets)
    event_id = put(events, source, {"order": {"id": "o-1", "items": [1, 2.50]}})
    body = {k: receive(sqs, u)[0]["Body"] for k, u in urls.items()}
    assert body["const"] == '{"fixed": true}'
    assert body["path"] == '{"id":"o-1","items":[1,2.5]}'
    transformed = json.loads(body["json"])
    assert transformed["order"] == "o-1" and transformed["items"] == [1, 2.5]
    assert transformed["label"] == "order o-1" and transformed["rule"] == rule
    assert transformed["none"] is None and transformed["raw"]["id"] == event_id
    assert body["text"] == "Order o-1 was placed"


# -- another bus ---------------------------------------------------------------------------------
def test_events_cross_to_another_bus(tenku: TenkuProcess) -> None:
    events, sqs = tenku.client("events"), tenku.client("sqs")
    bus = unique("other")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, arn = make_queue(sqs, unique("far"))
    source = unique("src")
    rule_to(events, unique("hop"), {"source": [source]}, {"Id": "bus", "Arn": bus_arn})
    rule_to(events, unique("land"), {"source": [source]}, {"Id": "q", "Arn": arn}, bus=bus)
    put(events, source, {"via": "default"}, Resources=["r1"])
    event = json.loads(receive(sqs, url)[0]["Body"])
    assert (event["source"], event["detail-type"], event["detail"], event["resources"]) == (
        source, "Order Placed", {"via": "default"}, ["r1"],
    )  # fmt: skip


# -- API destinations -------------------------------------------------------------------------------
def test_api_destination_sends_http_with_the_connection_auth(
    tenku: TenkuProcess, http_server: tuple[str, type[Recorder]]
) -> None:
    base, recorder = http_server
    events = tenku.client("events")
    key = events.create_connection(Name=unique("key"), AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"},
                        "InvocationHttpParameters": {"HeaderParameters": [{"Key": "x-extra", "Value": "1"}]}})  # fmt: skip
    basic = events.create_connection(Name=unique("basic"), AuthorizationType="BASIC",
        AuthParameters={"BasicAuthParameters": {"Username": "user", "Password": "pw"}})  # fmt: skip
    assert key["ConnectionState"] == "AUTHORIZED"
    first = events.create_api_destination(Name=unique("dest"), ConnectionArn=key["ConnectionArn"],
                                          InvocationEndpoint=f"{base}/hooks/*", HttpMethod="POST")  # fmt: skip
    second = events.create_api_destination(Name=unique("dest"), ConnectionArn=basic["ConnectionArn"],
                                           InvocationEndpoint=f"{base}/put", HttpMethod="PUT")  # fmt: skip
    source = unique("src")
    rule_to(events, unique("http"), {"source": [source]},
            {"Id": "a", "Arn": first["ApiDestinationArn"], "HttpParameters": {"PathParameterValues": ["orders"],
             "QueryStringParameters": {"q": "1"}, "HeaderParameters": {"x-target": "t"}}},
            {"Id": "b", "Arn": second["ApiDestinationArn"]})  # fmt: skip
    event_id = put(events, source, {"n": 1})
    deadline = time.monotonic() + 10
    while len(recorder.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    calls = sorted(recorder.requests, key=lambda r: r["method"])
    assert [c["method"] for c in calls] == ["POST", "PUT"]
    post, put_call = calls
    assert post["path"] == "/hooks/orders?q=1"
    assert post["headers"]["x-api-key"] == "s3cret" and post["headers"]["x-extra"] == "1"
    assert post["headers"]["x-target"] == "t"
    assert json.loads(post["body"])["id"] == event_id
    assert put_call["headers"]["authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()
    described = events.describe_connection(Name=key["ConnectionArn"].split("/")[1])
    assert "ApiKeyValue" not in described["AuthParameters"]["ApiKeyAuthParameters"]


def test_connection_and_destination_errors(tenku: TenkuProcess) -> None:
    events = tenku.client("events")
    with pytest.raises(ClientError) as caught:
        events.describe_connection(Name="ghost")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    name = unique("c")
    created = events.create_connection(Name=name, AuthorizationType="BASIC",
                                       AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})  # fmt: skip
    with pytest.raises(ClientError) as caught:
        events.create_connection(Name=name, AuthorizationType="BASIC",
                                 AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})  # fmt: skip
    assert caught.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert name in [c["Name"] for c in events.list_connections(NamePrefix=name)["Connections"]]
    dest = unique("d")
    events.create_api_destination(Name=dest, ConnectionArn=created["ConnectionArn"],
                                  InvocationEndpoint="https://example.com", HttpMethod="POST")  # fmt: skip
    assert events.describe_api_destination(Name=dest)["HttpMethod"] == "POST"
    events.delete_api_destination(Name=dest)
    assert events.delete_connection(Name=name)["ConnectionState"] == "DELETING"


# -- failures -------------------------------------------------------------------------------------
def dlq_attributes(message: dict[str, Any]) -> dict[str, str]:
    return {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}


def test_deleted_queue_goes_straight_to_the_dead_letter_queue(fresh_tenku: TenkuProcess) -> None:
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    gone_url, gone_arn = make_queue(sqs, "gone")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    rule_arn = rule_to(
        events,
        "r",
        {"source": ["s"]},
        {"Id": "q", "Arn": gone_arn, "DeadLetterConfig": {"Arn": dlq_arn}},
    )
    sqs.delete_queue(QueueUrl=gone_url)
    event_id = put(events, "s", {"n": 1})
    messages = receive(sqs, dlq_url, MessageAttributeNames=["All"])
    assert json.loads(messages[0]["Body"])["id"] == event_id
    attributes = dlq_attributes(messages[0])
    assert attributes["RULE_ARN"] == rule_arn and attributes["TARGET_ARN"] == gone_arn
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert "ERROR_MESSAGE" in attributes and attributes["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes  # not retried: the queue is gone


def test_failing_endpoint_is_retried_with_backoff_then_dead_lettered(
    fresh_tenku: TenkuProcess, http_server: tuple[str, type[Recorder]]
) -> None:
    base, recorder = http_server
    recorder.statuses.extend([500, 503, 429])
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    connection = events.create_connection(Name="c", AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})  # fmt: skip
    destination = events.create_api_destination(Name="d", ConnectionArn=connection["ConnectionArn"],
                                                InvocationEndpoint=base, HttpMethod="POST")  # fmt: skip
    rule_to(events, "r", {"source": ["s"]}, {"Id": "h", "Arn": destination["ApiDestinationArn"],
            "RetryPolicy": {"MaximumRetryAttempts": 2}, "DeadLetterConfig": {"Arn": dlq_arn}})  # fmt: skip
    put(events, "s", {"n": 1})
    deadline = time.monotonic() + 10
    while len(recorder.requests) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert len(recorder.requests) == 1  # the next attempt waits for the backoff
    for expected in (2, 3):
        fresh_tenku.advance_clock(10)
        deadline = time.monotonic() + 10
        while len(recorder.requests) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(recorder.requests) == expected
    attributes = dlq_attributes(receive(sqs, dlq_url, MessageAttributeNames=["All"])[0])
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttemptsExhausted"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["ERROR_MESSAGE"] == "The endpoint answered HTTP 429."


def test_a_client_error_from_an_endpoint_is_not_retried(
    fresh_tenku: TenkuProcess, http_server: tuple[str, type[Recorder]]
) -> None:
    base, recorder = http_server
    recorder.statuses.append(400)
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    connection = events.create_connection(Name="c", AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})  # fmt: skip
    destination = events.create_api_destination(Name="d", ConnectionArn=connection["ConnectionArn"],
                                                InvocationEndpoint=base, HttpMethod="POST")  # fmt: skip
    rule_to(
        events,
        "r",
        {"source": ["s"]},
        {"Id": "h", "Arn": destination["ApiDestinationArn"], "DeadLetterConfig": {"Arn": dlq_arn}},
    )
    put(events, "s", {"n": 1})
    attributes = dlq_attributes(receive(sqs, dlq_url, MessageAttributeNames=["All"])[0])
    assert attributes["RETRY_ATTEMPTS"] == "0" and len(recorder.requests) == 1


def test_event_age_limit_ends_retries(fresh_tenku: TenkuProcess) -> None:
    """A service Tenku does not serve (or an unknown target) answers 5xx: retried, never lost."""
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    target = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:sm"
    rule_to(events, "r", {"source": ["s"]}, {"Id": "t", "Arn": target,
            "RetryPolicy": {"MaximumEventAgeInSeconds": 60}, "DeadLetterConfig": {"Arn": dlq_arn}})  # fmt: skip
    put(events, "s", {"n": 1})
    time.sleep(0.5)
    assert receive(sqs, dlq_url, wait=1) == []  # still being retried
    for _ in range(8):
        fresh_tenku.advance_clock(16)
        time.sleep(0.2)
    attributes = dlq_attributes(receive(sqs, dlq_url, MessageAttributeNames=["All"])[0])
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeExhausted"
    assert int(attributes["RETRY_ATTEMPTS"]) >= 1


# -- archives and replays -----------------------------------------------------------------------
def test_archive_and_replay(fresh_tenku: TenkuProcess) -> None:
    events, sqs = fresh_tenku.client("events"), fresh_tenku.client("sqs")
    bus_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
    archive = events.create_archive(ArchiveName="orders", EventSourceArn=bus_arn,
                                    EventPattern=json.dumps({"source": ["shop"]}), RetentionDays=7)  # fmt: skip
    assert archive["State"] == "ENABLED"
    with pytest.raises(ClientError) as caught:
        events.create_archive(ArchiveName="orders", EventSourceArn=bus_arn)
    assert caught.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    start = time.time() - 5
    ids = [put(events, "shop", {"n": n}) for n in range(3)]
    put(events, "other", {"n": 99})  # not archived: the archive's pattern says shop only
    described = events.describe_archive(ArchiveName="orders")
    assert described["EventCount"] == 3 and described["SizeBytes"] > 0
    assert described["RetentionDays"] == 7
    url, arn = make_queue(sqs, "replayed")
    rule_arn = rule_to(events, "late", {"source": ["shop"]}, {"Id": "q", "Arn": arn})
    rule_to(
        events, "ignored", {"source": ["shop"]}, {"Id": "q", "Arn": make_queue(sqs, "ignored")[1]}
    )
    fresh_tenku.advance_clock(5)
    end = time.time() + 4
    started = events.start_replay(ReplayName="again", EventSourceArn=archive["ArchiveArn"],
                                  EventStartTime=start, EventEndTime=end,
                                  Destination={"Arn": bus_arn, "FilterArns": [rule_arn]})  # fmt: skip
    assert started["State"] == "STARTING"
    replayed = [json.loads(m["Body"]) for m in receive(sqs, url, 3)]
    assert [e["id"] for e in replayed] == ids
    assert {e["replay-name"] for e in replayed} == {"again"}
    assert (
        receive(
            sqs, fresh_tenku.client("sqs").get_queue_url(QueueName="ignored")["QueueUrl"], wait=1
        )
        == []
    )
    assert events.describe_replay(ReplayName="again")["State"] == "COMPLETED"
    assert [r["ReplayName"] for r in events.list_replays()["Replays"]] == ["again"]
    with pytest.raises(ClientError) as caught:
        events.cancel_replay(ReplayName="again")
    assert caught.value.response["Error"]["Code"] == "IllegalStatusException"
    with pytest.raises(ClientError) as caught:
        events.start_replay(ReplayName="future", EventSourceArn=archive["ArchiveArn"], EventStartTime=start,
                            EventEndTime=time.time() + 3600, Destination={"Arn": bus_arn})  # fmt: skip
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Parameter EventEndTime is not valid. Reason: EventEndTime must be before the current time.",
    }
    assert (
        events.describe_archive(ArchiveName="orders")["EventCount"] == 3
    )  # replays are not re-archived
    events.delete_archive(ArchiveName="orders")
    with pytest.raises(ClientError) as caught:
        events.describe_archive(ArchiveName="orders")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
