"""The server's side of the Python zygote: start it, ask it to fork environments, watch it.

A Python cold start by exec pays for the interpreter's start-up and the bootstrap's
imports (~60 ms); a fork of an interpreter that has done both already costs about a
millisecond. `Forkserver` owns one zygote (`bootstraps/python_zygote.py`, run by the
server's own interpreter, which is the one exec'd environments use too): started in the
background when the engine is made, restarted after it dies, stopped with the engine.
It talks to it over a SOCK_SEQPACKET socketpair: one JSON message per request, the
environment's output pipe passed with SCM_RIGHTS; the zygote answers the child's pid and
later its exit status (which `ForkedProcess` turns into an ordinary process exit).

`spawn` never fails an environment start: whenever the zygote cannot serve (disabled,
not ready within `READY_WAIT_S`, dead, restarting, too slow to answer, an environment it
cannot reproduce exactly) it answers None, and the environment is exec'd as before. The
zygote runs with `ZYGOTE_ENV` only, so nothing of the server's environment reaches it or
its children, and it holds no fd but its socket (close_fds): when the server dies, even
by SIGKILL, the socket closes and the zygote exits. Must not decide anything about an
environment beyond how its process starts.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from typing import Any

from tenku.runtime.launch import BOOTSTRAP_DIR, PATH, PYTHON_BOOTSTRAP, SITE_DIRS
from tenku.runtime.limits import Cage
from tenku.runtime.processes import ForkedProcess

log = logging.getLogger("tenku.runtime")

PYTHON_ZYGOTE = BOOTSTRAP_DIR / "python_zygote.py"
READY_WAIT_S = 2.0  # a starting zygote is about as fast as an exec'd bootstrap
SPAWN_TIMEOUT_S = 2.0  # no answer to a fork request: the zygote is stuck, replace it
MAX_FAILED_STARTS = 3  # consecutive zygotes dead before their hello: give up (exec)
ENVIRON_ROOM = 32768  # bytes of /proc/PID/environ a forked child can rewrite
ZYGOTE_ENV = {"PATH": PATH, "LANG": "en_US.UTF-8", "TZ": ":UTC"}
# Variables read by the interpreter or libc at process start: a fork cannot honour them
STARTUP_PREFIXES = ("PYTHON", "LD_", "MALLOC_", "GLIBC_", "LC_")
HARMLESS = frozenset({"PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"})


def forkable(env: dict[str, str]) -> bool:
    """Can a fork of the zygote be exactly what exec'ing with `env` would start?"""
    if env.get("LANG") != ZYGOTE_ENV["LANG"]:
        return False
    return not any(k.startswith(STARTUP_PREFIXES) and k not in HARMLESS for k in env)


def bootstrap_argv(command: list[str]) -> list[str] | None:
    """`sys.argv` of the bootstrap in an exec'd Python `command` (None: not one)."""
    head = [sys.executable, "-S", "-B", "-u", str(PYTHON_BOOTSTRAP)]
    return command[4:] if command[:5] == head else None


def environ_size(env: dict[str, str]) -> int:
    return sum(len(k.encode()) + len(v.encode()) + 2 for k, v in env.items())


