"""The forking parent ("zygote") of Python execution environments (stdlib only).

Started once per engine as `python -S -B -u python_zygote.py <socket fd> <site dirs>`
with a minimal environment (see `tenku.runtime.forkserver`). It imports the bootstrap and
the modules an environment needs, says hello on its SOCK_SEQPACKET socket, and then serves
one JSON request per message: hand it to the spare child forked ahead of time (with the
stdout/stderr pipe that arrived with SCM_RIGHTS), answer the spare's pid, fork the next
spare, and report every child's exit status as it is reaped. While
idle it imports boto3 a slice at a time, so that `import boto3` in a function is free.

The child becomes what `python -S -B -u python_bootstrap.py ...` would have been: its own
session, its cgroups joined, the pipe on fds 1 and 2 and no other fd, the request's
working directory, exactly the request's environment (also rewritten in place where
/proc/PID/environ reads it), default signal handlers, and none of the preloaded modules
when the function's code, layers or PYTHONPATH would shadow one of them. Then it runs the
bootstrap's `main()`. The zygote exits when its socket closes (the server is gone).
Must not import tenku or read anything but its socket and arguments.
"""

from __future__ import annotations

import sys

import python_bootstrap  # type: ignore[import-not-found]  # a script's sibling

# What an exec'd bootstrap has imported by the time it calls main(); all else is preload.
BASELINE = frozenset(sys.modules)

import array  # noqa: E402
import contextlib  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

# Imported ahead, in the idle time after hello, one slice at a time (each a few tens of ms)
PRELOAD = (
    "traceback",
    "logging",
    "random",
    "base64",
    "datetime",
    "decimal",
    "uuid",
    "email.parser",
    "http.client",
    "urllib3",
    "botocore.compat",
    "botocore.utils",
    "botocore.model",
    "botocore.auth",
    "botocore.httpchecksum",
    "botocore.client",
    "botocore.session",
    "s3transfer.utils",
    "s3transfer.manager",
    "boto3",
)
IDLE_S = 0.02  # quiet time before importing the next slice
MAX_MESSAGE = 1 << 20
OWN = {"__main__", "python_zygote", "python_bootstrap"}
INTERPRETER_PATH = list(sys.path)
ZONE = os.environ.get("TZ")
# PEP 538: the interpreter set LC_CTYPE at start-up if LANG named a missing locale; an
# exec'd environment with the same LANG (the server makes sure of it) gets the same
COERCED = {k: v for k, v in os.environ.items() if k == "LC_CTYPE"}


def environ_area() -> tuple[int, int]:
    """Where the kernel reads /proc/self/environ from: (env_start, env_end)."""
    with open("/proc/self/stat", "rb") as fh:
        fields = fh.read().rpartition(b")")[2].split()
    return int(fields[47]), int(fields[48])  # fields 50 and 51 of proc(5)


def rewrite_environ_area(area: tuple[int, int], env: dict[str, str]) -> None:
    """Show `env` (NUL-padded) in /proc/PID/environ, as if it had been exec'd with it."""
    start, end = area
    block = b"".join(f"{k}={v}".encode() + b"\0" for k, v in env.items())
    if len(block) > end - start:
        return  # the server does not fork for an environment this large
    try:
        with open("/proc/self/mem", "r+b", buffering=0) as mem:
            mem.seek(start)
            mem.write(block)  # the zygote zeroed the rest (see clear_environ_area)
    except (OSError, ValueError):
        pass


def clear_environ_area(area: tuple[int, int]) -> None:
    """Zero the zygote's own environment block once, so that a child writes only its own
    variables there (a page or two) and no padding. Its variables stay in os.environ."""
    saved = dict(os.environ)
    os.environ.clear()  # libc must not point into the block while it is zeroed
    try:
        with open("/proc/self/mem", "r+b", buffering=0) as mem:
            mem.seek(area[0])
            mem.write(b"\0" * (area[1] - area[0]))
    except (OSError, ValueError):
        pass
    os.environ.update(saved)


def provided_by(directory: str) -> set[str]:
    """Top-level modules and regular packages that `directory` would provide."""
    names: set[str] = set()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return names
    for entry in entries:
        name = entry.name
        if "." not in name:
            if os.path.isfile(os.path.join(entry.path, "__init__.py")):
                names.add(name)  # a directory without one is a namespace portion only
        elif name.endswith((".py", ".pyc")) or ".so" in name:
            names.add(name.partition(".")[0])
    return names


def preloaded() -> frozenset[str]:
    """Top-level names the zygote imported that an exec'd bootstrap would not have."""
    tops = {name.partition(".")[0] for name in sys.modules if name not in BASELINE}
    tops -= OWN | {n.partition(".")[0] for n in BASELINE} | set(sys.builtin_module_names)
    return frozenset(tops)


def shadowed(front: list[str], tops: frozenset[str]) -> bool:
    """Would the function's own directories provide a module the zygote preloaded?"""
    return any(tops & provided_by(directory) for directory in front)


