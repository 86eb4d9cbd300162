"""The dependency graph of a template's resources and the order to walk it in.

A resource depends on every resource it names through `Ref`, `Fn::GetAtt` or a `${}` of
`Fn::Sub` (anywhere in its definition, both branches of an `Fn::If` included), and on its
`DependsOn`. `waves()` groups resources so that each wave depends only on earlier ones,
which the stack engine creates in parallel (and deletes in reverse).
Must not: evaluate values (that is `intrinsics.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tenku.deploy.errors import TemplateError

_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def references(value: Any, names: set[str]) -> set[str]:
    """The logical ids among `names` that `value` refers to."""
    found: set[str] = set()
    _collect(value, names, found)
    return found


def _collect(value: Any, names: set[str], found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                if item in names:
                    found.add(item)
            elif key == "Fn::GetAtt":
                target = (
                    item.split(".", 1)[0]
                    if isinstance(item, str)
                    else (item[0] if isinstance(item, list) and item else None)
                )
                if isinstance(target, str) and target in names:
                    found.add(target)
                if isinstance(item, list):
                    _collect(item[1:], names, found)
            elif key == "Fn::Sub":
                text = (
                    item
                    if isinstance(item, str)
                    else (item[0] if isinstance(item, list) and item else "")
                )
                local = (
                    set(item[1])
                    if isinstance(item, list) and len(item) > 1 and isinstance(item[1], dict)
                    else set()
                )
                for match in _SUB_NAME.finditer(text if isinstance(text, str) else ""):
                    name = match.group(1).strip().split(".", 1)[0]
                    if name in names and name not in local:
                        found.add(name)
                if isinstance(item, list):
                    _collect(item[1:], names, found)
            else:
                _collect(item, names, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, names, found)


def dependencies(resources: dict[str, Any]) -> dict[str, set[str]]:
    """logical id -> the logical ids it depends on; TemplateError for unknown names."""
    names = set(resources)
    graph: dict[str, set[str]] = {}
    for logical_id, definition in resources.items():
        if not isinstance(definition, dict):
            raise TemplateError(
                f"Template format error: [/Resources/{logical_id}] resource definition is malformed"
            )
        depends_on = definition.get("DependsOn") or []
        if isinstance(depends_on, str):
            depends_on = [depends_on]
        unknown = [d for d in depends_on if d not in names]
        if unknown:
            raise TemplateError(
                "Template format error: Unresolved resource dependencies "
                f"[{', '.join(unknown)}] in the Resources block of the template"
            )
        needed = references({k: v for k, v in definition.items() if k not in ("DependsOn",)}, names)
        needed.update(depends_on)
        needed.discard(logical_id)
        graph[logical_id] = needed
    return graph


def unresolved_references(template: dict[str, Any], parameters: set[str]) -> list[str]:
    """Names used by `Ref` that are neither resources, parameters nor pseudo parameters."""
    known = set(template.get("Resources") or {}) | parameters

    def named(key: str, item: Any) -> str | None:
        if key == "Ref" and isinstance(item, str) and not item.startswith("AWS::"):
            return item
        return None

    return _names_missing(template, named, known)


def undefined_getatt_targets(template: dict[str, Any]) -> list[str]:
    """Logical ids named by an `Fn::GetAtt` in Resources or Outputs that the template lacks
    (CloudFormation refuses such a template before creating anything)."""

    def named(key: str, item: Any) -> str | None:
        if key != "Fn::GetAtt":
            return None
        if isinstance(item, str):
            return item.split(".", 1)[0]
        if isinstance(item, list) and item and isinstance(item[0], str):
            return item[0]
        return None

    return _names_missing(template, named, set(template.get("Resources") or {}))


def _names_missing(
    template: dict[str, Any], named: Callable[[str, Any], str | None], known: set[str]
) -> list[str]:
    """Every name `named` picks out of a key and its value in Resources and Outputs that is
    not in `known`, in the order first met (each once)."""
    missing: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                name = named(key, item)
                if name is not None and name not in known and name not in missing:
                    missing.append(name)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(template.get("Resources") or {})
    walk(template.get("Outputs") or {})
    return missing


def waves(graph: dict[str, set[str]]) -> list[list[str]]:
    """Resources in waves: each depends only on resources of earlier waves."""
    remaining = {name: set(needs) for name, needs in graph.items()}
    done: set[str] = set()
    out: list[list[str]] = []
    while remaining:
        ready = sorted(name for name, needs in remaining.items() if needs <= done)
        if not ready:
            cycle = sorted(remaining)
            raise TemplateError(f"Circular dependency between resources: [{', '.join(cycle)}]")
        out.append(ready)
        done.update(ready)
        for name in ready:
            del remaining[name]
    return out
