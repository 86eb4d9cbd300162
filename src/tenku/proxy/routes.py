"""Which route (HTTP API) or resource and method (REST API) a request selects.

Both kinds of table are compiled once into a segment trie; a match walks it once per
request. The rules, as AWS documents them for HTTP APIs and as REST APIs behave:

- A full match beats any greedy (`{proxy+}`) match, which beats `$default` (HTTP APIs).
- Among full matches the most specific path wins: at the first segment where two
  candidates differ, a literal segment beats a `{param}`. Among greedy matches the one
  with the longest prefix wins, literal before parameter at equal length.
- For the chosen path a route for the request's method beats `ANY`; a path whose node
  has neither is passed over for the next candidate.
- Empty segments do not count: `/pets/` and `//pets` select the route of `/pets`, and
  `/pets/` does not fill `{id}` in `/pets/{id}` with "". A greedy variable needs at
  least one segment (`/pets` does not match `/pets/{proxy+}`).
- HTTP APIs match on the percent-decoded path (a `%2F` separates segments), and their
  path parameters are decoded text. REST APIs split the path as received and decode each
  segment, so `%2F` stays inside a parameter's value.
- HEAD is a method of its own: it selects a `HEAD` or `ANY` route, never a `GET` one.

No state, no I/O; tables are plain immutable-after-build objects the caller keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")
DEFAULT_ROUTE = "$default"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})


@dataclass(frozen=True)
class RouteMatch(Generic[T]):
    """The selected route: its key (`GET /pets/{id}`, `$default`), the target the table
    was built with, the path template (`/pets/{id}`, `$default`) and the path
    parameters (None when the route has none, as the events want)."""

    route_key: str
    target: T
    resource_path: str
    method: str
    path_parameters: dict[str, str] | None


@dataclass(frozen=True)
class _Entry(Generic[T]):
    route_key: str
    target: T
    resource_path: str
    method: str
    names: tuple[str, ...]


class _Node(Generic[T]):
    __slots__ = ("greedy", "param", "routes", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node[T]] = {}
        self.param: _Node[T] | None = None
        self.routes: dict[str, _Entry[T]] = {}
        self.greedy: dict[str, _Entry[T]] = {}


def split_template(path: str) -> list[str]:
    """`/pets/{id}/{proxy+}` -> ["pets", "{id}", "{proxy+}"]; ValueError if malformed."""
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} must start with '/'")
    parts = [p for p in path.split("/") if p]
    for index, part in enumerate(parts):
        if part.startswith("{") != part.endswith("}"):
            raise ValueError(f"path {path!r} has a malformed variable {part!r}")
        if part.endswith("+}") and index != len(parts) - 1:
            raise ValueError(f"greedy variable {part!r} must be the last segment")
        if part.startswith("{") and len(part.strip("{}+")) == 0:
            raise ValueError(f"path {path!r} has an empty variable")
    return parts


class _Trie(Generic[T]):
    def __init__(self) -> None:
        self.root: _Node[T] = _Node()

    def add(self, path: str, method: str, route_key: str, target: T) -> None:
        node = self.root
        names: list[str] = []
        parts = split_template(path)
        for part in parts:
            if part.endswith("+}"):
                names.append(part[1:-2])
                entry = _Entry(route_key, target, path, method, tuple(names))
                node.greedy.setdefault(method, entry)
                return
            if part.startswith("{"):
                names.append(part[1:-1])
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:
                node = node.static.setdefault(part, _Node())
        node.routes.setdefault(method, _Entry(route_key, target, path, method, tuple(names)))

    def match(self, method: str, segments: list[str], remainder: list[str]) -> RouteMatch[T] | None:
        values: list[str] = []
        found = _full(self.root, segments, 0, values, method)
        if found is None:
            values = []
            found = _greedy(self.root, segments, remainder, 0, values, method)
        if found is None:
            return None
        params = dict(zip(found.names, values, strict=True)) if found.names else None
        return RouteMatch(found.route_key, found.target, found.resource_path, found.method, params)


def _pick(entries: dict[str, _Entry[T]], method: str) -> _Entry[T] | None:
    return entries.get(method) or entries.get("ANY")


def _full(
    node: _Node[T], segments: list[str], index: int, values: list[str], method: str
) -> _Entry[T] | None:
    if index == len(segments):
        return _pick(node.routes, method) if node.routes else None
    child = node.static.get(segments[index])
    if child is not None:
        found = _full(child, segments, index + 1, values, method)
        if found is not None:
            return found
    if node.param is not None:
        values.append(segments[index])
        found = _full(node.param, segments, index + 1, values, method)
        if found is not None:
            return found
        values.pop()
    return None


def _greedy(
    node: _Node[T],
    segments: list[str],
    remainder: list[str],
    index: int,
    values: list[str],
    method: str,
) -> _Entry[T] | None:
    if index >= len(segments):
        return None
    child = node.static.get(segments[index])
    if child is not None:
        found = _greedy(child, segments, remainder, index + 1, values, method)
        if found is not None:
            return found
    if node.param is not None:
        values.append(segments[index])
        found = _greedy(node.param, segments, remainder, index + 1, values, method)
        if found is not None:
            return found
        values.pop()
    if node.greedy:
        entry = _pick(node.greedy, method)
        if entry is not None:
            values.append(remainder[index])
            return entry
    return None


def _segments(path: str, decode_each: bool) -> tuple[list[str], list[str]]:
    """Non-empty segments, and for each the rest of the path from it on (what a greedy
    variable starting there captures, trailing slash included)."""
    segments: list[str] = []
    remainder: list[str] = []
    start = 0
    length = len(path)
    while start < length:
        end = path.find("/", start)
        if end < 0:
            end = length
        if end > start:
            segment = path[start:end]
            rest = path[start:]
            if decode_each:
                segment, rest = unquote(segment), unquote(rest)
            segments.append(segment)
            remainder.append(rest)
        start = end + 1
    return segments, remainder


# -- HTTP APIs ---------------------------------------------------------------------------
def parse_route_key(route_key: str) -> tuple[str, str]:
    """`"GET /pets"` -> ("GET", "/pets"); ValueError for anything else but `$default`."""
    method, sep, path = route_key.strip().partition(" ")
    method = method.upper()
    if not sep or method not in METHODS:
        raise ValueError(f"route key {route_key!r} is not 'METHOD /path'")
    split_template(path.strip())
    return method, path.strip()


class HttpRouteTable(Generic[T]):
    """An HTTP API's routes, compiled. `routes` maps route keys to whatever the caller
    wants back (a route id, the stored route)."""

    def __init__(self, routes: Mapping[str, T] | Iterable[tuple[str, T]]) -> None:
        pairs = routes.items() if isinstance(routes, Mapping) else routes
        self._trie: _Trie[T] = _Trie()
        self._default: RouteMatch[T] | None = None
        for key, target in pairs:
            if key == DEFAULT_ROUTE:
                self._default = RouteMatch(key, target, DEFAULT_ROUTE, "ANY", None)
                continue
            method, path = parse_route_key(key)
            self._trie.add(path, method, f"{method} {path}", target)

    def match(self, method: str, decoded_path: str) -> RouteMatch[T] | None:
        """The route for a request, given the decoded path (`ProxyRequest.http_api_path`
        as the events carry it); None means 404 Not Found."""
        segments, remainder = _segments(decoded_path, decode_each=False)
        found = self._trie.match(method.upper(), segments, remainder)
        return found if found is not None else self._default


# -- REST APIs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RestResource(Generic[T]):
    """One resource of a REST API: its full path (`/users/{userId}`), its id and its
    methods (`GET`, `ANY`, ...) mapped to whatever the caller wants back."""

    path: str
    resource_id: str
    methods: Mapping[str, T]


@dataclass(frozen=True)
class RestMatch(Generic[T]):
    resource_path: str
    resource_id: str
    method: str  # the method key that matched: the request's own, or ANY
    target: T
    path_parameters: dict[str, str] | None


class RestResourceTree(Generic[T]):
    """A REST API's resource tree, compiled. `match` answers None when no resource and
    method fit, which AWS answers with 403 Missing Authentication Token."""

    def __init__(self, resources: Iterable[RestResource[T]]) -> None:
        self._trie: _Trie[tuple[str, T]] = _Trie()
        for resource in resources:
            for method, target in resource.methods.items():
                verb = method.upper()
                if verb not in METHODS:
                    raise ValueError(f"method {method!r} is not an HTTP method or ANY")
                item = (resource.resource_id, target)
                self._trie.add(resource.path, verb, f"{verb} {resource.path}", item)

    def match(self, method: str, raw_path: str) -> RestMatch[T] | None:
        segments, remainder = _segments(raw_path, decode_each=True)
        found = self._trie.match(method.upper(), segments, remainder)
        if found is None:
            return None
        resource_id, target = found.target
        return RestMatch(
            found.resource_path, resource_id, found.method, target, found.path_parameters
        )
