"""The Python runtime loop that runs inside an execution environment (stdlib only).

Started as `python -S -B -u python_bootstrap.py <server site dirs> <layer dirs>`, or
forked by `python_zygote.py`, which imports this module ahead and then calls `main()`
with the same `sys.argv` and environment. Owns
the handler import, the `context` object and Lambda's error documents, and speaks the
Runtime API with http.client. Must not import tenku or read anything but its own
environment variables and arguments.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import time
from typing import Any

API = "/2018-06-01/runtime"
JSON_LOGS = False  # set by main(): a forked environment gets its variables after import
LEVELS = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40}
LEVELS["FATAL"] = LEVELS["CRITICAL"] = 50
current_request_id = ""


def _stamp(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + (
        f".{int(created % 1 * 1000):03d}Z"
    )


def install_logging() -> None:
    """A root handler writing Lambda's records: tab-separated text, or JSON objects."""
    import logging

    class LambdaHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                message = record.getMessage()
                if JSON_LOGS:
                    doc: dict[str, Any] = {
                        "timestamp": _stamp(record.created),
                        "level": record.levelname,
                        "message": message,
                        "logger": record.name,
                    }
                    if current_request_id:
                        doc["requestId"] = current_request_id
                    if record.exc_info and record.exc_info[1] is not None:
                        exc = record.exc_info[1]
                        doc.update(
                            errorType=type(exc).__name__,
                            errorMessage=str(exc),
                            stackTrace=error_doc(exc)["stackTrace"],
                        )
                    line = json.dumps(doc, default=str)
                else:
                    if record.exc_info:
                        message += "\n" + logging.Formatter().formatException(record.exc_info)
                    line = (
                        f"[{record.levelname}]\t{_stamp(record.created)}"
                        f"\t{current_request_id}\t{message}"
                    ).replace("\n", "\r")
                sys.stdout.write(line + "\n")
            except Exception:
                self.handleError(record)

    root = logging.getLogger()
    root.handlers[:] = [LambdaHandler()]
    logging.addLevelName(5, "TRACE")
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in LEVELS:
        root.setLevel(LEVELS[level])
    elif JSON_LOGS:
        root.setLevel(logging.INFO)


