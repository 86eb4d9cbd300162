"""Memory and CPU limits of an execution environment: a cgroup when allowed, else a watchdog.

Lambda gives a function `memory_mb` of memory and CPU in proportion to it (1,769 MB is one
vCPU). The mechanism is chosen once per server process, from what the host allows:

1. cgroup v2 (`memory.max`, `cpu.max`): when the unified hierarchy is mounted, offers the
   `memory` and `cpu` controllers and our own cgroup's subtree accepts children. Each
   environment gets a child cgroup; the kernel OOM-kills past `memory.max` and throttles
   to `memory_mb / 1769` of a CPU (never below `MIN_CPU_SHARE`) from the end of init:
   the init phase runs unthrottled, so a 128 MB cold start stays ~40 ms instead of
   ~240 ms at 10 % of a CPU (a local dev loop is worth more than a faithful slow init).
2. cgroup v1 (`memory.limit_in_bytes`, `cpu.cfs_quota_us`): the same per environment in
   the legacy `memory` and `cpu` hierarchies when they are writable (containers and VMs
   that still mount v1, such as this project's development VM, whose v2 hierarchy carries
   no controllers).
3. Neither: a watchdog polls the resident memory (VmRSS) of the environment's process tree
   every `POLL_S` while an invocation runs and SIGKILLs the process group past the limit.
   Memory allocated between polls or while no invocation runs is not caught, and CPU is
   not limited at all in this mode.

A kill for memory is reported by the engine as Lambda does (`Runtime.OutOfMemory`).
Using RLIMIT_AS instead would be wrong: it caps virtual memory, which a Python or Node.js
process reserves far beyond what it uses. Must not start processes or decide what a kill
means for an invocation; the environment and the engine do.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
VCPU_MB = 1769
PERIOD_US = 100_000
MIN_CPU_SHARE = 0.1  # of one vCPU: 128 MB would get 7 %, too slow even for a hello world
POLL_S = 0.02


@dataclass(frozen=True)
class Backend:
    """Where per-environment cgroups are created: `kind` is "v2", "v1" or "poll"."""

    kind: str
    memory_dir: Path | None = None  # parent of the per-environment memory cgroups
    cpu_dir: Path | None = None  # parent of the per-environment cpu cgroups (v1 only)


def cpu_quota_us(memory_mb: int) -> int:
    """CPU time per `PERIOD_US` that `memory_mb` buys (at least `MIN_CPU_SHARE` of a CPU)."""
    share = max(MIN_CPU_SHARE, memory_mb / VCPU_MB)
    return max(1000, int(PERIOD_US * share))


def _own_cgroups() -> dict[str, str]:
    """Controller (or "" for v2) -> our cgroup path, from /proc/self/cgroup."""
    found: dict[str, str] = {}
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for name in controllers.split(",") if controllers else [""]:
                    found[name] = path
    except (OSError, ValueError):
        pass
    return found


def _probe(parent: Path, files: dict[str, str]) -> bool:
    """Can we make a child of `parent` and write these limit files in it?"""
    probe = parent / f"probe-{os.getpid()}"
    try:
        parent.mkdir(exist_ok=True)
        probe.mkdir(exist_ok=True)
        for name, value in files.items():
            (probe / name).write_text(value)
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


def _try_v2(own: dict[str, str]) -> Backend | None:
    if "" not in own:
        return None
    for mount in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        base = mount / own[""].lstrip("/")
        try:
            controllers = (base / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if not {"memory", "cpu"} <= set(controllers):
            continue
        parent = base / f"tenku-{os.getpid()}"
        try:
            parent.mkdir(exist_ok=True)
            (parent / "cgroup.subtree_control").write_text("+memory +cpu")
        except OSError:
            continue
        if _probe(parent, {"memory.max": "1G", "cpu.max": f"{PERIOD_US} {PERIOD_US}"}):
            return Backend("v2", parent)
        with contextlib.suppress(OSError):
            parent.rmdir()
    return None


def _try_v1(own: dict[str, str]) -> Backend | None:
    if "memory" not in own or "cpu" not in own:
        return None
    memory = CGROUP_ROOT / "memory" / own["memory"].lstrip("/") / f"tenku-{os.getpid()}"
    cpu = CGROUP_ROOT / "cpu" / own["cpu"].lstrip("/") / f"tenku-{os.getpid()}"
    if not _probe(memory, {"memory.limit_in_bytes": str(1 << 30)}):
        return None
    if not _probe(cpu, {"cpu.cfs_quota_us": str(PERIOD_US)}):
        with contextlib.suppress(OSError):
            memory.rmdir()
        return None
    return Backend("v1", memory, cpu)


_backend: Backend | None = None


def backend() -> Backend:
    """The mechanism this host allows (probed once; TENKU_LIMITS=poll forces the watchdog)."""
    global _backend
    if _backend is None:
        own = _own_cgroups()
        forced = os.environ.get("TENKU_LIMITS", "")
        found = None
        if forced != "poll":
            found = _try_v2(own) or _try_v1(own)
        _backend = found or Backend("poll")
        atexit.register(_remove_parents, _backend)
    return _backend


def _remove_parents(b: Backend) -> None:
    for parent in (b.memory_dir, b.cpu_dir):
        if parent is not None:
            with contextlib.suppress(OSError):
                parent.rmdir()


def rss_kb(pid: int) -> int:
    """Resident memory (VmRSS) of `pid` and all its descendants, in KB."""
    total = 0
    stack, seen = [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/status", "rb") as fh:
                for line in fh:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1])
                        break
            for tid in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{tid}/children", "rb") as fh:
                    stack.extend(int(x) for x in fh.read().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


class Cage:
    """The limits of one environment; `attach` its process right after it starts."""

    def __init__(self, name: str, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.memory_mb_written = memory_mb
        self.backend = backend()
        self.dirs: list[Path] = []
        self._killed = False
        self._cpu_file: tuple[Path, str] | None = None
        try:
            self._create(name)
        except OSError:
            self.close()
            self.backend = Backend("poll")

    def _create(self, name: str) -> None:
        limit = str(self.memory_mb * 1024 * 1024)
        quota = cpu_quota_us(self.memory_mb)
        b = self.backend
        if b.kind == "v2" and b.memory_dir is not None:
            group = b.memory_dir / name
            group.mkdir()
            self.dirs.append(group)
            (group / "memory.max").write_text(limit)
            with contextlib.suppress(OSError):
                (group / "memory.swap.max").write_text("0")
            self._cpu_file = (group / "cpu.max", f"{quota} {PERIOD_US}")
        elif b.kind == "v1" and b.memory_dir is not None and b.cpu_dir is not None:
            memory, cpu = b.memory_dir / name, b.cpu_dir / name
            memory.mkdir()
            self.dirs.append(memory)
            (memory / "memory.limit_in_bytes").write_text(limit)
            with contextlib.suppress(OSError):
                (memory / "memory.memsw.limit_in_bytes").write_text(limit)
            cpu.mkdir()
            self.dirs.append(cpu)
            (cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            self._cpu_file = (cpu / "cpu.cfs_quota_us", str(quota))

    def set_memory(self, memory_mb: int) -> None:
        """Change the limits to those of `memory_mb` (a cage made ahead for a spare)."""
        self.memory_mb = memory_mb
        if not self.dirs:
            return
        limit = str(memory_mb * 1024 * 1024)
        try:
            if self.backend.kind == "v2":
                (self.dirs[0] / "memory.max").write_text(limit)
                self._cpu_file = (
                    self.dirs[0] / "cpu.max",
                    f"{cpu_quota_us(memory_mb)} {PERIOD_US}",
                )
            else:
                memsw = self.dirs[0] / "memory.memsw.limit_in_bytes"
                # v1 refuses a memory limit above memory+swap: raise that one first
                order = ["memory.limit_in_bytes"]
                if memory_mb > self.memory_mb_written:
                    order.insert(0, "memory.memsw.limit_in_bytes")
                else:
                    order.append("memory.memsw.limit_in_bytes")
                for name in order:
                    if name == memsw.name:
                        with contextlib.suppress(OSError):  # absent without swap accounting
                            memsw.write_text(limit)
                    else:
                        (self.dirs[0] / name).write_text(limit)
                self._cpu_file = (self.dirs[1] / "cpu.cfs_quota_us", str(cpu_quota_us(memory_mb)))
        except OSError:
            self.backend = Backend("poll")
        self.memory_mb_written = memory_mb

    @property
    def polling(self) -> bool:
        return self.backend.kind == "poll"

    def attach(self, pid: int) -> None:
        """Move the process into the environment's cgroups (children follow it)."""
        for group in self.dirs:
            try:
                (group / "cgroup.procs").write_text(str(pid))
            except OSError:
                self.backend = Backend("poll")  # keep the limit with the watchdog instead

    def limit_cpu(self) -> None:
        """Apply the CPU quota; called once init is over (init runs unthrottled)."""
        if self._cpu_file is not None:
            path, value = self._cpu_file
            with contextlib.suppress(OSError):
                path.write_text(value)
            self._cpu_file = None

    def oom_killed(self, by_sigkill: bool = False) -> bool:
        """Did the kernel or the watchdog kill this environment for memory? (`by_sigkill`:
        the process died of SIGKILL, so a memory peak at the limit also counts.)"""
        if self._killed:
            return True
        if not self.dirs:
            return False
        name = "memory.events" if self.backend.kind == "v2" else "memory.oom_control"
        try:
            text = (self.dirs[0] / name).read_text()
        except OSError:
            return False
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip() not in ("", "0"):
                return True
        # A SIGKILL that Tenku did not send (its own kills take the timeout path) to a
        # process held in a memory cgroup is the kernel's OOM killer, even when the
        # counter and the peak above do not show it yet (seen on a loaded machine). A
        # function that SIGKILLs itself is reported as out of memory too.
        return by_sigkill

    async def watch(self, pid: int, on_kill: Callable[[], None] | None = None) -> None:
        """Poll the process tree and SIGKILL its group past the limit (watchdog mode only)."""
        if not self.polling:
            return
        limit_kb = self.memory_mb * 1024
        while True:
            if rss_kb(pid) > limit_kb:
                self._killed = True
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                if on_kill is not None:
                    on_kill()
                return
            await asyncio.sleep(POLL_S)

    def close(self) -> None:
        """Remove the cgroups (the processes must be gone; retried briefly if not yet)."""
        for group in self.dirs:
            for _ in range(50):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.002)
        self.dirs = []
