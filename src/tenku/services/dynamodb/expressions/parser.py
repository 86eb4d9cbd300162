"""The recursive-descent parser for every expression kind, with DynamoDB's parse-time
validation: syntax errors, reserved words, undefined placeholders, function misuse,
operand counts and types, BETWEEN/IN limits, and overlapping or conflicting paths.

Syntax errors are raised at once; every other error is collected (first one of each
category) and the most important category is raised after the whole expression parsed,
as DynamoDB reports one error even when an expression has several."""

from __future__ import annotations

from typing import NoReturn

from tenku.services.dynamodb import values as _values
from tenku.services.dynamodb.errors import validation

from .ast import (
    And,
    Arith,
    Between,
    Call,
    Compare,
    Cond,
    Function,
    In,
    Not,
    Operand,
    Or,
    Path,
    PathElement,
    Value,
)
from .names import ExpressionContext, describe
from .paths import clash_message, find_path_clash
from .reserved import is_reserved
from .rules import (
    COMPARATORS,
    CONDITION_FUNCTIONS,
    LONG_TYPE_NAMES,
    SET_TYPES,
    SIZED_TYPES,
    UPDATE_FUNCTIONS,
    VALID_TYPES,
    UpdateAction,
    static_type,
)
from .tokenizer import (
    EOF,
    IDENT,
    KEYWORD,
    NAME,
    NUMBER,
    VALUE,
    Token,
    check_size,
    syntax_error,
    tokenize,
)

MAX_IN_OPERANDS = 100
MAX_PATH_DEPTH = 32
MAX_NESTING = 100  # parentheses, NOTs and function calls inside one another
MAX_OPERATORS = 300  # AND OR NOT, comparators, BETWEEN, IN, + -, and function calls

# Which collected error DynamoDB reports when an expression has several.
ERROR_ORDER = (
    "reserved",
    "parens",
    "function_name",
    "section",
    "attr_name",
    "attr_value",
    "depth",
    "overlap",
    "conflict",
    "action_type",
    "function_use",
    "operand_count",
    "path_required",
    "operand_type",
    "type_name",
    "distinct",
    "between",
    "in_count",
)