def become(request: dict[str, Any], area: tuple[int, int], tops: frozenset[str]) -> None:
    """In the forked child: turn into the requested environment and run the bootstrap."""
    for procs in request.get("cgroups", ()):
        try:
            with open(procs, "w") as fh:
                fh.write(str(os.getpid()))
        except OSError:
            pass  # the server attaches it too, or falls back to its watchdog
    os.chdir(request["cwd"])
    env: dict[str, str] = {**request["env"], **COERCED}
    os.environ.clear()  # unsets every inherited variable, so libc no longer points there
    rewrite_environ_area(area, env)
    os.environ.update(env)
    if env.get("TZ") != ZONE:
        time.tzset()
    sys.argv[:] = request["argv"]
    sys.path[:] = INTERPRETER_PATH
    front, _ = python_bootstrap.search_dirs()
    if shadowed(front, tops):
        for name in [n for n in sys.modules if n not in BASELINE and n not in OWN]:
            del sys.modules[name]
        importlib.invalidate_caches()
    gc.enable()
    python_bootstrap.main()


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(json.dumps(message).encode())


def reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        send(sock, {"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def receive(sock: socket.socket) -> tuple[dict[str, Any] | None, int]:
    """One request and the fd that came with it (-1 if none); (None, -1) at EOF."""
    fds = array.array("i")
    data, ancillary, _flags, _addr = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(16))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if not data:
        for fd in fds:
            os.close(fd)
        return None, -1
    extra = list(fds)
    out_fd = extra.pop(0) if extra else -1
    for fd in extra:
        os.close(fd)
    return json.loads(data), out_fd


def serve(sock: socket.socket) -> tuple[dict[str, Any], frozenset[str]] | None:
    """The zygote's loop; returns only in a forked child, with its request and
    the names the zygote had preloaded by then.

    One child is kept forked ahead ("the spare"), parked on its own socket: a request
    goes to it, so neither the fork (milliseconds for a process this size) nor its
    clean-up is on a cold start's path; the next spare is forked after the answer."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda _sig, _frame: None)
    area = environ_area()
    clear_environ_area(area)
    socket.getaddrinfo("127.0.0.1", 9)  # loads what the runtime client's connect needs
    gc.collect()
    gc.freeze()
    send(sock, {"hello": os.getpid(), "environ": area[1] - area[0]})
    pending = list(PRELOAD)
    own = sock.fileno()
    spare: tuple[int, socket.socket] | None = None
    tops = preloaded()
    while True:
        if spare is None:
            forked = fork_spare(sock, (wake_r, wake_w))
            if isinstance(forked, tuple) and len(forked) == 2 and isinstance(forked[0], dict):
                job, job_fd = forked
                return become_child(job, job_fd, area), tops
            spare = forked if isinstance(forked, tuple) else None
        try:
            readable, _, _ = select.select([own, wake_r], [], [], IDLE_S if pending else None)
        except InterruptedError:
            continue
        if not readable:
            # not installed (or broken): the function imports it itself
            with contextlib.suppress(Exception):
                importlib.import_module(pending.pop(0))
            gc.collect()
            gc.freeze()  # children's collections then leave the zygote's pages shared
            tops = preloaded()
            if spare is not None and not pending:  # preloading done: a spare that has it all
                retire(spare)
                spare = None
            continue
        if wake_r in readable:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            reap(sock)
        if own not in readable:
            continue
        request, out_fd = receive(sock)
        if request is None:
            if spare is not None:
                retire(spare)
            return None
        if out_fd < 0:
            send(sock, {"id": request["id"], "error": "no output pipe came with the request"})
            continue
        if spare is None:
            send(sock, {"id": request["id"], "error": "no spare could be forked"})
            os.close(out_fd)
            continue
        pid, channel = spare
        spare = None
        try:
            channel.sendmsg(
                [json.dumps(request).encode()],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [out_fd]))],
            )
        except OSError as exc:
            send(sock, {"id": request["id"], "error": f"spare unreachable: {exc}"})
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            continue
        finally:
            os.close(out_fd)
            channel.close()
        send(sock, {"id": request["id"], "pid": pid})


def fork_spare(
    sock: socket.socket, wake: tuple[int, int]
) -> tuple[int, socket.socket] | tuple[dict[str, Any], int] | None:
    """In the zygote: (pid, channel) of a new spare, or None when fork failed.
    In the spare, once its request came: (request, output fd)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        ours.close()
        theirs.close()
        return None
    if pid:
        theirs.close()
        send(sock, {"spare": pid})  # the server cages it now, off any cold start's path
        return pid, ours
    # the spare: do what needs no request, then wait for one (or leave with the zygote)
    ours.close()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sock.close()
    os.close(wake[0])
    os.close(wake[1])
    os.setsid()
    keep = theirs.fileno()  # close_fds: only 0, 1, 2 and the channel survive
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    request, out_fd = receive(theirs)
    if request is None or out_fd < 0:
        os._exit(0)
    theirs.close()
    return request, out_fd


def retire(spare: tuple[int, socket.socket]) -> None:
    """Let a spare go: its channel closes, it exits, `reap` collects it."""
    spare[1].close()


def become_child(request: dict[str, Any], out_fd: int, area: tuple[int, int]) -> dict[str, Any]:
    """In a spare that got its request: its output on fds 1 and 2, nothing else open."""
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    request["_area"] = area
    return request


def main() -> None:
    gc.disable()
    sock = socket.socket(fileno=int(sys.argv[1]))
    sys.path.extend(p for p in sys.argv[2].split(os.pathsep) if p)  # for the preload
    job = serve(sock)
    if job is None:
        sys.exit(0)
    request, tops = job
    del job
    become(request, request.pop("_area"), tops)


if __name__ == "__main__":
    main()
