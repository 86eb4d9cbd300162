"""PartiQL tokens: keywords (case-insensitive), bare and "quoted" identifiers,
'string' literals with '' escaping, numbers, `?` parameters and punctuation
(including `<<` and `>>` around bag literals).

Must not: know the grammar (see `parser.py`) or any table.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.errors import validation

KEYWORDS = frozenset(
    {
        "ALL", "AND", "ASC", "BETWEEN", "BY", "DELETE", "DESC", "EXISTS", "FALSE", "FROM",
        "IN", "INSERT", "INTO", "IS", "MISSING", "NOT", "NULL", "OR", "ORDER", "REMOVE",
        "RETURNING", "SELECT", "SET", "TRUE", "UPDATE", "VALUE", "VALUES", "WHERE",
    }
)  # fmt: skip
_PUNCTUATION = ("<<", ">>", "<>", "!=", "<=", ">=", "=", "<", ">", ",", ".", "[", "]", "{", "}",
                "(", ")", ":", "*", "?", "+", "-", ";")  # fmt: skip
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_WORD = _WORD_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")


def malformed(detail: str) -> ServiceError:
    """DynamoDB's answer to a statement its parser rejects."""
    return validation(f"Statement wasn't well formed, can't be processed: {detail}")


@dataclass(frozen=True)
class Token:
    """kind: KEYWORD, IDENT (bare), QIDENT ("quoted"), STRING, NUMBER, PUNCT or EOF."""

    kind: str
    text: str
    position: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "KEYWORD" and self.text in words

    def is_punct(self, *marks: str) -> bool:
        return self.kind == "PUNCT" and self.text in marks


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, end = 0, len(source)
    while i < end:
        char = source[i]
        if char.isspace():
            i += 1
        elif source.startswith("--", i):
            while i < end and source[i] != "\n":
                i += 1
        elif char in ("'", '"'):
            text, i2 = _quoted(source, i, char)
            tokens.append(Token("STRING" if char == "'" else "QIDENT", text, i))
            i = i2
        elif char in _DIGITS or (char == "." and i + 1 < end and source[i + 1] in _DIGITS):
            j = i
            while j < end and source[j] in _DIGITS:
                j += 1
            if j < end and source[j] == "." and not source.startswith("..", j):
                j += 1
                while j < end and source[j] in _DIGITS:
                    j += 1
            if j < end and source[j] in "eE":
                k = j + 1
                if k < end and source[k] in "+-":
                    k += 1
                if k < end and source[k] in _DIGITS:
                    j = k
                    while j < end and source[j] in _DIGITS:
                        j += 1
            tokens.append(Token("NUMBER", source[i:j], i))
            i = j
        elif char in _WORD_START:
            j = i
            while j < end and source[j] in _WORD:
                j += 1
            word = source[i:j]
            upper = word.upper()
            if upper in KEYWORDS:
                tokens.append(Token("KEYWORD", upper, i))
            else:
                tokens.append(Token("IDENT", word, i))
            i = j
        else:
            mark = next((p for p in _PUNCTUATION if source.startswith(p, i)), None)
            if mark is None:
                raise malformed("Unexpected token")
            tokens.append(Token("PUNCT", mark, i))
            i += len(mark)
    tokens.append(Token("EOF", "", end))
    return tokens


def _quoted(source: str, start: int, quote: str) -> tuple[str, int]:
    """The text of a quoted literal starting at `start` (a doubled quote escapes it)."""
    parts: list[str] = []
    i = start + 1
    while True:
        j = source.find(quote, i)
        if j < 0:
            raise malformed("Unexpected token")
        parts.append(source[i:j])
        if source.startswith(quote * 2, j):
            parts.append(quote)
            i = j + 2
            continue
        return "".join(parts), j + 1
