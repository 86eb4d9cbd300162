"""Deploying a `StackPlan` through the CloudFormation API, as `sam deploy` does it:
upload the packages, create a change set (CREATE or UPDATE), execute it, and follow
the stack's events until it settles; deleting a stack the same way.

Every call is a public API call over HTTP (botocore clients from `gateway.client`), so
this works against any Tenku, in-process or not. A change set with nothing to change
is deleted and reported as unchanged (CloudFormation refuses to make an empty one).
Must not: draw anything (events go to the `on_event` callback) or read project files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenku.deploy.plan import ARTIFACT_BUCKET, StackPlan
from tenku.gateway.client import remote_client

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
MAX_TEMPLATE_BODY = 51_200  # CloudFormation's limit; larger templates go by TemplateURL
POLL_S = 0.1
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
_REPLACEABLE = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED")
SUCCEEDED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")

EventSink = Callable[[dict[str, Any]], None]
ChangeSink = Callable[[dict[str, Any]], None]


# The stack tag CloudFormation in Tenku reads to record unknown resource types.
SKIP_UNKNOWN_TAG = "tenku:skip-unknown-types"


class DeployError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Deployed:
    stack_name: str
    status: str
    changed: bool
    outputs: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # by logical id

    def physical_id(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return None if resource is None else str(resource.get("PhysicalResourceId") or "")


def _error_text(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        detail = response.get("Error") or {}
        code, message = detail.get("Code", ""), detail.get("Message", "")
        if code or message:
            return f"{code}: {message}" if code else str(message)
    return str(error)


CLIENTS = ("cloudformation", "s3", "apigatewayv2", "logs", "lambda")


def warmed_session(region: str) -> Any:
    """A botocore session with the models of the clients a deployment uses already read
    (a second or so of start-up that can run while the server starts)."""
    import botocore.session

    session = botocore.session.get_session()
    for service in CLIENTS:
        remote_client(service, "http://127.0.0.1:1", region, session)
    return session


class Stacks:
    """The CloudFormation, S3 and SSM clients of one endpoint and region."""

    def __init__(self, endpoint: str, region: str, session: Any = None) -> None:
        import botocore.session

        self.endpoint = endpoint.rstrip("/")
        self.region = region
        # One botocore session: its clients share parsed models (a second of start-up).
        # Sessions are not thread-safe, so clients are made on the thread that made this.
        self._session = session or botocore.session.get_session()
        self._clients: dict[str, Any] = {}
        self.cfn = self.client("cloudformation")
        self._s3: Any = None
        self._made_buckets: set[str] = set()
        self._uploaded: set[tuple[str, str]] = set()
        # Stack tags every change set carries (e.g. tenku:skip-unknown-types).
        self.tags: list[dict[str, str]] = []

    def client(self, service: str) -> Any:
        """The client of `service` for this endpoint and region (one per service)."""
        if service not in self._clients:
            self._clients[service] = remote_client(
                service, self.endpoint, self.region, self._session
            )
        return self._clients[service]

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = self.client("s3")
        return self._s3

    # -- uploads -------------------------------------------------------------------------
    def upload(self, plan: StackPlan) -> int:
        """Make the plan's buckets and put its packages not there yet; how many were put."""
        from botocore.exceptions import BotoCoreError, ClientError

        put = 0
        try:
            for bucket in plan.buckets:
                self._bucket(bucket)
            for artifact in plan.artifacts:
                where = (artifact.bucket, artifact.key)
                if where in self._uploaded:
                    continue
                try:
                    self.s3.head_object(Bucket=artifact.bucket, Key=artifact.key)
                except ClientError:
                    self.s3.put_object(Bucket=artifact.bucket, Key=artifact.key, Body=artifact.body)
                    put += 1
                self._uploaded.add(where)
        except (ClientError, BotoCoreError) as error:
            raise DeployError(f"uploading the packages failed: {_error_text(error)}") from error
        self._ssm(plan)
        return put

    def _bucket(self, bucket: str) -> None:
        from botocore.exceptions import ClientError

        if bucket in self._made_buckets:
            return
        params: dict[str, Any] = {"Bucket": bucket}
        if self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.s3.create_bucket(**params)
        except ClientError as error:
            code = (error.response.get("Error") or {}).get("Code")
            if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        self._made_buckets.add(bucket)

    def _ssm(self, plan: StackPlan) -> None:
        """Parameters the template reads from SSM (the CDK bootstrap version); a Tenku
        without SSM leaves the deployment to say what it misses."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not plan.ssm_parameters:
            return
        ssm = self.client("ssm")
        for name, value in plan.ssm_parameters.items():
            with contextlib.suppress(ClientError, BotoCoreError):
                ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)

    # -- deploy ---------------------------------------------------------------------------
    def describe(self, stack_name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            stacks = self.cfn.describe_stacks(StackName=stack_name)["Stacks"]
        except ClientError as error:
            if "does not exist" in _error_text(error):
                return None
            raise DeployError(_error_text(error)) from error
        return stacks[0] if stacks else None

    def deploy(
        self, plan: StackPlan, on_event: EventSink, on_change: ChangeSink | None = None
    ) -> Deployed:
        """Upload, change set, execute, follow; DeployError when the stack fails."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.upload(plan)
            return self._deploy(plan, on_event, on_change)
        except ClientError as error:
            raise DeployError(_error_text(error)) from error
        except BotoCoreError as error:
            raise DeployError(str(error)) from error

    def _deploy(
        self, plan: StackPlan, on_event: EventSink, on_change: ChangeSink | None
    ) -> Deployed:
        stack = self._settled(plan.stack_name, on_event)
        if stack is not None and stack["StackStatus"] in _REPLACEABLE:
            # A stack whose creation failed can only be deleted (as CloudFormation says).
            self._delete(stack, on_event)
            stack = None
        kind = (
            "CREATE" if stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS" else "UPDATE"
        )
        change_set = f"tenku-{int(time.time() * 1000)}"
        request: dict[str, Any] = {
            "StackName": plan.stack_name,
            "ChangeSetName": change_set,
            "ChangeSetType": kind,
            "Capabilities": CAPABILITIES,
            "Parameters": [
                {"ParameterKey": k, "ParameterValue": v} for k, v in plan.parameters.items()
            ],
        }
        if self.tags:
            request["Tags"] = self.tags
        request.update(self._template_argument(plan))
        created = self.cfn.create_change_set(**request)
        described = self._wait_for_change_set(created["Id"], plan.stack_name)
        if described["Status"] == "FAILED":
            reason = str(described.get("StatusReason") or "")
            if any(phrase in reason for phrase in _NO_CHANGES):
                self.cfn.delete_change_set(ChangeSetName=created["Id"], StackName=plan.stack_name)
                return self._result(plan.stack_name, "UNCHANGED", changed=False)
            raise DeployError(f"the change set failed: {reason}")
        if on_change is not None and kind == "UPDATE":
            for change in described.get("Changes") or []:
                on_change(change.get("ResourceChange") or {})
        seen = self._seen_events(created.get("StackId") or plan.stack_name)
        self.cfn.execute_change_set(ChangeSetName=created["Id"], StackName=plan.stack_name)
        status = self._follow(created.get("StackId") or plan.stack_name, seen, on_event)
        if status not in SUCCEEDED:
            raise DeployError(f"stack {plan.stack_name} ended in {status}")
        return self._result(plan.stack_name, status, changed=True)

    def _template_argument(self, plan: StackPlan) -> dict[str, str]:
        body = json.dumps(plan.template, separators=(",", ":"), default=str)
        if len(body.encode()) <= MAX_TEMPLATE_BODY:
            return {"TemplateBody": body}
        digest = hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
        key = f"{plan.stack_name}/{digest}.template"
        self._bucket(ARTIFACT_BUCKET)
        self.s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=body.encode())
        return {"TemplateURL": f"{self.endpoint}/{ARTIFACT_BUCKET}/{key}"}

    def _wait_for_change_set(self, change_set_id: str, stack_name: str) -> dict[str, Any]:
        deadline = time.monotonic() + 300
        while True:
            described: dict[str, Any] = self.cfn.describe_change_set(
                ChangeSetName=change_set_id, StackName=stack_name
            )
            if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                changes = list(described.get("Changes") or [])
                token = described.get("NextToken")
                while token:
                    page = self.cfn.describe_change_set(
                        ChangeSetName=change_set_id, StackName=stack_name, NextToken=token
                    )
                    changes += page.get("Changes") or []
                    token = page.get("NextToken")
                described["Changes"] = changes
                return described
            if time.monotonic() > deadline:
                raise DeployError(f"change set {change_set_id} did not finish in 300 s")
            time.sleep(POLL_S / 2)

    def _settled(self, stack_name: str, on_event: EventSink) -> dict[str, Any] | None:
        """The stack once no operation runs on it (waiting for one that does)."""
        stack = self.describe(stack_name)
        if stack is None or not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        if stack["StackStatus"] == "REVIEW_IN_PROGRESS":
            return stack
        self._follow(stack["StackId"], self._seen_events(stack["StackId"]), on_event)
        return self.describe(stack_name)

    def _seen_events(self, stack: str) -> set[str]:
        """The ids of the events the stack has so far (not to be shown again)."""
        from botocore.exceptions import ClientError

        try:
            return {e["EventId"] for e in self._events(stack, set())}
        except ClientError:
            return set()  # no stack yet (a CREATE change set makes it)

    def _events(self, stack: str, seen: set[str]) -> list[dict[str, Any]]:
        """Events not in `seen`, oldest first (pages are read until a seen one)."""
        fresh: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StackName": stack}
            if token:
                kwargs["NextToken"] = token
            page = self.cfn.describe_stack_events(**kwargs)
            for event in page.get("StackEvents") or []:
                if event["EventId"] in seen:
                    return list(reversed(fresh))
                fresh.append(event)
            token = page.get("NextToken")
            if not token:
                return list(reversed(fresh))

    def _follow(self, stack: str, seen: set[str], on_event: EventSink) -> str:
        """Show the stack's new events until its operation ends; its final status."""
        from botocore.exceptions import ClientError

        deadline = time.monotonic() + 1800
        while True:
            try:
                status = self.cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
                events = self._events(stack, seen)
            except ClientError as error:
                if "does not exist" not in _error_text(error):
                    raise
                return "DELETE_COMPLETE"  # a service that forgets deleted stacks at once
            for event in events:
                seen.add(event["EventId"])
                on_event(event)
            if not status.endswith("_IN_PROGRESS"):
                return str(status)
            if time.monotonic() > deadline:
                raise DeployError(f"stack {stack} is still {status} after 30 minutes")
            time.sleep(POLL_S)

    def _result(self, stack_name: str, status: str, *, changed: bool) -> Deployed:
        stack = self.describe(stack_name) or {}
        return Deployed(
            stack_name,
            status if changed else str(stack.get("StackStatus") or status),
            changed,
            list(stack.get("Outputs") or []),
            self.resources(stack_name),
        )

    def resources(self, stack_name: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StackName": stack_name}
            if token:
                kwargs["NextToken"] = token
            page = self.cfn.list_stack_resources(**kwargs)
            for summary in page.get("StackResourceSummaries") or []:
                found[summary["LogicalResourceId"]] = summary
            token = page.get("NextToken")
            if not token:
                return found

    # -- delete ---------------------------------------------------------------------------
    def destroy(self, stack_name: str, on_event: EventSink) -> bool:
        """Delete the stack; False when there was none."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            stack = self._settled(stack_name, on_event)
            if stack is None:
                return False
            self._delete(stack, on_event)
        except ClientError as error:
            raise DeployError(_error_text(error)) from error
        except BotoCoreError as error:
            raise DeployError(str(error)) from error
        return True

    def _delete(self, stack: dict[str, Any], on_event: EventSink) -> None:
        stack_id = stack["StackId"]
        seen = self._seen_events(stack_id)
        self.cfn.delete_stack(StackName=stack_id)
        status = self._follow(stack_id, seen, on_event)
        if status != "DELETE_COMPLETE":
            raise DeployError(f"stack {stack['StackName']} ended in {status}")
