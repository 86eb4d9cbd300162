"""`tenku` commands: start (serve every AWS API on one port), invoke (run a function),
logs (print or follow a function's log), token (a Cognito user's JWT); up, deploy and
destroy (a project's stacks) live in `tenku.cli.up`, loaded only when used."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from tenku import __version__
from tenku.config import from_environment
from tenku.gateway.client import DEFAULT_ENDPOINT


class _Commands(click.Group):
    """Loads the deployment commands on first use: their imports would slow `tenku start`."""

    lazy = {"up": "tenku.cli.up", "deploy": "tenku.cli.up", "destroy": "tenku.cli.up"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            import importlib

            self.add_command(getattr(importlib.import_module(self.lazy[cmd_name]), cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="tenku")
def main() -> None:
    """Tenku: run AWS serverless applications locally, with no Docker and no account."""


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to serve on (default 4566).")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where state lives (default .tenku/ in the working directory).",
)
@click.option("--ephemeral", is_flag=True, default=None, help="Keep all state in memory.")
@click.option(
    "--durability",
    type=click.Choice(["normal", "full"]),
    default=None,
    help="normal: survives a crash of Tenku; full: also fsyncs every write.",
)
@click.option(
    "--server",
    type=click.Choice(["builtin", "uvicorn"]),
    default="builtin",
    help="HTTP server hosting the ASGI app.",
)
def start(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    ephemeral: bool | None,
    durability: str | None,
    server: str,
) -> None:
    """Serve every AWS API Tenku knows on one port."""
    settings = from_environment().with_overrides(
        host=host, port=port, data_dir=data_dir, ephemeral=ephemeral, durability=durability
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    from tenku.gateway.app import Gateway

    gateway = Gateway(settings)

    def ready(bound_host: str, bound_port: int) -> None:
        gateway.bound(bound_port)
        click.echo(f"Tenku ready on http://{bound_host}:{bound_port}")
        sys.stdout.flush()

    if server == "uvicorn":
        import uvicorn

        click.echo(f"Tenku ready on http://{settings.host}:{settings.port} (uvicorn)")
        uvicorn.run(gateway, host=settings.host, port=settings.port, log_level="warning")
        return
    from tenku.gateway.server import run

    run(gateway, settings.host, settings.port, on_ready=ready, on_draining=gateway.begin_draining)


@main.command()
@click.argument("function")
@click.option("--payload", default="{}", help="The event: JSON text, or @FILE to read it.")
@click.option("--qualifier", default=None, help="A version number or alias.")
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True, help="Tenku's URL.")
@click.option("--region", default="us-east-1", show_default=True)
def invoke(function: str, payload: str, qualifier: str | None, endpoint: str, region: str) -> None:
    """Invoke a function and print its result and its REPORT line."""
    import base64
    import json

    from tenku.gateway.client import remote_client

    if payload.startswith("@"):
        payload = Path(payload[1:]).read_text()
    try:
        json.loads(payload)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint="--payload") from None
    client = remote_client("lambda", endpoint, region)
    kwargs = {"FunctionName": function, "Payload": payload.encode(), "LogType": "Tail"}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    from botocore.exceptions import ClientError

    try:
        response = client.invoke(**kwargs)
    except ClientError as error:
        raise click.ClickException(str(error)) from None
    click.echo(response["Payload"].read().decode())
    log = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    for line in log.splitlines():
        if line.startswith("REPORT "):
            click.echo(line, err=True)
    if response.get("FunctionError"):
        sys.exit(1)


@main.command()
@click.argument("function")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines as they arrive.")
@click.option("--since", default=600, show_default=True, help="Seconds of history to show.")
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True, help="Tenku's URL.")
@click.option("--region", default="us-east-1", show_default=True)
def logs(function: str, follow: bool, since: int, endpoint: str, region: str) -> None:
    """Print a function's log lines (from /aws/lambda/FUNCTION), oldest first."""
    import time

    from botocore.exceptions import ClientError

    from tenku.gateway.client import remote_client

    client = remote_client("logs", endpoint, region)
    group = function if function.startswith("/") else f"/aws/lambda/{function}"
    start = int((time.time() - since) * 1000)
    seen: set[str] = set()
    while True:
        kwargs: dict[str, object] = {"logGroupName": group, "startTime": start}
        try:
            while True:
                page = client.filter_log_events(**kwargs)
                for event in page["events"]:
                    if event["eventId"] not in seen:
                        seen.add(event["eventId"])
                        click.echo(event["message"])
                        start = max(start, int(event["timestamp"]))
                if "nextToken" not in page:
                    break
                kwargs["nextToken"] = page["nextToken"]
        except ClientError as error:
            if not follow:
                raise click.ClickException(str(error)) from None
        if not follow:
            return
        time.sleep(0.5)


@main.command()
@click.option("--user-pool", "user_pool", required=True, help="The user pool id.")
@click.option("--username", required=True, help="A user of the pool (username or alias).")
@click.option("--client-id", default=None, help="App client (default: the pool's first).")
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True, help="Tenku's URL.")
@click.option("--region", default=None, help="Check that the pool is in this region.")
@click.option("--id", "kind", flag_value="IdToken", default=True, help="Print the ID token.")
@click.option("--access", "kind", flag_value="AccessToken", help="Print the access token.")
def token(
    user_pool: str,
    username: str,
    client_id: str | None,
    endpoint: str,
    region: str | None,
    kind: str,
) -> None:
    """Print a valid JWT for an existing Cognito user, without their password."""
    import json
    import urllib.error
    import urllib.request

    if region and not user_pool.startswith(f"{region}_"):
        raise click.ClickException(f"user pool {user_pool} is not in region {region}")
    body: dict[str, str] = {"userPoolId": user_pool, "username": username}
    if client_id:
        body["clientId"] = client_id
    request = urllib.request.Request(
        f"{endpoint.rstrip('/')}/_tenku/cognito/token",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            tokens = json.load(response)
    except urllib.error.HTTPError as error:
        try:
            detail = json.load(error).get("error", "")
        except ValueError:
            detail = ""
        raise click.ClickException(detail or f"Tenku answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        raise click.ClickException(f"cannot reach Tenku at {endpoint}: {error.reason}") from None
    click.echo(tokens[kind])


if __name__ == "__main__":
    main()
