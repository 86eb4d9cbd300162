"""Identity sources: where an authorizer's inputs come from in a request.

HTTP APIs use selection expressions: `$request.header.<name>` (case-insensitive name,
repeats joined with commas), `$request.querystring.<name>` (case-sensitive), `$context.<var>`
and `$stageVariables.<name>`. REST APIs use `method.request.header.<name>`,
`method.request.querystring.<name>`, `stageVariables.<name>` and `context.<var>`, given
as one comma-separated string. A source that is absent or empty means the request is
answered 401 without calling the authorizer, so `identity_values` answers None then.

Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tenku.proxy.request import ProxyRequest

_PREFIXES = (
    ("$request.header.", "header"),
    ("$request.querystring.", "query"),
    ("$context.", "context"),
    ("$stageVariables.", "stage"),
    ("method.request.header.", "header"),
    ("method.request.querystring.", "query"),
    ("method.request.multivaluequerystring.", "query"),
    ("context.", "context"),
    ("stageVariables.", "stage"),
)


def split_sources(sources: str | Iterable[str] | None) -> list[str]:
    """`"a, b"` or `["a", "b"]` -> `["a", "b"]`."""
    if sources is None:
        return []
    items = sources.split(",") if isinstance(sources, str) else list(sources)
    return [s.strip() for s in items if s and s.strip()]


def _context_value(context: Mapping[str, Any], path: str) -> Any:
    if path in context:
        return context[path]
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def source_value(
    source: str,
    request: ProxyRequest,
    *,
    stage_variables: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> str | None:
    """The value one source selects, or None if it is absent or empty."""
    for prefix, source_kind in _PREFIXES:
        if source.startswith(prefix):
            name, kind = source[len(prefix) :], source_kind
            break
    else:
        return None
    value: Any
    if kind == "header":
        value = request.header(name)
    elif kind == "query":
        values = [v for k, v in request.query_pairs if k == name]
        value = ",".join(values) if values else None
    elif kind == "stage":
        value = (stage_variables or {}).get(name)
    else:
        value = _context_value(context or {}, name)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def identity_values(
    sources: str | Iterable[str] | None,
    request: ProxyRequest,
    *,
    stage_variables: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> list[str] | None:
    """Every source's value in order; None if any one is missing."""
    values: list[str] = []
    for source in split_sources(sources):
        value = source_value(source, request, stage_variables=stage_variables, context=context)
        if value is None:
            return None
        values.append(value)
    return values
