"""CloudWatch Logs filter patterns: parse a pattern once, then test messages against it.

Two syntaxes are understood. Text patterns: an empty pattern matches everything; bare
terms and quoted phrases must all appear (case-sensitive substrings); `?term` terms
match when any one of them appears; `-term` excludes messages containing the term.
JSON patterns, `{ ... }`: selectors `$.a.b[0]` compared with `=`, `!=`, `<`, `<=`, `>`,
`>=` against strings (with `*` wildcards), numbers, `true`/`false`/`null`, plus
`IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`, combined with `&&`, `||` and parentheses.
Pure: no I/O, no storage, no AWS error shapes (the provider maps `FilterPatternError`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Matcher = Callable[[str], bool]
_MISSING = object()


class FilterPatternError(ValueError):
    """The pattern cannot be parsed."""


def compile_pattern(pattern: str | None) -> Matcher:
    """A predicate over log messages for `pattern` (None or blank: match all)."""
    text = (pattern or "").strip()
    if not text:
        return lambda _message: True
    if text.startswith("{"):
        return _compile_json(text)
    if text.startswith("["):
        raise FilterPatternError("space-delimited filter patterns are not supported")
    return _compile_text(text)


# -- text patterns ---------------------------------------------------------------------
_TEXT_TOKEN = re.compile(r'\s*([?-]?)(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))')


def _compile_text(text: str) -> Matcher:
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TEXT_TOKEN.match(text, pos)
        if match is None:
            raise FilterPatternError(f"invalid filter pattern near {text[pos:]!r}")
        prefix, quoted, bare = match.groups()
        term = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        if not term:
            raise FilterPatternError("empty term in filter pattern")
        {"": required, "?": optional, "-": excluded}[prefix].append(term)
        pos = match.end()

    def matches(message: str) -> bool:
        if any(term not in message for term in required):
            return False
        if optional and not any(term in message for term in optional):
            return False
        return not any(term in message for term in excluded)

    return matches


# -- JSON patterns ---------------------------------------------------------------------
_JSON_TOKEN = re.compile(
    r"""\s*(?:
      (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))
    | (?P<sel>\$(?:\.[A-Za-z0-9_@\-]+|\[\d+\])*)
    | "(?P<str>(?:[^"\\]|\\.)*)"
    | (?P<word>[^\s()=<>!&|"]+)
    )""",
    re.VERBOSE,
)


def _tokens(body: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while body[pos:].strip():
        match = _JSON_TOKEN.match(body, pos)
        if match is None:
            raise FilterPatternError(f"invalid JSON filter pattern near {body[pos:]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value)
        out.append((kind, value))
        pos = match.end()
    return out


def _compile_json(text: str) -> Matcher:
    if not text.endswith("}"):
        raise FilterPatternError("JSON filter pattern must end with '}'")
    parser = _JsonParser(_tokens(text[1:-1]))
    test = parser.parse()

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict | list) and test(document)

    return matches


Test = Callable[[Any], bool]


class _JsonParser:
    """Recursive descent: or := and ('||' and)*; and := atom ('&&' atom)*."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def parse(self) -> Test:
        if not self.tokens:
            raise FilterPatternError("empty JSON filter pattern")
        test = self._or()
        if self.pos != len(self.tokens):
            raise FilterPatternError(f"unexpected {self.tokens[self.pos][1]!r}")
        return test

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise FilterPatternError("unexpected end of JSON filter pattern")
        self.pos += 1
        return token

    def _or(self) -> Test:
        parts = [self._and()]
        while self._peek() == ("op", "||"):
            self.pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def _and(self) -> Test:
        parts = [self._atom()]
        while self._peek() == ("op", "&&"):
            self.pos += 1
            parts.append(self._atom())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def _atom(self) -> Test:
        kind, value = self._take()
        if (kind, value) == ("op", "("):
            inner = self._or()
            if self._take() != ("op", ")"):
                raise FilterPatternError("missing ')'")
            return inner
        if kind != "sel":
            raise FilterPatternError(f"expected a selector such as $.field, got {value!r}")
        path = _parse_selector(value)
        nxt = self._peek()
        if nxt is not None and nxt[0] == "word" and nxt[1].upper() in {"IS", "NOT"}:
            return self._keyword_test(path)
        op_kind, op = self._take()
        if op_kind != "op" or op not in {"=", "!=", "<", "<=", ">", ">="}:
            raise FilterPatternError(f"expected a comparison operator, got {op!r}")
        vkind, raw = self._take()
        if vkind not in {"str", "word"}:
            raise FilterPatternError(f"expected a value, got {raw!r}")
        return _comparison(path, op, raw, quoted=vkind == "str")

    def _keyword_test(self, path: list[str | int]) -> Test:
        first = self._take()[1].upper()
        second = self._take()[1].upper()
        if first == "NOT" and second == "EXISTS":
            return lambda doc: _resolve(doc, path) is _MISSING
        if first == "IS" and second in {"NULL", "TRUE", "FALSE"}:
            wanted = {"NULL": None, "TRUE": True, "FALSE": False}[second]
            return lambda doc: _resolve(doc, path) is wanted
        raise FilterPatternError(f"unknown test {first} {second}")


def _parse_selector(text: str) -> list[str | int]:
    path: list[str | int] = []
    for name, index in re.findall(r"\.([A-Za-z0-9_@\-]+)|\[(\d+)\]", text[1:]):
        path.append(int(index) if index else name)
    return path


def _resolve(doc: Any, path: list[str | int]) -> Any:
    node = doc
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _MISSING
            node = node[step]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return _MISSING
    return node


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _comparison(path: list[str | int], op: str, raw: str, *, quoted: bool) -> Test:
    number = None if quoted else _number(raw)
    if op in {"<", "<=", ">", ">="}:
        if number is None:
            raise FilterPatternError(f"{op} needs a numeric value, got {raw!r}")
        target = number
        compare: Callable[[float], bool] = {
            "<": lambda a: a < target,
            "<=": lambda a: a <= target,
            ">": lambda a: a > target,
            ">=": lambda a: a >= target,
        }[op]

        def numeric(doc: Any) -> bool:
            value = _resolve(doc, path)
            return _is_number(value) and compare(float(value))

        return numeric
    equal = _equality(raw, number, quoted)
    if op == "=":
        return lambda doc: equal(_resolve(doc, path))

    def not_equal(doc: Any) -> bool:
        value = _resolve(doc, path)
        return value is not _MISSING and not equal(value)

    return not_equal


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equality(raw: str, number: float | None, quoted: bool) -> Callable[[Any], bool]:
    if not quoted and raw in {"true", "false", "null"}:
        constant = {"true": True, "false": False, "null": None}[raw]
        return lambda value: value is constant
    if number is not None:
        return lambda value: _is_number(value) and float(value) == number
    regex = re.compile("".join(".*" if c == "*" else re.escape(c) for c in raw) + r"\Z", re.S)

    def string_equal(value: Any) -> bool:
        return isinstance(value, str) and regex.match(value) is not None

    return string_equal
