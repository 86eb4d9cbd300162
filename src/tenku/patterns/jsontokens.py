"""A pull tokenizer for event-pattern JSON that reports positions as EventBridge does.

EventBridge parses patterns with a streaming JSON parser and puts the parser's position
in every `InvalidEventPatternException` ("... at [Source: (String)"..."; line: 1,
column: 18]"). That position is where the parser's read pointer stands after the token
just taken, which depends on how far the parser looks ahead: after a field name it has
consumed the colon and the first character of the value (for numbers and literals the
whole value, for strings only the opening quote until the text is asked for). This
module reproduces exactly that pointer, so that our messages carry the same line and
column as AWS's. It also words JSON syntax errors the way that parser does.
Must not: know about pattern semantics (patterns.py does).
"""

from __future__ import annotations

from enum import Enum

MAX_SOURCE_SNIPPET = 500


class Tok(Enum):
    START_OBJECT = "{"
    END_OBJECT = "}"
    START_ARRAY = "["
    END_ARRAY = "]"
    FIELD_NAME = "name"
    STRING = "string"
    NUMBER_INT = "int"
    NUMBER_FLOAT = "float"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"


NUMERIC = (Tok.NUMBER_INT, Tok.NUMBER_FLOAT)
_VALID_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_WHITESPACE = " \t\r\n"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class JsonSyntaxError(Exception):
    """A parse failure with the message and the pointer position to report."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def char_desc(ch: str) -> str:
    code = ord(ch)
    if code < 32:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{ch}' (code {code} / 0x{code:x})"
    return f"'{ch}' (code {code})"


def source_desc(text: str) -> str:
    if len(text) > MAX_SOURCE_SNIPPET:
        cut = len(text) - MAX_SOURCE_SNIPPET
        return f'(String)"{text[:MAX_SOURCE_SNIPPET]}"[truncated {cut} chars]'
    return f'(String)"{text}"'


def location(text: str, position: int) -> str:
    """`[Source: ...; line: L, column: C]` for a read pointer at `position`."""
    line = text.count("\n", 0, position) + 1
    row_start = text.rfind("\n", 0, position) + 1
    return f"[Source: {source_desc(text)}; line: {line}, column: {position - row_start + 1}]"


class _Context:
    __slots__ = ("count", "in_object", "start")

    def __init__(self, in_object: bool, start: int) -> None:
        self.in_object = in_object
        self.start = start  # position of the opening bracket, for end-of-input messages
        self.count = 0


class Tokenizer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0  # the read pointer, as the reference parser would hold it
        self.token: Tok | None = None
        self.name = ""  # current field name
        self._stack: list[_Context] = []
        self._pending: Tok | None = None  # the value already read after a field name
        self._value = ""
        self._string_end = -1  # where an unfinished string token's text ends

    # -- public -----------------------------------------------------------------------
    def next(self) -> Tok | None:
        if self.token is Tok.FIELD_NAME:
            self.token = self._pending
            return self.token
        if self._string_end >= 0:  # skip the rest of a string nobody asked for
            self.pos, self._string_end = self._string_end, -1
        ch = self._skip_ws()
        if ch is None:
            if self._stack:
                innermost = self._stack[-1]
                kind = "Object" if innermost.in_object else "Array"
                raise JsonSyntaxError(
                    f"Unexpected end-of-input: expected close marker for {kind} (start marker"
                    f" at {location(self.text, innermost.start)})",
                    self.pos,
                )
            self.token = None
            return None
        if ch in "]}":
            open_ctx = self._stack[-1] if self._stack else None
            if open_ctx is None or open_ctx.in_object != (ch == "}"):
                expected = "'}'" if open_ctx is not None and open_ctx.in_object else "']'"
                if open_ctx is None:
                    raise JsonSyntaxError(
                        f"Unexpected close marker '{ch}': expected {expected}", self.pos
                    )
                raise JsonSyntaxError(
                    f"Unexpected close marker '{ch}': expected {expected} (for"
                    f" {'Object' if open_ctx.in_object else 'Array'} starting at"
                    f" {location(self.text, open_ctx.start)})",
                    self.pos,
                )
            self._stack.pop()
            self.token = Tok.END_OBJECT if ch == "}" else Tok.END_ARRAY
            return self.token
        ctx = self._stack[-1] if self._stack else None
        if ctx is not None and ctx.count > 0:
            if ch != ",":
                kind = "Object" if ctx.in_object else "Array"
                raise JsonSyntaxError(
                    f"Unexpected character ({char_desc(ch)}): was expecting comma to separate"
                    f" {kind} entries",
                    self.pos,
                )
            ch = self._skip_ws()
            if ch is None:
                raise self._eof_in_value()
        if ctx is not None:
            ctx.count += 1
        if ctx is not None and ctx.in_object:
            if ch != '"':
                raise JsonSyntaxError(
                    f"Unexpected character ({char_desc(ch)}): was expecting double-quote to"
                    " start field name",
                    self.pos,
                )
            self.name = self._read_string(self.pos - 1)
            colon = self._skip_ws()
            if colon != ":":
                if colon is None:
                    raise self._eof_in_value()
                raise JsonSyntaxError(
                    f"Unexpected character ({char_desc(colon)}): was expecting a colon to"
                    " separate field name and value",
                    self.pos,
                )
            first = self._skip_ws()
            if first is None:
                raise self._eof_in_value()
            self._pending = self._value_token(first)
            self.token = Tok.FIELD_NAME
            return self.token
        self.token = self._value_token(ch)
        return self.token

    def text_value(self) -> str:
        """The current token's text; finishing a string moves the pointer past it."""
        if self._string_end >= 0:
            self.pos, self._string_end = self._string_end, -1
        return self._value

    # -- scanning ---------------------------------------------------------------------
    def _skip_ws(self) -> str | None:
        """The next non-blank character, consumed (None at the end of the text)."""
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= len(text):
            self.pos = pos
            return None
        self.pos = pos + 1
        return text[pos]

    def _eof_in_value(self) -> JsonSyntaxError:
        ctx = self._stack[-1]
        kind = "Object" if ctx.in_object else "Array"
        return JsonSyntaxError(f"Unexpected end-of-input within/between {kind} entries", self.pos)

    def _value_token(self, ch: str) -> Tok:
        """The token a value starting with `ch` (already consumed) makes."""
        start = self.pos - 1
        if ch == '"':
            value_start = self.pos
            self._value = self._read_string(start)
            self._string_end, self.pos = self.pos, value_start
            return Tok.STRING
        if ch == "{":
            self._stack.append(_Context(True, start))
            return Tok.START_OBJECT
        if ch == "[":
            self._stack.append(_Context(False, start))
            return Tok.START_ARRAY
        if ch == "-" or ch.isdigit():
            return self._read_number(start)
        for word, tok in (("true", Tok.TRUE), ("false", Tok.FALSE), ("null", Tok.NULL)):
            if self.text.startswith(word, start):
                end = start + len(word)
                if end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "_"):
                    break
                self.pos = end
                self._value = word
                return tok
        if ch in "]}":
            raise JsonSyntaxError(
                f"Unexpected character ({char_desc(ch)}): expected a value", self.pos
            )
        if ch.isalpha():
            end = start
            while end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "_$"):
                end += 1
            self.pos = end
            raise JsonSyntaxError(
                f"Unrecognized token '{self.text[start:end]}': was expecting {_VALID_VALUES}",
                self.pos,
            )
        raise JsonSyntaxError(
            f"Unexpected character ({char_desc(ch)}): expected a valid value {_VALID_VALUES}",
            self.pos,
        )

    def _read_string(self, quote: int) -> str:
        """Read the string whose opening quote is at `quote`; pointer ends after it."""
        text, pos, out = self.text, quote + 1, []
        while True:
            end = pos
            while end < len(text) and text[end] not in '"\\' and ord(text[end]) >= 32:
                end += 1
            out.append(text[pos:end])
            if end >= len(text):
                self.pos = end
                raise JsonSyntaxError(
                    "Unexpected end-of-input: was expecting closing quote for a string value",
                    end,
                )
            ch = text[end]
            if ch == '"':
                self.pos = end + 1
                return "".join(out)
            if ch != "\\":
                self.pos = end + 1
                raise JsonSyntaxError(
                    f"Illegal unquoted character ({char_desc(ch)}): has to be escaped using"
                    " backslash to be included in string value",
                    end + 1,
                )
            esc = text[end + 1 : end + 2]
            if esc == "u" and len(text) >= end + 6:
                digits = text[end + 2 : end + 6]
                try:
                    out.append(chr(int(digits, 16)))
                except ValueError:
                    raise JsonSyntaxError(
                        "Unexpected character: expected a hex-digit for character escape sequence",
                        end + 2,
                    ) from None
                pos = end + 6
            elif esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                pos = end + 2
            else:
                self.pos = end + 2
                raise JsonSyntaxError(
                    f"Unrecognized character escape {char_desc(esc or ' ')}", end + 2
                )

    def _read_number(self, start: int) -> Tok:
        text, pos = self.text, start
        if text[pos] == "-":
            pos += 1
        digits = pos
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        if pos == digits:
            self.pos = pos
            ch = text[pos] if pos < len(text) else " "
            raise JsonSyntaxError(
                f"Unexpected character ({char_desc(ch)}) in numeric value: expected digit"
                " (0-9) to follow minus sign, for valid numeric value",
                pos,
            )
        if text[digits] == "0" and pos - digits > 1:
            self.pos = pos
            raise JsonSyntaxError("Invalid numeric value: Leading zeroes not allowed", pos)
        kind = Tok.NUMBER_INT
        if pos < len(text) and text[pos] == ".":
            kind, pos = Tok.NUMBER_FLOAT, pos + 1
            frac = pos
            while pos < len(text) and text[pos].isdigit():
                pos += 1
            if pos == frac:
                self.pos = pos
                raise JsonSyntaxError(
                    "Unexpected character in numeric value: Decimal point not followed by a digit",
                    pos,
                )
        if pos < len(text) and text[pos] in "eE":
            kind, pos = Tok.NUMBER_FLOAT, pos + 1
            if pos < len(text) and text[pos] in "+-":
                pos += 1
            exp = pos
            while pos < len(text) and text[pos].isdigit():
                pos += 1
            if pos == exp:
                self.pos = pos
                raise JsonSyntaxError(
                    "Unexpected character in numeric value: Exponent indicator not followed by"
                    " a digit",
                    pos,
                )
        self.pos = pos
        self._value = text[start:pos]
        return kind
