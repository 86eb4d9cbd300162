"""The CloudWatch Logs provider driven directly: groups, streams, events, bus, errors."""

from __future__ import annotations

import pytest

from tenku.core.clock import ManualClock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.events import EventBus, LogEvent
from tenku.core.scope import Scope
from tenku.services.logs.provider import LogsProvider
from tenku.storage import MemoryStorage

CTX = RequestContext(Scope(), "req-1")
NOW_MS = 1_700_000_000_000


@pytest.fixture
def env() -> tuple[LogsProvider, ManualClock, EventBus]:
    clock = ManualClock()
    bus = EventBus()
    return LogsProvider(MemoryStorage(), clock, bus), clock, bus


@pytest.fixture
def logs(env: tuple[LogsProvider, ManualClock, EventBus]) -> LogsProvider:
    return env[0]


def error(exc: pytest.ExceptionInfo[ServiceError]) -> tuple[str, str]:
    return exc.value.code, exc.value.message


def put(logs: LogsProvider, *events: tuple[int, str], stream: str = "s") -> None:
    logs.put_log_events(
        CTX, log_group_name="g", log_stream_name=stream,
        log_events=[{"timestamp": t, "message": m} for t, m in events],
    )  # fmt: skip


def setup_stream(logs: LogsProvider, *streams: str) -> None:
    logs.create_log_group(CTX, log_group_name="g")
    for name in streams or ("s",):
        logs.create_log_stream(CTX, log_group_name="g", log_stream_name=name)


def test_create_and_describe_groups(logs: LogsProvider) -> None:
    logs.create_log_group(CTX, log_group_name="/aws/lambda/a", tags={"t": "1"})
    logs.create_log_group(CTX, log_group_name="/aws/lambda/b")
    logs.create_log_group(CTX, log_group_name="other")
    out = logs.describe_log_groups(CTX, log_group_name_prefix="/aws/lambda/")
    names = [g["logGroupName"] for g in out["logGroups"]]
    assert names == ["/aws/lambda/a", "/aws/lambda/b"]
    first = out["logGroups"][0]
    assert first["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/a:*"
    assert first["creationTime"] == NOW_MS and first["storedBytes"] == 0
    assert "retentionInDays" not in first


def test_create_duplicate_group(logs: LogsProvider) -> None:
    logs.create_log_group(CTX, log_group_name="g")
    with pytest.raises(ServiceError) as exc:
        logs.create_log_group(CTX, log_group_name="g")
    assert error(exc) == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    )


def test_describe_groups_pages(logs: LogsProvider) -> None:
    for i in range(5):
        logs.create_log_group(CTX, log_group_name=f"g{i}")
    page = logs.describe_log_groups(CTX, limit=2)
    assert [g["logGroupName"] for g in page["logGroups"]] == ["g0", "g1"]
    seen = [g["logGroupName"] for g in page["logGroups"]]
    while "nextToken" in page:
        page = logs.describe_log_groups(CTX, limit=2, next_token=page["nextToken"])
        seen += [g["logGroupName"] for g in page["logGroups"]]
    assert seen == [f"g{i}" for i in range(5)]


def test_delete_group(logs: LogsProvider) -> None:
    setup_stream(logs)
    put(logs, (NOW_MS, "x"))
    logs.delete_log_group(CTX, log_group_name="g")
    assert logs.describe_log_groups(CTX)["logGroups"] == []
    with pytest.raises(ServiceError) as exc:
        logs.delete_log_group(CTX, log_group_name="g")
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")


