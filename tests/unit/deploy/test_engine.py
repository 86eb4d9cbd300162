"""The stack engine with a fake resource type: hooks, rollbacks, DisableRollback,
replacement, teardown, and a handler bug turned into a resource failure."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tenku.core.scope import Scope
from tenku.deploy.engine import DeployFailed, Deployment, Hooks, destroy
from tenku.deploy.errors import ResourceFailure
from tenku.deploy.intrinsics import Evaluator, ResourceValues
from tenku.deploy.records import Record
from tenku.deploy.resources import HANDLERS
from tenku.deploy.resources.base import Handler, Made, ResourceContext

KIND = "Test::Fake::Thing"


class Fake(Handler):
    type_name = KIND
    replace_on = ("Name",)

    def __init__(self) -> None:
        self.live: dict[str, dict[str, Any]] = {}
        self.counter = 0

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        if props.get("Fail"):
            raise ResourceFailure(f"cannot make {ctx.logical_id}")
        if props.get("Bug"):
            raise KeyError("oops")
        self.counter += 1
        physical = f"{props.get('Name', ctx.logical_id)}-{self.counter}"
        self.live[physical] = dict(props)
        return Made(physical, {"Arn": f"arn:fake:{physical}"})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        if new.get("Fail"):
            raise ResourceFailure("cannot update")
        self.live[current.physical_id] = dict(new)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        self.live.pop(current.physical_id, None)


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    handler = Fake()
    monkeypatch.setitem(HANDLERS, KIND, handler)
    return handler


async def _no_api(*_args: Any) -> dict[str, Any]:
    raise AssertionError("no API calls expected")


def run(
    resources: dict[str, Any],
    previous: dict[str, Record] | None = None,
    rollback: bool = True,
    seen: list[str] | None = None,
) -> dict[str, Record]:
    template = {"Resources": resources}
    events: list[tuple[str, str]] = []
    phases = seen if seen is not None else []

    def evaluator_for(values: ResourceValues) -> Evaluator:
        return Evaluator(template, {}, {"AWS::Region": "us-east-1"}, values)

    hooks = Hooks(
        records_changed=lambda records: phases.append(f"records:{sorted(records)}"),
        rolling_back=lambda reason: phases.append(f"rollback:{reason}"),
        finishing=lambda records: phases.append("finishing"),
        cleaning_up=lambda: phases.append("cleanup"),
    )
    deployment = Deployment(
        _no_api,
        Scope(),
        "stack",
        "stack-id",
        template,
        evaluator_for,
        previous or {},
        lambda lid, kind, physical, status, reason: events.append((lid, status)),
        rollback=rollback,
        hooks=hooks,
    )
    return asyncio.run(deployment.apply())


def thing(**props: Any) -> dict[str, Any]:
    return {"Type": KIND, "Properties": props}


def test_create_in_dependency_order_and_hooks(fake: Fake) -> None:
    seen: list[str] = []
    records = run({"A": thing(Name="a"), "B": thing(Name={"Fn::GetAtt": ["A", "Arn"]})}, seen=seen)
    assert records["B"].properties == {"Name": "arn:fake:a-1"}
    assert records["B"].depends_on == ["A"]
    assert seen[-2:] == ["finishing", "cleanup"]
    assert "records:['A', 'B']" in seen


def test_a_failure_rolls_back_what_was_made(fake: Fake) -> None:
    seen: list[str] = []
    with pytest.raises(DeployFailed) as failed:
        run({"A": thing(), "B": {**thing(Fail=True), "DependsOn": "A"}}, seen=seen)
    assert failed.value.reason == "cannot make B"
    assert failed.value.stack_reason == (
        "The following resource(s) failed to create: [B]. Rollback requested by user."
    )
    assert fake.live == {}
    assert any(s.startswith("rollback:") for s in seen)


def test_without_rollback_things_stay(fake: Fake) -> None:
    with pytest.raises(DeployFailed) as failed:
        run({"A": thing(), "B": {**thing(Fail=True), "DependsOn": "A"}}, rollback=False)
    assert not failed.value.rolled_back
    assert list(fake.live) == ["A-1"]


def test_a_handler_bug_is_an_internal_failure(fake: Fake) -> None:
    with pytest.raises(DeployFailed) as failed:
        run({"A": thing(Bug=True)})
    assert failed.value.reason.startswith("Internal Failure: KeyError")


def test_update_in_place_replacement_and_removal(fake: Fake) -> None:
    first = run({"A": thing(Name="a", Size=1), "B": thing(Name="b"), "C": thing(Name="c")})
    second = run(
        {"A": thing(Name="a", Size=2), "B": thing(Name="b2"), "C": thing(Name="c")},
        previous=first,
    )
    assert second["A"].physical_id == first["A"].physical_id  # in place
    assert second["B"].physical_id != first["B"].physical_id  # replaced
    assert first["B"].physical_id not in fake.live
    third = run({"A": thing(Name="a", Size=2)}, previous=second)
    assert set(third) == {"A"} and set(fake.live) == {third["A"].physical_id}


def test_a_failed_update_sets_things_back(fake: Fake) -> None:
    first = run({"A": thing(Name="a", Size=1), "B": thing(Name="b")})
    with pytest.raises(DeployFailed) as failed:
        run(
            {"A": thing(Name="a", Size=2), "B": {**thing(Name="b", Fail=True), "DependsOn": "A"}},
            previous=first,
        )
    assert "failed to update: [B]" in failed.value.stack_reason
    assert fake.live[first["A"].physical_id] == {"Name": "a", "Size": 1}


def test_destroy_honours_retain(fake: Fake) -> None:
    records = run({"A": thing(), "B": {**thing(), "DeletionPolicy": "Retain"}})
    gone: list[str] = []
    failed = asyncio.run(
        destroy(_no_api, Scope(), "s", "id", records, lambda *a: None, gone.append)
    )
    assert failed == [] and sorted(gone) == ["A", "B"]
    assert list(fake.live) == [records["B"].physical_id]


def test_records_round_trip_as_json(fake: Fake) -> None:
    record = run({"A": thing(Name="a")})["A"]
    assert Record.from_json(record.to_json()) == record
