"""Compiled per-shape checkers: type-check, convert and validate request params.

Owns: turning a shape into a closure that walks a value once, converting JSON wire
values (base64 blobs -> bytes, epoch or ISO timestamps -> float seconds) when `decode`
is set, raising the style's error on a value of the wrong type, and either raising on
the first missing required member ("query" style) or collecting every constraint
violation (required, length, range, pattern, enum) for one aggregated error ("coral").
Closures are cached on the model, so a shape is compiled once per (mode, style).
Must not: read wire formats other than decoded JSON values and already-typed params.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from tenku.core.errors import ServiceError
from tenku.protocol.models import ServiceModel, Shape
from tenku.protocol.styles import ValidationStyle
from tenku.protocol.timefmt import parse_timestamp

# (value, path, violations) -> converted value. `path` is the coral member path
# ("transactItems.1.member.put.tableName") or, in query style, the wire member name.
Check = Callable[[Any, str, list[str]], Any]

_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
# Model patterns run on request text; cap the input so a hostile value cannot stall us.
_MAX_PATTERN_INPUT = 65_536


def get_checker(
    model: ServiceModel, shape_name: str, *, decode: bool, style: ValidationStyle
) -> Check:
    """The cached checker of `shape_name`; `decode` for JSON wire values."""
    key = ("check", decode, style, shape_name)
    checker: Check | None = model.plans.get(key)
    if checker is None:
        with model.lock:
            checker = _Compiler(model, decode, style).compile(shape_name)
            model.plans[key] = checker
    return checker


def run_checker(checker: Check, value: Any, style: ValidationStyle, path: str = "") -> Any:
    """Run a checker, turning collected violations (and any stray failure) into errors."""
    violations: list[str] = []
    try:
        result = checker(value, path, violations)
    except ServiceError:
        raise
    except RecursionError as exc:
        raise style.malformed_body("nested too deeply") from exc
    if violations:
        raise style.violations(violations)
    return result


def _passthrough(value: Any, path: str, errs: list[str]) -> Any:
    return value


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def java_repr(value: Any) -> str:
    """How coral prints a value inside "Value '...' at": Java's toString of it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(java_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    return str(value)


def _compile_pattern(pattern: str) -> re.Pattern[str] | None:
    # Model patterns are Java regexes; the few Python cannot compile are skipped.
    try:
        return re.compile(pattern, re.DOTALL)
    except (re.error, RecursionError, OverflowError):
        return None