class Forkserver:
    """One zygote for the engine's Python environments (see the module docstring)."""

    def __init__(self) -> None:
        self._sock: socket.socket | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._ready: asyncio.Future[bool] | None = None  # None: not started
        self._starter: asyncio.Task[None] | None = None
        self._reaper: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[int | None]] = {}
        self._children: dict[int, ForkedProcess] = {}
        # The zygote's spare child and the cage being made for it: joining a fresh
        # memory cgroup costs milliseconds, so it happens before any request needs it.
        self._spare: tuple[int, asyncio.Future[Cage]] | None = None
        # Cages of spares already handed out as environments, until the environment takes
        # its cage: the zygote announces the next spare right behind the answer, and that
        # must not drop (or race a fresh cage with) the cage still being made for this one.
        self._handed: dict[int, asyncio.Future[Cage]] = {}
        self._room = 0
        self._seq = 0
        self._failed_starts = 0
        self._closed = False
        self.forks = 0  # environments forked so far (for tests and diagnostics)

    # -- public --------------------------------------------------------------------------

    def start_soon(self) -> None:
        """Start the zygote in the background (no-op without a running loop)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._ensure_started()

    async def ready(self) -> bool:
        """Wait for the zygote's hello; False if it could not start."""
        if self._closed:
            return False
        return await asyncio.shield(self._ensure_started())

    @property
    def pid(self) -> int | None:
        """The zygote's pid, while it runs."""
        return self._proc.pid if self._proc is not None and self._sock is not None else None

    async def spawn(
        self, command: list[str], env: dict[str, str], cwd: str, out_fd: int, cgroups: list[str]
    ) -> ForkedProcess | None:
        """Fork an environment that runs `command` (an exec'd bootstrap's command line),
        or None: the caller then execs it."""
        argv = bootstrap_argv(command)
        if self._closed or argv is None or not forkable(env):
            return None
        if self._failed_starts >= MAX_FAILED_STARTS:
            return None
        ready = self._ensure_started()
        try:
            ok = await asyncio.wait_for(asyncio.shield(ready), READY_WAIT_S)
        except TimeoutError:
            return None
        sock = self._sock
        if not ok or sock is None or environ_size(env) > self._room:
            return None
        self._seq += 1
        request_id = self._seq
        message = {"id": request_id, "env": env, "cwd": cwd, "argv": argv, "cgroups": cgroups}
        answer: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answer
        fds = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [out_fd]))]
        try:
            sock.sendmsg([json.dumps(message).encode()], fds)
            pid = await asyncio.wait_for(answer, SPAWN_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            log.warning("python zygote did not fork (%s); restarting it", exc or "timeout")
            self._stop_zygote()
            return None
        finally:
            self._pending.pop(request_id, None)
        if pid is None:
            return None
        self.forks += 1
        return self._children.get(pid)

    def take_cage(self, pid: int) -> asyncio.Future[Cage] | None:
        """The cage made ahead for the spare that became environment `pid`, if any."""
        handed = self._handed.pop(pid, None)
        if handed is not None:
            return handed
        spare = self._spare
        if spare is None or spare[0] != pid:
            return None
        self._spare = None
        return spare[1]

    def _cage_spare(self, pid: int) -> None:
        self._drop_spare()
        loop = asyncio.get_running_loop()
        self._spare = (pid, loop.run_in_executor(None, _caged, pid))

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            spare[1].add_done_callback(_close_cage)

    async def close(self) -> None:
        """Stop the zygote (environments it forked live on until the engine kills them)."""
        self._closed = True
        if self._starter is not None:
            self._starter.cancel()
            with contextlib.suppress(BaseException):
                await self._starter
        proc = self._proc
        self._stop_zygote(kill=False)
        if proc is not None:
            try:
                await asyncio.wait_for(proc.wait(), 1.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
        if self._reaper is not None:
            with contextlib.suppress(BaseException):
                await self._reaper

    # -- the zygote's life ---------------------------------------------------------------

    def _ensure_started(self) -> asyncio.Future[bool]:
        if self._ready is None:
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            if self._closed or self._failed_starts >= MAX_FAILED_STARTS:
                self._ready.set_result(False)
            else:
                self._starter = loop.create_task(self._start(self._ready))
        return self._ready

    async def _start(self, ready: asyncio.Future[bool]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-S",
                "-B",
                "-u",
                str(PYTHON_ZYGOTE),
                str(theirs.fileno()),
                SITE_DIRS,
                env={**ZYGOTE_ENV, "TENKU_ENVIRON_ROOM": "x" * ENVIRON_ROOM},
                cwd="/",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
            )
        except (OSError, asyncio.CancelledError) as exc:
            ours.close()
            if not isinstance(exc, asyncio.CancelledError):
                log.warning("could not start the python zygote: %s", exc)
                self._failed_starts += 1
            if not ready.done():
                ready.set_result(False)
            self._ready = None
            return
        finally:
            theirs.close()
        ours.setblocking(False)
        self._proc, self._sock = proc, ours
        asyncio.get_running_loop().add_reader(ours, self._on_readable)
        self._reaper = asyncio.create_task(self._reap(proc))

    async def _reap(self, proc: asyncio.subprocess.Process) -> None:
        code = await proc.wait()
        if self._proc is proc:
            self._lost(f"exited ({code})")

    def _stop_zygote(self, kill: bool = True) -> None:
        proc = self._proc
        self._lost("stopped")
        if kill and proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGKILL)

    def _lost(self, why: str) -> None:
        """The zygote is gone (or being replaced): fail its requests, watch its orphans."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(sock)
            sock.close()
        ready, self._ready = self._ready, None
        if ready is not None and not ready.done():
            self._failed_starts += 1
            ready.set_result(False)
        if not self._closed and why != "stopped":
            log.warning("python zygote %s; the next Python cold start restarts it", why)
        self._proc = None
        for answer in self._pending.values():
            if not answer.done():
                answer.set_result(None)
        children, self._children = self._children, {}
        for child in children.values():
            child.orphaned()
        self._drop_spare()
        handed, self._handed = self._handed, {}
        for made in handed.values():
            made.add_done_callback(_close_cage)

    def _on_readable(self) -> None:
        sock = self._sock
        while sock is not None and sock is self._sock:
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._lost("closed its socket")
                return
            self._on_message(json.loads(data))

    def _on_message(self, message: dict[str, Any]) -> None:
        if "spare" in message:
            self._cage_spare(int(message["spare"]))
        elif "exit" in message:
            if self._spare is not None and self._spare[0] == int(message["exit"]):
                self._drop_spare()  # a spare retired unused
            handed = self._handed.pop(int(message["exit"]), None)
            if handed is not None:  # an environment that ended before taking its cage
                handed.add_done_callback(_close_cage)
            child = self._children.pop(int(message["exit"]), None)
            if child is not None:
                child.exited(int(message["code"]))
        elif "hello" in message:
            self._room = int(message["environ"])
            self._failed_starts = 0
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(True)
        elif "id" in message:
            answer = self._pending.get(int(message["id"]))
            pid = message.get("pid")
            if pid is None:
                log.warning("python zygote could not fork: %s", message.get("error"))
                if answer is not None and not answer.done():
                    answer.set_result(None)
                return
            self._children[int(pid)] = ForkedProcess(int(pid))
            if self._spare is not None and self._spare[0] == int(pid):
                self._handed[int(pid)] = self._spare[1]
                self._spare = None
            if answer is not None and not answer.done():
                answer.set_result(int(pid))
            elif answer is None:  # a request given up on: nobody will use this one
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(int(pid), signal.SIGKILL)


def _caged(pid: int) -> Cage:
    """A cage for a spare (runs in a worker thread: the kernel takes its time)."""
    cage = Cage(f"spare-{pid}", 128)
    cage.attach(pid)
    return cage


def _close_cage(made: asyncio.Future[Cage]) -> None:
    """Remove a spare's cage, in a worker thread: rmdir waits for the process to leave
    (at shutdown, when no thread can be had any more, right here)."""
    if made.cancelled() or made.exception() is not None:
        return
    try:
        made.get_loop().run_in_executor(None, made.result().close)
    except RuntimeError:
        made.result().close()
