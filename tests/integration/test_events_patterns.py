"""The whole pattern table through the wire, twice: TestEventPattern, and real rules on a
bus delivering to an SQS queue (the queue gets a case's event iff the table says it
matches); and AWS's refusals."""

# ruff: noqa: E501  (expected messages read best one per line)
from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.unit.events.pattern_cases import BASE, CASES, Case


@pytest.fixture(scope="module")
def events(tenku: TenkuProcess) -> Any:
    return tenku.client("events")


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c.source[:40]}" for i, c in enumerate(CASES)])
def test_pattern_table_over_the_wire(events: Any, case: Case) -> None:
    answer = events.test_event_pattern(
        EventPattern=json.dumps(case.pattern), Event=json.dumps(case.event)
    )
    assert answer["Result"] is case.expected, case.source


# -- the same table through rules, PutEvents and an SQS target ---------------------------------
# PutEvents sets the envelope's id, version, account and region itself and refuses sources
# that start with "aws.", so each case is carried over with the same meaning: the client is
# in the table's region (us-west-1), the table's account string is the caller's account,
# "aws." sources (in events and in the pattern's `source`) become "tenku.", and every
# pattern gets one more AND condition, on a `detail` field naming its case, so that each
# rule sees only its own case's event although all rules share one bus.
WIRE_ACCOUNT = "000000000000"
CASE_FIELD = "tenkuCase"
FIXED_FIELDS = ("version", "id", "account", "region", "time")