class _Compiler:
    def __init__(self, model: ServiceModel, decode: bool, style: ValidationStyle) -> None:
        self.model = model
        self.decode = decode
        self.style = style
        self.coral = style.aggregates
        self.done: dict[str, Check] = {}
        self.in_progress: set[str] = set()

    def compile(self, shape_name: str) -> Check:
        done = self.done.get(shape_name)
        if done is not None:
            return done
        if shape_name in self.in_progress:
            # A recursive shape (DynamoDB AttributeValue): call through the table later.
            table = self.done
            return lambda value, path, errs: table[shape_name](value, path, errs)
        self.in_progress.add(shape_name)
        shape = self.model.shape(shape_name)
        checker = self._build(shape)
        if self.coral:
            checker = self._with_constraints(shape, checker)
        self.done[shape_name] = checker
        self.in_progress.discard(shape_name)
        return checker

    def _build(self, shape: Shape) -> Check:
        kind = shape["type"]
        builder = getattr(self, f"_build_{kind}", None)
        if builder is None or shape.get("document"):
            return _passthrough
        result: Check = builder(shape)
        return result

    # -- scalars -------------------------------------------------------------------

    def _build_string(self, shape: Shape) -> Check:
        style = self.style

        def check_string(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is not str:
                raise style.wrong_type(path, value, "string")
            return value

        return check_string

    def _build_boolean(self, shape: Shape) -> Check:
        style = self.style

        def check_boolean(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is not bool:
                raise style.wrong_type(path, value, "boolean")
            return value

        return check_boolean

    def _build_integer(self, shape: Shape) -> Check:
        style = self.style
        kind = shape["type"]
        low, high = _INT_RANGES[kind]

        def check_integer(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is not int:
                if type(value) is float and value.is_integer():
                    value = int(value)
                else:
                    raise style.wrong_type(path, value, kind)
            if not low <= value <= high:
                raise style.wrong_type(path, value, kind)
            return value

        return check_integer

    _build_long = _build_integer

    def _build_double(self, shape: Shape) -> Check:
        style = self.style
        kind = shape["type"]

        def check_double(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is float:
                if value != value or value in (float("inf"), float("-inf")):
                    raise style.wrong_type(path, value, kind)
                return value
            if type(value) is int:
                return value
            raise style.wrong_type(path, value, kind)

        return check_double

    _build_float = _build_double

    def _build_blob(self, shape: Shape) -> Check:
        style = self.style
        decode = self.decode

        def check_blob(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is bytes:
                return value
            if type(value) is str:
                if not decode:
                    return value.encode("utf-8")
                try:
                    return base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise style.wrong_type(path, value, "blob") from exc
            raise style.wrong_type(path, value, "blob")

        return check_blob

    def _build_timestamp(self, shape: Shape) -> Check:
        style = self.style

        def check_timestamp(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is float or type(value) is int:
                if value != value or value in (float("inf"), float("-inf")):
                    raise style.wrong_type(path, value, "timestamp")
                return float(value)
            if type(value) is str:
                try:
                    return parse_timestamp(value)
                except (ValueError, OverflowError) as exc:
                    raise style.wrong_type(path, value, "timestamp") from exc
            raise style.wrong_type(path, value, "timestamp")

        return check_timestamp

    # -- containers ----------------------------------------------------------------

    def _build_structure(self, shape: Shape) -> Check:
        style = self.style
        coral = self.coral
        decode = self.decode
        # wire key -> (member name, child path name, checker)
        members: dict[str, tuple[str, str, Check]] = {}
        payload = shape.get("payload")
        located = {n for n, r in shape.get("members", {}).items() if r.get("location")}
        for name, ref in shape.get("members", {}).items():
            wire = ref.get("locationName", name) if decode else name
            if decode and (ref.get("location") or name == payload):
                wire = name  # rest-located and payload members are merged in by name
            elif decode and wire in located:
                # A body key named like a URI member (API Gateway's PutIntegration sends
                # `integrationHttpMethod` as `httpMethod`) is merged in by member name.
                wire = name
            # Member paths in coral messages are lowerCamel member names.
            shown = lower_camel(name) if coral else name
            members[wire] = (
                name,
                shown,
                _passthrough if ref.get("jsonvalue") else self.compile(ref["shape"]),
            )
        required = [
            (name, lower_camel(name) if coral else name) for name in shape.get("required", ())
        ]

        def check_structure(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is not dict:
                raise style.wrong_type(path, value, "structure")
            out: dict[str, Any] = {}
            prefix = path + "." if (path and coral) else ""
            for key, item in value.items():
                member = members.get(key)
                if member is None or item is None:
                    continue  # unknown members are ignored, JSON null means absent
                out[member[0]] = member[2](item, prefix + member[1], errs)
            for name, shown in required:
                if name not in out:
                    if coral:
                        errs.append(
                            f"Value null at '{prefix}{shown}' failed to satisfy constraint: "
                            "Member must not be null"
                        )
                    else:
                        raise style.missing(shown)
            return out

        return check_structure

    def _build_list(self, shape: Shape) -> Check:
        style = self.style
        coral = self.coral
        item_check = self.compile(shape["member"]["shape"])

        def check_list(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is not list:
                raise style.wrong_type(path, value, "list")
            if coral:
                return [
                    item_check(item, f"{path}.{index}.member", errs)
                    for index, item in enumerate(value, 1)
                ]
            return [item_check(item, path, errs) for item in value]

        return check_list

    def _build_map(self, shape: Shape) -> Check:
        style = self.style
        coral = self.coral
        key_check = self.compile(shape["key"]["shape"])
        value_name = shape["value"]["shape"]
        value_shape = self.model.shape(value_name)
        # Coral checks a sized map value's own length against the whole map: one
        # "Map value must satisfy constraint: [...]" error at the map's path, listing
        # every constraint of the value shape (BatchWriteItem's 1..25 requests a table).
        low, high = value_shape.get("min"), value_shape.get("max")
        sized = value_shape["type"] in ("list", "map", "string", "blob")
        own = coral and sized and (low is not None or high is not None)
        value_check = self._build(value_shape) if own else self.compile(value_name)
        texts = []
        if high is not None:
            texts.append(f"Member must have length less than or equal to {_num(high)}")
        if low is not None:
            texts.append(f"Member must have length greater than or equal to {_num(low)}")
        map_value_text = "Map value must satisfy constraint: [" + ", ".join(texts) + "]"

        def check_map(value: Any, path: str, errs: list[str]) -> Any:
            if type(value) is not dict:
                raise style.wrong_type(path, value, "map")
            out = {}
            broken = False
            for key, item in value.items():
                sub = f"{path}.{key}" if coral else path
                checked = out[key_check(key, sub, errs)] = value_check(item, sub, errs)
                if own and (
                    (low is not None and len(checked) < low)
                    or (high is not None and len(checked) > high)
                ):
                    broken = True
            if broken:
                errs.append(
                    f"Value '{java_repr(value)}' at '{path}' failed to satisfy constraint: "
                    + map_value_text
                )
            return out

        return check_map

    # -- coral constraints ---------------------------------------------------------

    def _with_constraints(self, shape: Shape, inner: Check) -> Check:
        kind = shape["type"]
        low = shape.get("min")
        high = shape.get("max")
        enum = shape.get("enum")
        pattern = _compile_pattern(shape["pattern"]) if shape.get("pattern") else None
        if low is None and high is None and not enum and pattern is None:
            return inner
        sized = kind in ("string", "blob", "list", "map")
        what = "length" if sized else "value"
        enum_set = frozenset(enum or ())
        enum_text = "[" + ", ".join(enum or ()) + "]"
        raw_pattern = shape.get("pattern", "")
        sensitive = bool(shape.get("sensitive"))  # AWS never echoes these (passwords, tokens)

        def check_constraints(value: Any, path: str, errs: list[str]) -> Any:
            result = inner(value, path, errs)
            measure = len(result) if sized else result
            broken: list[str] = []
            if low is not None and measure < low:
                broken.append(f"Member must have {what} greater than or equal to {_num(low)}")
            if high is not None and measure > high:
                broken.append(f"Member must have {what} less than or equal to {_num(high)}")
            if enum_set and result not in enum_set:
                broken.append(f"Member must satisfy enum value set: {enum_text}")
            if (
                pattern is not None
                and type(result) is str
                and len(result) <= _MAX_PATTERN_INPUT
                and not pattern.fullmatch(result)
            ):
                broken.append(f"Member must satisfy regular expression pattern: {raw_pattern}")
            if broken:
                # built only when reporting, it is costly
                shown = "" if sensitive else f"'{java_repr(result)}' "
                errs.extend(
                    f"Value {shown}at '{path}' failed to satisfy constraint: {text}"
                    for text in broken
                )
            return result

        return check_constraints


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
