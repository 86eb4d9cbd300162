"""Calling an integration: a Lambda function through the public API (the `ApiCaller`
handed in), or an HTTP backend (HTTP_PROXY) over the network.

`call_lambda` runs a synchronous Invoke and waits at most the integration's timeout;
past it, API Gateway answers while the function finishes on its own (the invocation
is shielded, not cancelled, as in AWS). `forward_http` sends the request on to a URL
from a worker thread, so the event loop never blocks on a slow backend. Both report
what happened as values; turning that into an answer is `responses`' job.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.errors import ServiceError
from tenku.core.scope import Arn, Scope
from tenku.proxy.request import ProxyRequest
from tenku.proxy.responses import ProxyResponse

# Hop-by-hop headers a proxy must not pass on (RFC 9110), plus what the client library
# sets itself.
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
})  # fmt: skip


# Events go as compact UTF-8 JSON, as API Gateway sends them (and it is the cheaper
# encoding: no escaping of non-ASCII text, no spaces).
_EVENT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class LambdaCall:
    payload: bytes = b""
    function_error: bool = False
    timed_out: bool = False
    throttled: bool = False
    failed: str | None = None  # the invoke itself failed (no such function...)


async def call_lambda(
    api: ApiCaller,
    function_arn: str,
    event: dict[str, Any],
    timeout_ms: int,
    default: Scope,
    function_timeout_ms: int | None = None,
) -> LambdaCall:
    """Invoke the function with the event. `function_timeout_ms`, when known, is the
    function's own timeout: when it ends the invocation before the integration's
    timeout could, the call is awaited in place (no task, no timer, fewer loop turns)."""
    arn = Arn.parse(function_arn)
    scope = arn.scope if arn is not None else default
    params = {"FunctionName": function_arn, "Payload": _EVENT_JSON.encode(event).encode()}
    if function_timeout_ms is not None and function_timeout_ms < timeout_ms:
        try:
            return _called(await api("lambda", "Invoke", params, scope))
        except ServiceError as error:
            return _refused(error)
    # The invocation runs as its own task so that API Gateway can answer at its timeout
    # while the function finishes on its own: one future and one timer, not wait_for and
    # shield (two tasks more) per call.
    loop = asyncio.get_running_loop()
    invocation = asyncio.ensure_future(api("lambda", "Invoke", params, scope))
    settled: asyncio.Future[bool] = loop.create_future()  # True: answered; False: timed out
    invocation.add_done_callback(lambda _: _settle(settled, True))
    timer = loop.call_later(timeout_ms / 1000, _settle, settled, False)
    answered = await settled
    timer.cancel()
    if not answered:
        invocation.add_done_callback(_consume)
        return LambdaCall(timed_out=True)
    try:
        return _called(invocation.result())
    except ServiceError as error:
        return _refused(error)


def _called(result: dict[str, Any]) -> LambdaCall:
    payload = result.get("Payload") or b""
    if isinstance(payload, str):
        payload = payload.encode()
    return LambdaCall(bytes(payload), bool(result.get("FunctionError")))


def _refused(error: ServiceError) -> LambdaCall:
    if error.code == "TooManyRequestsException":
        return LambdaCall(throttled=True)
    return LambdaCall(failed=error.message)


class FunctionTimeouts:
    """Functions' own timeouts (GetFunctionConfiguration through the public API),
    remembered for a few seconds, so that a data plane can tell whether a function can
    outlive its integration's timeout."""

    TTL_S = 5.0

    def __init__(self, api: ApiCaller, now: Callable[[], float]) -> None:
        self.api = api
        self.now = now
        self._known: dict[str, tuple[float, int | None]] = {}

    async def of(self, function_arn: str, default: Scope) -> int | None:
        """The function's timeout in ms; None when it cannot be read (no such function)."""
        at = self.now()
        known = self._known.get(function_arn)
        if known is not None and at - known[0] < self.TTL_S:
            return known[1]
        arn = Arn.parse(function_arn)
        scope = arn.scope if arn is not None else default
        try:
            config = await self.api(
                "lambda", "GetFunctionConfiguration", {"FunctionName": function_arn}, scope
            )
            timeout: int | None = int(config.get("Timeout") or 3) * 1000
        except ServiceError:
            timeout = None
        if len(self._known) > 4096:
            self._known.clear()
        self._known[function_arn] = (at, timeout)
        return timeout


def _settle(settled: asyncio.Future[bool], answered: bool) -> None:
    if not settled.done():
        settled.set_result(answered)


def _consume(task: asyncio.Future[Any]) -> None:
    """Retrieve a late invocation's outcome so it is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()


def fill_path_parameters(uri: str, parameters: dict[str, str] | None) -> str:
    """`{name}` and `{name+}` in an integration URI replaced by the request's values."""
    for name, value in (parameters or {}).items():
        uri = uri.replace("{" + name + "}", value).replace("{" + name + "+}", value)
    return uri


async def forward_http(
    url: str, method: str, request: ProxyRequest, timeout_ms: int
) -> ProxyResponse | None:
    """The backend's answer, or None when it could not be reached in time."""
    headers = {k: v for k, v in request.headers if k.lower() not in _HOP_BY_HOP}
    body = request.body if request.body or method not in ("GET", "HEAD") else None
    outgoing = urllib.request.Request(url, data=body, method=method, headers=headers)

    def send() -> ProxyResponse | None:
        try:
            with urllib.request.urlopen(outgoing, timeout=timeout_ms / 1000) as answer:
                return ProxyResponse(answer.status, list(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:  # 4xx/5xx answers are answers too
            return ProxyResponse(error.code, list(error.headers.items()), error.read())
        except (OSError, ValueError):
            return None

    return await asyncio.to_thread(send)


async def fetch_json(url: str) -> dict[str, Any]:
    """A JSON document over HTTP (an issuer's discovery document or JWKS)."""

    def fetch() -> Any:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return json.loads(answer.read())

    document = await asyncio.to_thread(fetch)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


async def put_log_line(
    api: ApiCaller, scope: Scope, group_arn: str, stream: str, line: str, now_ms: int
) -> None:
    """Append one access-log line to a log group (by ARN), making its stream if need be."""
    group = group_arn.split(":log-group:", 1)[-1].removesuffix(":*")
    try:
        await api(
            "logs", "CreateLogStream", {"logGroupName": group, "logStreamName": stream}, scope
        )
    except ServiceError as error:
        if error.code != "ResourceAlreadyExistsException":
            return
    try:
        await api(
            "logs",
            "PutLogEvents",
            {
                "logGroupName": group,
                "logStreamName": stream,
                "logEvents": [{"timestamp": now_ms, "message": line}],
            },
            scope,
        )
    except ServiceError:
        return  # an access log line that cannot be written is dropped, as AWS drops them


def authorizer_invoker(
    api: ApiCaller, function_arn: str, timeout_ms: int, default: Scope
) -> Callable[[dict[str, Any]], Awaitable[tuple[bytes, bool]]]:
    """The `invoke` a Lambda authorizer runs with: (payload, failed); an authorizer
    that times out, is throttled or cannot be called counts as failed (API Gateway's 500)."""

    async def invoke(event: dict[str, Any]) -> tuple[bytes, bool]:
        call = await call_lambda(api, function_arn, event, timeout_ms, default)
        if call.timed_out or call.throttled or call.failed is not None:
            return b"", True
        return call.payload, call.function_error

    return invoke
