"""From a Lambda result to the HTTP answer, and the fixed answers API Gateway gives.

Payload 2.0 (HTTP APIs): a JSON object with `statusCode` is a structured result
(`headers`, `cookies` -> one `set-cookie` each, `body`, `isBase64Encoded`;
`multiValueHeaders` is not part of 2.0 and is ignored). Any other valid JSON is the body
of a 200 with `content-type: application/json` (a JSON string is sent as its text).
Payload 1.0 (REST, HTTP API 1.0): an object with an integer `statusCode`, optional
`headers`, `multiValueHeaders` (merged; a name in both takes the multi values), `body`
string and `isBase64Encoded`. REST also refuses keys outside those five and accepts a
numeric string status, as AWS does.

A result that breaks these rules, or a function error (`X-Amz-Function-Error`), is
answered 500 `{"message":"Internal Server Error"}` by HTTP APIs (both payload formats,
see AWS's HTTP API Lambda troubleshooting page) and 502 `{"message": "Internal server
error"}` by REST APIs. Timeouts: HTTP APIs 503 `{"message":"Service Unavailable"}`
(30 s integration cap), REST 504 `{"message": "Endpoint request timed out"}`.

Pure functions; the per-request ids are passed in.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from tenku.proxy.binary import rest_decodes_response

MAX_REQUEST_BODY = 10 * 1024 * 1024
_REST_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_JSON = "application/json"


class ProxyResponse(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedResult(ValueError):
    """A function result API Gateway cannot turn into an HTTP answer."""


# -- result parsing ----------------------------------------------------------------------
def _load(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedResult("the function's result is not JSON") from error


def _status(value: Any, allow_text: bool) -> int:
    if allow_text and isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise MalformedResult(f"statusCode {value!r} is not an HTTP status code")
    return value


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedResult(f"{what} {value!r} is not a string")


def _headers(result: dict[str, Any], with_multi: bool) -> list[tuple[str, str]]:
    single = result.get("headers") or {}
    multi = (result.get("multiValueHeaders") or {}) if with_multi else {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResult("headers must be an object")
    out: list[tuple[str, str]] = []
    in_multi = {str(k).lower() for k in multi}
    for name, value in single.items():
        if value is not None and str(name).lower() not in in_multi:
            out.append((str(name), _text(value, "header value")))
    for name, values in multi.items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise MalformedResult("multiValueHeaders values must be lists")
        out.extend((str(name), _text(v, "header value")) for v in values if v is not None)
    return out


def _body(result: dict[str, Any]) -> tuple[str, bool]:
    body = result.get("body")
    encoded = result.get("isBase64Encoded", False)
    if encoded is None:
        encoded = False
    if not isinstance(encoded, bool):
        raise MalformedResult("isBase64Encoded must be a boolean")
    if body is None:
        return "", False
    if not isinstance(body, str):
        raise MalformedResult("body must be a string")
    return body, encoded


def _decode(body: str) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedResult("body is not valid base64") from error


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(k.lower() == name for k, _ in headers)


def http_v2_result(payload: bytes) -> ProxyResponse:
    """An HTTP API answer from a payload 2.0 result; MalformedResult if there is none."""
    result = _load(payload)
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result.encode("utf-8") if isinstance(result, str) else payload.strip()
        return ProxyResponse(200, [("content-type", _JSON)], body)
    status = _status(result["statusCode"], allow_text=False)
    headers = _headers(result, with_multi=False)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise MalformedResult("cookies must be a list of strings")
    headers.extend(("set-cookie", cookie) for cookie in cookies)
    text, encoded = _body(result)
    body = _decode(text) if encoded else text.encode("utf-8")
    return _http_defaults(ProxyResponse(status, headers, body))


def http_v1_result(payload: bytes) -> ProxyResponse:
    """An HTTP API answer from a payload 1.0 result."""
    result = _load(payload)
    if not isinstance(result, dict) or "statusCode" not in result:
        raise MalformedResult("a payload 1.0 result must be an object with statusCode")
    status = _status(result["statusCode"], allow_text=False)
    headers = _headers(result, with_multi=True)
    text, encoded = _body(result)
    body = _decode(text) if encoded else text.encode("utf-8")
    return _http_defaults(ProxyResponse(status, headers, body))


def _http_defaults(response: ProxyResponse) -> ProxyResponse:
    if response.body and not _has(response.headers, "content-type"):
        response.headers.append(("content-type", "text/plain; charset=utf-8"))
    return response


def rest_result(
    payload: bytes, *, accept: str | None = None, binary_media_types: Iterable[str] = ()
) -> ProxyResponse:
    """A REST API answer from a Lambda proxy result. A base64 body is decoded only when
    the binary media types say so (`binary.rest_decodes_response`)."""
    result = _load(payload)
    if not isinstance(result, dict) or "statusCode" not in result:
        raise MalformedResult("a proxy result must be an object with statusCode")
    extra = set(result) - _REST_KEYS
    if extra:
        raise MalformedResult(f"unexpected keys in the proxy result: {sorted(extra)}")
    status = _status(result["statusCode"], allow_text=True)
    headers = _headers(result, with_multi=True)
    text, encoded = _body(result)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    if encoded:
        raw = _decode(text)  # malformed base64 fails whether or not it is decoded
        body = (
            raw
            if rest_decodes_response(accept, content_type, binary_media_types)
            else text.encode()
        )
    else:
        body = text.encode("utf-8")
    if content_type is None:
        headers.append(("Content-Type", _JSON))
    return ProxyResponse(status, headers, body)


# -- whole answers for an integration call -----------------------------------------------
def http_api_answer(payload: bytes, *, version: str, function_error: bool = False) -> ProxyResponse:
    """What an HTTP API sends for a Lambda invocation that returned (no timeout)."""
    if function_error:
        return http_internal_error()
    try:
        return http_v2_result(payload) if version == "2.0" else http_v1_result(payload)
    except MalformedResult:
        return http_internal_error()


def rest_answer(
    payload: bytes,
    *,
    function_error: bool = False,
    accept: str | None = None,
    binary_media_types: Iterable[str] = (),
) -> ProxyResponse:
    """What a REST API sends for a Lambda proxy invocation that returned."""
    if function_error:
        return rest_internal_error()
    try:
        return rest_result(payload, accept=accept, binary_media_types=binary_media_types)
    except MalformedResult:
        return rest_internal_error()


# -- fixed answers: HTTP APIs ------------------------------------------------------------
def _json(status: int, body: str, *extra: tuple[str, str]) -> ProxyResponse:
    return ProxyResponse(status, [("content-type", _JSON), *extra], body.encode())


def http_not_found() -> ProxyResponse:
    return _json(404, '{"message":"Not Found"}')


def http_internal_error() -> ProxyResponse:
    """Function error, malformed result, throttled function, authorizer failure."""
    return _json(500, '{"message":"Internal Server Error"}')


def http_service_unavailable() -> ProxyResponse:
    """The integration did not answer within the timeout."""
    return _json(503, '{"message":"Service Unavailable"}')


def http_too_large() -> ProxyResponse:
    return _json(413, '{"message":"Request Entity Too Large"}')


def http_too_many_requests() -> ProxyResponse:
    """Stage or route throttling (not a throttled function, which is a 500)."""
    return _json(429, '{"message":"Too Many Requests"}')


def http_unauthorized(www_authenticate: str | None = None) -> ProxyResponse:
    extra = (("www-authenticate", www_authenticate),) if www_authenticate else ()
    return _json(401, '{"message":"Unauthorized"}', *extra)


def http_forbidden(www_authenticate: str | None = None) -> ProxyResponse:
    extra = (("www-authenticate", www_authenticate),) if www_authenticate else ()
    return _json(403, '{"message":"Forbidden"}', *extra)


def with_http_api_headers(response: ProxyResponse, request_id: str) -> ProxyResponse:
    """Every HTTP API answer carries `apigw-requestid`."""
    return ProxyResponse(
        response.status, [*response.headers, ("apigw-requestid", request_id)], response.body
    )


# -- fixed answers: REST APIs ------------------------------------------------------------
def _rest(status: int, body: str, error_type: str | None = None) -> ProxyResponse:
    headers = [("Content-Type", _JSON)]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return ProxyResponse(status, headers, body.encode())


def rest_missing_token() -> ProxyResponse:
    """No resource, or no method on it (the answer AWS gives for both)."""
    return _rest(
        403, '{"message":"Missing Authentication Token"}', "MissingAuthenticationTokenException"
    )


def rest_internal_error() -> ProxyResponse:
    """Function error or malformed Lambda proxy result."""
    return _rest(502, '{"message": "Internal server error"}', "InternalServerErrorException")


def rest_timeout() -> ProxyResponse:
    return _rest(504, '{"message": "Endpoint request timed out"}')


def rest_too_large() -> ProxyResponse:
    return _rest(413, '{"message":"Request Too Long"}')


def rest_too_many_requests() -> ProxyResponse:
    """Stage throttling, usage-plan limits and a throttled function."""
    return _rest(429, '{"message":"Too Many Requests"}', "TooManyRequestsException")


def rest_unauthorized() -> ProxyResponse:
    return _rest(401, '{"message":"Unauthorized"}', "UnauthorizedException")


def rest_access_denied(explicit: bool) -> ProxyResponse:
    suffix = " with an explicit deny" if explicit else ""
    return _rest(
        403,
        '{"Message":"User is not authorized to access this resource' + suffix + '"}',
        "AccessDeniedException",
    )


def rest_authorizer_error() -> ProxyResponse:
    """The authorizer failed or answered something that is not a valid policy."""
    return _rest(500, '{"message": null}', "AuthorizerConfigurationException")


def with_rest_headers(
    response: ProxyResponse, *, request_id: str, extended_request_id: str, trace_id: str
) -> ProxyResponse:
    """Every REST answer carries `x-amzn-RequestId`, `x-amz-apigw-id` and the trace."""
    headers = list(response.headers)
    headers.append(("x-amzn-RequestId", request_id))
    headers.append(("x-amz-apigw-id", extended_request_id))
    if not _has(headers, "x-amzn-trace-id"):
        headers.append(("X-Amzn-Trace-Id", trace_id))
    return ProxyResponse(response.status, headers, response.body)
