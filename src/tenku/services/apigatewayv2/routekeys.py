"""Route keys of HTTP APIs: parsing, validation and the "conflicting variable" rule.

A route key is `$default` or `METHOD /path`: METHOD one of ANY, GET, POST, PUT, PATCH,
DELETE, HEAD, OPTIONS (upper case, one space before the path); the path starts with
`/`, has no empty segments and no trailing `/` (except the root `/`), and each segment
is literal text or a whole-segment variable `{name}`; a greedy variable `{name+}` may
only be the last segment. Two routes may not use different variable names at the same
level of the path tree ("GET /pets/{id}" beside "DELETE /pets/{petId}" is refused, as
API Gateway builds one resource tree for all methods).
Pure values in, values out: no storage, no errors of other kinds than BadRequest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from tenku.services.apigatewayv2.errors import bad_request

DEFAULT = "$default"
METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_LITERAL = re.compile(r"[A-Za-z0-9._~:@!$&'()*,;=+-]+")
_VARIABLE = re.compile(r"\{([A-Za-z0-9._:-]+)(\+?)\}")


class RouteKey(NamedTuple):
    """A parsed route key. For `$default`, `method` and `path` are None."""

    text: str
    method: str | None
    path: str | None
    segments: tuple[str, ...]  # the path split on "/", without the leading empty part

    @property
    def is_default(self) -> bool:
        return self.method is None

    @property
    def greedy(self) -> bool:
        """Whether the path ends in a greedy variable such as `{proxy+}`."""
        return bool(self.segments) and self.segments[-1].endswith("+}")

    @property
    def parameters(self) -> tuple[str, ...]:
        """Path variable names in order (`proxy` for `{proxy+}`)."""
        names = []
        for segment in self.segments:
            match = _VARIABLE.fullmatch(segment)
            if match:
                names.append(match.group(1))
        return tuple(names)


def _invalid(key: str, why: str) -> Exception:
    return bad_request(f"Invalid route key: {key}. {why}")


def parse_http_route_key(key: str) -> RouteKey:
    """The parsed key, or BadRequestException saying what is wrong with it."""
    if key == DEFAULT:
        return RouteKey(key, None, None, ())
    method, space, path = key.partition(" ")
    if not space or not path:
        raise _invalid(
            key,
            "A route key must be $default or an HTTP method followed by a space and a path,"
            " such as GET /pets.",
        )
    if method not in METHODS:
        raise _invalid(key, f"The method must be one of {', '.join(METHODS)}.")
    if not path.startswith("/"):
        raise _invalid(key, "The path must start with '/'.")
    if path == "/":
        return RouteKey(key, method, path, ("",))
    if path.endswith("/"):
        raise _invalid(key, "The path must not end with '/'.")
    segments = tuple(path[1:].split("/"))
    seen: set[str] = set()
    for index, segment in enumerate(segments):
        if not segment:
            raise _invalid(key, "The path must not contain empty segments.")
        variable = _VARIABLE.fullmatch(segment)
        if variable is not None:
            name, plus = variable.groups()
            if plus and index != len(segments) - 1:
                raise _invalid(key, "A greedy path variable can only be the last part of the path.")
            if name in seen:
                raise _invalid(key, f"The path variable {name} is used more than once.")
            seen.add(name)
        elif "{" in segment or "}" in segment:
            raise _invalid(key, "A path variable must be a whole path segment, such as {id}.")
        elif not _LITERAL.fullmatch(segment):
            raise _invalid(key, f"The path segment {segment} contains characters not allowed.")
    return RouteKey(key, method, path, segments)


def _variable_name(segment: str) -> tuple[str, bool] | None:
    match = _VARIABLE.fullmatch(segment)
    return (match.group(1), bool(match.group(2))) if match else None


def conflicting_variable(new: RouteKey, existing: Iterable[RouteKey]) -> RouteKey | None:
    """The first existing key whose variable at some level of the same branch of the path
    tree has another name than `new`'s at that level (None if there is none)."""
    if new.is_default:
        return None
    for other in existing:
        if other.is_default or other.text == new.text:
            continue
        for mine, theirs in zip(new.segments, other.segments, strict=False):
            a, b = _variable_name(mine), _variable_name(theirs)
            if a is None and b is None:
                if mine != theirs:
                    break  # different literal branches never conflict below here
                continue
            if a is None or b is None:
                break  # a literal beside a variable is allowed
            if a[1] != b[1]:
                break  # a greedy variable beside a plain one is allowed
            if a[0] != b[0]:
                return other
    return None