def _tenku_source(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("aws."):
        return "tenku." + value[4:]
    if isinstance(value, list):
        return [_tenku_source(v) for v in value]
    if isinstance(value, dict):
        return {k: _tenku_source(v) for k, v in value.items()}
    return value


def _carry_pattern(pattern: dict[str, Any]) -> dict[str, Any]:
    carried: dict[str, Any] = {}
    for key, value in pattern.items():
        if key == "source":
            value = _tenku_source(value)
        elif key == "account":
            value = [WIRE_ACCOUNT if v == BASE["account"] else v for v in value]
        elif key == "$or":
            value = [_carry_pattern(branch) for branch in value]
        carried[key] = value
    return carried


def carried_over(index: int, case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    """(rule pattern, PutEvents entry) with the case's meaning, tagged with its index."""
    assert all(case.event[f] == BASE[f] for f in FIXED_FIELDS), "PutEvents cannot set these"
    pattern = _carry_pattern(copy.deepcopy(case.pattern))
    pattern["detail"] = {**pattern.get("detail", {}), CASE_FIELD: [index]}
    detail = {**case.event["detail"], CASE_FIELD: index}
    entry = {
        "Source": _tenku_source(case.event["source"]),
        "DetailType": case.event["detail-type"],
        "Detail": json.dumps(detail),
        "Resources": case.event["resources"],
        "Time": datetime.strptime(case.event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
    }
    return pattern, entry


def test_pattern_table_through_rules_to_an_sqs_target(tenku: TenkuProcess) -> None:
    assert len(CASES) >= 150
    assert BASE["region"] == "us-west-1"
    events, sqs = tenku.client("events", "us-west-1"), tenku.client("sqs", "us-west-1")
    bus = f"table-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    url = sqs.create_queue(QueueName=bus)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    entries = []
    for index, case in enumerate(CASES):
        pattern, entry = carried_over(index, case)
        events.put_rule(Name=f"case-{index}", EventBusName=bus, EventPattern=json.dumps(pattern))
        # The body names both the rule and the event that reached it.
        template = f'{{"rule": {index}, "event": <case>}}'
        transformer = {
            "InputPathsMap": {"case": f"$.detail.{CASE_FIELD}"},
            "InputTemplate": template,
        }
        answer = events.put_targets(
            Rule=f"case-{index}", EventBusName=bus,
            Targets=[{"Id": "q", "Arn": queue_arn, "InputTransformer": transformer}],
        )  # fmt: skip
        assert answer["FailedEntryCount"] == 0, answer
        entries.append({**entry, "EventBusName": bus})
    for start in range(0, len(entries), 10):
        answer = events.put_events(Entries=entries[start : start + 10])
        assert answer["FailedEntryCount"] == 0, answer

    expected = {i for i, case in enumerate(CASES) if case.expected}
    delivered: list[tuple[int, int]] = []
    deadline = time.monotonic() + 60
    quiet_until = None
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = got.get("Messages", [])
        for message in messages:
            body = json.loads(message["Body"])
            delivered.append((body["rule"], body["event"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(delivered) >= len(expected) and not messages:
            # Everything expected is in; one more quiet second for anything unexpected.
            quiet_until = quiet_until or time.monotonic() + 1.0
            if time.monotonic() >= quiet_until:
                break
    assert all(rule == event for rule, event in delivered), "a rule got another case's event"
    got_cases = [rule for rule, _ in delivered]
    assert len(got_cases) == len(set(got_cases)), "a case was delivered twice"
    wrong = {
        i: (CASES[i].expected, CASES[i].source, CASES[i].pattern)
        for i in expected.symmetric_difference(got_cases)
    }
    assert not wrong, f"{len(wrong)} cases disagree with the table through rules: {wrong}"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (
            '{"source": "aws.ec2"}',
            '"source" must be an object or an array\n at [Source: (String)"{"source": "aws.ec2"}"; line: 1, column: 13]',
        ),
        (
            '{"detail": {}}',
            'Empty objects are not allowed\n at [Source: (String)"{"detail": {}}"; line: 1, column: 14]',
        ),
        (
            '{"source": []}',
            'Empty arrays are not allowed\n at [Source: (String)"{"source": []}"; line: 1, column: 14]',
        ),
        (
            '{"source": [{"foo": 1}]}',
            'Unrecognized match type foo\n at [Source: (String)"{"source": [{"foo": 1}]}"; line: 1, column: 22]',
        ),
        (
            '{"source": [{"numeric": [">", 6, "<", 5]}]}',
            'Bottom must be less than top\n at [Source: (String)"{"source": [{"numeric": [">", 6, "<", 5]}]}"; line: 1, column: 41]',
        ),
        (
            '{"source": [{"wildcard": "a**"}]}',
            'Consecutive wildcard characters at pos 2\n at [Source: (String)"{"source": [{"wildcard": "a**"}]}"; line: 1, column: 31]',
        ),
        ('{"source": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
        ('["a"]', 'Filter is not an object\n at [Source: (String)"["a"]"; line: 1, column: 2]'),
    ],
)
def test_invalid_patterns_answer_awss_reason(events: Any, pattern: str, reason: str) -> None:
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern=pattern, Event=json.dumps(BASE))
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "InvalidEventPatternException"
    assert error["Message"] == f"Event pattern is not valid. Reason: {reason}"


@pytest.mark.parametrize(
    "missing", ["id", "account", "source", "time", "region", "resources", "detail-type"]
)
def test_the_event_needs_every_mandatory_field(events: Any, missing: str) -> None:
    event = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern='{"source": ["aws.ec2"]}', Event=json.dumps(event))
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Parameter Event is not valid.",
    }


def test_an_event_that_is_not_json_is_refused(events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern='{"source": ["a"]}', Event="{not json")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_the_cli_tests_patterns(tenku: TenkuProcess) -> None:
    done = tenku.aws(
        "events", "test-event-pattern",
        "--event-pattern", json.dumps({"detail": {"state": [{"anything-but": "running"}]}}),
        "--event", json.dumps(BASE),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"Result": True}
    bad = tenku.aws(
        "events", "test-event-pattern", "--event-pattern", '{"a": 1}', "--event", json.dumps(BASE)
    )
    assert bad.returncode != 0
    assert "InvalidEventPatternException" in bad.stderr
    assert '"a" must be an object or an array' in bad.stderr
