"""An API Gateway request as immutable plain values, and the small readings every event
builder needs from it (headers, cookies, query pairs, the decoded path, AWS's time text).

The gateway converts its own HTTP objects into a `ProxyRequest` once; nothing here sees
a server object, does I/O or keeps state. Derived readings are computed on first use and
kept on the instance, so building several events from one request parses it once.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import parse_qsl, unquote

from tenku.core.ids import new_uuid

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProxyRequest:
    """One request to an API, as received, after the stage segment was taken off.

    `path` is percent-encoded exactly as on the wire ("/a%20b/c"), without the query;
    `query` is the raw query string without '?'; `headers` keep order, repeats and the
    client's spelling of names. `received_at` is epoch seconds from the injected clock.
    """

    method: str
    path: str
    query: str = ""
    headers: Headers = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    host: str = ""
    received_at: float = 0.0

    # -- headers -------------------------------------------------------------------------
    @cached_property
    def header_map(self) -> dict[str, list[str]]:
        """Lower-cased name -> every value, in order."""
        out: dict[str, list[str]] = {}
        for name, value in self.headers:
            out.setdefault(name.lower(), []).append(value)
        return out

    def header(self, name: str) -> str | None:
        """A header's values joined with commas (case-insensitive name), None if absent."""
        values = self.header_map.get(name.lower())
        return ",".join(values) if values else None

    def first_header(self, name: str) -> str | None:
        values = self.header_map.get(name.lower())
        return values[0] if values else None

    def last_header(self, name: str) -> str | None:
        values = self.header_map.get(name.lower())
        return values[-1] if values else None

    @cached_property
    def cookies(self) -> list[str]:
        """Every `name=value` of every Cookie header, in order (payload 2.0's `cookies`)."""
        out: list[str] = []
        for value in self.header_map.get("cookie", ()):
            out.extend(part.strip() for part in value.split(";") if part.strip())
        return out

    @property
    def user_agent(self) -> str:
        return self.header("user-agent") or ""

    @property
    def content_type(self) -> str | None:
        return self.last_header("content-type")

    # -- path and query ------------------------------------------------------------------
    @cached_property
    def decoded_path(self) -> str:
        """The path with percent-escapes decoded ('+' stays '+': it is not a space here)."""
        return unquote(self.path or "/", errors="replace")

    @cached_property
    def http_api_path(self) -> str:
        """The path an HTTP API routes on and reports (`rawPath`, 1.0 `path`): decoded,
        and cut at a decoded '?' the way HTTP APIs do (a `%3F` ends the path)."""
        path = self.decoded_path
        cut = path.find("?")
        return path[:cut] if cut >= 0 else path

    @cached_property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Decoded (key, value) pairs in order; `+` is a space, `k` alone is `("k", "")`."""
        if not self.query:
            return []
        return parse_qsl(self.query, keep_blank_values=True, errors="replace")

    # -- time ----------------------------------------------------------------------------
    @property
    def time_text(self) -> str:
        return clf_time(self.received_at)

    @property
    def epoch_millis(self) -> int:
        return int(self.received_at * 1000)


def clf_time(now: float) -> str:
    """AWS's request time text: `12/Mar/2020:19:03:58 +0000`."""
    t = time.gmtime(now)
    return (
        f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def with_forwarding_headers(request: ProxyRequest, trace_id: str, port: int) -> ProxyRequest:
    """The request as the integration sees it: API Gateway appends the client address to
    `X-Forwarded-For` and adds `X-Forwarded-Port`, `X-Forwarded-Proto` and
    `X-Amzn-Trace-Id` when the client did not send them."""
    present = request.header_map
    added: list[tuple[str, str]] = []
    forwarded = [(k, v) for k, v in request.headers if k.lower() != "x-forwarded-for"]
    chain = request.header("x-forwarded-for")
    added.append(
        ("X-Forwarded-For", f"{chain}, {request.source_ip}" if chain else request.source_ip)
    )
    if "x-forwarded-port" not in present:
        added.append(("X-Forwarded-Port", str(port)))
    if "x-forwarded-proto" not in present:
        added.append(("X-Forwarded-Proto", "http"))
    if "x-amzn-trace-id" not in present:
        added.append(("X-Amzn-Trace-Id", trace_id))
    return replace(request, headers=tuple(forwarded) + tuple(added))


# -- ids API Gateway mints per request ---------------------------------------------------
def new_request_id() -> str:
    """A REST API `requestId` (a UUID)."""
    return new_uuid()


def new_short_id() -> str:
    """The 16-character id HTTP APIs use as `requestId`/`apigw-requestid` and REST APIs as
    `extendedRequestId`/`x-amz-apigw-id`, e.g. `Mc7UVioPPHcEKPA=`."""
    raw = bytes.fromhex(new_uuid().replace("-", ""))
    return base64.b64encode(raw[:11]).decode("ascii")


def new_trace_id(now: float) -> str:
    """An X-Ray trace header value: `Root=1-<8 hex seconds>-<24 hex>`."""
    return f"Root=1-{int(now):08x}-{new_uuid().replace('-', '')[:24]}"


@dataclass(frozen=True)
class StageInfo:
    """Where a request landed: the API and stage the events name. `domain_name` is the
    host the client called (`<api-id>.execute-api.<region>.amazonaws.com` on AWS);
    `stage_variables` are the stage's variables (None or empty when it has none)."""

    account_id: str
    api_id: str
    stage: str
    domain_name: str
    region: str = "us-east-1"
    stage_variables: Mapping[str, str] | None = None

    @property
    def domain_prefix(self) -> str:
        return self.domain_name.split(".", 1)[0]

    @property
    def variables(self) -> dict[str, str] | None:
        """The stage variables as the events carry them: None when there are none."""
        return dict(self.stage_variables) if self.stage_variables else None
