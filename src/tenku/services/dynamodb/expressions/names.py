"""`ExpressionContext`: a request's ExpressionAttributeNames and ExpressionAttributeValues,
their validation, and the tracking of which ones the request's expressions used."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from tenku.services.dynamodb import values as _values
from tenku.services.dynamodb.errors import validation

from .ast import AttributeValue

_NAME_KEY = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_KEY = re.compile(r":[A-Za-z0-9_]+")


class ExpressionContext:
    """The placeholders of one request, shared by all of its expressions so that
    "unused in expressions" considers them together (`check_all_used`)."""

    def __init__(
        self,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, AttributeValue] | None = None,
    ) -> None:
        if names is not None:
            if not names:
                raise validation("ExpressionAttributeNames must not be empty")
            for key in names:
                if not _NAME_KEY.fullmatch(key):
                    raise validation(
                        f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"'
                    )
        if values is not None:
            if not values:
                raise validation("ExpressionAttributeValues must not be empty")
            for key in values:
                if not _VALUE_KEY.fullmatch(key):
                    raise validation(
                        "ExpressionAttributeValues contains invalid key: "
                        f'Syntax error; key: "{key}"'
                    )
            for key, value in values.items():
                _values.validate_value(value, path=key)
        self.names: dict[str, str] = dict(names or {})
        self.values: dict[str, AttributeValue] = dict(values or {})
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()

    def name(self, placeholder: str) -> str | None:
        """The attribute name `placeholder` stands for (marking it used), or None."""
        resolved = self.names.get(placeholder)
        if resolved is not None:
            self.used_names.add(placeholder)
        return resolved

    def value(self, placeholder: str) -> AttributeValue | None:
        """The attribute value `placeholder` stands for (marking it used), or None."""
        resolved = self.values.get(placeholder)
        if resolved is not None:
            self.used_values.add(placeholder)
        return resolved

    def check_all_used(self) -> None:
        """Raise DynamoDB's error if a provided name or value was used by no expression."""
        unused_names = [k for k in self.names if k not in self.used_names]
        if unused_names:
            raise validation(
                "Value provided in ExpressionAttributeNames unused in expressions: "
                f"keys: {{{', '.join(unused_names)}}}"
            )
        unused_values = [k for k in self.values if k not in self.used_values]
        if unused_values:
            raise validation(
                "Value provided in ExpressionAttributeValues unused in expressions: "
                f"keys: {{{', '.join(unused_values)}}}"
            )


def describe(value: Any) -> str:
    """DynamoDB's `AttributeValue: {N:1}` rendering of a value in messages."""
    if isinstance(value, dict) and len(value) == 1:
        ((type_name, inner),) = value.items()
        if isinstance(inner, bytes):
            inner = base64.b64encode(inner).decode("ascii")
        elif isinstance(inner, bool):
            inner = "true" if inner else "false"
        return f"AttributeValue: {{{type_name}:{inner}}}"
    return f"AttributeValue: {value}"
