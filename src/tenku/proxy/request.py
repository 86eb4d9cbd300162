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
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from tenku.core.ids import new_uuid

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
Headers = tuple[tuple[str, str], ...]


class ProxyRequest:
    """One request to an API, as received, after the stage segment was taken off.

    `path` is percent-encoded exactly as on the wire ("/a%20b/c"), without the query;
    `query` is the raw query string without '?'; `headers` keep order, repeats and the
    client's spelling of names. `received_at` is epoch seconds from the injected clock.
    Treat it as immutable: `evolve` makes a changed copy. (A slotted class, not a frozen
    dataclass: it is built for every API call, and `dataclasses.replace` and
    `cached_property` cost more than the rest of the event building.)
    """

    __slots__ = (
        "_cookies", "_decoded_path", "_header_map", "_http_api_path", "_query_pairs",
        "body", "headers", "host", "method", "path", "protocol", "query", "received_at",
        "source_ip",
    )  # fmt: skip

    def __init__(
        self,
        method: str,
        path: str,
        query: str = "",
        headers: Headers = (),
        body: bytes = b"",
        source_ip: str = "127.0.0.1",
        protocol: str = "HTTP/1.1",
        host: str = "",
        received_at: float = 0.0,
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.source_ip = source_ip
        self.protocol = protocol
        self.host = host
        self.received_at = received_at
        self._header_map: dict[str, list[str]] | None = None
        self._cookies: list[str] | None = None
        self._decoded_path: str | None = None
        self._http_api_path: str | None = None
        self._query_pairs: list[tuple[str, str]] | None = None

    def evolve(self, *, path: str | None = None, headers: Headers | None = None) -> ProxyRequest:
        """A copy with another path and/or headers."""
        return ProxyRequest(
            self.method,
            self.path if path is None else path,
            self.query,
            self.headers if headers is None else headers,
            self.body,
            self.source_ip,
            self.protocol,
            self.host,
            self.received_at,
        )

    def __repr__(self) -> str:
        return f"ProxyRequest({self.method} {self.path}?{self.query})"

    # -- headers -------------------------------------------------------------------------
    @property
    def header_map(self) -> dict[str, list[str]]:
        """Lower-cased name -> every value, in order."""
        found = self._header_map
        if found is None:
            found = self._header_map = {}
            for name, value in self.headers:
                found.setdefault(name.lower(), []).append(value)
        return found

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

    @property
    def cookies(self) -> list[str]:
        """Every `name=value` of every Cookie header, in order (payload 2.0's `cookies`)."""
        found = self._cookies
        if found is None:
            found = self._cookies = []
            for value in self.header_map.get("cookie", ()):
                found.extend(part.strip() for part in value.split(";") if part.strip())
        return found

    @property
    def user_agent(self) -> str:
        return self.header("user-agent") or ""

    @property
    def content_type(self) -> str | None:
        return self.last_header("content-type")

    # -- path and query ------------------------------------------------------------------
    @property
    def decoded_path(self) -> str:
        """The path with percent-escapes decoded ('+' stays '+': it is not a space here)."""
        found = self._decoded_path
        if found is None:
            path = self.path or "/"
            found = self._decoded_path = unquote(path, errors="replace") if "%" in path else path
        return found

    @property
    def http_api_path(self) -> str:
        """The path an HTTP API routes on and reports (`rawPath`, 1.0 `path`): decoded,
        and cut at a decoded '?' the way HTTP APIs do (a `%3F` ends the path)."""
        found = self._http_api_path
        if found is None:
            path = self.decoded_path
            cut = path.find("?")
            found = self._http_api_path = path[:cut] if cut >= 0 else path
        return found

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Decoded (key, value) pairs in order; `+` is a space, `k` alone is `("k", "")`."""
        found = self._query_pairs
        if found is None:
            found = self._query_pairs = (
                parse_qsl(self.query, keep_blank_values=True, errors="replace")
                if self.query
                else []
            )
        return found

    # -- time ----------------------------------------------------------------------------
    @property
    def time_text(self) -> str:
        return clf_time(self.received_at)

    @property
    def epoch_millis(self) -> int:
        return int(self.received_at * 1000)


def clf_time(now: float) -> str:
    """AWS's request time text: `12/Mar/2020:19:03:58 +0000`."""
    global _last_clf
    second = int(now)
    if second == _last_clf[0]:  # every request of the same second has the same text
        return _last_clf[1]
    t = time.gmtime(second)
    text = (
        f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )
    _last_clf = (second, text)
    return text


_last_clf: tuple[int, str] = (-1, "")


def with_forwarding_headers(
    request: ProxyRequest, trace_id: str, port: int | None = None
) -> ProxyRequest:
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
        added.append(("X-Forwarded-Port", str(port if port is not None else _port_of(request))))
    if "x-forwarded-proto" not in present:
        added.append(("X-Forwarded-Proto", "http"))
    if "x-amzn-trace-id" not in present:
        added.append(("X-Amzn-Trace-Id", trace_id))
    return request.evolve(headers=tuple(forwarded) + tuple(added))


def _port_of(request: ProxyRequest) -> int:
    """The port the client called, from its Host (80 when it names none)."""
    _, colon, port = request.host.rpartition(":")
    return int(port) if colon and port.isdigit() else 80


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
