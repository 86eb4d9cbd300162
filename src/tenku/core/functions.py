"""The contract between the Lambda API and the execution engine.

`services/lambda_` describes a function version as a `FunctionSpec` and hands it, with
a payload, to an `Executor`; `runtime/` implements the executor. Neither imports the
other: the gateway wires them together. Nothing here does I/O.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol


class FunctionSpec(NamedTuple):
    """Everything the engine needs to run one version of one function."""

    name: str
    arn: str  # the qualified ARN of this version (…:function:NAME:$LATEST or :7)
    version: str  # "$LATEST" or a published version number
    runtime: str  # "python3.12", "nodejs20.x", "provided.al2023", …
    handler: str  # "app.handler"; ignored by provided runtimes
    code_dir: str  # directory holding the unpacked code; the engine must not modify it
    code_sha256: str  # identity of the code: environments only serve the code they loaded
    account: str
    region: str
    memory_mb: int = 128
    timeout_s: float = 3.0
    environment: tuple[tuple[str, str], ...] = ()  # the function's own variables
    layer_dirs: tuple[str, ...] = ()  # unpacked layers, in order
    reserved_concurrency: int | None = None
    log_group: str = ""  # "/aws/lambda/NAME"
    log_format: str = "Text"  # "Text" or "JSON" (LoggingConfig.LogFormat)
    endpoint_url: str = ""  # what AWS_ENDPOINT_URL points at inside the environment


class InvocationResult(NamedTuple):
    payload: bytes  # the function's answer, or Lambda's error document
    function_error: str | None  # None, "Unhandled" (or the error type the runtime gave)
    request_id: str
    log_lines: tuple[str, ...]  # this invocation's log, START to REPORT
    cold_start: bool
    init_ms: float
    duration_ms: float
    billed_ms: int
    max_memory_mb: int
    executed_version: str

    @property
    def log_tail(self) -> str:
        """The last 4 KB of this invocation's log, as `LogType: Tail` returns it (built
        only when asked for: most invocations never need it)."""
        data = ("\n".join(self.log_lines) + "\n").encode()
        return data[-TAIL_BYTES:].decode("utf-8", "ignore")


TAIL_BYTES = 4096


class Throttled(Exception):
    """No environment may be started: a concurrency limit is reached.

    `reason` is Lambda's: ReservedFunctionConcurrentInvocationLimitExceeded or
    ConcurrentInvocationLimitExceeded.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Executor(Protocol):
    async def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        *,
        request_id: str,
        client_context: str | None = None,
    ) -> InvocationResult:
        """Run one invocation in a warm environment of `spec` (starting one if needed)."""
        ...

    async def provision(self, spec: FunctionSpec, count: int) -> None:
        """Keep `count` initialised environments of `spec` ready (0 releases them)."""
        ...

    async def retire(self, function_arn: str) -> None:
        """Shut down every environment of a function (all versions), e.g. after an update."""
        ...

    async def close(self) -> None:
        """Shut down every environment."""
        ...
