"""Serverless Framework variables: `${source:address, fallback, ...}` in a service config.

Sources: `self:` (any path of the file, resolved on demand, so variables may point at
variables), `opt:` (CLI options: `stage`, `region`, anything else given), `env:`,
`ssm:` (through the injected `ssm_lookup`), `file(./x.yml):a.b` / `file(./x.json)`,
`sls:stage` / `sls:instanceId`, `aws:region` / `aws:accountId`, `cf:stack.output`
(through the injected `cf_lookup`) and v4's `param:` (the `params:` block for the stage,
then `default`). Fallbacks are quoted literals, numbers, booleans or other variables;
variables nest (`${self:custom.${opt:stage}.x}`). A string that is one variable takes the
value's type; a variable inside a longer string must give a string, number or boolean.
`${Name}`, `${A.Arn}` and `${AWS::Region}` are CloudFormation `Fn::Sub` syntax and stay.
Errors are collected and raised together as the Framework prints them.
Must not: read files outside what `file()` names, or call anything but the callables.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tenku.deploy.errors import TemplateError
from tenku.deploy.loader import load_template
from tenku.deploy.serverless.errors import ServerlessError

# A variable starts with its source: `self:`, `ssm(raw):`, `file(./x.yml):` (not `AWS::`).
_SOURCE = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9]*)(?:\(([^)]*)\)(?::(?!:)|(?=\s*(?:,|$)))|:(?!:))"
)  # `file(./x.json)` needs no address
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_KNOWN = ("self", "opt", "env", "ssm", "file", "sls", "aws", "cf", "param")

Path_ = tuple[str | int, ...]
SsmLookup = Callable[[str], "str | None"]
CfLookup = Callable[[str, str, "str | None"], Any]  # (stack, output, region) -> value


@dataclass(frozen=True)
class VariableSources:
    """What the variables outside the file resolve from."""

    service_dir: Path
    options: Mapping[str, Any] = field(default_factory=dict)  # stage, region, other --opts
    env: Mapping[str, str] = field(default_factory=dict)
    ssm_lookup: SsmLookup | None = None
    cf_lookup: CfLookup | None = None
    account: str = "000000000000"
    instance_id: str = "tenku"


class _Failed(Exception):
    """A variable failed; `recorded` once its message is in the resolver's list."""

    def __init__(self, message: str, recorded: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.recorded = recorded


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _split_top(text: str, separator: str = ",") -> list[str]:
    """`text` split at separators outside quotes and nested `${...}`."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif text.startswith("${", i):
            depth, i = depth + 1, i + 1
        elif char == "}" and depth:
            depth -= 1
        elif char == separator and not depth:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def _closing(text: str, start: int) -> int:
    """The index of the `}` closing the `${` at `start`, or -1."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def variables_in(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the top-level Serverless variables of `text`."""
    spans, i = [], text.find("${")
    while i >= 0:
        end = _closing(text, i)
        if end < 0:
            break
        if _SOURCE.match(text[i + 2 : end]):
            spans.append((i, end + 1))
            i = text.find("${", end + 1)
        else:
            i = text.find("${", i + 2)
    return spans


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


class Resolver:
    def __init__(self, config: dict[str, Any], sources: VariableSources) -> None:
        self.config = config
        self.sources = sources
        self.errors: list[str] = []
        self._done: set[Path_] = set()
        self._active: list[Path_] = []
        self._files: dict[Path, Any] = {}

    # -- the tree --------------------------------------------------------------------------
    def resolve(self) -> dict[str, Any]:
        """The config with every variable resolved, or ServerlessError listing failures."""
        try:
            self._subtree(())
        except _Failed as failure:
            if not failure.recorded:
                self.errors.append(failure.message)
        if self.errors:
            listing = "\n".join(f"  - {message}" for message in self.errors)
            raise ServerlessError(
                f"Cannot resolve serverless.yml: Variables resolution errored with:\n{listing}"
            )
        return self.config

    def _get(self, path: Path_) -> Any:
        node: Any = self.config
        for part in path:
            node = node[part]
        return node

    def _set(self, path: Path_, value: Any) -> None:
        if not path:
            self.config = value
            return
        self._get(path[:-1])[path[-1]] = value

    def _subtree(self, path: Path_) -> Any:
        """The node at `path`, fully resolved (memoised; cycles are errors)."""
        if path in self._done:
            return self._get(path)
        if path in self._active:
            chain = " -> ".join(_dotted(p) or "(root)" for p in [*self._active, path])
            raise _Failed(
                f'Cannot resolve variable at "{_dotted(path)}": circular reference ({chain})'
            )
        self._active.append(path)
        try:
            node = self._get(path)
            if isinstance(node, str) and variables_in(node):
                try:
                    node = self._string(node, path)
                except _Failed as failure:
                    if not failure.recorded:
                        self.errors.append(failure.message)
                    raise _Failed(failure.message, recorded=True) from None
                self._set(path, node)
            failed: _Failed | None = None
            if isinstance(node, (dict, list)):
                keys = list(node) if isinstance(node, dict) else list(range(len(node)))
                for key in keys:
                    try:
                        self._subtree((*path, key))
                    except _Failed as failure:
                        if not failure.recorded:
                            self.errors.append(failure.message)
                        failed = failed or _Failed(failure.message, recorded=True)
            if failed:
                raise failed
        finally:
            self._active.pop()
        self._done.add(path)
        return node

    def lookup_self(self, address: str) -> Any:
        """The resolved value at a dotted path of the config; None when absent."""
        path: Path_ = ()
        for part in [p for p in address.split(".") if p != ""]:
            node = self._get(path)
            if isinstance(node, str) and variables_in(node):
                node = self._subtree(path)
            if isinstance(node, dict) and part in node:
                path = (*path, part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                path = (*path, int(part))
            else:
                return None
        return self._subtree(path)

    # -- strings and variables ---------------------------------------------------------------
    def _string(self, text: str, path: Path_) -> Any:
        spans = variables_in(text)
        if len(spans) == 1 and spans[0] == (0, len(text)):
            return self._variable(text[2:-1], path)
        out, last = [], 0
        for start, end in spans:
            value = self._variable(text[start + 2 : end - 1], path)
            piece = _as_text(value)
            if piece is None:
                raise _Failed(
                    f'Cannot resolve variable at "{_dotted(path)}": String value consist of '
                    "variable which resolve with non-string value"
                )
            out += [text[last:start], piece]
            last = end
        out.append(text[last:])
        return "".join(out)

    def _variable(self, content: str, path: Path_) -> Any:
        parts = _split_top(content)
        primary = parts[0].strip()
        if variables_in(primary):
            nested = self._string(primary, path)
            primary = nested if isinstance(nested, str) else str(nested)
        match = _SOURCE.match(primary)
        if match is None:
            raise _Failed(f'Cannot resolve variable at "{_dotted(path)}": Invalid variable')
        source, params = match.group(1), match.group(2)
        address = primary[match.end() :].strip()
        value = self._source(source, params, address, path)
        if value is not None:
            return self._settle(value, path)
        for fallback in parts[1:]:
            value = self._fallback(fallback.strip(), path)
            if value is not None:
                return value
        raise _Failed(
            f'Cannot resolve variable at "{_dotted(path)}": Value not found at "{source}" source'
        )

    def _settle(self, value: Any, path: Path_) -> Any:
        """A found value with its own variables resolved where it will live."""
        if isinstance(value, str) and variables_in(value):
            return self._string(value, path)
        return value

    def _fallback(self, text: str, path: Path_) -> Any:
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        if text.startswith("${"):
            return self._string(text, path)
        if _NUMBER.match(text):
            return float(text) if "." in text else int(text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        match = _SOURCE.match(text)
        if match and match.group(1) in _KNOWN:
            return self._variable(text, path)
        return text

    # -- sources ---------------------------------------------------------------------------
    def _source(self, source: str, params: str | None, address: str, path: Path_) -> Any:
        where = f'Cannot resolve variable at "{_dotted(path)}"'
        if source == "self":
            return self.lookup_self(address)
        if source == "opt":
            return self.sources.options.get(address)
        if source == "env":
            return self.sources.env.get(address)
        if source == "sls":
            if address == "stage":
                return self.stage()
            if address == "instanceId":
                return self.sources.instance_id
            raise _Failed(f'{where}: Unsupported "sls" source variable "{address}"')
        if source == "aws":
            if address == "region":
                return self.region()
            if address == "accountId":
                return self.sources.account
            raise _Failed(f'{where}: Unsupported "aws" source variable "{address}"')
        if source == "param":
            return self._param(address)
        if source == "ssm":
            return self._ssm(address, where)
        if source == "file":
            return self._file(params, address, where)
        if source == "cf":
            return self._cf(params, address, where)
        raise _Failed(f'{where}: Unrecognized configuration variable source "{source}"')

    def stage(self) -> str:
        chosen = self.sources.options.get("stage") or self.lookup_self("provider.stage")
        return str(chosen or "dev")

    def region(self) -> str:
        chosen = self.sources.options.get("region") or self.lookup_self("provider.region")
        return str(chosen or "us-east-1")

    def _param(self, name: str) -> Any:
        given = self.sources.options.get("param") or {}
        if isinstance(given, Mapping) and name in given:
            return given[name]
        for stage in (self.stage(), "default"):
            value = self.lookup_self(f"params.{stage}.{name}")
            if value is not None:
                return value
        return None

    def _ssm(self, address: str, where: str) -> Any:
        if self.sources.ssm_lookup is None:
            raise _Failed(f'{where}: "ssm" source needs an SSM lookup, and none was given')
        name = address.split("~", 1)[0]
        try:
            return self.sources.ssm_lookup(name)
        except KeyError:
            return None

    def _cf(self, params: str | None, address: str, where: str) -> Any:
        stack, _, output = address.partition(".")
        if not stack or not output:
            raise _Failed(f'{where}: Invalid "cf" address "{address}" (expected stack.output)')
        if self.sources.cf_lookup is None:
            raise _Failed(f'{where}: "cf" source needs a CloudFormation lookup, and none was given')
        try:
            return self.sources.cf_lookup(stack, output, params or None)
        except KeyError:
            return None

    def _file(self, params: str | None, address: str, where: str) -> Any:
        if not params:
            raise _Failed(f'{where}: Missing path argument in variable "file" source')
        target = (self.sources.service_dir / params.strip().strip("'\"")).resolve()
        if target.suffix in (".js", ".cjs", ".mjs", ".ts"):
            raise _Failed(f"{where}: Tenku does not run JavaScript variable files ({params})")
        if target not in self._files:
            if not target.is_file():
                return None
            self._files[target] = _read_file(target, where)
        value: Any = self._files[target]
        for part in [p for p in address.split(".") if p]:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        return copy.deepcopy(value)


def _read_file(target: Path, where: str) -> Any:
    text = target.read_text(encoding="utf-8")
    try:
        if target.suffix == ".json":
            return json.loads(text)
        if target.suffix in (".yml", ".yaml"):
            try:
                return load_template(text)
            except TemplateError:
                return yaml.safe_load(text)  # a list or a scalar: no tags to keep
    except (ValueError, yaml.YAMLError) as error:
        raise _Failed(f"{where}: Cannot parse {target.name}: {error}") from error
    return text


def resolve_variables(config: dict[str, Any], sources: VariableSources) -> dict[str, Any]:
    return Resolver(config, sources).resolve()