def search_dirs() -> tuple[list[str], list[str]]:
    """The directories put before (function code, layers, PYTHONPATH) and after (the
    server's site dirs) the interpreter's own path."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    front = [task_root]
    layers = sys.argv[2].split(os.pathsep) if len(sys.argv) > 2 and sys.argv[2] else []
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for layer in layers:
        front.append(os.path.join(layer, "python"))
        front.append(os.path.join(layer, "python", "lib", version, "site-packages"))
    extra = os.environ.get("PYTHONPATH", "")
    front += [p for p in extra.split(os.pathsep) if p]
    back = sys.argv[1].split(os.pathsep) if len(sys.argv) > 1 and sys.argv[1] else []
    return front, back


def _setup_path() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    front, back = search_dirs()
    sys.path[:] = front + sys.path + back


class CognitoIdentity:
    def __init__(self) -> None:
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None


class ClientContext:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.client = raw.get("client")
        self.custom = raw.get("custom")
        self.env = raw.get("env")


class LambdaContext:
    def __init__(self, request_id: str, deadline_ms: int, arn: str, client_ctx: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = CognitoIdentity()
        self.client_context = ClientContext(json.loads(client_ctx)) if client_ctx else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class RuntimeClient:
    """HTTP/1.1 keep-alive over a plain socket: http.client pulls in email and ssl (~40 ms)."""

    def __init__(self, address: str, unix_path: str | None = None) -> None:
        if unix_path:  # Tenku's own channel: the same HTTP without loopback TCP
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(unix_path)
        else:
            host, _, port = address.rpartition(":")
            self.sock = socket.create_connection((host, int(port)))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.host = address
        self.next_request = self.request("GET", "/invocation/next")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        body = body or b""
        head = f"{method} {API}{path} HTTP/1.1\r\nHost: {self.host}\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        return head.encode("latin-1") + body

    def read_reply(self) -> tuple[int, dict[str, str], bytes]:
        status_line = self.file.readline()
        if not status_line:
            raise ConnectionError("runtime API closed the connection")
        status = int(status_line.split()[1])
        reply: dict[str, str] = {}
        while True:
            line = self.file.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            reply[name.strip().lower()] = value.strip()
        data = self.file.read(int(reply.get("content-length", "0")))
        return status, reply, data

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        self.sock.sendall(self.request(method, path, body, headers))
        return self.read_reply()

    def finish_and_next(self, answer: bytes) -> tuple[int, dict[str, str], bytes]:
        """Post an invocation's answer and ask for the next one in a single write
        (HTTP/1.1 pipelining): one wake-up of the API instead of two per invocation."""
        self.sock.sendall(answer + self.next_request)
        self.read_reply()  # 202 (or a refusal, which changes nothing for this loop)
        return self.read_reply()


def error_doc(
    exc: BaseException,
    request_id: str = "",
    error_type: str | None = None,
    message: str | None = None,
    tb: bool = True,
) -> dict[str, Any]:
    import traceback  # only on errors: it costs milliseconds at cold start

    stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)) if tb else []
    return {
        "errorMessage": str(exc) if message is None else message,
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": stack,
    }


def log_error(doc: dict[str, Any]) -> None:
    if JSON_LOGS:
        record = {
            "timestamp": _stamp(time.time()),
            "level": "ERROR",
            "message": {k: doc[k] for k in ("errorMessage", "errorType", "stackTrace")},
        }
        if doc.get("requestId"):
            record["requestId"] = doc["requestId"]
        sys.stdout.write(json.dumps(record) + "\n")
        return
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}"]
    if doc["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in doc["stackTrace"])
    sys.stdout.write("\r".join(lines) + "\n")  # one log record, as Lambda keeps it


def load_handler() -> Any:
    handler = os.environ.get("_HANDLER", "")
    try:
        module_path, func_name = handler.rsplit(".", 1)
    except ValueError as exc:
        raise InitError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}", exc
        ) from None
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}", exc
        ) from None
    except SyntaxError as exc:
        raise InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", exc
        ) from None
    except Exception as exc:
        raise InitError(type(exc).__name__, str(exc), exc, stack=True) from None
    func = getattr(module, func_name, None)
    if func is None:
        raise InitError(
            "Runtime.HandlerNotFound", f"Handler '{func_name}' missing on module '{module_name}'"
        )
    return func


class InitError(Exception):
    def __init__(
        self, error_type: str, message: str, cause: BaseException | None = None, stack: bool = False
    ) -> None:
        super().__init__(message)
        self.doc = error_doc(cause or self, "", error_type, message, tb=stack)


def main() -> None:
    global current_request_id, JSON_LOGS
    JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "Text").upper() == "JSON"
    _setup_path()
    install_logging()
    unix_path = os.environ.pop("TENKU_RUNTIME_API_SOCKET", None)  # not the function's
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"], unix_path)
    try:
        func = load_handler()
    except InitError as exc:
        log_error(exc.doc)
        client.call(
            "POST",
            "/init/error",
            json.dumps(exc.doc).encode(),
            {"Lambda-Runtime-Function-Error-Type": exc.doc["errorType"]},
        )
        sys.exit(1)
    reply = client.call("GET", "/invocation/next")
    while True:
        status, headers, body = reply
        if status != 200:
            sys.exit(1)
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        current_request_id = request_id
        trace = headers.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        context = LambdaContext(
            request_id,
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            headers.get("lambda-runtime-invoked-function-arn", ""),
            headers.get("lambda-runtime-client-context", ""),
        )
        try:
            event = json.loads(body) if body else None
            result = func(event, context)
        except Exception as exc:
            exc.__traceback__ = exc.__traceback__.tb_next if exc.__traceback__ else None
            reply = post_error(client, error_doc(exc, request_id), request_id)
            continue
        try:
            out = json.dumps(result).encode()
        except (TypeError, ValueError) as exc:
            doc = error_doc(
                exc,
                request_id,
                "Runtime.MarshalError",
                f"Unable to marshal response: {exc}",
                tb=False,
            )
            reply = post_error(client, doc, request_id)
            continue
        sys.stdout.flush()
        reply = client.finish_and_next(
            client.request("POST", f"/invocation/{request_id}/response", out)
        )


def post_error(
    client: RuntimeClient, doc: dict[str, Any], request_id: str
) -> tuple[int, dict[str, str], bytes]:
    log_error(doc)
    sys.stdout.flush()
    answer = client.request(
        "POST",
        f"/invocation/{request_id}/error",
        json.dumps(doc).encode(),
        {"Lambda-Runtime-Function-Error-Type": doc["errorType"]},
    )
    return client.finish_and_next(answer)


if __name__ == "__main__":
    main()
