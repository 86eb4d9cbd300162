"""Handles on an execution environment's process, however it was started.

`ProcessHandle` is what an environment needs of its process: the pid (a process group
leader), the exit code once known (negative: killed by that signal) and a way to wait for
it. `asyncio.subprocess.Process` is one (an exec'd environment); `ForkedProcess` is the
other: a child of the Python zygote, whose exit status the zygote reports over its
socket, because only a parent can wait for a process. If the zygote dies first, its
orphans are watched through a pidfd (or polled), and their exit code is unknown: it is
reported as a SIGKILL. Must not start processes; `forkserver` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Protocol

ORPHAN_POLL_S = 0.05


class ProcessHandle(Protocol):
    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...


class ForkedProcess:
    """A process forked by the zygote; `exited` is called with the status it reports."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._returncode: int | None = None
        self._done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pidfd = -1
        self._poller: asyncio.Task[None] | None = None
        with contextlib.suppress(OSError, AttributeError):
            self._pidfd = os.pidfd_open(pid)

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def returncode(self) -> int | None:
        return self._returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._done)

    def exited(self, code: int) -> None:
        """The process is gone with `code` (as `Popen.returncode` has it)."""
        if self._returncode is not None:
            return
        self._returncode = code
        self._close_pidfd()
        if self._poller is not None:
            self._poller.cancel()
        if not self._done.done():
            self._done.set_result(code)

    def orphaned(self) -> None:
        """The zygote is gone: watch for the end of the process ourselves."""
        if self._returncode is not None:
            return
        if self._pidfd >= 0:
            asyncio.get_running_loop().add_reader(self._pidfd, self._gone)
        else:
            self._poller = asyncio.create_task(self._poll())

    def _gone(self) -> None:
        self.exited(-signal.SIGKILL)

    async def _poll(self) -> None:
        while True:
            try:
                os.kill(self._pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            await asyncio.sleep(ORPHAN_POLL_S)
        self._poller = None
        self._gone()

    def _close_pidfd(self) -> None:
        fd, self._pidfd = self._pidfd, -1
        if fd >= 0:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(fd)
            os.close(fd)
