"""Helpers for the CloudFormation black-box tests.

Stack engine side: `BotoCaller` is an `ApiCaller` that calls the server with botocore
(the operation name becomes the client's snake_case method), so resource handlers are
exercised through the real wire exactly as the CloudFormation service drives them
in-process; `Stack` keeps one stack's records between `deploy` calls (create, then
update) and `destroy`. Service side: waiting for stack and change-set statuses, reading
outputs and events, and the templates several tests share.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.deploy.engine import Deployment, Record, destroy
from tenku.deploy.intrinsics import Evaluator, pseudo_parameters
from tenku.deploy.loader import load_template
from tenku.deploy.sam import expand_sam, needs_sam


class BotoCaller:
    """`(service, operation, params, scope)` -> botocore's client call, off the loop."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.session = botocore.session.get_session()

    @functools.cache  # noqa: B019 - one client per service and region for the test's life
    def client(self, service: str, region: str) -> Any:
        return self.session.create_client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="AKIDTENKUTEST",
            aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 0}),
        )

    async def __call__(
        self, service: str, operation: str, params: dict[str, Any], scope: Scope
    ) -> dict[str, Any]:
        method = getattr(self.client(service, scope.region), xform_name(operation))
        try:
            result: dict[str, Any] = await asyncio.to_thread(lambda: method(**params))
        except ClientError as error:
            details = error.response.get("Error", {})
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            raise ServiceError(
                str(details.get("Code", "")), str(details.get("Message", "")), int(status)
            ) from error
        result.pop("ResponseMetadata", None)
        return result


class Stack:
    """One stack: its records between operations, and every event the engine reported."""

    def __init__(self, endpoint: str, name: str, region: str = "us-east-1") -> None:
        self.api = BotoCaller(endpoint)
        self.scope = Scope("000000000000", region)
        self.name = name
        self.stack_id = f"arn:aws:cloudformation:{region}:000000000000:stack/{name}/id-{name}"
        self.records: dict[str, Record] = {}
        self.events: list[tuple[str, str, str, str, str]] = []

    def _event(self, *event: str) -> None:
        self.events.append(event)  # type: ignore[arg-type]

    def deploy(self, template: dict[str, Any] | str, **parameters: Any) -> dict[str, Record]:
        body = load_template(template) if isinstance(template, str) else template
        if needs_sam(body):
            body = expand_sam(body, parameters, self.scope.region, self.scope.account)
        pseudo = pseudo_parameters(self.scope.account, self.scope.region, self.name, self.stack_id)

        def evaluator_for(values: Any) -> Evaluator:
            return Evaluator(body, parameters, pseudo, values)

        deployment = Deployment(
            self.api, self.scope, self.name, self.stack_id, body, evaluator_for,
            dict(self.records), self._event,
        )  # fmt: skip
        self.records = asyncio.run(deployment.apply())
        return self.records

    def destroy(self) -> list[str]:
        failed = asyncio.run(
            destroy(self.api, self.scope, self.name, self.stack_id, self.records, self._event)
        )
        self.records = {lid: r for lid, r in self.records.items() if lid in failed}
        return failed

    def ref(self, logical_id: str) -> str:
        return self.records[logical_id].physical_id

    def attribute(self, logical_id: str, name: str) -> Any:
        return self.records[logical_id].attributes[name]

    def statuses(self, logical_id: str) -> list[str]:
        return [e[3] for e in self.events if e[0] == logical_id]


ROLE = "arn:aws:iam::000000000000:role/cfn-test"


def unique(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_stack(cfn: Any, stack: str, timeout: float = 60) -> dict[str, Any]:
    """The stack once its status is no longer *_IN_PROGRESS."""
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        status = found["StackStatus"]
        if not status.endswith("_IN_PROGRESS") or status == "REVIEW_IN_PROGRESS":
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"stack {stack} still {status}")
        time.sleep(0.1)


def wait_change_set(cfn: Any, stack: str, name: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if found["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"change set {name} still {found['Status']}")
        time.sleep(0.1)


def outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def events(cfn: Any, stack: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason), oldest first."""
    found = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for e in reversed(found)
    ]


def create(cfn: Any, name: str, body: str, **params: Any) -> dict[str, Any]:
    cfn.create_stack(StackName=name, TemplateBody=body, **params)
    return wait_stack(cfn, name)


def update(cfn: Any, name: str, body: str, **params: Any) -> dict[str, Any]:
    cfn.update_stack(StackName=name, TemplateBody=body, **params)
    return wait_stack(cfn, name)


def delete(cfn: Any, name: str) -> dict[str, Any]:
    stack_id = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName=name)
    return wait_stack(cfn, stack_id)


def refused(call: Any, code: str, message: str, **params: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    assert message in error["Message"], error
    return caught.value


def queue_names(sqs: Any) -> set[str]:
    urls = sqs.list_queues().get("QueueUrls", [])
    return {u.rsplit("/", 1)[1] for u in urls}


def function_names(lam: Any) -> set[str]:
    return {f["FunctionName"] for f in lam.list_functions()["Functions"]}
