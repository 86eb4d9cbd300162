"""Deploying templates through the stack engine against a running Tenku over HTTP.

`BotoCaller` is an `ApiCaller` that calls the server with botocore (the operation name
becomes the client's snake_case method), so resource handlers are exercised through the
real wire exactly as the CloudFormation service will drive them in-process. `Stack`
keeps one stack's records between `deploy` calls (create, then update) and `destroy`.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import botocore.session
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
