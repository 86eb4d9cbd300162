"""The expression tokenizer: turns expression text into tokens (names, `#name`s,
`:value`s, numbers, keywords, punctuation) and formats DynamoDB's syntax errors."""

from __future__ import annotations

from dataclasses import dataclass

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.errors import validation

# Token kinds.
IDENT = "IDENT"
NAME = "NAME"  # #placeholder
VALUE = "VALUE"  # :placeholder
NUMBER = "NUMBER"
KEYWORD = "KEYWORD"
PUNCT = "PUNCT"
ERROR = "ERROR"
EOF = "EOF"

KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"})
MAX_EXPRESSION_BYTES = 4096

_PUNCT2 = ("<>", "<=", ">=")
_PUNCT1 = "=<>()[],.+-"
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    def is_punct(self, text: str) -> bool:
        return self.kind == PUNCT and self.text == text

    def is_keyword(self, word: str) -> bool:
        return self.kind == KEYWORD and self.text.upper() == word

    @property
    def display(self) -> str:
        return "<EOF>" if self.kind == EOF else self.text


def _is_word_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "_")


def tokenize(expression: str) -> list[Token]:
    """Split `expression`; the list always ends with an EOF token. Characters outside
    the grammar become ERROR tokens so the parser reports them where they occur."""
    tokens: list[Token] = []
    i, n = 0, len(expression)
    while i < n:
        c = expression[i]
        if c in _WHITESPACE:
            i += 1
            continue
        start = i
        if c in "#:":
            j = i + 1
            while j < n and _is_word_char(expression[j]):
                j += 1
            kind = (NAME if c == "#" else VALUE) if j > i + 1 else ERROR
            tokens.append(Token(kind, expression[i:j], start, j))
            i = j
        elif c.isascii() and c.isdigit():
            j = i + 1
            while j < n and expression[j].isascii() and expression[j].isdigit():
                j += 1
            tokens.append(Token(NUMBER, expression[i:j], start, j))
            i = j
        elif c.isascii() and (c.isalpha() or c == "_"):
            j = i + 1
            while j < n and _is_word_char(expression[j]):
                j += 1
            word = expression[i:j]
            tokens.append(Token(KEYWORD if word.upper() in KEYWORDS else IDENT, word, start, j))
            i = j
        elif expression[i : i + 2] in _PUNCT2:
            tokens.append(Token(PUNCT, expression[i : i + 2], start, i + 2))
            i += 2
        elif c in _PUNCT1:
            tokens.append(Token(PUNCT, c, start, i + 1))
            i += 1
        else:
            tokens.append(Token(ERROR, c, start, i + 1))
            i += 1
    tokens.append(Token(EOF, "", n, n))
    return tokens


def syntax_error(kind: str, expression: str, tokens: list[Token], index: int) -> ServiceError:
    """DynamoDB's syntax error for the token at `index`: the offending token, and the
    source text from the token before it to the token after it."""
    token = tokens[index]
    first = tokens[index - 1] if index > 0 else token
    last = first if token.kind == EOF else token
    if token.kind != EOF and index + 1 < len(tokens) and tokens[index + 1].kind != EOF:
        last = tokens[index + 1]
    near = expression[first.start : last.end]
    return validation(f'Invalid {kind}: Syntax error; token: "{token.display}", near: "{near}"')


def check_size(kind: str, expression: str) -> None:
    """The two checks before parsing: not empty, and at most 4 KB."""
    if not expression.strip():
        raise validation(f"Invalid {kind}: The expression can not be empty;")
    size = len(expression.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        raise validation(
            f"Invalid {kind}: Expression size has exceeded the maximum allowed size; "
            f"expression size: {size}"
        )
