"""Settings: one immutable record, and the only place that reads the environment.

Command-line options override environment variables (`TENKU_*`), which override the
defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

DURABILITY_MODES = ("normal", "full")


class Settings(NamedTuple):
    host: str = "127.0.0.1"
    port: int = 4566
    data_dir: Path = Path(".tenku")
    ephemeral: bool = False
    account_id: str = "000000000000"
    default_region: str = "us-east-1"
    # "normal": every acknowledged write is in SQLite's WAL before the answer is sent;
    # it survives a crash or kill -9 of Tenku, not a power cut. "full" also fsyncs.
    durability: str = "normal"
    log_level: str = "warning"
    # Python functions' environments are forked from a pre-initialised interpreter (a
    # "zygote"); TENKU_PYTHON_FORK=0 execs a fresh interpreter for each one instead.
    python_fork: bool = True
    # The account's concurrency limit (Lambda's default quota is 1,000) and how long an
    # idle execution environment stays warm before it is reaped.
    lambda_concurrency: int = 1000
    lambda_idle_seconds: float = 300.0

    def with_overrides(self, **overrides: Any) -> Settings:
        chosen = {k: v for k, v in overrides.items() if v is not None}
        if "data_dir" in chosen:
            chosen["data_dir"] = Path(chosen["data_dir"]).absolute()
        return self._replace(**chosen)

    @property
    def public_host(self) -> str:
        """The host name that URLs handed to clients (queue URLs) should carry."""
        return "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::", "::1") else self.host


def from_environment(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    base = Settings()
    durability = env.get("TENKU_DURABILITY", base.durability)
    if durability not in DURABILITY_MODES:
        raise ValueError(f"TENKU_DURABILITY must be one of {', '.join(DURABILITY_MODES)}")
    return Settings(
        host=env.get("TENKU_HOST", base.host),
        port=int(env.get("TENKU_PORT", base.port)),
        # Absolute: function environments run in directories below it, from processes
        # whose working directory is not the server's.
        data_dir=Path(env.get("TENKU_DATA_DIR", str(base.data_dir))).absolute(),
        ephemeral=env.get("TENKU_EPHEMERAL", "") in ("1", "true", "yes"),
        account_id=env.get("TENKU_ACCOUNT_ID", base.account_id),
        default_region=env.get("TENKU_DEFAULT_REGION", base.default_region),
        durability=durability,
        log_level=env.get("TENKU_LOG_LEVEL", base.log_level),
        python_fork=env.get("TENKU_PYTHON_FORK", "1").lower() not in ("0", "false", "no"),
        lambda_concurrency=int(env.get("TENKU_LAMBDA_CONCURRENCY", base.lambda_concurrency)),
        lambda_idle_seconds=float(env.get("TENKU_LAMBDA_IDLE_SECONDS", base.lambda_idle_seconds)),
    )
