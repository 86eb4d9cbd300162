"""InputPath and InputTransformer, as the EventBridge User Guide's "Transforming input"
page describes them, plus schedule-expression validation and retry backoff."""

# ruff: noqa: E501  (event and template literals read best one per line)
from __future__ import annotations

import json

import pytest

from tenku.patterns.matching import parse_event
from tenku.services.events.delivery import backoff_s, target_input
from tenku.services.events.schedule import next_fire, valid_schedule
from tenku.services.events.transform import PathError, input_path, parse_path, render_template

EVENT = parse_event(
    json.dumps(
        {
            "version": "0",
            "id": "7bf73129-1428-4cd3-a780-95db273d1602",
            "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2",
            "account": "123456789012",
            "time": "2015-11-11T21:29:54Z",
            "region": "us-east-1",
            "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
            "detail": {
                "instance-id": "i-0123456789",
                "state": "RUNNING",
                "count": 3.50,
                "tags": {"a": "b"},
                "list": [1, "x"],
                "odd name": "o",
                "quote": 'say "hi"',
            },
        }
    ).replace('"count": 3.5', '"count": 3.50')
)  # fmt: skip  (a number written with a trailing zero)
RULE = "arn:aws:events:us-east-1:123456789012:rule/my-rule"
PATHS = {"instance": "$.detail.instance-id", "state": "$.detail.state", "count": "$.detail.count",
         "tags": "$.detail.tags", "first": "$.resources[0]", "quote": "$.detail.quote", "nope": "$.detail.nope"}  # fmt: skip


def render(template: str, paths: dict[str, str] | None = None) -> str:
    return render_template(template, PATHS if paths is None else paths, EVENT, rule_arn=RULE,
                           rule_name="my-rule", ingestion_time="2015-11-11T21:29:55Z")  # fmt: skip


def test_paths() -> None:
    assert parse_path("$") == []
    assert parse_path("$.detail.instance-id") == ["detail", "instance-id"]
    assert parse_path("$.resources[0]") == ["resources", 0]
    assert parse_path("$['detail']['odd name']") == ["detail", "odd name"]
    for bad in ("detail", "$.", "$[x]", "$..a"):
        with pytest.raises(PathError):
            parse_path(bad)


def test_input_path_selects_json() -> None:
    assert input_path(EVENT, "$.detail.state") == '"RUNNING"'
    assert input_path(EVENT, "$.detail.count") == "3.50"  # the number as written
    assert input_path(EVENT, "$.detail.tags") == '{"a":"b"}'
    assert input_path(EVENT, "$['detail']['odd name']") == '"o"'
    assert input_path(EVENT, "$.detail.nope") == "null"
    assert json.loads(input_path(EVENT, "$"))["id"] == EVENT["id"]


def test_json_template_outside_strings_inserts_json() -> None:
    out = render('{"instance": <instance>, "state": [9, <state>, true], "Transformed": "Yes"}')
    assert json.loads(out) == {
        "instance": "i-0123456789",
        "state": [9, "RUNNING", True],
        "Transformed": "Yes",
    }
    assert json.loads(render('{"c": <count>, "t": <tags>, "r": <first>}')) == {
        "c": 3.5,
        "t": {"a": "b"},
        "r": "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111",
    }


def test_json_template_inside_strings_inserts_text() -> None:
    assert render('"<instance> is in state <state>"') == '"i-0123456789 is in state RUNNING"'
    out = json.loads(render('{"msg": "instance <instance> has <tags> and <quote>"}'))
    assert out == {"msg": 'instance i-0123456789 has {"a":"b"} and say "hi"'}


def test_plain_text_template() -> None:
    assert render("instance <instance> is in <state>") == "instance i-0123456789 is in RUNNING"
    assert render("tags: <tags>") == 'tags: {"a":"b"}'


def test_missing_values_and_unknown_placeholders() -> None:
    assert json.loads(render('{"v": <nope>, "s": "<nope>"}')) == {"v": None, "s": ""}
    assert render("<unknown> stays") == "<unknown> stays"


def test_predefined_variables() -> None:
    out = json.loads(render('{"arn": "<aws.events.rule-arn>", "name": "<aws.events.rule-name>",'
                            ' "at": "<aws.events.event.ingestion-time>", "e": <aws.events.event>,'
                            ' "full": <aws.events.event.json>}', {}))  # fmt: skip
    assert out["arn"] == RULE and out["name"] == "my-rule" and out["at"] == "2015-11-11T21:29:55Z"
    assert "detail" not in out["e"] and out["e"]["id"] == EVENT["id"]
    assert out["full"]["detail"]["state"] == "RUNNING"


def test_target_input_picks_the_configured_form() -> None:
    assert target_input({"Input": '{"x": 1}'}, EVENT, RULE, 0) == '{"x": 1}'
    assert target_input({"InputPath": "$.detail.state"}, EVENT, RULE, 0) == '"RUNNING"'
    assert json.loads(target_input({}, EVENT, RULE, 0))["detail"]["count"] == 3.5
    transformer = {
        "InputTransformer": {"InputPathsMap": {"s": "$.detail.state"}, "InputTemplate": "<s>!"}
    }
    assert target_input(transformer, EVENT, RULE, 0) == "RUNNING!"


@pytest.mark.parametrize(
    ("expression", "valid"),
    [
        ("rate(1 minute)", True), ("rate(1 minutes)", False), ("rate(2 minutes)", True), ("rate(2 minute)", False),
        ("rate(1 day)", True), ("rate(0 hours)", False), ("rate(3 weeks)", False),
        ("cron(0 10 * * ? *)", True), ("cron(15 12 * * ? *)", True), ("cron(0 18 ? * MON-FRI *)", True),
        ("cron(0 8 1 * ? *)", True), ("cron(0/15 * * * ? *)", True), ("cron(0/10 * ? * MON-FRI *)", True),
        ("cron(0/5 8-17 ? * MON-FRI *)", True), ("cron(0 9 ? * 2#1 *)", True), ("cron(0 0 L * ? *)", True),
        ("cron(0 0 * * * *)", False), ("cron(0 0 ? * ? *)", False), ("cron(60 0 * * ? *)", False),
        ("cron(0 24 * * ? *)", False), ("cron(0 0 32 * ? *)", False), ("cron(0 0 * 13 ? *)", False),
        ("cron(0 0 * * ? 1969)", False), ("cron(0 0 * * ?)", False), ("cron()", False), ("hourly", False),
    ],
)  # fmt: skip
def test_schedule_expressions(expression: str, valid: bool) -> None:
    assert valid_schedule(expression) is valid


def test_next_fire_waits_for_the_shared_cron_engine() -> None:
    # Until tenku.core.schedules exists, scheduled rules have no next fire time.
    try:
        import tenku.core.schedules  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        assert next_fire("rate(5 minutes)", 0.0) is None


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff_s(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_s(40) == 300.0