class Parser:
    """Parses one expression of kind `kind` (the name used in messages, e.g.
    "ConditionExpression"), resolving placeholders through `context`."""

    def __init__(self, expression: str, kind: str, context: ExpressionContext) -> None:
        check_size(kind, expression)
        self.expression = expression
        self.kind = kind
        self.context = context
        self.tokens = tokenize(expression)
        self.pos = 0
        self.errors: dict[str, str] = {}
        self._grouped: set[int] = set()
        self._depth = 0
        self._operators = 0

    # -- token helpers -------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != EOF:
            self.pos += 1
        return token

    def fail(self) -> NoReturn:
        raise syntax_error(self.kind, self.expression, self.tokens, self.pos)

    def expect_punct(self, text: str) -> None:
        if not self.peek().is_punct(text):
            self.fail()
        self.advance()

    def expect_end(self) -> None:
        if self.peek().kind != EOF:
            self.fail()

    def nest(self) -> None:
        """Enter one nesting level (a parenthesis, NOT or function call); call `unnest`
        when leaving it. Deep nesting is refused before it exhausts the stack."""
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise validation(
                f"Invalid {self.kind}: The expression has too many nesting levels; "
                f"nesting levels: {self._depth}"
            )

    def operator(self) -> None:
        """Count one operator or function against DynamoDB's limit of 300."""
        self._operators += 1
        if self._operators > MAX_OPERATORS:
            raise validation(
                f"Invalid {self.kind}: The expression contains too many operators; "
                f"operator count: {self._operators}"
            )

    def unnest(self) -> None:
        self._depth -= 1

    def error(self, category: str, message: str) -> None:
        self.errors.setdefault(category, message)

    def raise_errors(self) -> None:
        for category in ERROR_ORDER:
            if category in self.errors:
                raise validation(f"Invalid {self.kind}: {self.errors[category]}")

    # -- paths and operands --------------------------------------------------------

    def parse_path(self) -> Path:
        elements: list[PathElement] = [self._path_name()]
        while True:
            token = self.peek()
            if token.is_punct("."):
                self.advance()
                elements.append(self._path_name())
            elif token.is_punct("["):
                self.advance()
                if self.peek().kind != NUMBER:
                    self.fail()
                elements.append(int(self.advance().text))
                self.expect_punct("]")
            else:
                break
        if len(elements) > MAX_PATH_DEPTH:
            self.error(
                "depth",
                f"The document path has too many nesting levels; nesting levels: {len(elements)}",
            )
        return Path(tuple(elements))

    def _path_name(self) -> str:
        token = self.peek()
        if token.kind == IDENT:
            self.advance()
            if is_reserved(token.text):
                self.error(
                    "reserved",
                    f"Attribute name is a reserved keyword; reserved keyword: {token.text}",
                )
            return token.text
        if token.kind == NAME:
            self.advance()
            resolved = self.context.name(token.text)
            if resolved is None:
                self.error(
                    "attr_name",
                    "An expression attribute name used in the document path is not defined; "
                    f"attribute name: {token.text}",
                )
                return token.text
            return resolved
        self.fail()

    def parse_operand(self) -> Operand:
        token = self.peek()
        if token.kind == VALUE:
            self.advance()
            value = self.context.value(token.text)
            if value is None:
                self.error(
                    "attr_value",
                    "An expression attribute value used in expression is not defined; "
                    f"attribute value: {token.text}",
                )
            return Value(token.text, value)
        if token.kind == IDENT and self.peek(1).is_punct("("):
            name = self.advance().text
            self.advance()
            self.operator()
            self.nest()
            args = [self.parse_operand()]
            while self.peek().is_punct(","):
                self.advance()
                args.append(self.parse_operand())
            self.expect_punct(")")
            self.unnest()
            return Call(name, tuple(args))
        return self.parse_path()

    def _operand_count(self, call: Call, expected: int) -> bool:
        if len(call.args) != expected:
            self.error(
                "operand_count",
                "Incorrect number of operands for operator or function; operator or function: "
                f"{call.name}, number of operands: {len(call.args)}",
            )
            return False
        return True

    def _operand_type(self, function: str, type_name: str) -> None:
        self.error(
            "operand_type",
            "Incorrect operand type for operator or function; operator or function: "
            f"{function}, operand type: {type_name}",
        )

    def _distinct(self, operator: str, first: Operand, rest: list[Operand]) -> None:
        if isinstance(first, Path) and any(r == first for r in rest):
            self.error(
                "distinct",
                "The first operand must be distinct from the remaining operands for this "
                f"operator or function; operator: {operator}, first operand: {first}",
            )

    # -- conditions ----------------------------------------------------------------

    def parse_condition(self) -> Cond:
        node = self._parse_or()
        self.expect_end()
        self.raise_errors()
        return node

    def _parse_or(self) -> Cond:
        node = self._parse_and()
        while self.peek().is_keyword("OR"):
            self.advance()
            self.operator()
            node = Or(node, self._parse_and())
        return node

    def _parse_and(self) -> Cond:
        node = self._parse_not()
        while self.peek().is_keyword("AND"):
            self.advance()
            self.operator()
            node = And(node, self._parse_not())
        return node

    def _parse_not(self) -> Cond:
        if self.peek().is_keyword("NOT"):
            self.advance()
            self.operator()
            self.nest()
            operand = self._parse_not()
            self.unnest()
            return Not(operand)
        return self._parse_primary()

    def _parse_primary(self) -> Cond:
        if self.peek().is_punct("("):
            self.advance()
            self.nest()
            inner = self._parse_or()
            self.expect_punct(")")
            self.unnest()
            if id(inner) in self._grouped:
                self.error("parens", "The expression has redundant parentheses;")
            self._grouped.add(id(inner))
            return inner
        left = self.parse_operand()
        token = self.peek()
        if token.kind == "PUNCT" and token.text in COMPARATORS:
            self.advance()
            self.operator()
            right = self.parse_operand()
            self.check_condition_operand(left)
            self.check_condition_operand(right)
            self._distinct(token.text, left, [right])
            return Compare(token.text, left, right)
        if token.is_keyword("BETWEEN"):
            self.advance()
            self.operator()
            low = self.parse_operand()
            if not self.peek().is_keyword("AND"):
                self.fail()
            self.advance()
            high = self.parse_operand()
            for operand in (left, low, high):
                self.check_condition_operand(operand)
            self._distinct("BETWEEN", left, [low, high])
            self._check_bounds(low, high)
            return Between(left, low, high)
        if token.is_keyword("IN"):
            self.advance()
            self.operator()
            self.expect_punct("(")
            options = [self.parse_operand()]
            while self.peek().is_punct(","):
                self.advance()
                options.append(self.parse_operand())
            self.expect_punct(")")
            for operand in (left, *options):
                self.check_condition_operand(operand)
            if len(options) > MAX_IN_OPERANDS:
                self.error(
                    "in_count",
                    "The IN operator is provided with too many operands; "
                    f"number of operands: {len(options)}",
                )
            self._distinct("IN", left, options)
            return In(left, tuple(options))
        if isinstance(left, Call):
            return self._condition_function(left)
        self.fail()

    def _check_bounds(self, low: Operand, high: Operand) -> None:
        if not (isinstance(low, Value) and isinstance(high, Value)):
            return
        if low.value is None or high.value is None:
            return
        if _values.type_of(low.value) != _values.type_of(high.value):
            self.error(
                "between",
                "The BETWEEN operator requires same data type for lower and upper bounds; "
                f"lower bound operand: {describe(low.value)}, "
                f"upper bound operand: {describe(high.value)}",
            )
            return
        order = _values.compare(low.value, high.value)
        if order is not None and order > 0:
            self.error(
                "between",
                "The BETWEEN operator requires upper bound to be greater than or equal to "
                f"lower bound; lower bound operand: {describe(low.value)}, "
                f"upper bound operand: {describe(high.value)}",
            )

    def check_condition_operand(self, operand: Operand) -> None:
        """Validate a comparison operand: only size() may be a function there."""
        if not isinstance(operand, Call):
            return
        if operand.name == "size":
            if not self._operand_count(operand, 1):
                return
            (arg,) = operand.args
            self.check_condition_operand(arg)
            type_name = static_type(arg)
            if type_name is not None and type_name not in SIZED_TYPES:
                self._operand_type("size", type_name)
        elif operand.name in CONDITION_FUNCTIONS:
            self.error(
                "function_use",
                "The function is not allowed to be used this way in an expression; "
                f"function: {operand.name}",
            )
        elif operand.name in UPDATE_FUNCTIONS:
            self.error(
                "function_use",
                f"The function is not allowed in a condition expression; function: {operand.name}",
            )
        else:
            self.error("function_name", f"Invalid function name; function: {operand.name}")

    def _condition_function(self, call: Call) -> Cond:
        name = call.name
        if name not in CONDITION_FUNCTIONS:
            if name == "size":
                self.error(
                    "function_use",
                    "The function is not allowed to be used this way in an expression; "
                    "function: size",
                )
            else:
                self.check_condition_operand(call)
            return Function(name, call.args)
        for arg in call.args:
            self.check_condition_operand(arg)
        if not self._operand_count(call, CONDITION_FUNCTIONS[name]):
            return Function(name, call.args)
        first = call.args[0]
        if name in ("attribute_exists", "attribute_not_exists", "attribute_type") and not (
            isinstance(first, Path)
        ):
            self.error(
                "path_required",
                f"Operator or function requires a document path; operator or function: {name}",
            )
        if name == "attribute_type":
            second = call.args[1]
            type_name = static_type(second)
            if type_name is not None and type_name != "S":
                self._operand_type(name, type_name)
            elif isinstance(second, Value) and second.value is not None:
                wanted = second.value.get("S")
                if wanted not in VALID_TYPES:
                    self.error(
                        "type_name",
                        f"Invalid attribute type name found; type: {wanted}, "
                        f"valid types: {{{','.join(VALID_TYPES)}}}",
                    )
        elif name == "begins_with":
            for arg in call.args:
                type_name = static_type(arg)
                if type_name is not None and type_name not in ("S", "B"):
                    self._operand_type(name, type_name)
        elif name == "contains":
            self._distinct("contains", first, [call.args[1]])
        return Function(name, call.args)

    # -- update expressions --------------------------------------------------------

    def parse_update(self) -> list[UpdateAction]:
        actions: list[UpdateAction] = []
        seen: set[str] = set()
        while self.peek().kind != EOF:
            token = self.peek()
            clause = token.text.upper()
            if token.kind != KEYWORD or clause not in ("SET", "REMOVE", "ADD", "DELETE"):
                self.fail()
            self.advance()
            if clause in seen:
                self.error(
                    "section",
                    f'The "{clause}" section can only be used once in an update expression;',
                )
            seen.add(clause)
            while True:
                actions.append(self._update_action(clause))
                if not self.peek().is_punct(","):
                    break
                self.advance()
        clash = find_path_clash([a.path for a in actions])
        if clash is not None:
            self.error(clash[0], clash_message(clash))
        self.raise_errors()
        return actions

    def _update_action(self, clause: str) -> UpdateAction:
        path = self.parse_path()
        if clause == "REMOVE":
            return UpdateAction(clause, path)
        if clause == "SET":
            self.expect_punct("=")
            value = self.parse_operand()
            token = self.peek()
            if token.is_punct("+") or token.is_punct("-"):
                self.advance()
                self.operator()
                value = Arith(token.text, value, self.parse_operand())
            self.check_update_operand(value)
            return UpdateAction(clause, path, value)
        if self.peek().kind != VALUE:
            self.fail()
        operand = self.parse_operand()
        type_name = static_type(operand)
        allowed = SET_TYPES | {"N"} if clause == "ADD" else SET_TYPES
        if type_name is not None and type_name not in allowed:
            self.error(
                "action_type",
                "Incorrect operand type for operator or function; "
                f"operator: {clause}, operand type: {LONG_TYPE_NAMES.get(type_name, type_name)}, "
                # Sic: DELETE's message names the ADD type set too.
                "typeSet: ALLOWED_FOR_ADD_OPERAND",
            )
        return UpdateAction(clause, path, operand)

    def check_update_operand(self, operand: Operand) -> None:
        """Validate a SET value: arithmetic, if_not_exists and list_append only."""
        if isinstance(operand, Arith):
            for side in (operand.left, operand.right):
                self.check_update_operand(side)
            for side in (operand.left, operand.right):
                type_name = static_type(side)
                if type_name is not None and type_name != "N":
                    self._operand_type(operand.op, type_name)
            return
        if not isinstance(operand, Call):
            return
        name = operand.name
        if name in UPDATE_FUNCTIONS:
            for arg in operand.args:
                self.check_update_operand(arg)
            if not self._operand_count(operand, UPDATE_FUNCTIONS[name]):
                return
            if name == "if_not_exists" and not isinstance(operand.args[0], Path):
                self.error(
                    "path_required",
                    "Operator or function requires a document path; "
                    "operator or function: if_not_exists",
                )
            if name == "list_append":
                for arg in operand.args:
                    type_name = static_type(arg)
                    if type_name is not None and type_name != "L":
                        self._operand_type(name, type_name)
        elif name in CONDITION_FUNCTIONS or name == "size":
            self.error(
                "function_use",
                f"The function is not allowed in an update expression; function: {name}",
            )
        else:
            self.error("function_name", f"Invalid function name; function: {name}")

    # -- projection expressions ----------------------------------------------------

    def parse_projection(self) -> list[Path]:
        paths = [self.parse_path()]
        while self.peek().is_punct(","):
            self.advance()
            paths.append(self.parse_path())
        self.expect_end()
        clash = find_path_clash(paths)
        if clash is not None:
            self.error(clash[0], clash_message(clash))
        self.raise_errors()
        return paths
