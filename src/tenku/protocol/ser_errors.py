"""Serialize a ServiceError in the wire format of the protocol the request used.

Owns: json errors (`__type` with the service's namespace, `x-amzn-query-error` for
query-compatible services so SDKs see the legacy code), query `ErrorResponse`
documents, rest-json errors (`x-amzn-ErrorType`), and rest-xml errors (S3's bare
`<Error>`, or `ErrorResponse` for other rest-xml services).
Must not: decide codes, messages or statuses: the ServiceError carries them.
"""

from __future__ import annotations

from typing import Any

from tenku.core.errors import ServiceError
from tenku.protocol.http import Response
from tenku.protocol.legacy_query import XML_NAMESPACES
from tenku.protocol.models import ServiceModel
from tenku.protocol.ser_json import dumps
from tenku.protocol.xmlout import escape

# `__type` namespaces of json services that send one (SDKs keep only the part after '#').
JSON_ERROR_NAMESPACES: dict[str, str] = {
    "sqs": "com.amazonaws.sqs",
    "dynamodb": "com.amazonaws.dynamodb.v20120810",
    "dynamodbstreams": "com.amazonaws.dynamodb.v20120810",
}
# Framework errors carry coral's own namespaces rather than the service's.
_CORAL_NAMESPACES: dict[str, str] = {
    "SerializationException": "com.amazon.coral.service",
    "UnknownOperationException": "com.amazon.coral.service",
    "ValidationException": "com.amazon.coral.validate",
}


def serialize_error(
    model: ServiceModel | None, error: ServiceError, *, protocol: str, request_id: str
) -> Response:
    """The HTTP response for `error` in `protocol` ("json", "query", "rest-json", ...)."""
    if protocol == "query":
        return _query_error(model, error, request_id)
    if protocol == "rest-xml":
        return _rest_xml_error(model, error, request_id)
    if protocol == "rest-json":
        return _rest_json_error(error, request_id)
    return _json_error(model, error, request_id)


def _fault(error: ServiceError) -> str:
    return "Sender" if error.sender_fault else "Receiver"


def _extra_headers(error: ServiceError) -> list[tuple[str, str]]:
    return list(error.headers.items())


def _json_error(model: ServiceModel | None, error: ServiceError, request_id: str) -> Response:
    service = model.name if model is not None else ""
    namespace = JSON_ERROR_NAMESPACES.get(service)
    if namespace and service != "sqs":
        namespace = _CORAL_NAMESPACES.get(error.code, namespace)
    body: dict[str, Any] = {
        "__type": f"{namespace}#{error.code}" if namespace else error.code,
        "message": error.message,
    }
    body.update(error.fields)
    version = model.json_version if model is not None else "1.0"
    headers = [
        ("Content-Type", f"application/x-amz-json-{version}"),
        ("x-amzn-RequestId", request_id),
    ]
    if model is not None and model.query_compatible:
        code = error.query_code or error.code
        headers.append(("x-amzn-query-error", f"{code};{_fault(error)}"))
    return Response(error.status, headers + _extra_headers(error), dumps(body))


def _fields_xml(fields: dict[str, Any]) -> str:
    return "".join(
        f"<{name}>{escape(str(value))}</{name}>"
        for name, value in fields.items()
        if value is not None and name.replace("-", "_").isidentifier()
    )


def _error_response_xml(namespace: str | None, error: ServiceError, request_id: str) -> bytes:
    code = error.query_code or error.code
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0"?>\n<ErrorResponse{xmlns}><Error><Type>{_fault(error)}</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(error.message)}</Message>"
        f"{_fields_xml(error.fields)}<Detail/></Error>"
        f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
    ).encode()


def _query_error(model: ServiceModel | None, error: ServiceError, request_id: str) -> Response:
    namespace = None
    if model is not None:
        namespace = XML_NAMESPACES.get(model.name) or model.metadata.get("xmlNamespace")
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    body = _error_response_xml(namespace, error, request_id)
    return Response(error.status, headers + _extra_headers(error), body)


def _rest_xml_error(model: ServiceModel | None, error: ServiceError, request_id: str) -> Response:
    if model is None or model.name == "s3":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(error.code)}</Code>'
            f"<Message>{escape(error.message)}</Message>{_fields_xml(error.fields)}"
            f"<RequestId>{escape(request_id)}</RequestId>"
            f"<HostId>{escape(request_id)}</HostId></Error>"
        ).encode()
        headers = [
            ("Content-Type", "application/xml"),
            ("x-amz-request-id", request_id),
            ("x-amz-id-2", request_id),
        ]
    else:
        body = _error_response_xml(model.metadata.get("xmlNamespace"), error, request_id)
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return Response(error.status, headers + _extra_headers(error), body)


def _rest_json_error(error: ServiceError, request_id: str) -> Response:
    body: dict[str, Any] = {
        "Type": "User" if error.sender_fault else "Service",
        "message": error.message,
    }
    body.update(error.fields)
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", error.code),
    ]
    return Response(error.status, headers + _extra_headers(error), dumps(body))
