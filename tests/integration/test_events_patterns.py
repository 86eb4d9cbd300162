"""TestEventPattern through the wire: the whole pattern table, and AWS's refusals."""

# ruff: noqa: E501  (expected messages read best one per line)
from __future__ import annotations

import json
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
