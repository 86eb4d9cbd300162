"""Event patterns: validation with AWS's exact messages, and compilation to conditions.

`compile_pattern(text)` walks the pattern token by token in the same order as the
engine behind EventBridge (so the first error found, and the parser position reported
with it, are the ones AWS reports) and yields a `Pattern`: a list of branches (one per
combination of `$or` alternatives), each mapping a dotted field path to the conditions
any of which the field's value must meet. Matching lives in matching.py.
Must not: evaluate events. (The conditions themselves, and the value checks that
happen outside the parser, live in conditions.py.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from tenku.patterns.conditions import Branch as Branch  # re-exported for callers
from tenku.patterns.conditions import Cond as Cond
from tenku.patterns.conditions import InvalidPattern as InvalidPattern
from tenku.patterns.conditions import (
    cidr_range,
    exact_string,
    numeric_range,
    string_cond,
)
from tenku.patterns.jsontokens import NUMERIC, JsonSyntaxError, Tok, Tokenizer, location
from tenku.patterns.numbers import NumberError, comparable, comparable_or_none

OR = "$or"
RESERVED_IN_OR = frozenset(
    (
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
        "wildcard", "numeric", "cidr", "html", "=", "<", "<=", ">", ">=", "regex",
        "not-wildcard", "not-equals-ignore-case", "date-after", "date-on-or-after",
        "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
        "ip-address-not-in-range",
    )
)  # fmt: skip
# How many wildcard characters one field's patterns may hold before AWS calls the rule
# too complex. AWS measures the matching machine; this count is our approximation.
MAX_WILDCARDS_PER_FIELD = 6
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating"
    " character sequences after a wildcard character"
)


class Pattern(NamedTuple):
    branches: list[Branch]


def compile_pattern(text: str) -> Pattern:
    """Validate and compile `text`; raises InvalidPattern with AWS's reason."""
    return _Compiler(text).run()


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = Tokenizer(text)

    # -- plumbing ---------------------------------------------------------------------
    def fail(self, message: str) -> InvalidPattern:
        return InvalidPattern(f"{message}\n at {location(self.text, self.tokens.pos)}")

    def next(self) -> Tok | None:
        try:
            return self.tokens.next()
        except JsonSyntaxError as error:
            raise InvalidPattern(
                f"{error.message}\n at {location(self.text, error.position)}"
            ) from None

    def token_text(self, token: Tok | None) -> str:
        """What the reference parser's getText() gives for `token`."""
        if token is None:
            return "null"
        if token is Tok.FIELD_NAME:
            return self.tokens.name
        if token in (Tok.START_OBJECT, Tok.END_OBJECT, Tok.START_ARRAY, Tok.END_ARRAY):
            return str(token.value)
        return self.tokens.text_value()

    # -- structure ---------------------------------------------------------------------
    def run(self) -> Pattern:
        if self.next() is not Tok.START_OBJECT:
            raise self.fail("Filter is not an object")
        branches: list[Branch] = []
        self.parse_object(branches, [], inside_or=False)
        branches = branches or [{}]
        for branch in branches:
            for conditions in branch.values():
                wildcards = sum(c.d for c in conditions if c.kind in ("wildcard", "ab_wildcard"))
                if wildcards > MAX_WILDCARDS_PER_FIELD:
                    raise InvalidPattern(TOO_COMPLEX)
        return Pattern(branches)

    def parse_object(self, branches: list[Branch], path: list[str], *, inside_or: bool) -> None:
        present = False
        while self.next() is not Tok.END_OBJECT:
            present = True
            name = self.tokens.name
            if name == OR:
                self.parse_or(branches, path)
                continue
            if inside_or and name in RESERVED_IN_OR:
                raise self.fail(
                    f"{name} is Ruler reserved fieldName which cannot be used inside $or."
                )
            token = self.next()
            if token is Tok.START_OBJECT:
                self.parse_object(branches, [*path, name], inside_or=inside_or)
            elif token is Tok.START_ARRAY:
                self.write_values(branches, ".".join([*path, name]))
            else:
                raise self.fail(f'"{name}" must be an object or an array')
        if not present:
            raise self.fail("Empty objects are not allowed")

    def parse_or(self, branches: list[Branch], path: list[str]) -> None:
        current = [dict(b) for b in branches]
        branches.clear()
        if self.next() is not Tok.START_ARRAY:
            raise self.fail("It must be an Array followed with $or.")
        count = 0
        while (token := self.next()) is not Tok.END_ARRAY:
            count += 1
            if token is not Tok.START_OBJECT:
                raise self.fail("Only JSON object is allowed in array of $or relationship.")
            alternative = [dict(b) for b in current] or [{}]
            self.parse_object(alternative, path, inside_or=True)
            branches.extend(alternative)
        if count < 2:
            raise self.fail("There must have at least 2 Objects in $or relationship.")

    def write_values(self, branches: list[Branch], field: str) -> None:
        values: list[Cond] = []
        while (token := self.next()) is not Tok.END_ARRAY:
            if token is Tok.START_OBJECT:
                values.append(self.match_expression())
            elif token is Tok.STRING:
                values.append(exact_string(self.tokens.text_value()))
            elif token in NUMERIC:
                literal = self.tokens.text_value()
                values.append(Cond("exact_num", literal, comparable_or_none(literal)))
            elif token in (Tok.TRUE, Tok.FALSE, Tok.NULL):
                values.append(Cond("exact_lit", self.tokens.text_value()))
            else:
                raise self.fail("Match value must be String, number, true, false, or null")
        if not values:
            raise self.fail("Empty arrays are not allowed")
        if not branches:
            branches.append({})
        for branch in branches:
            branch[field] = values

    # -- match expressions ---------------------------------------------------------------
    def match_expression(self) -> Cond:
        if self.next() is not Tok.FIELD_NAME:
            raise self.fail("Match expression name not found")
        kind = self.tokens.name
        handler = self._HANDLERS.get(kind)
        if handler is None:
            raise self.fail(f"Unrecognized match type {kind}")
        return handler(self)

    def single_string(self, kind: str, message: str) -> Cond:
        if self.next() is not Tok.STRING:
            raise self.fail(message)
        value = self.tokens.text_value()
        self.end_of_expression()
        return string_cond(kind, value)

    def end_of_expression(self, message: str = "Only one key allowed in match expression") -> None:
        if self.next() is not Tok.END_OBJECT:
            raise self.fail(message)

    def exactly(self) -> Cond:
        return self.single_string("exact_s", "exact match pattern must be a string")

    def prefix(self) -> Cond:
        return self.affix("prefix")

    def suffix(self) -> Cond:
        return self.affix("suffix")

    def affix(self, kind: str) -> Cond:
        token = self.next()
        if token is Tok.START_OBJECT:
            if self.next() is not Tok.FIELD_NAME:
                raise self.fail(f"{kind.capitalize()} expression name not found")
            if self.tokens.name != "equals-ignore-case":
                raise self.fail(f"Unsupported {kind} pattern: {self.tokens.name}")
            if self.next() is not Tok.STRING:
                raise self.fail("equals-ignore-case match pattern must be a string")
            value = self.tokens.text_value()
            self.end_of_expression()
            self.end_of_expression()
            return Cond(f"{kind}_ic", value.lower())
        if token is not Tok.STRING:
            raise self.fail(f"{kind} match pattern must be a string")
        value = self.tokens.text_value()
        self.end_of_expression()
        return Cond(kind, value)

    def equals_ignore_case(self) -> Cond:
        return self.single_string("eic", "equals-ignore-case match pattern must be a string")

    def wildcard(self) -> Cond:
        if self.next() is not Tok.STRING:
            raise self.fail("wildcard match pattern must be a string")
        value = self.tokens.text_value()
        regex, stars = self.wildcard_regex(value)
        self.end_of_expression()
        return Cond("wildcard", regex, None, None, stars)

    def wildcard_regex(self, value: str) -> tuple[re.Pattern[str], int]:
        """Check a wildcard value as AWS does; positions count the value's opening quote."""
        parts, stars, i = [], 0, 0
        data = value.encode()
        while i < len(data):
            byte = data[i : i + 1]
            if byte == b"*":
                if data[i + 1 : i + 2] == b"*":
                    raise self.fail(f"Consecutive wildcard characters at pos {i + 1}")
                parts.append(".*")
                stars += 1
            elif byte == b"\\":
                following = data[i + 1 : i + 2]
                if following not in (b"*", b"\\"):
                    raise self.fail(f"Invalid escape character at pos {i + 1}")
                parts.append(re.escape(following.decode()))
                i += 1
            else:
                end = i
                while end < len(data) and data[end : end + 1] not in (b"*", b"\\"):
                    end += 1
                parts.append(re.escape(data[i:end].decode("utf-8", "replace")))
                i = end - 1
            i += 1
        return re.compile("".join(parts), re.DOTALL), stars

    def exists(self) -> Cond:
        token = self.next()
        if token not in (Tok.TRUE, Tok.FALSE):
            raise self.fail("exists match pattern must be either true or false.")
        self.end_of_expression()
        return Cond("exists", token is Tok.TRUE)

    def cidr(self) -> Cond:
        if self.next() is not Tok.STRING:
            raise self.fail("prefix match pattern must be a string")
        low, high, version = cidr_range(self.tokens.text_value())
        self.end_of_expression()
        return Cond("range_ip", version, low, high)

    # -- numeric -----------------------------------------------------------------------
    def numeric(self) -> Cond:
        if self.next() is not Tok.START_ARRAY:
            raise self.fail("Value of numeric must be an array.")
        condition = self.numeric_range()
        self.end_of_expression("Too many elements in numeric expression")
        return condition

    def numeric_range(self) -> Cond:
        token = self.next()
        if token is not Tok.STRING:
            raise self.fail(f"Invalid member in numeric match: {self.token_text(token)}")
        operator = self.tokens.text_value()
        token = self.next()
        try:
            if operator == "=":
                if token not in NUMERIC:
                    raise self.fail("Value of equals must be numeric")
                value = self.tokens.text_value()
                self.end_of_expression_array()
                return Cond("range", comparable(value), False, comparable(value), False)
            if operator in (">=", ">"):
                if token not in NUMERIC:
                    raise self.fail(f"Value of {operator} must be numeric")
                bottom = self.tokens.text_value()
                token = self.next()
                if token is Tok.END_ARRAY:
                    return numeric_range(bottom, operator == ">", None, False)
                return self.complete_range(token, bottom, operator == ">")
            if operator in ("<=", "<"):
                if token not in NUMERIC:
                    raise self.fail(f"Value of {operator} must be numeric")
                top = self.tokens.text_value()
                self.end_of_expression_array()
                return numeric_range(None, False, top, operator == "<")
            raise self.fail(f"Unrecognized numeric range operator: {operator}")
        except NumberError as error:
            raise self.fail(str(error)) from None

    def end_of_expression_array(self) -> None:
        if self.next() is not Tok.END_ARRAY:
            raise self.fail("Too many elements in numeric expression")

    def complete_range(self, token: Tok | None, bottom: str, open_bottom: bool) -> Cond:
        if token is not Tok.STRING:
            raise self.fail(f"Bad value in numeric range: {self.token_text(token)}")
        operator = self.tokens.text_value()
        if operator not in ("<", "<="):
            raise self.fail(f"Bad numeric range operator: {operator}")
        if self.next() not in NUMERIC:
            raise self.fail(f"Value of {operator} must be numeric")
        top = self.tokens.text_value()
        if self.next() is not Tok.END_ARRAY:
            raise self.fail("Too many terms in numeric range expression")
        return numeric_range(bottom, open_bottom, top, operator == "<")

    # -- anything-but ------------------------------------------------------------------
    def anything_but(self) -> Cond:
        kind = "ab"
        token = self.next()
        if token is Tok.START_OBJECT:
            if self.next() is not Tok.FIELD_NAME:
                raise self.fail("Anything-But expression name not found")
            inner = self.tokens.name
            kind = _ANYTHING_BUT_KINDS.get(inner, "")
            if not kind:
                raise self.fail(f"Unsupported anything-but pattern: {inner}")
            token = self.next()
        if token not in (Tok.START_ARRAY, Tok.STRING, *NUMERIC):
            raise self.fail("Value of anything-but must be an array or single string/number value.")
        if token is Tok.START_ARRAY:
            condition = self.anything_but_list() if kind == "ab" else self.anything_but_set(kind)
        elif kind == "ab":
            condition = self.anything_but_single(token)
        else:
            condition = self.anything_but_set_single(kind, token)
        self.end_of_expression("Too many elements in numeric expression")
        if kind != "ab":
            self.end_of_expression("Too many elements in numeric expression")
        return condition

    def twice(self, message: str) -> InvalidPattern:
        """An error raised inside a list scan: AWS re-wraps it, so the position shows twice."""
        first = self.fail(message)
        return self.fail(first.reason)

    def anything_but_list(self) -> Cond:
        strings: set[str] = set()
        numbers: set[int] = set()
        while (token := self.next()) is not Tok.END_ARRAY:
            if token is Tok.STRING:
                strings.add(self.tokens.text_value())
            elif token in NUMERIC:
                try:
                    numbers.add(comparable(self.tokens.text_value()))
                except NumberError as error:
                    raise self.fail(str(error)) from None
            else:
                raise self.twice("Inside anything but list, start|null|boolean is not supported.")
        if bool(strings) == bool(numbers):
            raise self.fail(
                "Inside anything but list, either all values are number or string, mixed type"
                " is not supported"
            )
        return Cond("ab", frozenset(strings), frozenset(numbers))

    def anything_but_single(self, token: Tok) -> Cond:
        text = self.tokens.text_value()
        if token is Tok.STRING:
            return Cond("ab", frozenset((text,)), frozenset())
        try:
            return Cond("ab", frozenset(), frozenset((comparable(text),)))
        except NumberError as error:  # AWS reports this one without a position
            raise InvalidPattern(str(error)) from None

    def anything_but_set(self, kind: str) -> Cond:
        values: list[str] = []
        while (token := self.next()) is not Tok.END_ARRAY:
            if token is not Tok.STRING:
                raise self.twice(_SET_TYPE_MESSAGES[kind])
            text = self.tokens.text_value()
            if kind in ("ab_prefix", "ab_suffix") and not text:
                raise self.twice("Null prefix/suffix not allowed")
            values.append(text)
        return self.set_condition(kind, values)

    def anything_but_set_single(self, kind: str, token: Tok) -> Cond:
        if token is not Tok.STRING:
            raise self.fail(_SET_TYPE_MESSAGES[kind])
        text = self.tokens.text_value()
        if kind in ("ab_prefix", "ab_suffix") and not text:
            raise self.fail("Null prefix/suffix not allowed")
        return self.set_condition(kind, [text])

    def set_condition(self, kind: str, values: list[str]) -> Cond:
        if kind == "ab_wildcard":
            compiled = [self.wildcard_regex(v) for v in values]
            return Cond(
                kind, tuple(r for r, _ in compiled), None, None, sum(n for _, n in compiled)
            )
        if kind == "ab_ic":
            return Cond(kind, frozenset(v.lower() for v in values))
        return Cond(kind, tuple(values))

    _HANDLERS: dict[str, Callable[[_Compiler], Cond]] = {
        "exactly": exactly,
        "prefix": prefix,
        "suffix": suffix,
        "numeric": numeric,
        "anything-but": anything_but,
        "exists": exists,
        "cidr": cidr,
        "equals-ignore-case": equals_ignore_case,
        "wildcard": wildcard,
    }


_ANYTHING_BUT_KINDS = {
    "equals-ignore-case": "ab_ic",
    "prefix": "ab_prefix",
    "suffix": "ab_suffix",
    "wildcard": "ab_wildcard",
}
_SET_TYPE_MESSAGES = {
    "ab_ic": "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not"
    " supported.",
    "ab_wildcard": "wildcard match pattern must be a string",
    "ab_prefix": "prefix/suffix match pattern must be a string",
    "ab_suffix": "prefix/suffix match pattern must be a string",
}
