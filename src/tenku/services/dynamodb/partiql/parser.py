"""The PartiQL parser for DynamoDB's statement forms: SELECT (projection, FROM table or
"table"."index", WHERE, ORDER BY), INSERT INTO ... VALUE {...}, UPDATE ... SET/REMOVE
... WHERE ... [RETURNING], DELETE FROM ... WHERE ... [RETURNING], with literals
('strings', numbers, booleans, NULL, {maps}, [lists], <<sets>>) and positional `?`
parameters bound to the request's Parameters.

Must not: look up tables or decide which keys a statement needs (see `statements.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenku.services.dynamodb import values
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.expressions.ast import (
    And,
    Arith,
    AttributeValue,
    Between,
    Call,
    Compare,
    Cond,
    Function,
    In,
    Item,
    Not,
    Operand,
    Or,
    Path,
    PathElement,
    Value,
)
from tenku.services.dynamodb.expressions.rules import CONDITION_FUNCTIONS, UpdateAction

from .lexer import Token, malformed, tokenize
from .statements import Delete, Insert, Select, Statement, Update

PARAMETER_COUNT = "Number of parameters in request and statement don't match."
_COMPARATORS = ("=", "<>", "!=", "<", "<=", ">", ">=")
_SET_FUNCTIONS = {"list_append": 2, "if_not_exists": 2, "set_add": 2, "set_delete": 2}
_MISSING = Value("MISSING", None)


def parse(statement: str, parameters: Sequence[Any] | None = None) -> Statement:
    """One statement with its parameters bound; raises DynamoDB's ValidationExceptions."""
    parser = _Parser(tokenize(statement), list(parameters or []))
    result = parser.statement()
    if parser.used != len(parser.parameters):
        raise validation(PARAMETER_COUNT)
    return result


