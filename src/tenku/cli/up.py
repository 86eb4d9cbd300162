"""`tenku up`, `tenku deploy` and `tenku destroy`.

`up` serves Tenku in this process (the AWS endpoint, `--port`, and the API port,
`--api-port`), deploys the project at PATH through the CloudFormation API on a worker
thread, prints the endpoints, outputs and a `Ready in ...` line, then streams function
logs and watches the files until Ctrl-C. `deploy` and `destroy` do the same stack work
against a Tenku that already runs (`--endpoint`).
Must not: hold deployment logic (`cli.session`, `cli.stacks` and `tenku.deploy` do);
touch the server's internals beyond starting it as `tenku start` does.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

from tenku.cli.display import Console, time_since_process_start
from tenku.cli.session import Options, Session, run_up
from tenku.cli.stacks import warmed_session
from tenku.config import Settings, from_environment
from tenku.deploy.errors import TemplateError
from tenku.deploy.project import Project, ProjectError, detect
from tenku.gateway.client import DEFAULT_ENDPOINT

DEFAULT_API_PORT = 3000


def _parameters(pairs: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        found[key] = value
    return found


def _project(path: Path) -> Project:
    try:
        return detect(path)
    except ProjectError as error:
        raise click.ClickException(error.message) from None


def _stack_options(function: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(
        (
            click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
                         help="A template parameter (repeatable)."),
            click.option("--stage", default=None,
                         help="The template's Stage parameter (serverless.yml: its stage)."),
            click.option("--stack-name", default=None,
                         help="The stack's name (default: the project directory's name)."),
            click.option("--region", default="us-east-1", show_default=True),
            click.option("--skip-unknown-types", is_flag=True,
                         help="Record resource types Tenku lacks instead of failing (tags "
                              "the stack tenku:skip-unknown-types=true)."),
        )
    ):  # fmt: skip
        function = option(function)
    return function


@click.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@_stack_options
@click.option("--port", type=int, default=None, help="Tenku's AWS endpoint port (default 4566).")
@click.option(
    "--api-port",
    type=int,
    default=DEFAULT_API_PORT,
    show_default=True,
    help="Where the stack's API answers without stage or host (as `sam local start-api`).",
)
@click.option(
    "--api", "api", default=None, help="Which API the API port serves (logical id or name)."
)
@click.option("--no-watch", is_flag=True, help="Deploy once; do not react to file changes.")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where state lives (default .tenku/ in the working directory).",
)
@click.option("--ephemeral", is_flag=True, default=None, help="Keep all state in memory.")
def up(
    path: Path,
    params: tuple[str, ...],
    stage: str | None,
    stack_name: str | None,
    region: str,
    skip_unknown_types: bool,
    port: int | None,
    api_port: int,
    api: str | None,
    no_watch: bool,
    host: str | None,
    data_dir: Path | None,
    ephemeral: bool | None,
) -> None:
    """Serve Tenku, deploy the project at PATH, and keep it in step with its files.

    PATH holds a SAM or CloudFormation template (template.yaml), a serverless.yml or a
    CDK cloud assembly (cdk.out/), or names one of them.
    """
    console = Console(started=time_since_process_start())
    # The deployment's botocore models are read while the server starts.
    warm = ThreadPoolExecutor(1, thread_name_prefix="tenku-warm")
    botocore_session = warm.submit(warmed_session, region)
    warm.shutdown(wait=False)
    project = _project(path)
    settings = from_environment().with_overrides(
        host=host, port=port, data_dir=data_dir, ephemeral=ephemeral
    )
    options = Options(
        settings.account_id,
        region,
        _parameters(params),
        stage,
        stack_name,
        api,
        skip_unknown_types,
    )
    import logging

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    # The SAM translator warns about its own unpublished metrics on every transform.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    for wanted in (settings.port, api_port):
        _check_free(settings.host, wanted)
    failed = threading.Event()
    asyncio_run(
        _serve(
            settings, api_port, project, options, console, not no_watch, failed, botocore_session
        )
    )
    if failed.is_set():
        sys.exit(1)


def _check_free(host: str, port: int) -> None:
    if port == 0:
        return
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({error.strerror}); is Tenku running already? "
            "Choose other ports with --port/--api-port, or deploy to the running Tenku with "
            "`tenku deploy`."
        ) from None
    finally:
        probe.close()


def asyncio_run(main: object) -> None:
    """Run on uvloop when it is installed, as `tenku start` does."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)  # type: ignore[arg-type]
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)  # type: ignore[arg-type]


