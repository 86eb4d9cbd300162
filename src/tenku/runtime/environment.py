"""One execution environment: a child process, its Runtime API and its state machine.

States: INIT (process started, runtime not yet asking for work), IDLE (between
invocations), INVOKING (one invocation handed out), DEAD. Every Runtime API call made in
the wrong state is refused. Owns the process, its scratch dir and the capture of its
output lines. Must not decide pooling, concurrency or timeouts: the engine does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from tenku.core.functions import FunctionSpec
from tenku.core.scope import Scope
from tenku.runtime import report
from tenku.runtime.forkserver import Forkserver
from tenku.runtime.launch import build_environment, command_for, log_stream_name
from tenku.runtime.limits import Cage
from tenku.runtime.processes import ForkedProcess, ProcessHandle
from tenku.runtime.runtime_api import Reply, Response, RuntimeApiServer, error_response

MAX_RESPONSE = 6_291_556  # bytes, Lambda's synchronous response limit
MEMORY_READ_S = 0.25
NEXT_GRACE_S = 1.0  # how long a /next during an invocation waits for its response to land

LineSink = Callable[[str], None]


class State(Enum):
    INIT = "init"
    IDLE = "idle"
    INVOKING = "invoking"
    DEAD = "dead"


@dataclass
class Outcome:
    """How an invocation (or the init phase) ended."""

    kind: str  # "response", "error", "init_error", "exit", "oom", "too_large"
    body: bytes = b""
    error_type: str | None = None


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    client_context: str | None
    trace_id: str
    done: asyncio.Future[Outcome | None]  # None: the engine's timeout fired
    lines: list[str] = field(default_factory=list)
    started: float = 0.0  # perf_counter when handed to the runtime


class Environment:
    def __init__(
        self,
        spec: FunctionSpec,
        scratch_dir: str,
        on_line: Callable[[Environment, str], None],
        forkserver: Forkserver | None = None,
    ) -> None:
        self.spec = spec
        self.scratch_dir = scratch_dir
        self.state = State.INIT
        self.log_stream = log_stream_name(spec.version, os.urandom(16).hex())
        # where its lines go: (scope, log group), worked out once
        self.log_target = (
            Scope(spec.account, spec.region),
            spec.log_group or f"/aws/lambda/{spec.name}",
        )
        self.last_used = time.monotonic()
        self.init_ms = 0.0
        self.exit_status = ""
        self.init_lines: list[str] = []
        self.provisioned = False
        self._on_line = on_line
        self._api = RuntimeApiServer(self)
        self._proc: ProcessHandle | None = None
        # the zygote that forks this environment instead of an exec (Python runtimes only)
        self._forkserver = forkserver if spec.runtime.startswith("python") else None
        self._ready: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._inbox: deque[Invocation] = deque()
        self._parked: Reply | None = None  # a `next` call waiting for work
        self._current: Invocation | None = None
        self._last: Invocation | None = None  # late output still belongs to it
        self._tasks: list[asyncio.Task[None]] = []
        self._spawned = 0.0
        self.cage: Cage | None = None
        self._max_memory_mb = 0
        self._out_fd = -1
        self._attached: asyncio.Future[None] | None = None
        self._pending_output = b""
        self._output_closed: asyncio.Future[None] | None = None
        self._memory_read_at = -MEMORY_READ_S

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> Outcome | None:
        """Start the process and wait for its init phase; an `Outcome` means it failed."""
        # Tenku's Python bootstrap speaks to the Runtime API over a Unix socket too.
        address = await self._api.start(unix=self.spec.runtime.startswith("python"))
        env = build_environment(
            self.spec,
            address,
            self.log_stream,
            self.scratch_dir,
            "provisioned-concurrency" if self.provisioned else "on-demand",
            runtime_socket=self._api.unix_path,
        )
        os.makedirs(self.scratch_dir, exist_ok=True)
        self._spawned = time.perf_counter()
        # Output through a raw pipe read by a loop reader (not a StreamReader task), so
        # the engine can take what is already written the moment an invocation ends.
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        try:
            command = command_for(self.spec)
            if self._forkserver is not None:  # a Python runtime: fork it when possible
                self._proc = await self._forkserver.spawn(
                    command, env, self.spec.code_dir, write_fd, []
                )
            if self._proc is None:
                self._proc = await asyncio.create_subprocess_exec(
                    *command,
                    cwd=self.spec.code_dir,
                    env=env,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=write_fd,
                    stderr=write_fd,
                    start_new_session=True,
                )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        loop = asyncio.get_running_loop()
        pid = self._proc.pid
        # Output and exit are watched before anything else is awaited: the runtime is
        # already running, and what it prints during init belongs to init.
        self._out_fd = read_fd
        self._output_closed = loop.create_future()
        loop.add_reader(read_fd, self.drain_output)
        self._tasks.append(asyncio.create_task(self._watch_exit()))
        made = self._forkserver.take_cage(pid) if self._forkserver is not None else None
        spare_cage = None
        if made is not None:
            # A forked spare, caged while it waited (or its cage is still being made: a
            # second cage would race it for the process, so wait for this one).
            with contextlib.suppress(Exception):
                spare_cage = made.result() if made.done() else await made
        if spare_cage is not None:
            self.cage = spare_cage
            self.cage.set_memory(self.spec.memory_mb)
        else:
            # Joining a fresh memory cgroup costs ~7 ms in the kernel (a new css_set): a
            # worker thread does it while the runtime initialises, off the event loop;
            # `start` waits for it before the first invocation.
            self.cage = Cage(os.path.basename(self.scratch_dir), self.spec.memory_mb)
            self._attached = loop.run_in_executor(None, self.cage.attach, pid)
        batch_scheduling(pid)
        outcome = await self._ready
        if self._attached is not None:
            await self._attached
        if self.cage is not None and outcome is None:
            self.cage.limit_cpu()  # idempotent: init may have ended before the cage was ready
        return outcome

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def forked(self) -> bool:
        """Was the process forked by the Python zygote (rather than exec'd)?"""
        return isinstance(self._proc, ForkedProcess)

    @property
    def alive(self) -> bool:
        return self.state is not State.DEAD

    def kill(self) -> None:
        """Kill the process group at once; idempotent."""
        self.state = State.DEAD
        self._api.close()
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)

    async def wait_closed(self) -> None:
        if self._attached is not None:
            with contextlib.suppress(Exception):
                await self._attached
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._output_closed is not None:
            # a process that escaped the group may keep the pipe open: stop reading anyway
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._output_closed), 1.0)
            self._close_output()
        if self.cage is not None:  # rmdir may wait for the kernel: not on the event loop
            await asyncio.get_running_loop().run_in_executor(None, self.cage.close)
        shutil.rmtree(self.scratch_dir, ignore_errors=True)

    async def watch_memory(self) -> None:
        """Enforce the memory limit while an invocation runs (a no-op under cgroups)."""
        if self.cage is not None and self._proc is not None:
            await self.cage.watch(self._proc.pid)

    @property
    def needs_watchdog(self) -> bool:
        cage = self.cage
        return cage is not None and cage.backend.kind == "poll"

    def max_memory_mb(self) -> int:
        """Peak memory of the process tree, re-read at most every `MEMORY_READ_S`: the
        /proc walk cost a tenth of a warm invoke, and a high-water mark only grows."""
        now = time.monotonic()
        if now - self._memory_read_at >= MEMORY_READ_S:
            self._memory_read_at = now
            self._max_memory_mb = max(self._max_memory_mb, report.max_memory_mb(self.pid))
        return self._max_memory_mb

    @property
    def out_of_memory(self) -> bool:
        killed = self.exit_status == "signal: killed"
        return self.cage is not None and self.cage.oom_killed(by_sigkill=killed)

    def dispatch(self, invocation: Invocation) -> None:
        """Hand one invocation to the runtime (the engine guarantees one at a time)."""
        self.last_used = time.monotonic()
        self._last = None
        parked, self._parked = self._parked, None
        if parked is not None and self.state is State.IDLE:
            parked(self._hand_out(invocation))
        else:
            self._inbox.append(invocation)

    # -- Runtime API (called by RuntimeApiServer) -------------------------------------

    def next_invocation(self, reply: Reply) -> None:
        if self.state is State.INIT:
            self.drain_output()  # what init printed before asking is init's
            self.state = State.IDLE
            self.init_ms = (time.perf_counter() - self._spawned) * 1000
            if self.cage is not None:
                self.cage.limit_cpu()
            if not self._ready.done():
                self._ready.set_result(None)
        elif self.state is State.INVOKING and self._current is not None and not self._parked:
            # AWS's Node.js client asks for the next event as soon as it has written a
            # failed stream's trailers, which may still be in flight on its other
            # connection: give that response a moment to land (Lambda accepts this).
            self._tasks.append(asyncio.ensure_future(self._next_after(self._current, reply)))
            return
        elif self.state is not State.IDLE or self._parked is not None:
            reply(error_response(403, "InvalidStateTransition", "invocation in progress"))
            return
        if self._inbox:
            reply(self._hand_out(self._inbox.popleft()))
        else:
            self._parked = reply

    async def _next_after(self, current: Invocation, reply: Reply) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(current.done), NEXT_GRACE_S)
        if self.state is State.IDLE and self._parked is None:
            self.next_invocation(reply)
        else:
            reply(error_response(403, "InvalidStateTransition", "invocation in progress"))

    def _hand_out(self, inv: Invocation) -> Response:
        self.state = State.INVOKING
        self._current = inv
        inv.started = time.perf_counter()
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.spec.arn,
            "Lambda-Runtime-Trace-Id": inv.trace_id,
        }
        if inv.client_context:
            headers["Lambda-Runtime-Client-Context"] = inv.client_context
        return 200, headers, inv.payload

    def _check_current(self, request_id: str) -> Invocation | Response:
        if self.state is not State.INVOKING or self._current is None:
            return error_response(403, "InvalidStateTransition", "no invocation in progress")
        if request_id != self._current.request_id:
            return error_response(400, "InvalidRequestID", f"unknown request id {request_id}")
        return self._current

    def _finish(self, inv: Invocation, outcome: Outcome) -> None:
        self._current = None
        self._last = inv
        self.state = State.IDLE
        self.last_used = time.monotonic()
        if not inv.done.done():
            inv.done.set_result(outcome)

    def post_response(self, request_id: str, body: bytes) -> Response:
        inv = self._check_current(request_id)
        if not isinstance(inv, Invocation):
            return inv
        if len(body) > MAX_RESPONSE:
            self._finish(inv, Outcome("too_large", str(len(body)).encode()))
            return error_response(
                413, "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum"
            )
        self._finish(inv, Outcome("response", body))
        return 202, {"Content-Type": "application/json"}, b'{"status":"OK"}'

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> Response:
        inv = self._check_current(request_id)
        if not isinstance(inv, Invocation):
            return inv
        self._finish(inv, Outcome("error", body, error_type))
        return 202, {"Content-Type": "application/json"}, b'{"status":"OK"}'

    def post_init_error(self, body: bytes, error_type: str | None) -> Response:
        if self.state is not State.INIT or self._ready.done():
            return error_response(403, "InvalidStateTransition", "not in the init phase")
        self.drain_output()
        self.init_ms = (time.perf_counter() - self._spawned) * 1000
        self._ready.set_result(Outcome("init_error", body, error_type))
        return 202, {"Content-Type": "application/json"}, b'{"status":"OK"}'

    # -- process plumbing ------------------------------------------------------------

    def drain_output(self) -> None:
        """Take every byte of output the process has written so far, without waiting."""
        fd = self._out_fd
        if fd < 0:
            return
        while True:
            try:
                chunk = os.read(fd, 65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._close_output()
                return
            self._pending_output += chunk
            *lines, self._pending_output = self._pending_output.split(b"\n")
            for raw in lines:
                self._line(raw.decode("utf-8", "replace").rstrip("\r"))

    def _close_output(self) -> None:
        fd, self._out_fd = self._out_fd, -1
        if fd < 0:
            return
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(fd)
        os.close(fd)
        if self._pending_output:
            self._line(self._pending_output.decode("utf-8", "replace"))
            self._pending_output = b""
        if self._output_closed is not None and not self._output_closed.done():
            self._output_closed.set_result(None)

    def _line(self, line: str) -> None:
        inv = self._current or self._last
        if inv is not None:
            inv.lines.append(line)
        elif self.state is State.INIT:
            self.init_lines.append(line)
        self._on_line(self, line)

    async def _watch_exit(self) -> None:
        assert self._proc is not None
        code = await self._proc.wait()
        self.exit_status = describe_exit(code)
        self.state = State.DEAD
        self._api.close()
        # a grandchild may still hold the pipe; take the whole group down
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        outcome = Outcome("exit", self.exit_status.encode())
        if not self._ready.done():
            self._ready.set_result(outcome)
        if self._current is not None and not self._current.done.done():
            self._current.done.set_result(outcome)
        self._parked = None
        while self._inbox:
            inv = self._inbox.popleft()
            if not inv.done.done():
                inv.done.set_result(outcome)


def batch_scheduling(pid: int) -> None:
    """Run an environment under SCHED_BATCH: same CPU share, but its wake-ups do not
    preempt the server that woke it (on a small machine every Runtime API answer would
    otherwise cost the server its time slice, and the whole platform its throughput)."""
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(pid, os.SCHED_BATCH, os.sched_param(0))


def describe_exit(code: int) -> str:
    """Go's wording for a process end, as Lambda reports it ("exit status 1", "signal: killed")."""
    if code >= 0:
        return f"exit status {code}"
    names = {
        signal.SIGKILL: "killed",
        signal.SIGSEGV: "segmentation fault",
        signal.SIGABRT: "aborted",
        signal.SIGTERM: "terminated",
        signal.SIGBUS: "bus error",
        signal.SIGILL: "illegal instruction",
        signal.SIGFPE: "floating point exception",
        signal.SIGINT: "interrupt",
    }
    try:
        sig = signal.Signals(-code)
    except ValueError:
        return f"signal: {-code}"
    return "signal: " + names.get(sig, sig.name.lower().removeprefix("sig"))


def decode_json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None