class _Parser:
    def __init__(self, tokens: list[Token], parameters: list[Any]) -> None:
        self.tokens = tokens
        self.at = 0
        self.parameters = parameters
        self.used = 0

    # -- token helpers -----------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def advance(self) -> Token:
        token = self.tokens[self.at]
        if token.kind != "EOF":
            self.at += 1
        return token

    def unexpected(self) -> Exception:
        token = self.token
        if token.kind == "KEYWORD":
            return malformed("Unexpected keyword")
        if token.kind == "EOF":
            return malformed("Unexpected end of input")
        return malformed("Unexpected token")

    def keyword(self, *words: str) -> bool:
        if self.token.is_keyword(*words):
            self.advance()
            return True
        return False

    def punct(self, *marks: str) -> bool:
        if self.token.is_punct(*marks):
            self.advance()
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.unexpected()

    def expect_punct(self, mark: str) -> None:
        if not self.punct(mark):
            raise self.unexpected()

    def word(self, *words: str) -> bool:
        """A contextual word (not reserved): NEW, OLD, MODIFIED."""
        token = self.token
        if token.kind == "IDENT" and token.text.upper() in words:
            self.advance()
            return True
        return False

    # -- statements --------------------------------------------------------------------
    def statement(self) -> Statement:
        token = self.token
        result: Statement
        if token.is_keyword("SELECT"):
            result = self.select()
        elif token.is_keyword("INSERT"):
            result = self.insert()
        elif token.is_keyword("UPDATE"):
            result = self.update()
        elif token.is_keyword("DELETE"):
            result = self.delete()
        else:
            raise malformed("Expected data manipulation")
        self.punct(";")
        if self.token.kind != "EOF":
            raise self.unexpected()
        return result

    def source(self) -> tuple[str, str | None]:
        """FROM's `table` or `"table"."index"`."""
        parts = [self.name()]
        while self.punct("."):
            parts.append(self.name())
        if any(part == "" for part in parts):
            raise validation("Path component cannot be an empty string")
        if len(parts) > 2:
            raise validation("A path may contain at most 2 components in the FROM clause")
        return parts[0], parts[1] if len(parts) > 1 else None

    def name(self) -> str:
        token = self.token
        if token.kind in ("IDENT", "QIDENT"):
            self.advance()
            return token.text
        raise self.unexpected()

    def select(self) -> Select:
        self.expect_keyword("SELECT")
        projection: list[Path] | None = []
        star = False
        while True:
            if self.punct("*"):
                star = True
            else:
                assert projection is not None
                projection.append(self.path())
            if not self.punct(","):
                break
        if star:
            if projection:
                raise validation(
                    "Other attributes should not be present in the projection when '*' is used."
                )
            projection = None
        self.expect_keyword("FROM")
        table, index = self.source()
        where = self.condition() if self.keyword("WHERE") else None
        order: list[tuple[str, bool]] = []
        if self.keyword("ORDER"):
            self.expect_keyword("BY")
            while True:
                name = self.name()
                descending = False
                if self.keyword("DESC"):
                    descending = True
                else:
                    self.keyword("ASC")
                order.append((name, descending))
                if not self.punct(","):
                    break
        return Select(table, index, projection, where, order)

    def insert(self) -> Insert:
        self.expect_keyword("INSERT")
        self.expect_keyword("INTO")
        table, index = self.source()
        if index is not None:
            raise validation(
                "FROM clause may only contain a single table name in data manipulation statements"
            )
        if self.token.is_keyword("VALUES"):
            raise validation(
                "Unsupported operation: Inserting multiple items in a single statement is not "
                'supported, use "INSERT INTO tableName VALUE item" instead'
            )
        self.expect_keyword("VALUE")
        if not self.token.is_punct("{"):
            raise validation(
                "Unsupported format in item expression. Please use struct format {...} to "
                "express item values for insert statement."
            )
        item = self.literal()
        if self.token.is_keyword("RETURNING"):
            raise validation("RETURNING is not supported in INSERT")
        return Insert(table, item["M"])

    def target(self) -> str:
        table, index = self.source()
        if index is not None:
            raise validation("This operation is not supported on an index")
        return table

    def update(self) -> Update:
        self.expect_keyword("UPDATE")
        table = self.target()
        actions: list[UpdateAction] = []
        while True:
            if self.keyword("SET"):
                actions.append(self.assignment())
                while self.punct(","):
                    actions.append(self.assignment())
            elif self.keyword("REMOVE"):
                actions.append(UpdateAction("REMOVE", self.path()))
                while self.punct(","):
                    actions.append(UpdateAction("REMOVE", self.path()))
            else:
                break
        if not actions:
            raise self.unexpected()
        where = self.condition() if self.keyword("WHERE") else None
        return Update(table, actions, where, self.returning())

    def assignment(self) -> UpdateAction:
        path = self.path()
        self.expect_punct("=")
        value = self.set_value()
        if isinstance(value, Call) and value.name in ("set_add", "set_delete"):
            first, second = value.args
            if not isinstance(first, Path) or first != path:
                raise validation(
                    f"The first argument to {value.name.upper()} must equal the assignment value"
                )
            if (
                not isinstance(second, Value)
                or second.value is None
                or not any(k in second.value for k in ("SS", "NS", "BS"))
            ):
                raise validation(
                    f"The second argument to {value.name.upper()} must be a value with type SET"
                )
            return UpdateAction("ADD" if value.name == "set_add" else "DELETE", path, second)
        return UpdateAction("SET", path, value)

    def set_value(self) -> Operand:
        node = self.set_term()
        while self.token.is_punct("+", "-"):
            op = self.advance().text
            node = Arith(op, node, self.set_term())
        return node

    def set_term(self) -> Operand:
        token = self.token
        name = token.text.lower()
        if token.kind == "IDENT" and name in _SET_FUNCTIONS and self._call_follows():
            return self.call(name, _SET_FUNCTIONS[name], self.set_value)
        if token.kind in ("IDENT", "QIDENT"):
            return self.path()
        return self.value()

    def delete(self) -> Delete:
        self.expect_keyword("DELETE")
        self.expect_keyword("FROM")
        table = self.target()
        where = self.condition() if self.keyword("WHERE") else None
        returning = self.returning()
        if returning is not None and returning != "ALL OLD":
            raise validation(
                f"Invalid returning clause: RETURNING {returning} *. Only RETURNING ALL OLD * "
                "is allowed in DELETE statements."
            )
        return Delete(table, where, returning)

    def returning(self) -> str | None:
        if not self.keyword("RETURNING"):
            return None
        scope = "ALL" if self.keyword("ALL") else "MODIFIED" if self.word("MODIFIED") else None
        side = "NEW" if self.word("NEW") else "OLD" if self.word("OLD") else None
        if scope is None or side is None:
            raise self.unexpected()
        if not self.punct("*"):
            raise validation(
                "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"
            )
        return f"{scope} {side}"

    # -- conditions ------------------------------------------------------------------
    def condition(self) -> Cond:
        node = self.conjunction()
        while self.keyword("OR"):
            node = Or(node, self.conjunction())
        return node

    def conjunction(self) -> Cond:
        node = self.negation()
        while self.keyword("AND"):
            node = And(node, self.negation())
        return node

    def negation(self) -> Cond:
        if self.keyword("NOT"):
            return Not(self.negation())
        return self.predicate()

    def predicate(self) -> Cond:
        token = self.token
        if token.is_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        name = token.text.lower()
        if token.kind == "IDENT" and name in CONDITION_FUNCTIONS and self._call_follows():
            call = self.call(name, CONDITION_FUNCTIONS[name], self.operand)
            if not isinstance(call.args[0], Path):
                raise validation(f"Unsupported operation: {name} needs a path first")
            return Function(name, call.args)
        left = self.operand()
        if self.token.is_punct(*_COMPARATORS):
            op = self.advance().text
            right = self.operand()
            if left is _MISSING or right is _MISSING:
                raise validation("MISSING must be compared using IS operator")
            return Compare("<>" if op == "!=" else op, left, right)
        if self.keyword("BETWEEN"):
            low = self.operand()
            self.expect_keyword("AND")
            return Between(left, low, self.operand())
        negated = self.keyword("NOT")
        if self.keyword("IN"):
            node: Cond = self.membership(left)
            return Not(node) if negated else node
        if negated:
            raise self.unexpected()
        if self.keyword("IS"):
            negated = self.keyword("NOT")
            if not isinstance(left, Path):
                raise validation(
                    "The left hand side argument to IS must be a Variable Reference, Literal, "
                    "or Path"
                )
            if self.keyword("MISSING"):
                return Function("attribute_exists" if negated else "attribute_not_exists", (left,))
            if self.keyword("NULL"):
                check: Cond = Function("attribute_type", (left, Value("NULL", {"S": "NULL"})))
                return Not(check) if negated else check
            raise self.unexpected()
        raise validation("WHERE clause must contain an expression that resolves to a boolean")

    def membership(self, operand: Operand) -> In:
        closing = "]" if self.punct("[") else ")" if self.punct("(") else None
        if closing is None or not isinstance(operand, Path):
            raise validation(
                "IN operator must have a left hand argument of type Variable Reference and "
                "right hand argument of type Seq with at least one member"
            )
        options = [self.operand()]
        while self.punct(","):
            options.append(self.operand())
        self.expect_punct(closing)
        return In(operand, tuple(options))

    def operand(self) -> Operand:
        token = self.token
        if token.kind == "IDENT" and token.text.lower() == "size" and self._call_follows():
            return self.call("size", 1, self.operand)
        if token.kind in ("IDENT", "QIDENT"):
            return self.path()
        if token.is_keyword("MISSING"):
            self.advance()
            return _MISSING
        return self.value()

    def _call_follows(self) -> bool:
        return self.tokens[self.at + 1].is_punct("(")

    def call(self, name: str, arity: int, argument: Any) -> Call:
        self.advance()
        self.expect_punct("(")
        args = [argument()]
        while self.punct(","):
            args.append(argument())
        self.expect_punct(")")
        if len(args) != arity:
            raise validation(f"Unsupported operation: {name} takes {arity} argument(s)")
        return Call(name, tuple(args))

    def path(self) -> Path:
        elements: list[PathElement] = [self.name()]
        while True:
            if self.token.is_punct(".") and self.tokens[self.at + 1].kind in ("IDENT", "QIDENT"):
                self.advance()
                elements.append(self.name())
            elif self.punct("["):
                token = self.advance()
                if token.kind != "NUMBER" or not token.text.isdigit():
                    raise validation("Unexpected path component")
                elements.append(int(token.text))
                self.expect_punct("]")
            else:
                return Path(tuple(elements))

    # -- literals ----------------------------------------------------------------------
    def value(self) -> Value:
        token = self.token
        return Value(token.text or "?", self.literal())

    def literal(self) -> AttributeValue:
        token = self.advance()
        if token.is_punct("?"):
            if self.used < len(self.parameters):
                bound = values.normalize_value(self.parameters[self.used])
            else:
                bound = {"NULL": True}  # too few parameters: refused once parsed
            self.used += 1
            return bound
        if token.kind == "STRING":
            return {"S": token.text}
        if token.kind == "NUMBER" or token.is_punct("-", "+"):
            return {"N": self.number(token)}
        if token.is_keyword("TRUE", "FALSE"):
            return {"BOOL": token.text == "TRUE"}
        if token.is_keyword("NULL"):
            return {"NULL": True}
        if token.is_punct("{"):
            return {"M": self.struct()}
        if token.is_punct("["):
            items: list[AttributeValue] = []
            if not self.punct("]"):
                items.append(self.literal())
                while self.punct(","):
                    items.append(self.literal())
                self.expect_punct("]")
            return {"L": items}
        if token.is_punct("<<"):
            return self.bag()
        self.at -= 1 if token.kind != "EOF" else 0
        raise self.unexpected()

    def number(self, token: Token) -> str:
        text = token.text
        if token.kind == "PUNCT":
            following = self.advance()
            if following.kind != "NUMBER":
                self.at -= 1
                raise self.unexpected()
            text = (token.text if token.text == "-" else "") + following.text
        return values.normalize_number(text)

    def struct(self) -> Item:
        members: Item = {}
        if self.punct("}"):
            return members
        while True:
            key = self.advance()
            if key.kind != "STRING":
                raise validation(f"Tuple keys must be of type String. Actual type: {key.kind}")
            self.expect_punct(":")
            if key.text in members:
                raise validation(f"Duplicate keys in tuple. Key: {key.text}")
            members[key.text] = self.literal()
            if not self.punct(","):
                break
        self.expect_punct("}")
        return members

    def bag(self) -> AttributeValue:
        elements: list[AttributeValue] = []
        if not self.punct(">>"):
            elements.append(self.literal())
            while self.punct(","):
                elements.append(self.literal())
            self.expect_punct(">>")
        if not elements:
            raise validation("Empty bags are not supported")
        kinds = {values.type_of(e) for e in elements}
        if kinds == {"S"}:
            return values.normalize_value({"SS": [e["S"] for e in elements]})
        if kinds == {"N"}:
            return values.normalize_value({"NS": [e["N"] for e in elements]})
        if kinds == {"B"}:
            return values.normalize_value({"BS": [e["B"] for e in elements]})
        raise validation(
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"
        )
