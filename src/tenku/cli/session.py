"""One `tenku up` session after the server listens: deploy every stack, show the
endpoints and outputs, point the API port at the API, print the ready line, then stream
the function logs and (unless `--no-watch`) react to file changes: a function's code
replaced in place (UpdateFunctionCode), or a new change set for a changed template.

Runs on a worker thread and talks to the in-process server over HTTP like any client.
`tenku deploy` uses the same `deploy_all` and `show` against a running server.
Must not: start or stop the server (`cli.up` does), or reach past the public API.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenku.cli import endpoints
from tenku.cli.apiport import ApiPort, Served
from tenku.cli.display import Console
from tenku.cli.logtail import LogTail
from tenku.cli.stacks import SKIP_UNKNOWN_TAG, Deployed, DeployError, Stacks
from tenku.cli.watch import INTERVAL_S, Watcher, classify
from tenku.deploy.errors import TemplateError
from tenku.deploy.plan import StackPlan, plan_project
from tenku.deploy.project import Project, ProjectError

FUNCTION = "AWS::Lambda::Function"
USER_POOL = "AWS::Cognito::UserPool"


@dataclass
class Options:
    """What the user asked for, kept to plan the project again after a change."""

    account: str
    region: str
    parameters: dict[str, str] = field(default_factory=dict)
    stage: str | None = None
    stack_name: str | None = None
    api: str | None = None
    # Tags the stacks `tenku:skip-unknown-types=true`: resource types Tenku lacks are
    # recorded instead of failing the deploy.
    skip_unknown_types: bool = False


class Session:
    def __init__(
        self,
        project: Project,
        options: Options,
        endpoint: str,
        console: Console,
        api_port: ApiPort | None = None,
        api_port_number: int | None = None,
        botocore_session: Any = None,
    ) -> None:
        self.project = project
        self.options = options
        self.endpoint = endpoint
        self.console = console
        self.stacks = Stacks(endpoint, options.region, botocore_session)
        if options.skip_unknown_types:
            self.stacks.tags = [{"Key": SKIP_UNKNOWN_TAG, "Value": "true"}]
        self.plans: list[StackPlan] = []
        self.deployed: dict[str, Deployed] = {}
        self.api_port = api_port
        self.api_port_number = api_port_number
        self.api_port_url = ""
        self.logs: LogTail | None = None
        self.stop = threading.Event()
        self._shown_urls: list[str] = []
        self._code: dict[str, bytes] = {}  # package key -> the code functions run now

    # -- planning and deploying -----------------------------------------------------------
    def plan(self) -> list[StackPlan]:
        return plan_project(
            self.project,
            account=self.options.account,
            region=self.options.region,
            parameters=self.options.parameters,
            stage=self.options.stage,
            stack_name=self.options.stack_name,
        )

    def deploy_all(self, only: set[str] | None = None) -> bool:
        """Plan the project again and deploy its stacks in order (those named in `only`,
        and stacks not deployed yet); False when the plan or a stack failed."""
        try:
            self.plans = self.plan()
        except (TemplateError, ProjectError) as error:
            self.console.error(f"Cannot deploy {self.project.source}: {error.message}")
            return False
        ok = True
        for plan in self.plans:
            if only is None or plan.stack_name in only or plan.stack_name not in self.deployed:
                ok = self.deploy_one(plan) and ok
        return ok

    def deploy_one(self, plan: StackPlan) -> bool:
        for note in plan.notes:
            self.console.line(f"Note: {note}")
        started = time.monotonic()
        self.console.heading(f"Deploying stack {plan.stack_name}")
        try:
            deployed = self.stacks.deploy(plan, self.console.stack_event, self.console.change)
        except DeployError as error:
            self.console.error(f"Stack {plan.stack_name} failed: {error.message}")
            return False
        self.deployed[plan.stack_name] = deployed
        took = time.monotonic() - started
        if deployed.changed:
            self.console.line(f"Stack {plan.stack_name}: {deployed.status} in {took:.2f} s")
        else:
            self.console.line(f"Stack {plan.stack_name}: no changes")
        self._follow_functions()
        return True

    # -- what the user sees -----------------------------------------------------------------
    def show(self) -> None:
        """Endpoints (every API stage, both URL styles), outputs and token hints."""
        all_apis: list[endpoints.Api] = []
        for stack_name, deployed in self.deployed.items():
            apis = endpoints.stack_apis(self.stacks.client, deployed.resources)
            all_apis += apis
            if apis:
                self.console.heading(f"Endpoints of {stack_name}")
            for api in apis:
                self.console.line(f"  {api.logical_id} ({api.kind} {api.api_id})")
                for stage, url in api.urls(self.endpoint):
                    self.console.line(f"    {stage:<10} {url}")
            if deployed.outputs:
                self.console.heading(f"Outputs of {stack_name}")
            for output in deployed.outputs:
                self.console.line(f"  {output['OutputKey']} = {output.get('OutputValue', '')}")
            for logical_id, resource in sorted(deployed.resources.items()):
                if resource.get("ResourceType") == USER_POOL:
                    pool = resource.get("PhysicalResourceId")
                    self.console.line(
                        f"  Token for a user of {logical_id}: tenku token --user-pool {pool} "
                        f"--username USER --endpoint {self.endpoint}"
                    )
        if self.api_port is not None and self.api_port_number is not None:
            chosen = endpoints.choose(all_apis, self.options.api)
            self._serve_on_port(chosen, all_apis, self.api_port, self.api_port_number)

    def _serve_on_port(
        self, api: endpoints.Api | None, apis: list[endpoints.Api], port: ApiPort, number: int
    ) -> None:
        gateway_port = int(self.endpoint.rsplit(":", 1)[1])
        if api is None:
            reason = (
                f"no API named {self.options.api} in the stack"
                if self.options.api
                else "the stack has no HTTP or REST API"
            )
            port.served = None
            port.waiting_reason = reason
            self.api_port_url = ""
            if self.options.api:
                self.console.error(f"--api {self.options.api}: {reason}")
            return
        port.served = Served(api.api_id, api.served_stage, gateway_port)
        host = self.endpoint.split("://", 1)[1].rsplit(":", 1)[0]
        self.api_port_url = f"http://{host}:{number}"
        others = "" if len(apis) < 2 or self.options.api else " (choose another with --api NAME)"
        stage = "" if api.served_stage in (None, "$default") else f", stage {api.served_stage}"
        self.console.line(
            f"  API port: {self.api_port_url}/ serves {api.logical_id}{stage}{others}"
        )

    # -- functions: logs and hot code updates -------------------------------------------
    def _functions(self) -> dict[str, tuple[str, str]]:
        """logical id -> (stack, physical function name) for every deployed function."""
        found: dict[str, tuple[str, str]] = {}
        for stack_name, deployed in self.deployed.items():
            for logical_id, resource in deployed.resources.items():
                if resource.get("ResourceType") == FUNCTION and resource.get("PhysicalResourceId"):
                    found[logical_id] = (stack_name, str(resource["PhysicalResourceId"]))
        return found

    def _follow_functions(self) -> None:
        if self.logs is not None:
            self.logs.follow({name: lid for lid, (_, name) in self._functions().items()})

    def start_logs(self) -> None:
        self.logs = LogTail(self.stacks.client("logs"), self.console)
        self.logs.stop = self.stop  # the session's end is the tail's
        self._follow_functions()
        self.logs.start()

    def update_code(self, updates: list[tuple[StackPlan, str, bytes]]) -> None:
        """UpdateFunctionCode for each (plan, function, zip), all at once: the functions
        sharing a package all change together."""
        from concurrent.futures import ThreadPoolExecutor

        client = self.stacks.client("lambda")  # made here: sessions are not thread-safe
        with ThreadPoolExecutor(max_workers=8) as pool:
            for plan, logical_id, body in updates:
                pool.submit(self._update_one, client, plan, logical_id, body)

    def _update_one(self, client: Any, plan: StackPlan, logical_id: str, body: bytes) -> None:
        deployed = self.deployed.get(plan.stack_name)
        name = deployed.physical_id(logical_id) if deployed else None
        if not name:
            return
        started = time.monotonic()
        try:
            client.update_function_code(FunctionName=name, ZipFile=body)
        except Exception as error:  # botocore's errors: shown, and the watch goes on
            self.console.error(f"Updating the code of {logical_id} failed: {error}")
            return
        took = (time.monotonic() - started) * 1000
        self.console.line(f"  ~ code    {logical_id} ({name}) updated in {took:.0f} ms")

    # -- watching ----------------------------------------------------------------------------
    def watch(self, watcher: Watcher) -> None:
        """React to the changes `watcher` sees until `stop` is set."""
        while not self.stop.wait(INTERVAL_S):
            changed = watcher.changes()
            if not changed:
                continue
            # An editor saving several files: let the burst finish, then act once.
            time.sleep(0.05)
            changed |= watcher.changes()
            try:
                self.react(changed)
            except Exception as error:  # the last handler of one change: keep watching
                logging.getLogger("tenku.cli").exception("reacting to a change failed")
                self.console.error(f"Reacting to the change failed: {error}")

    def react(self, changed: set[Path]) -> None:
        verdict = classify(changed, self.plans)
        if not verdict:
            return
        updates: list[tuple[StackPlan, str, bytes]] = []
        bodies: dict[int, bytes | None] = {}
        for plan, logical_id, artifact in verdict.code:
            if id(artifact) not in bodies:
                body = artifact.rebuilt()
                # A file outside what the package takes (serverless.yml patterns) or
                # saved unchanged: the functions keep their code.
                last = self._code.get(artifact.key, artifact.body)
                bodies[id(artifact)] = None if body == last else body
                self._code[artifact.key] = body
            new_body = bodies[id(artifact)]
            if new_body is not None:
                updates.append((plan, logical_id, new_body))
        if updates:
            self.update_code(updates)
        if verdict.redeploy:
            names = {p.stack_name for p in verdict.redeploy}
            self.console.line(f"Changed: redeploying {', '.join(sorted(names))}")
            self.deploy_all(only=names)
            self.show()


def run_up(
    session: Session,
    watch: bool,
    ignored: tuple[Path, ...],
    on_ready: Callable[[], None],
    on_failed: Callable[[], None],
) -> None:
    """The worker thread of `tenku up`: its last handler, so that a surprise ends the
    session with a message instead of a silent, never-ready server."""
    try:
        _run_up(session, watch, ignored, on_ready, on_failed)
    except Exception as error:
        logging.getLogger("tenku.cli").exception("tenku up failed")
        session.console.error(f"tenku up failed: {error}")
        on_failed()


def _run_up(
    session: Session,
    watch: bool,
    ignored: tuple[Path, ...],
    on_ready: Callable[[], None],
    on_failed: Callable[[], None],
) -> None:
    ok = session.deploy_all()
    if ok:
        session.show()
    session.start_logs()
    if not ok and not watch:
        on_failed()
        return
    # The first look at the files comes before the ready line: an edit made the moment
    # the user sees it is a change.
    watcher = Watcher(session.project.root, ignored) if watch else None
    on_ready()
    if watcher is not None:
        session.watch(watcher)
