"""How an execution environment process is started: its command line and environment.

Owns the exact set of variables Lambda gives a function (and nothing inherited from the
server's own environment: real credentials must never leak in) and the choice of program
per runtime family. Must not start processes or keep state.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from tenku.core.functions import FunctionSpec

BOOTSTRAP_DIR = Path(__file__).resolve().parent / "bootstraps"
PYTHON_BOOTSTRAP = BOOTSTRAP_DIR / "python_bootstrap.py"
NODE_BOOTSTRAP = BOOTSTRAP_DIR / "node_bootstrap.js"
# Where the Python bootstrap finds the Runtime API's Unix socket (it removes the variable).
RUNTIME_SOCKET_VARIABLE = "TENKU_RUNTIME_API_SOCKET"


class LaunchError(Exception):
    """The environment cannot be started; carries Lambda's error type and message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def _search_path() -> str:
    dirs = [str(Path(sys.executable).parent)]
    node = shutil.which("node")
    if node:
        dirs.append(str(Path(node).parent))
    dirs += ["/usr/local/bin", "/usr/bin", "/bin", "/opt/bin"]
    return ":".join(dict.fromkeys(dirs))


PATH = _search_path()
NODE = shutil.which("node") or "node"
SITE_DIRS = os.pathsep.join(
    dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
)


def log_stream_name(version: str, token: str) -> str:
    """`YYYY/MM/DD/[$LATEST]<32 hex>` as Lambda names a new environment's stream."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{token}"


def build_environment(
    spec: FunctionSpec,
    runtime_api: str,
    log_stream: str,
    scratch_dir: str,
    initialization_type: str = "on-demand",
    runtime_socket: str | None = None,
) -> dict[str, str]:
    """The complete environment of the process: the function's variables, then Lambda's.
    `runtime_socket` is the Runtime API's Unix socket for Tenku's own bootstrap, which
    takes the variable out of the environment before the function's code is loaded."""
    env = dict(spec.environment)
    env.update(
        {
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": PATH,
            "TMPDIR": scratch_dir,
        }
    )
    if spec.endpoint_url:
        env.setdefault("AWS_ENDPOINT_URL", spec.endpoint_url)
    for key, value in spec.environment:  # the function may override these few
        if key in ("TZ", "LANG", "PATH", "TMPDIR", "AWS_ENDPOINT_URL"):
            env[key] = value
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group or f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "_HANDLER": spec.handler,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "LAMBDA_TASK_ROOT": spec.code_dir,
            "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP_DIR),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
        }
    )
    if runtime_socket:
        env[RUNTIME_SOCKET_VARIABLE] = runtime_socket
    if not spec.runtime.startswith("provided"):
        env["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{spec.runtime}"
    env["AWS_LAMBDA_LOG_FORMAT"] = "JSON" if spec.log_format == "JSON" else "Text"
    if spec.runtime.startswith("nodejs"):
        node_path = [str(Path(d) / "nodejs" / "node_modules") for d in spec.layer_dirs]
        env.setdefault("NODE_PATH", ":".join([*node_path, spec.code_dir]))
    return env


@functools.cache
def _node_major() -> str | None:
    """The installed Node.js major version, or None when there is no `node`."""
    if shutil.which("node") is None:
        return None
    try:
        out = subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().lstrip("v").split(".")[0] or None


def substitution(spec: FunctionSpec) -> str | None:
    """A warning when the declared runtime version is not the one installed here: the
    function runs on the installed one. (No installed runtime at all is `command_for`'s
    LaunchError.)"""
    if spec.runtime.startswith("python"):
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        declared = spec.runtime[len("python") :]
        if declared != running:
            return f"{spec.runtime} is not installed here: {spec.name} runs on Python {running}"
    elif spec.runtime.startswith("nodejs"):
        major = _node_major()
        if major is None:
            return None
        declared = spec.runtime[len("nodejs") :].split(".")[0]
        if declared != major:
            return f"{spec.runtime} is not installed here: {spec.name} runs on Node.js {major}"
    return None


def command_for(spec: FunctionSpec) -> list[str]:
    """The program that runs the environment's runtime loop."""
    if spec.runtime.startswith("python"):
        layers = os.pathsep.join(spec.layer_dirs)
        return [sys.executable, "-S", "-B", "-u", str(PYTHON_BOOTSTRAP), SITE_DIRS, layers]
    if spec.runtime.startswith("nodejs"):
        if shutil.which(NODE) is None:
            raise LaunchError(
                "Runtime.InvalidRuntime",
                f"{spec.runtime} needs Node.js, and no `node` is installed on this machine",
            )
        return [NODE, str(NODE_BOOTSTRAP)]
    if spec.runtime.startswith("provided"):
        candidates = [Path(spec.code_dir) / "bootstrap"]
        candidates += [Path(d) / "bootstrap" for d in spec.layer_dirs]
        for candidate in candidates:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return [str(candidate)]
        tried = " ".join(str(c) for c in candidates)
        raise LaunchError(
            "Runtime.InvalidEntrypoint", f"Couldn't find valid bootstrap(s): [{tried}]"
        )
    raise LaunchError("Runtime.InvalidRuntime", f"Unsupported runtime: {spec.runtime}")
