"""Presigned URLs: when a SigV4 (or S3's legacy SigV2) query-signed request expires.

Owns: reading `X-Amz-Date` + `X-Amz-Expires` (SigV4) or `Expires` (SigV2, S3 only)
from a query string, and the error AWS answers for an expired URL. The caller passes
the current time from its injected clock.
Must not: verify signatures (Tenku accepts any) or know services.
"""

from __future__ import annotations

import calendar
import time
from urllib.parse import parse_qsl

from tenku.core.errors import ServiceError

MAX_SIGV4_EXPIRES = 604800  # seven days, the longest a SigV4 presigned URL may live


def _parse_amz_date(text: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(text, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None


def check_presigned(query: str, now: float) -> None:
    """Raise AWS's AccessDenied when the presigned request in `query` has expired."""
    if "X-Amz-Expires=" not in query and "Expires=" not in query:
        return
    params = dict(parse_qsl(query, keep_blank_values=True))
    if "X-Amz-Expires" in params and "X-Amz-Date" in params:
        signed = _parse_amz_date(params["X-Amz-Date"])
        try:
            lifetime = int(params["X-Amz-Expires"])
        except ValueError:
            lifetime = -1
        if signed is None or not 0 <= lifetime <= MAX_SIGV4_EXPIRES:
            raise ServiceError(
                "AuthorizationQueryParametersError",
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
                400,
            )
        expires = signed + lifetime
        if now > expires:
            raise _expired(params["X-Amz-Expires"], expires, now)
        return
    if "AWSAccessKeyId" in params and "Expires" in params:
        try:
            expires = float(int(params["Expires"]))
        except ValueError:
            return
        if now > expires:
            raise _expired(None, expires, now)


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def _expired(lifetime: str | None, expires: float, now: float) -> ServiceError:
    fields = {"Expires": _iso(expires), "ServerTime": _iso(now)}
    if lifetime is not None:
        fields = {"X-Amz-Expires": lifetime, **fields}
    return ServiceError("AccessDenied", "Request has expired", 403, fields=fields)
