"""Function URL data plane as pure functions: the request event Lambda builds for a
function URL call (API Gateway payload format 2.0), the HTTP answer it makes of the
function's result, CORS preflights and headers, and the fixed error answers.

In AWS a URL is `https://<url-id>.lambda-url.<region>.on.aws/`; Tenku answers
`http://<url-id>.lambda-url.<region>.localhost:<port>/` (browsers resolve `*.localhost`
to the loopback; other clients send that `Host` header to the Tenku port, or use the
path-style `/_tenku/lambda-url/<url-id>/...`). Values in, values out: no I/O, no
storage, and no HTTP server objects (the gateway converts its own to `UrlRequest`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from tenku.core.ids import new_token

ROUTE_KEY = "$default"
MAX_BODY = 6_291_456
_HOST = re.compile(
    r"(?P<id>[a-z0-9]{1,64})\.lambda-url\.(?P<region>[a-z0-9-]+)\.localhost(?::\d+)?\.?",
    re.IGNORECASE,
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("application/json", "application/javascript", "application/xml", "application/yaml")
_JSON = ("content-type", "application/json")


class UrlRequest(NamedTuple):
    """An HTTP request to a function URL, as plain values."""

    method: str
    raw_path: str  # as received, percent-encoded, without the query: "/a/b"
    raw_query: str  # without '?', "" if none
    headers: tuple[tuple[str, str], ...]  # as received, in order, repeats kept
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


class UrlResponse(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedResponse(ValueError):
    """The function answered something a function URL cannot turn into HTTP."""


# -- addressing --------------------------------------------------------------------------
def new_url_id() -> str:
    """32 lowercase letters and digits, like Lambda's url ids."""
    return new_token(16)


def url_domain(url_id: str, region: str) -> str:
    return f"{url_id}.lambda-url.{region}.localhost"


def function_url(url_id: str, region: str, endpoint_url: str) -> str:
    """The FunctionUrl Tenku hands back: the AWS shape on `*.localhost`, Tenku's port."""
    port = urlsplit(endpoint_url).port
    suffix = f":{port}" if port else ""
    return f"http://{url_domain(url_id, region)}{suffix}/"


def parse_host(host: str) -> tuple[str, str] | None:
    """(url id, region) of a `<url-id>.lambda-url.<region>.localhost[:port]` Host."""
    match = _HOST.fullmatch(host.strip())
    return (match["id"].lower(), match["region"].lower()) if match else None


# -- request event -----------------------------------------------------------------------
def _header(request: UrlRequest, name: str) -> str | None:
    values = [v for k, v in request.headers if k.lower() == name]
    return ",".join(values) if values else None


def event_headers(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Names lowercased, repeated headers joined with commas, cookies left out."""
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            continue
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def event_cookies(headers: tuple[tuple[str, str], ...]) -> list[str]:
    cookies: list[str] = []
    for name, value in headers:
        if name.lower() == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
    return cookies


def query_parameters(raw_query: str) -> dict[str, str]:
    """Decoded query parameters; a repeated one has its values joined with commas."""
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def is_text(content_type: str | None) -> bool:
    """Whether a body of this type reaches the function as text (else base64)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def request_time(now: float) -> str:
    """`12/Mar/2020:19:03:58 +0000`."""
    t = time.gmtime(now)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:" + time.strftime(
        "%H:%M:%S +0000", t
    )


