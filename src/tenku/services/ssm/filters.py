"""Which parameters a DescribeParameters or GetParametersByPath filter keeps.

`ParameterFilters` (`Name`, `Type`, `KeyId`, `Path`, `Tier`, `DataType`, `Label`,
`tag:<key>` with the options SSM allows for each) and the legacy `Filters` (`Name`,
`Type`, `KeyId`) become one predicate over a parameter's current version and tags.
Must not: read storage (the caller hands in the tags).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tenku.services.ssm import errors
from tenku.services.ssm.store import Version

Predicate = Callable[[Version, Callable[[], dict[str, str]]], bool]

_OPTIONS = {
    "Name": ("Equals", "BeginsWith", "Contains"),
    "Type": ("Equals",),
    "KeyId": ("Equals",),
    "Path": ("Recursive", "OneLevel"),
    "Tier": ("Equals",),
    "DataType": ("Equals",),
    "Label": ("Equals",),
}
_BY_PATH_KEYS = ("Type", "KeyId", "Label")


def _field(version: Version, key: str) -> str:
    return {
        "Name": version.name,
        "Type": version.type,
        "KeyId": version.key_id or "",
        "Tier": version.tier,
        "DataType": version.data_type,
    }.get(key, "")


def _one(spec: dict[str, Any], by_path: bool) -> Predicate:
    key = str(spec.get("Key") or "")
    values = [str(v) for v in spec.get("Values") or []]
    if key.startswith("tag:") and not by_path:
        tag = key[4:]
        return lambda v, tags: tag in tags() and (not values or tags()[tag] in values)
    allowed = _BY_PATH_KEYS if by_path else tuple(_OPTIONS)
    if key not in allowed:
        raise errors.invalid_filter_key(
            f"The following filter key is not valid: {key}. Valid filter keys include: "
            f"[{', '.join(allowed)}]."
        )
    option = spec.get("Option") or ("OneLevel" if key == "Path" else "Equals")
    if option not in _OPTIONS[key]:
        raise errors.invalid_filter_option(
            f"The following filter option is not valid: {option}. Valid options include: "
            f"[{', '.join(_OPTIONS[key])}]."
        )
    if not values and key != "Path":
        raise errors.invalid_filter_value(
            f"The following filter values are missing : null for filter key {key}."
        )
    if key == "Label":
        return lambda v, tags: any(label in v.labels for label in values)
    if key == "Path":
        return _path(values or ["/"], option == "Recursive")
    if option == "BeginsWith":
        return lambda v, tags: any(_field(v, key).startswith(x) for x in values)
    if option == "Contains":
        return lambda v, tags: any(x in _field(v, key) for x in values)
    return lambda v, tags: _field(v, key) in values


def _path(paths: list[str], recursive: bool) -> Predicate:
    prefixes = [p.rstrip("/") + "/" for p in paths]

    def keep(version: Version, tags: Callable[[], dict[str, str]]) -> bool:
        for prefix in prefixes:
            if version.name.startswith(prefix):
                rest = version.name[len(prefix) :]
                if recursive or "/" not in rest:
                    return True
        return False

    return keep


def parameter_filters(specs: list[dict[str, Any]] | None, by_path: bool = False) -> Predicate:
    predicates = [_one(spec, by_path) for spec in specs or []]
    return lambda v, tags: all(p(v, tags) for p in predicates)


def legacy_filters(specs: list[dict[str, Any]] | None) -> Predicate:
    """`Filters`: Name (names beginning with a value), Type, KeyId (equal to one)."""
    converted = []
    for spec in specs or []:
        key = spec.get("Key")
        if key not in ("Name", "Type", "KeyId"):
            raise errors.validation(
                f"1 validation error detected: Value '{key}' at 'filters.1.member.key' failed "
                "to satisfy constraint: Member must satisfy enum value set: [Name, Type, KeyId]"
            )
        option = "BeginsWith" if key == "Name" else "Equals"
        converted.append({"Key": key, "Option": option, "Values": spec.get("Values") or []})
    return parameter_filters(converted)
