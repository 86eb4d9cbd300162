"""`LambdaEngine`: the `Executor` that runs invocations in local execution environments.

Owns the warm pool (environments keyed by everything that shapes them, so changed code or
configuration never reaches an old environment), per-function and account concurrency
limits (throttle, never queue), provisioned concurrency (initialised environments kept
ready, used first, never reaped), timeouts, out-of-memory reporting, idle reaping and the
per-invocation log with START/END/REPORT lines. Must not know the Lambda control-plane
API, IAM or event sources.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from tenku.core.functions import FunctionSpec, InvocationResult, Throttled
from tenku.core.scope import Scope
from tenku.runtime import launch, report
from tenku.runtime.environment import Environment, Invocation, Outcome, State
from tenku.runtime.forkserver import Forkserver
from tenku.runtime.launch import LaunchError

log = logging.getLogger("tenku.runtime")
# (scope, log group, log stream, epoch seconds, line)
LogSink = Callable[[Scope, str, str, float, str], None]
INIT_TIMEOUT_S = 10.0


def function_of(arn: str) -> str:
    """The unqualified function ARN (drops a version or alias qualifier)."""
    return ":".join(arn.split(":")[:7])


def _expire(done: asyncio.Future[Outcome | None]) -> None:
    """The invocation's timeout: ends the wait with no outcome."""
    if not done.done():
        done.set_result(None)


_ids = random.Random(os.urandom(32))  # trace ids need uniqueness, not secrecy


def _trace_id() -> str:
    return (
        f"Root=1-{int(time.time()):08x}-{_ids.getrandbits(96):024x};"
        f"Parent={_ids.getrandbits(64):016x};Sampled=0"
    )