async def _serve(
    settings: Settings,
    api_port: int,
    project: Project,
    options: Options,
    console: Console,
    watch: bool,
    failed: threading.Event,
    botocore_session: Future[Any],
) -> None:
    from tenku.cli.apiport import ApiPort
    from tenku.gateway.app import Gateway
    from tenku.gateway.server import HttpServer

    gateway = Gateway(settings)
    api_app = ApiPort(gateway)
    server = HttpServer(gateway, settings.host, settings.port)
    await server.start()
    gateway.bound(server.port)
    api_server = HttpServer(api_app, settings.host, api_port, lifespan=False)
    await api_server.start()
    endpoint = gateway.endpoint_for(server.port)
    console.line(f"Tenku serving AWS APIs on {endpoint}")
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
    stopping = threading.Event()
    sessions: list[Session] = []  # made on the worker thread, which owns its clients

    def ready() -> None:
        url = sessions[0].api_port_url if sessions else ""
        where = f"{url}/ and " if url else ""
        watching = f"; watching {project.root} for changes" if watch else ""
        console.line(
            f"Ready in {console.elapsed():.2f} s: {where}{endpoint}{watching} (Ctrl-C to stop)"
        )

    def give_up() -> None:
        failed.set()
        loop.call_soon_threadsafe(stop.set)

    def work() -> None:
        session = Session(
            project, options, endpoint, console, api_app, api_server.port,
            botocore_session.result(),
        )  # fmt: skip
        session.stop = stopping
        sessions.append(session)
        run_up(session, watch, (settings.data_dir,), ready, give_up)

    threading.Thread(target=work, name="tenku-up", daemon=True).start()
    try:
        await stop.wait()
    finally:
        stopping.set()
        for sig in installed:
            loop.remove_signal_handler(sig)
        await api_server.shutdown(1.0)
        await server.shutdown(5.0, gateway.begin_draining)


@click.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@_stack_options
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True, help="Tenku's URL.")
def deploy(
    path: Path,
    params: tuple[str, ...],
    stage: str | None,
    stack_name: str | None,
    region: str,
    skip_unknown_types: bool,
    endpoint: str,
) -> None:
    """Deploy the project at PATH to a running Tenku, through the CloudFormation API."""
    console = Console()
    project = _project(path)
    account = from_environment().account_id
    options = Options(
        account,
        region,
        _parameters(params),
        stage,
        stack_name,
        skip_unknown_types=skip_unknown_types,
    )
    session = Session(project, options, endpoint.rstrip("/"), console)
    if not session.deploy_all():
        sys.exit(1)
    session.show()
    console.line(f"Deployed in {console.elapsed():.2f} s")


@click.command()
@click.argument("path", default=None, required=False, type=click.Path(path_type=Path))
@click.option("--stack-name", default=None, help="The stack to delete (default: PATH's).")
@click.option("--stage", default=None, help="The stage PATH was deployed with.")
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True, help="Tenku's URL.")
def destroy(
    path: Path | None, stack_name: str | None, stage: str | None, region: str, endpoint: str
) -> None:
    """Delete the stack(s) of PATH (or --stack-name) from a running Tenku."""
    from tenku.cli.stacks import DeployError, Stacks
    from tenku.deploy.plan import stack_names

    console = Console()
    if stack_name is not None:
        names = [stack_name]
    else:
        project = _project(path or Path("."))
        try:
            names = stack_names(
                project, account=from_environment().account_id, region=region, stage=stage
            )
        except TemplateError as error:
            raise click.ClickException(error.message) from None
    stacks = Stacks(endpoint, region)
    for name in reversed(names):  # dependents first
        console.heading(f"Deleting stack {name}")
        try:
            existed = stacks.destroy(name, console.stack_event)
        except DeployError as error:
            raise click.ClickException(f"stack {name}: {error.message}") from None
        console.line(f"Stack {name}: deleted" if existed else f"Stack {name}: does not exist")
    console.line(f"Done in {console.elapsed():.2f} s")
