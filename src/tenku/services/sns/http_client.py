"""One outbound HTTP/1.1 POST on asyncio streams (no threads, no extra dependency).

SNS's HTTP/S deliveries need nothing more: send a body with a few headers, read the
status code, close. Connection problems and timeouts raise `DeliveryFailed`.
Must not: decide what a status means for retries (the deliverer does).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from urllib.parse import urlsplit

TIMEOUT_S = 15.0  # SNS gives an HTTP endpoint 15 seconds to answer


class DeliveryFailed(Exception):
    """The endpoint could not be reached or did not answer in time."""


async def post(url: str, headers: dict[str, str], body: bytes, timeout: float = TIMEOUT_S) -> int:
    """POST `body` to `url`; the response's status code."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    context = ssl.create_default_context() if secure else None
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {parts.netloc.rsplit('@', 1)[-1]}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, ssl=context)
            writer.write(head + body)
            await writer.drain()
            status_line = await reader.readline()
            fields = status_line.decode("latin-1").split()
            if len(fields) < 2 or not fields[1].isdigit():
                raise DeliveryFailed(f"bad status line {status_line!r}")
            status = int(fields[1])
            # Let the server finish its answer before hanging up, but never wait on it.
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(reader.read(65536), 0.5)
            return status
    except (OSError, TimeoutError, ssl.SSLError, UnicodeError) as error:
        raise DeliveryFailed(str(error) or type(error).__name__) from None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