def test_streams_errors(logs: LogsProvider) -> None:
    with pytest.raises(ServiceError) as exc:
        logs.create_log_stream(CTX, log_group_name="nope", log_stream_name="s")
    assert error(exc)[0] == "ResourceNotFoundException"
    setup_stream(logs)
    with pytest.raises(ServiceError) as exc:
        logs.create_log_stream(CTX, log_group_name="g", log_stream_name="s")
    assert error(exc)[0] == "ResourceAlreadyExistsException"
    with pytest.raises(ServiceError) as exc:
        logs.delete_log_stream(CTX, log_group_name="g", log_stream_name="x")
    assert error(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.")
    with pytest.raises(ServiceError) as exc:
        put(logs, (NOW_MS, "a"), stream="x")
    assert error(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.")


def test_describe_streams_order_and_fields(
    env: tuple[LogsProvider, ManualClock, EventBus],
) -> None:
    logs, clock, _ = env
    setup_stream(logs, "b", "a", "c")
    put(logs, (NOW_MS - 10, "one"), (NOW_MS - 5, "two"), stream="b")
    clock.advance(1)
    put(logs, (NOW_MS + 5, "three"), stream="c")
    out = logs.describe_log_streams(CTX, log_group_name="g")["logStreams"]
    assert [s["logStreamName"] for s in out] == ["a", "b", "c"]
    b = out[1]
    assert b["firstEventTimestamp"] == NOW_MS - 10 and b["lastEventTimestamp"] == NOW_MS - 5
    assert b["lastIngestionTime"] == NOW_MS and b["storedBytes"] == 6 + 52
    assert b["arn"].endswith(":log-group:g:log-stream:b")
    assert len(b["uploadSequenceToken"]) == 56
    assert "firstEventTimestamp" not in out[0]
    by_time = logs.describe_log_streams(
        CTX, log_group_name="g", order_by="LastEventTime", descending=True
    )["logStreams"]
    assert [s["logStreamName"] for s in by_time] == ["c", "b", "a"]
    prefixed = logs.describe_log_streams(CTX, log_group_identifier="g", log_stream_name_prefix="c")
    assert [s["logStreamName"] for s in prefixed["logStreams"]] == ["c"]
    with pytest.raises(ServiceError) as exc:
        logs.describe_log_streams(
            CTX, log_group_name="g", order_by="LastEventTime", log_stream_name_prefix="a"
        )
    assert error(exc)[0] == "InvalidParameterException"
    page = logs.describe_log_streams(CTX, log_group_name="g", limit=2)
    rest = logs.describe_log_streams(CTX, log_group_name="g", next_token=page["nextToken"])
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["c"]


def test_put_requires_chronological_order(logs: LogsProvider) -> None:
    setup_stream(logs)
    with pytest.raises(ServiceError) as exc:
        put(logs, (NOW_MS, "b"), (NOW_MS - 1, "a"))
    assert error(exc) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )


def test_put_rejects_too_old_and_too_new(logs: LogsProvider) -> None:
    setup_stream(logs)
    day = 86_400_000
    out = logs.put_log_events(
        CTX, log_group_name="g", log_stream_name="s",
        log_events=[
            {"timestamp": NOW_MS - 15 * day, "message": "old"},
            {"timestamp": NOW_MS - 14 * day - 5, "message": "old too"},
        ],
    )  # fmt: skip
    assert out["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    out = logs.put_log_events(
        CTX, log_group_name="g", log_stream_name="s",
        log_events=[
            {"timestamp": NOW_MS, "message": "fine"},
            {"timestamp": NOW_MS + 3 * 3_600_000, "message": "future"},
        ],
    )  # fmt: skip
    assert out["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    assert len(out["nextSequenceToken"]) == 56
    events = logs.get_log_events(CTX, log_group_name="g", log_stream_name="s")["events"]
    assert [e["message"] for e in events] == ["fine"]


def test_get_log_events_tokens(logs: LogsProvider) -> None:
    setup_stream(logs)
    put(logs, *[(NOW_MS + i, f"m{i}") for i in range(5)])
    head = logs.get_log_events(
        CTX, log_group_name="g", log_stream_name="s", start_from_head=True, limit=2
    )
    assert [e["message"] for e in head["events"]] == ["m0", "m1"]
    assert head["nextForwardToken"].startswith("f/") and head["nextForwardToken"].endswith("/s")
    assert head["nextBackwardToken"].startswith("b/")
    nxt = logs.get_log_events(
        CTX, log_group_name="g", log_stream_name="s", next_token=head["nextForwardToken"], limit=2
    )
    assert [e["message"] for e in nxt["events"]] == ["m2", "m3"]
    back = logs.get_log_events(
        CTX, log_group_name="g", log_stream_name="s", next_token=nxt["nextBackwardToken"]
    )
    assert [e["message"] for e in back["events"]] == ["m0", "m1"]
    tail = logs.get_log_events(CTX, log_group_name="g", log_stream_name="s", limit=2)
    assert [e["message"] for e in tail["events"]] == ["m3", "m4"]
    end = logs.get_log_events(
        CTX, log_group_name="g", log_stream_name="s", next_token=tail["nextForwardToken"]
    )
    assert end["events"] == [] and end["nextForwardToken"] == tail["nextForwardToken"]
    ranged = logs.get_log_events(
        CTX, log_group_name="g", log_stream_name="s", start_time=NOW_MS + 1, end_time=NOW_MS + 3
    )
    assert [e["message"] for e in ranged["events"]] == ["m1", "m2"]
    with pytest.raises(ServiceError) as exc:
        logs.get_log_events(CTX, log_group_name="g", log_stream_name="s", next_token="zz")
    assert error(exc)[0] == "InvalidParameterException"


def test_bus_events_create_group_and_stream(
    env: tuple[LogsProvider, ManualClock, EventBus],
) -> None:
    logs, _, bus = env
    bus.publish(LogEvent(Scope(), "/aws/lambda/fn", "2024/01/01/[$LATEST]abc", NOW_MS, "START"))
    bus.publish(LogEvent(Scope(), "/aws/lambda/fn", "2024/01/01/[$LATEST]abc", NOW_MS + 1, "END"))
    out = logs.get_log_events(
        CTX, log_group_name="/aws/lambda/fn", log_stream_name="2024/01/01/[$LATEST]abc"
    )
    assert [(e["timestamp"], e["message"]) for e in out["events"]] == [
        (NOW_MS, "START"),
        (NOW_MS + 1, "END"),
    ]
    found = logs.filter_log_events(CTX, log_group_name="/aws/lambda/fn", filter_pattern="END")
    assert [e["message"] for e in found["events"]] == ["END"]
    other = RequestContext(Scope("111111111111", "eu-west-1"), "r")
    assert logs.describe_log_groups(other)["logGroups"] == []


def test_filter_log_events(logs: LogsProvider) -> None:
    setup_stream(logs, "a", "b")
    put(logs, (NOW_MS, "ERROR one"), (NOW_MS + 2, "INFO two"), stream="a")
    put(logs, (NOW_MS + 1, '{"level": "ERROR", "n": 9}'), (NOW_MS + 3, "ERROR x"), stream="b")
    out = logs.filter_log_events(CTX, log_group_name="g", filter_pattern="ERROR")
    assert [(e["logStreamName"], e["timestamp"]) for e in out["events"]] == [
        ("a", NOW_MS), ("b", NOW_MS + 1), ("b", NOW_MS + 3),
    ]  # fmt: skip
    event = out["events"][0]
    assert set(event) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    json_hits = logs.filter_log_events(CTX, log_group_name="g", filter_pattern="{ $.n > 5 }")
    assert [e["timestamp"] for e in json_hits["events"]] == [NOW_MS + 1]
    only_a = logs.filter_log_events(CTX, log_group_name="g", log_stream_names=["a"])
    assert len(only_a["events"]) == 2
    by_prefix = logs.filter_log_events(CTX, log_group_name="g", log_stream_name_prefix="b")
    assert len(by_prefix["events"]) == 2
    ranged = logs.filter_log_events(
        CTX, log_group_name="g", start_time=NOW_MS + 1, end_time=NOW_MS + 2
    )
    assert [e["timestamp"] for e in ranged["events"]] == [NOW_MS + 1, NOW_MS + 2]
    page = logs.filter_log_events(CTX, log_group_name="g", limit=3)
    rest = logs.filter_log_events(CTX, log_group_name="g", next_token=page["nextToken"])
    assert [e["message"] for e in rest["events"]] == ["ERROR x"]
    assert "nextToken" not in rest
    with pytest.raises(ServiceError) as exc:
        logs.filter_log_events(CTX, log_group_name="g", filter_pattern="{ $.a = }")
    assert error(exc)[0] == "InvalidParameterException"
    with pytest.raises(ServiceError) as exc:
        logs.filter_log_events(
            CTX, log_group_name="g", log_stream_names=["a"], log_stream_name_prefix="a"
        )
    assert error(exc)[0] == "InvalidParameterException"
    with pytest.raises(ServiceError) as exc:
        logs.filter_log_events(CTX, log_group_name="missing")
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")


def test_retention(env: tuple[LogsProvider, ManualClock, EventBus]) -> None:
    logs, clock, _ = env
    setup_stream(logs)
    put(logs, (NOW_MS, "early"))
    with pytest.raises(ServiceError) as exc:
        logs.put_retention_policy(CTX, log_group_name="g", retention_in_days=2)
    assert error(exc)[0] == "InvalidParameterException"
    with pytest.raises(ServiceError) as exc:
        logs.put_retention_policy(CTX, log_group_name="nope", retention_in_days=1)
    assert error(exc)[0] == "ResourceNotFoundException"
    logs.put_retention_policy(CTX, log_group_name="g", retention_in_days=1)
    assert logs.describe_log_groups(CTX)["logGroups"][0]["retentionInDays"] == 1
    clock.advance(2 * 86_400)
    put(logs, (int(clock.now() * 1000), "late"))
    get = logs.get_log_events(CTX, log_group_name="g", log_stream_name="s")
    assert [e["message"] for e in get["events"]] == ["late"]
    flt = logs.filter_log_events(CTX, log_group_name="g")
    assert [e["message"] for e in flt["events"]] == ["late"]
    logs.sweep()
    logs.delete_retention_policy(CTX, log_group_name="g")
    assert "retentionInDays" not in logs.describe_log_groups(CTX)["logGroups"][0]
    get = logs.get_log_events(CTX, log_group_name="g", log_stream_name="s")
    assert [e["message"] for e in get["events"]] == ["late"]  # swept for good


def test_tags(logs: LogsProvider) -> None:
    logs.create_log_group(CTX, log_group_name="g", tags={"a": "1"})
    logs.tag_log_group(CTX, log_group_name="g", tags={"b": "2"})
    assert logs.list_tags_log_group(CTX, log_group_name="g") == {"tags": {"a": "1", "b": "2"}}
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:g"
    logs.tag_resource(CTX, resource_arn=arn, tags={"c": "3"})
    logs.untag_resource(CTX, resource_arn=arn + ":*", tag_keys=["a"])
    assert logs.list_tags_for_resource(CTX, resource_arn=arn) == {"tags": {"b": "2", "c": "3"}}
    logs.untag_log_group(CTX, log_group_name="g", tags=["b"])
    assert logs.list_tags_log_group(CTX, log_group_name="g") == {"tags": {"c": "3"}}
    with pytest.raises(ServiceError) as exc:
        logs.list_tags_for_resource(CTX, resource_arn=arn + "x")
    assert error(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ServiceError) as exc:
        logs.tag_resource(CTX, resource_arn="not-an-arn", tags={})
    assert error(exc)[0] == "InvalidParameterException"


def test_start_and_stop(logs: LogsProvider) -> None:
    import asyncio

    async def cycle() -> None:
        await logs.start()
        await logs.stop()

    asyncio.run(cycle())
