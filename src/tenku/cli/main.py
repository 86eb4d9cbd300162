"""`tenku` commands: start (serve every AWS API on one port)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from tenku import __version__
from tenku.config import from_environment


@click.group()
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


if __name__ == "__main__":
    main()
