"""Pieces of the Lambda benchmark: function packages, a raw Invoke client, wrk's script.

The ``provided.al2023`` function is a tiny C program (``BOOTSTRAP_C``) compiled here with
gcc: it speaks the Runtime API over plain sockets (keep-alive) and answers ``{"ok":true}``.
"""

from __future__ import annotations

import base64
import io
import os
import re
import socket
import subprocess
import tempfile
import time
import zipfile

from sqs_common import HOST, parse_response

AMZ_DATE = "20260101T000000Z"
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/lambda/aws4_request, "
    "SignedHeaders=host;x-amz-date, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000"
)
_LOG_RESULT = re.compile(rb"\r\nx-amz-log-result:[ \t]*([A-Za-z0-9+/=]+)", re.IGNORECASE)
_FN_ERROR = re.compile(rb"\r\nx-amz-function-error:", re.IGNORECASE)
_DURATION = re.compile(r"REPORT RequestId:.*?\tDuration: ([0-9.]+) ms")
_INIT = re.compile(r"Init Duration: ([0-9.]+) ms")

PY_HANDLER = 'def handler(event, context):\n    return {"ok": True}\n'
NODE_HANDLER = "exports.handler = async () => ({ok: true});\n"

BOOTSTRAP_C = r"""#define _GNU_SOURCE
/* Minimal provided.al2023 bootstrap for the Lambda benchmark: speaks the Runtime API
 * 2018-06-01 over plain sockets (keep-alive, reconnects when the server closes) and
 * answers every event with {"ok":true}. Built by lambda_bench.py with gcc -O2. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char host[64];
static int port;
static int fd = -1;
static char buf[1 << 20];

static void conn(void) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, host, &a.sin_addr);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("connect"); exit(1); }
}

/* Send one request and read its response into buf; returns header length or -1. */
static int roundtrip(const char *req, size_t len, size_t *total) {
  for (int attempt = 0; attempt < 2; attempt++) {
    if (fd < 0) conn();
    if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) { close(fd); fd = -1; continue; }
    size_t got = 0;
    char *end = NULL;
    while (!end) {
      ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
      if (n <= 0) break;
      got += n; buf[got] = 0;
      end = strstr(buf, "\r\n\r\n");
    }
    if (!end) { close(fd); fd = -1; continue; }
    size_t head = end - buf + 4, clen = 0;
    char *cl = strcasestr(buf, "\r\ncontent-length:");
    if (cl && cl < end) clen = strtoul(cl + 17, NULL, 10);
    while (got < head + clen) {
      ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
      if (n <= 0) break;
      got += n;
    }
    buf[got] = 0;
    char *cc = strcasestr(buf, "\r\nconnection: close");
    if ((cc && cc < end) || strncmp(buf, "HTTP/1.0", 8) == 0) { close(fd); fd = -1; }
    *total = got;
    return (int)head;
  }
  return -1;
}

int main(void) {
  const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api) return 1;
  const char *colon = strrchr(api, ':');
  snprintf(host, sizeof host, "%.*s", (int)(colon - api), api);
  if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  port = atoi(colon + 1);
  char next[256], post[512], id[128];
  int nlen = snprintf(next, sizeof next,
      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
  const char *body = "{\"ok\":true}";
  for (;;) {
    size_t total;
    int head = roundtrip(next, nlen, &total);
    if (head < 0) return 1;
    char *h = strcasestr(buf, "\r\nlambda-runtime-aws-request-id:");
    if (!h) return 1;
    h += 32;
    while (*h == ' ') h++;
    size_t i = 0;
    while (h[i] && h[i] != '\r' && i < sizeof id - 1) { id[i] = h[i]; i++; }
    id[i] = 0;
    int plen = snprintf(post, sizeof post,
        "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
        "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
        id, api, strlen(body), body);
    if (roundtrip(post, plen, &total) < 0) return 1;
  }
}
"""


