"""How each service words its request-validation errors.

Owns: the per-service table of validation styles and the exact error codes and messages
of each style. "query" services (SQS, SNS, CloudWatch, S3) fail on the first problem
(`MissingParameter`, `InvalidParameterValue`); "coral" services (DynamoDB, Lambda, ...)
aggregate constraint violations into one `ValidationException`.
Must not: walk shapes (validate.py does) or know any wire format.

Sources: the coral wording ("1 validation error detected: Value null at 'tableName'
failed to satisfy constraint: Member must not be null", "Start of structure or map found
where not expected", "NUMBER_VALUE cannot be converted to String") is what DynamoDB and
Lambda return. Chosen without a source: the `InvalidParameterValue` wording for query
services, the S3 codes, the coral map-key path form `map.<key>`, and the empty message
of `UnknownOperationException` and of `SerializationException` for a non-JSON body.
"""

from __future__ import annotations

from typing import Any

from tenku.core.errors import ServiceError

_JSON_TOKEN = {str: "STRING_VALUE", int: "NUMBER_VALUE", float: "NUMBER_VALUE"}
_TYPE_NOUN = {
    "string": "String",
    "integer": "Integer",
    "long": "Long",
    "float": "Float",
    "double": "Double",
    "boolean": "Boolean",
    "blob": "Blob",
    "timestamp": "Date",
    "structure": "Structure",
    "list": "List",
    "map": "Map",
}


class ValidationStyle:
    """Error vocabulary of one service; `kind` is "query" or "coral".

    Styles are module-level singletons, so they hash by identity as cache keys.
    """

    __slots__ = ("invalid_code", "kind", "missing_code", "validation_code")

    def __init__(
        self,
        kind: str,
        validation_code: str = "ValidationException",
        missing_code: str = "MissingParameter",
        invalid_code: str = "InvalidParameterValue",
    ) -> None:
        self.kind = kind
        self.validation_code = validation_code
        self.missing_code = missing_code
        self.invalid_code = invalid_code

    def __repr__(self) -> str:
        return f"ValidationStyle({self.kind!r}, {self.validation_code!r})"

    @property
    def aggregates(self) -> bool:
        return self.kind == "coral"

    def missing(self, name: str) -> ServiceError:
        if self.missing_code == "MalformedXML":  # S3: a required element is absent
            return ServiceError(
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our "
                "published schema",
                400,
            )
        return ServiceError(
            self.missing_code, f"The request must contain the parameter {name}.", 400
        )

    def wrong_type(self, name: str, value: Any, type_name: str) -> ServiceError:
        """A wire value that cannot become the modeled type."""
        if self.kind == "coral":
            if isinstance(value, dict):
                message = "Start of structure or map found where not expected."
            elif isinstance(value, list):
                message = "Start of list found where not expected."
            else:
                token = _JSON_TOKEN.get(type(value))
                if isinstance(value, bool):
                    token = "TRUE_VALUE" if value else "FALSE_VALUE"
                noun = _TYPE_NOUN.get(type_name, type_name)
                message = f"{token or 'VALUE'} cannot be converted to {noun}"
            return ServiceError("SerializationException", message, 400)
        return ServiceError(
            self.invalid_code, f"Value {_short(value)} for parameter {name} is invalid.", 400
        )

    def malformed_body(self, detail: str) -> ServiceError:
        if self.kind == "coral":
            return ServiceError("SerializationException", "", 400)
        return ServiceError(self.invalid_code, f"The request body is malformed: {detail}", 400)

    def violations(self, messages: list[str]) -> ServiceError:
        count = len(messages)
        noun = "error" if count == 1 else "errors"
        return ServiceError(
            self.validation_code,
            f"{count} validation {noun} detected: " + "; ".join(messages),
            400,
        )

    def unknown_operation(self, name: str) -> ServiceError:
        if self.kind == "coral":
            return ServiceError("UnknownOperationException", "", 400)
        return ServiceError(
            "InvalidAction", f"The action {name} is not valid for this web service.", 400
        )


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 256 else text[:256] + "..."


QUERY = ValidationStyle("query")
CORAL = ValidationStyle("coral")
# IAM, STS and CloudFormation speak query but word validation like coral services.
CORAL_QUERY = ValidationStyle("coral", validation_code="ValidationError")
S3 = ValidationStyle("query", missing_code="MalformedXML", invalid_code="InvalidArgument")

_BY_SERVICE: dict[str, ValidationStyle] = {
    "sqs": QUERY,
    "sns": ValidationStyle(
        "query", missing_code="InvalidParameter", invalid_code="InvalidParameter"
    ),
    "cloudwatch": QUERY,
    "iam": CORAL_QUERY,
    "sts": CORAL_QUERY,
    "cloudformation": CORAL_QUERY,
    "s3": S3,
    # API Gateway answers every invalid request with BadRequestException, and words range
    # and enum errors itself ("Timeout should be between 50 ms and 30000 ms"): the wire
    # layer checks types and required members only, the provider the rest.
    "apigatewayv2": ValidationStyle(
        "query", missing_code="BadRequestException", invalid_code="BadRequestException"
    ),
    # Cognito words validation like coral services but answers InvalidParameterException.
    "cognito-idp": ValidationStyle("coral", validation_code="InvalidParameterException"),
}


def style_for(service: str, protocol: str, query_compatible: bool) -> ValidationStyle:
    """The validation style of a service (table first, then by protocol)."""
    style = _BY_SERVICE.get(service)
    if style is not None:
        return style
    if query_compatible or protocol == "query":
        return QUERY
    if protocol == "rest-xml":
        return S3
    return CORAL