class LambdaEngine:
    def __init__(
        self,
        work_dir: Path,
        *,
        account_concurrency: int = 1000,
        idle_seconds: float = 300.0,
        python_fork: bool = True,
    ) -> None:
        """`python_fork`: start Python environments by forking a pre-initialised zygote
        (started now, in the background) rather than by exec."""
        self.work_dir = Path(work_dir)
        self.forkserver = Forkserver() if python_fork else None
        if self.forkserver is not None:
            self.forkserver.start_soon()
        self.account_concurrency = account_concurrency
        self.idle_seconds = idle_seconds
        self.on_log: LogSink | None = None
        self._idle: dict[FunctionSpec, list[Environment]] = {}
        self._all: set[Environment] = set()
        # Busy environments of a function whose code or configuration changed: discarded
        # when their invocation ends instead of going back to the warm pool.
        self._retired: set[Environment] = set()
        self._busy_per_function: dict[str, int] = {}
        self._provisioned: dict[FunctionSpec, set[Environment]] = {}
        self._busy = 0
        self._reaper: asyncio.Task[None] | None = None
        self._seq = 0
        self._warned: set[str] = set()  # runtimes whose version substitution was reported

    # -- Executor ----------------------------------------------------------------------

    async def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        *,
        request_id: str,
        client_context: str | None = None,
    ) -> InvocationResult:
        function = function_of(spec.arn)
        if spec.reserved_concurrency is not None and (
            self._busy_per_function.get(function, 0) >= spec.reserved_concurrency
        ):
            raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
        if self._busy >= self.account_concurrency:
            raise Throttled("ConcurrentInvocationLimitExceeded")
        self._busy += 1
        self._busy_per_function[function] = self._busy_per_function.get(function, 0) + 1
        try:
            return await self._run(spec, payload, request_id, client_context)
        finally:
            self._busy -= 1
            self._busy_per_function[function] -= 1

    async def provision(self, spec: FunctionSpec, count: int) -> None:
        key = self._key(spec)
        owned = self._provisioned.setdefault(key, set())
        owned -= {e for e in owned if not e.alive}
        pool = self._idle.setdefault(key, [])
        surplus = len(owned) - max(0, count)
        for env in [e for e in pool if e in owned][: max(0, surplus)]:
            pool.remove(env)
            owned.discard(env)
            await self._discard(env)
            surplus -= 1
        for env in list(owned)[: max(0, surplus)]:  # busy: on-demand once it returns
            env.provisioned = False
            owned.discard(env)
        fresh = [self._new_environment(key) for _ in range(count - len(owned))]
        for env in fresh:
            env.provisioned = True
        failures = await asyncio.gather(*(self._start(env) for env in fresh))
        for env, failure in zip(fresh, failures, strict=True):
            if failure is None and env.alive:
                owned.add(env)
                pool.append(env)
            else:
                await self._discard(env)
        if not owned:
            self._provisioned.pop(key, None)

    async def retire(self, function_arn: str) -> None:
        function = function_of(function_arn)
        idle = {e for key, pool in self._idle.items() if function_of(key.arn) == function
                for e in pool}  # fmt: skip
        for key in [k for k in self._idle if function_of(k.arn) == function]:
            del self._idle[key]
        for key in [k for k in self._provisioned if function_of(k.arn) == function]:
            del self._provisioned[key]
        for env in [e for e in self._all if function_of(e.spec.arn) == function]:
            if env in idle or env.state is State.DEAD:
                await self._discard(env)
            else:  # an invocation in flight finishes on the code it started with, as on AWS
                self._retired.add(env)

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        self._idle.clear()
        self._provisioned.clear()
        for env in list(self._all):
            await self._discard(env)
        if self.forkserver is not None:
            await self.forkserver.close()

    # -- internals ---------------------------------------------------------------------

    @staticmethod
    def _key(spec: FunctionSpec) -> FunctionSpec:
        return spec._replace(reserved_concurrency=None)

    def _new_environment(self, key: FunctionSpec) -> Environment:
        if key.runtime not in self._warned:
            self._warned.add(key.runtime)
            warning = launch.substitution(key)
            if warning:
                log.warning(warning)
        self._seq += 1
        scratch = self.work_dir / "env" / f"{os.getpid()}-{self._seq}"
        env = Environment(key, str(scratch), self._emit_output, self.forkserver)
        self._all.add(env)
        return env

    async def _start(self, env: Environment) -> Outcome | None:
        try:
            return await asyncio.wait_for(env.start(), INIT_TIMEOUT_S)
        except LaunchError as exc:
            return Outcome("init_error", report.error_document(exc.error_type, exc.message))
        except TimeoutError:
            return Outcome(
                "init_error",
                report.error_document(
                    "Runtime.InitTimeout", f"Init timed out after {INIT_TIMEOUT_S:.2f} seconds"
                ),
            )

    async def _discard(self, env: Environment) -> None:
        env.kill()
        self._all.discard(env)
        self._retired.discard(env)
        for owned in self._provisioned.values():
            owned.discard(env)
        await env.wait_closed()

    def _take_warm(self, key: FunctionSpec) -> Environment | None:
        pool = self._idle.get(key)
        provisioned = key in self._provisioned
        while pool:
            index = -1
            if provisioned:  # provisioned environments first
                ready = [i for i, e in enumerate(pool) if e.provisioned]
                index = ready[-1] if ready else -1
            env = pool.pop(index)
            if env.alive:
                return env
            self._all.discard(env)
        return None

    async def _run(
        self, spec: FunctionSpec, payload: bytes, request_id: str, client_context: str | None
    ) -> InvocationResult:
        self._ensure_reaper()
        key = self._key(spec)
        env = self._take_warm(key)
        cold = env is None
        init_lines: list[str] = []
        if env is None:
            env = self._new_environment(key)
            failure = await self._start(env)
            init_lines = env.init_lines
            if failure is not None:
                await self._discard(env)
                return self._failed_init(spec, env, request_id, failure, init_lines)
        loop = asyncio.get_running_loop()
        deadline = time.time() + spec.timeout_s
        inv = Invocation(
            request_id,
            payload,
            int(deadline * 1000),
            client_context,
            _trace_id(),
            loop.create_future(),
        )
        start_line = report.start_line(request_id, spec.version)
        self._log(env, start_line)
        dispatched = time.perf_counter()
        env.dispatch(inv)
        # A timer, not asyncio.wait: no task or extra future per warm invoke.
        timer = loop.call_later(spec.timeout_s, _expire, inv.done)
        watchdog = asyncio.create_task(env.watch_memory()) if env.needs_watchdog else None
        try:
            outcome = await inv.done
        finally:
            timer.cancel()
            if watchdog is not None:
                watchdog.cancel()
        end = time.perf_counter()
        if outcome is not None:
            env.drain_output()  # output written before the answer belongs to this invocation
        duration = (end - (inv.started or dispatched)) * 1000
        memory = env.max_memory_mb()
        if outcome is not None and outcome.kind == "exit" and env.out_of_memory:
            outcome = Outcome("oom", outcome.body)
            memory = spec.memory_mb
        if outcome is None:
            message = report.timeout_message(request_id, spec.timeout_s)
            payload_out = report.error_document(None, message)
            inv.lines.append(message)
            self._log(env, message)
            error: str | None = "Unhandled"
            await self._discard(env)
        else:
            payload_out, error = self._result_of(outcome, request_id)
            if outcome.kind in ("exit", "oom", "too_large") or not env.alive:
                await self._discard(env)
            else:
                if env in self._retired:
                    self._retired.discard(env)
                    await self._discard(env)
                else:
                    self._idle.setdefault(key, []).append(env)
        lines = list(init_lines)
        lines.append(start_line)
        lines.extend(inv.lines)
        closing = [
            report.end_line(request_id),
            report.report_line(
                request_id, duration, spec.memory_mb, memory, env.init_ms if cold else None
            ),
        ]
        for line in closing:
            self._log(env, line)
        lines.extend(closing)
        return InvocationResult(
            payload=payload_out,
            function_error=error,
            request_id=request_id,
            log_lines=tuple(lines),
            cold_start=cold,
            init_ms=env.init_ms if cold else 0.0,
            duration_ms=duration,
            billed_ms=report.billed(duration),
            max_memory_mb=memory,
            executed_version=spec.version,
        )

    @staticmethod
    def _result_of(outcome: Outcome, request_id: str) -> tuple[bytes, str | None]:
        if outcome.kind == "response":
            return outcome.body, None
        if outcome.kind == "too_large":
            return report.too_large_error(int(outcome.body)), "Unhandled"
        if outcome.kind == "exit":
            return report.exit_error(request_id, outcome.body.decode()), "Unhandled"
        if outcome.kind == "oom":
            return report.out_of_memory_error(request_id, outcome.body.decode()), "Unhandled"
        return outcome.body or report.error_document(outcome.error_type, ""), "Unhandled"

    def _failed_init(
        self,
        spec: FunctionSpec,
        env: Environment,
        request_id: str,
        failure: Outcome,
        init_lines: list[str],
    ) -> InvocationResult:
        payload, error = self._result_of(failure, request_id)
        lines = [
            *init_lines,
            report.start_line(request_id, spec.version),
            report.end_line(request_id),
            report.report_line(request_id, env.init_ms, spec.memory_mb, 0, None),
        ]
        for line in lines[len(init_lines) :]:
            self._log(env, line)
        return InvocationResult(
            payload=payload,
            function_error=error,
            request_id=request_id,
            log_lines=tuple(lines),
            cold_start=True,
            init_ms=env.init_ms,
            duration_ms=env.init_ms,
            billed_ms=report.billed(env.init_ms),
            max_memory_mb=0,
            executed_version=spec.version,
        )

    def _emit_output(self, env: Environment, line: str) -> None:
        self._log(env, line)

    def _log(self, env: Environment, line: str) -> None:
        sink = self.on_log
        if sink is not None:
            scope, group = env.log_target
            sink(scope, group, env.log_stream, time.time(), line)

    def _ensure_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap_forever())

    async def _reap_forever(self) -> None:
        interval = max(0.05, min(self.idle_seconds / 4, 30.0))
        while True:
            await asyncio.sleep(interval)
            cutoff = time.monotonic() - self.idle_seconds
            for key, pool in list(self._idle.items()):
                stale = [e for e in pool if not e.provisioned and e.last_used < cutoff]
                for env in stale:
                    pool.remove(env)
                    await self._discard(env)
                if not pool:
                    self._idle.pop(key, None)