def _zip(files: dict[str, tuple[bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def build_bootstrap(work_dir: str) -> bytes:
    """Compile BOOTSTRAP_C with gcc -O2; returns the binary."""
    src = os.path.join(work_dir, "bootstrap.c")
    out = os.path.join(work_dir, "bootstrap")
    with open(src, "w") as f:
        f.write(BOOTSTRAP_C)
    subprocess.run(["gcc", "-O2", "-o", out, src], check=True, capture_output=True)
    with open(out, "rb") as f:
        return f.read()


def packages(work_dir: str) -> dict[str, dict]:
    """create_function arguments (Runtime, Handler, Code) per runtime."""
    return {
        "python3.11": {
            "Runtime": "python3.11",
            "Handler": "app.handler",
            "Code": {"ZipFile": _zip({"app.py": (PY_HANDLER.encode(), 0o644)})},
        },
        "nodejs20.x": {
            "Runtime": "nodejs20.x",
            "Handler": "index.handler",
            "Code": {"ZipFile": _zip({"index.js": (NODE_HANDLER.encode(), 0o644)})},
        },
        "provided.al2023": {
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Code": {"ZipFile": _zip({"bootstrap": (build_bootstrap(work_dir), 0o755)})},
        },
    }


def invoke_request(port: int, function: str, body: bytes = b"{}", tail: bool = False) -> bytes:
    """A pre-built Invoke request (RequestResponse), headers like an SDK's."""
    extra = "X-Amz-Log-Type: Tail\r\n" if tail else ""
    return (
        f"POST /2015-03-31/functions/{function}/invocations HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        "Content-Type: application/json\r\n"
        "X-Amz-Invocation-Type: RequestResponse\r\n"
        f"{extra}"
        f"X-Amz-Date: {AMZ_DATE}\r\n"
        f"Authorization: {AUTHORIZATION}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class InvokeResult:
    def __init__(self, status: int, body: bytes, rtt_ms: float, log: str, fn_err: bool) -> None:
        self.status, self.body, self.rtt_ms = status, body, rtt_ms
        self.log, self.function_error = log, fn_err

    @property
    def duration_ms(self) -> float | None:
        m = _DURATION.search(self.log)
        return float(m.group(1)) if m else None

    @property
    def init_ms(self) -> float | None:
        m = _INIT.search(self.log)
        return float(m.group(1)) if m else None


class Client:
    """One keep-alive connection, one request in flight; reconnects when told to close."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port, self.timeout = port, timeout
        self.sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((HOST, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def send(self, request: bytes) -> InvokeResult:
        if self.sock is None:
            self.sock = self._connect()
        sock = self.sock
        t0 = time.perf_counter()
        sock.sendall(request)
        buf = bytearray()
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                self.close()
                raise ConnectionError("connection closed before a full response")
            buf += chunk
            parsed = parse_response(buf)
            if parsed is not None:
                break
        rtt = (time.perf_counter() - t0) * 1000
        resp, _ = parsed
        head = bytes(buf[: buf.find(b"\r\n\r\n") + 2])
        if resp.close:
            self.close()
        m = _LOG_RESULT.search(head)
        log = base64.b64decode(m.group(1)).decode(errors="replace") if m else ""
        return InvokeResult(resp.status, resp.body, rtt, log, bool(_FN_ERROR.search(head)))

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


WRK_LUA = """
-- Lambda benchmark: POST {} to /2015-03-31/functions/NAME/invocations (keep-alive).
-- Argument layout of sqs_wrk.run_wrk: -- OP NAME (OP is ignored).
wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Amz-Invocation-Type"] = "RequestResponse"
wrk.headers["X-Amz-Date"] = "@DATE@"
wrk.headers["Authorization"] = "@AUTH@"

function init(args)
  wrk.path = "/2015-03-31/functions/" .. args[2] .. "/invocations"
end

""".replace("@DATE@", AMZ_DATE).replace("@AUTH@", AUTHORIZATION)


def write_lua() -> str:
    fd, path = tempfile.mkstemp(prefix="lambdabench-", suffix=".lua")
    with os.fdopen(fd, "w") as f:
        f.write(WRK_LUA)
    return path


def descendants(pid: int) -> list[int]:
    """All processes below ``pid`` (via /proc/*/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as f:
                    kids = [int(x) for x in f.read().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
