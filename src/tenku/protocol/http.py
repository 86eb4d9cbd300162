"""The HTTP request and response values that cross the protocol boundary.

Owns: two plain dataclasses the gateway builds from the ASGI scope and sends back out.
Must not: know any AWS protocol, parse bodies, or import an HTTP server library.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Request:
    """An incoming HTTP request, as raw as the gateway received it."""

    method: str
    path: str  # raw percent-encoded path without the query: "/000000000000/q1"
    query: str  # raw query string without '?', "" if none
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes
    host: str = ""  # Host header value, kept apart for convenience


@dataclass(slots=True)
class Response:
    """An outgoing HTTP response; headers keep their order and may repeat."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def header_text(text: str) -> str:
    """A header name or value the wire can carry (latin-1, on one line): what a function
    or backend wrote is not allowed to break or forge response headers."""
    if text.isascii() and "\r" not in text and "\n" not in text:
        return text  # the common case, checked in C
    text = text.replace("\r", " ").replace("\n", " ")
    return text.encode("latin-1", "replace").decode("latin-1")
