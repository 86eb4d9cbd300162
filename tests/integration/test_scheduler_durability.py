"""Scheduler across `kill -9`: schedules survive, and an occurrence that came due while
Tenku was down fires once after the restart."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.integration.conftest import TenkuProcess
from tests.integration.scheduler_support import ROLE, advance_to, drain, iso, queue, server_now

OFF = {"Mode": "OFF"}


def at_expression(instant: float) -> str:
    return "at(" + datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%S") + ")"


def test_schedules_survive_kill_9_and_fire_what_came_due_meanwhile(
    fresh_tenku: TenkuProcess,
) -> None:
    sqs = fresh_tenku.client("sqs")
    scheduler = fresh_tenku.client("scheduler")
    url, arn = queue(sqs, "after-restart")
    scheduler.create_schedule_group(Name="kept")
    now = server_now(fresh_tenku)  # real time: the clock's offset does not survive a restart
    soon = int(now) + 3
    later = int(now) + 7200
    target = {"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"}
    scheduler.create_schedule(
        Name="while-down",
        ScheduleExpression=at_expression(soon),
        FlexibleTimeWindow=OFF,
        Target=target,
    )
    scheduler.create_schedule(
        Name="hourly",
        GroupName="kept",
        ScheduleExpression="rate(1 hour)",
        StartDate=later,
        FlexibleTimeWindow=OFF,
        Target=target,
    )
    assert time.time() < soon  # so the one-time occurrence comes due while Tenku is down
    fresh_tenku.kill()
    time.sleep(max(soon + 1.5 - time.time(), 0))

    again = TenkuProcess(fresh_tenku.data_dir).start()
    try:
        assert [m["Body"] for m in drain(again.client("sqs"), url, 1)] == [iso(soon)]
        scheduler = again.client("scheduler")
        assert scheduler.get_schedule(Name="hourly", GroupName="kept")["StartDate"].timestamp() == (
            later
        )
        assert scheduler.get_schedule_group(Name="kept")["Name"] == "kept"
        advance_to(again, later + 30)
        bodies = [m["Body"] for m in drain(again.client("sqs"), url, 2, timeout=5)]
        assert bodies == [iso(later)]  # the one-time occurrence did not fire a second time
    finally:
        again.stop()