def build_event(
    request: UrlRequest,
    *,
    url_id: str,
    region: str,
    request_id: str,
    now: float,
    caller: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event of a function URL call. `caller` is the IAM
    identity of an AWS_IAM URL's signed request; without it the caller is anonymous."""
    domain = url_domain(url_id, region)
    path = request.raw_path or "/"
    context: dict[str, Any] = {
        "accountId": caller["accountId"] if caller else "anonymous",
        "apiId": url_id,
        "domainName": domain,
        "domainPrefix": url_id,
        "http": {
            "method": request.method.upper(),
            "path": path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": _header(request, "user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": ROUTE_KEY,
        "stage": ROUTE_KEY,
        "time": request_time(now),
        "timeEpoch": int(now * 1000),
    }
    if caller:
        context["authorizer"] = {"iam": caller}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": ROUTE_KEY,
        "rawPath": path,
        "rawQueryString": request.raw_query,
    }
    cookies = event_cookies(request.headers)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = event_headers(request.headers)
    if request.raw_query:
        event["queryStringParameters"] = query_parameters(request.raw_query)
    event["requestContext"] = context
    encoded = False
    if request.body:
        text: str | None = None
        if is_text(_header(request, "content-type")):
            try:
                text = request.body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            encoded = True
            text = base64.b64encode(request.body).decode("ascii")
        event["body"] = text
    event["isBase64Encoded"] = encoded
    return event


def iam_caller(account: str, access_key: str) -> dict[str, Any]:
    """The `authorizer.iam` identity of a signed request (Tenku does not check it)."""
    return {
        "accessKey": access_key,
        "accountId": account,
        "callerId": account,
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": f"arn:aws:iam::{account}:root",
        "userId": account,
    }


def signing_key(request: UrlRequest) -> str | None:
    """The access key of a SigV4-signed request (header or presigned), else None."""
    auth = _header(request, "authorization") or ""
    match = re.search(r"Credential=([^/,\s]+)/", auth) if auth.startswith("AWS4-") else None
    if match:
        return match.group(1)
    for key, value in parse_qsl(request.raw_query):
        if key == "X-Amz-Credential" and "X-Amz-Signature=" in request.raw_query:
            return value.split("/", 1)[0]
    return None


# -- response mapping --------------------------------------------------------------------
def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedResponse(f"header value {value!r} is not a string")


def map_result(payload: bytes) -> UrlResponse:
    """The HTTP answer for a function's (successful) result; MalformedResponse if none."""
    try:
        result = json.loads(payload) if payload.strip() else None
    except ValueError as error:
        raise MalformedResponse("the function's answer is not JSON") from error
    if not isinstance(result, dict) or "statusCode" not in result:
        # no statusCode: the answer itself is the JSON body of a 200
        return UrlResponse(200, [_JSON], payload if payload.strip() else b"null")
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status!r} is not an HTTP status")
    headers_in = result.get("headers") or {}
    if not isinstance(headers_in, dict):
        raise MalformedResponse("headers is not an object")
    headers = [(str(k), _header_value(v)) for k, v in headers_in.items() if v is not None]
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise MalformedResponse("cookies is not a list of strings")
    headers.extend(("set-cookie", cookie) for cookie in cookies)
    body_in = result.get("body")
    if body_in is None:
        body = b""
    elif not isinstance(body_in, str):
        raise MalformedResponse("body is not a string")
    elif result.get("isBase64Encoded") is True:
        try:
            body = base64.b64decode(body_in, validate=True)
        except (binascii.Error, ValueError) as error:
            raise MalformedResponse("body is not valid base64") from error
    else:
        body = body_in.encode("utf-8")
    return UrlResponse(status, headers, body)


def _message(status: int, message: str, error_type: str | None = None) -> UrlResponse:
    headers = [_JSON]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return UrlResponse(status, headers, json.dumps({"Message": message}).encode())


def forbidden() -> UrlResponse:
    return _message(403, "Forbidden", "AccessDeniedException")


def throttled() -> UrlResponse:
    return _message(429, "Rate Exceeded.", "TooManyRequestsException")


def too_large() -> UrlResponse:
    return _message(
        413,
        f"Request must be smaller than {MAX_BODY} bytes for the InvokeFunction operation",
        "RequestTooLargeException",
    )


def function_failed() -> UrlResponse:
    """A function error, or an answer that is not a valid response: 502."""
    return UrlResponse(502, [_JSON], b"Internal Server Error")


# -- CORS --------------------------------------------------------------------------------
def _allowed_origin(cors: dict[str, Any], origin: str) -> str | None:
    origins = [str(o) for o in cors.get("AllowOrigins") or []]
    if "*" in origins:
        return origin if cors.get("AllowCredentials") else "*"
    return origin if origin.lower() in (o.lower() for o in origins) else None


def is_preflight(request: UrlRequest) -> bool:
    return (
        request.method.upper() == "OPTIONS"
        and _header(request, "origin") is not None
        and _header(request, "access-control-request-method") is not None
    )


def preflight(cors: dict[str, Any], request: UrlRequest) -> UrlResponse:
    """The answer to a CORS preflight, given without invoking the function."""
    origin = _header(request, "origin") or ""
    wanted = (_header(request, "access-control-request-method") or "").upper()
    allowed = _allowed_origin(cors, origin)
    methods = [str(m).upper() for m in cors.get("AllowMethods") or []]
    if allowed is None or not ("*" in methods or wanted in methods):
        return UrlResponse(200, [], b"")
    headers = [
        ("Access-Control-Allow-Origin", allowed),
        ("Access-Control-Allow-Methods", ",".join(methods)),
    ]
    if cors.get("AllowHeaders"):
        headers.append(("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"])))
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if cors.get("MaxAge") is not None:
        headers.append(("Access-Control-Max-Age", str(int(cors["MaxAge"]))))
    headers.append(("Vary", "Origin"))
    return UrlResponse(200, headers, b"")


def with_cors(
    cors: dict[str, Any] | None, request: UrlRequest, response: UrlResponse
) -> UrlResponse:
    """Add the configured CORS headers; they win over the function's own."""
    origin = _header(request, "origin")
    if not cors or origin is None:
        return response
    allowed = _allowed_origin(cors, origin)
    if allowed is None:
        return response
    added = [("Access-Control-Allow-Origin", allowed)]
    if cors.get("ExposeHeaders"):
        added.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
    if cors.get("AllowCredentials"):
        added.append(("Access-Control-Allow-Credentials", "true"))
    names = {name.lower() for name, _ in added}
    kept = [(k, v) for k, v in response.headers if k.lower() not in names]
    if not any(k.lower() == "vary" for k, _ in kept):
        added.append(("Vary", "Origin"))
    return UrlResponse(response.status, kept + added, response.body)
