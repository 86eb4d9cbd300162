"""Serialize a service's result dict as the HTTP response of the protocol it came in.

Owns: the json envelope (body + `x-amzn-RequestId`), the query envelope
(`<OpResponse><OpResult>...`), and rest-json / rest-xml responses (status code from the
model or a `statusCode` member, header and prefixed-header members, payload members,
a JSON or XML body). Errors live in ser_errors.py and are re-exported here.
Must not: validate results beyond dropping None and unknown members, or know services.

Results are plain dicts keyed by output member names; blobs are bytes, timestamps are
float epoch seconds or datetimes. A rest result may also carry `STATUS_KEY`: the HTTP
status of an answer whose model has no `statusCode` member (S3's 206 for a Range GET).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tenku.protocol.http import Response
from tenku.protocol.legacy_query import XML_NAMESPACES
from tenku.protocol.models import ServiceModel, Shape
from tenku.protocol.ser_errors import serialize_error
from tenku.protocol.ser_json import body_encoder, dumps
from tenku.protocol.timefmt import format_timestamp
from tenku.protocol.xmlout import XmlWriter, escape

__all__ = ["STATUS_KEY", "query_namespace", "serialize_error", "serialize_result"]

STATUS_KEY = "$status"

_EMPTY: frozenset[str] = frozenset()

# S3's document element names, which the model does not record (SDKs ignore the root
# name, but the documented responses use these). Fallback: the output shape's name.
_S3_ROOTS: dict[str, str] = {
    "ListObjectsOutput": "ListBucketResult",
    "ListObjectsV2Output": "ListBucketResult",
    "ListObjectVersionsOutput": "ListVersionsResult",
    "ListBucketsOutput": "ListAllMyBucketsResult",
    "ListMultipartUploadsOutput": "ListMultipartUploadsResult",
    "ListPartsOutput": "ListPartsResult",
    "CreateMultipartUploadOutput": "InitiateMultipartUploadResult",
    "CompleteMultipartUploadOutput": "CompleteMultipartUploadResult",
    "DeleteObjectsOutput": "DeleteResult",
    "GetObjectTaggingOutput": "Tagging",
    "GetBucketTaggingOutput": "Tagging",
    "GetBucketVersioningOutput": "VersioningConfiguration",
    "GetBucketAclOutput": "AccessControlPolicy",
    "GetObjectAclOutput": "AccessControlPolicy",
    "GetBucketCorsOutput": "CORSConfiguration",
    "GetBucketLifecycleConfigurationOutput": "LifecycleConfiguration",
    "GetBucketNotificationConfigurationOutput": "NotificationConfiguration",
    "GetBucketLocationOutput": "LocationConstraint",
}


def query_namespace(model: ServiceModel) -> str:
    """The XML namespace of a service's query (or rest-xml) answers."""
    return XML_NAMESPACES.get(model.name) or str(
        model.metadata.get("xmlNamespace")
        or f"https://{model.metadata.get('endpointPrefix', model.name)}.amazonaws.com/doc/"
        f"{model.api_version}/"
    )


def serialize_result(
    model: ServiceModel,
    operation: str,
    result: dict[str, Any],
    *,
    protocol: str,
    request_id: str,
) -> Response:
    """The HTTP response carrying `result` of `operation` in `protocol`."""
    if protocol == "json":
        return _json_result(model, operation, result, request_id)
    if protocol == "query":
        return _query_result(model, operation, result, request_id)
    return _rest_result(model, operation, result, protocol, request_id)


def _json_result(
    model: ServiceModel, operation: str, result: dict[str, Any], request_id: str
) -> Response:
    key = ("json-result", operation)
    plan: tuple[Any, list[tuple[str, str]]] | None = model.plans.get(key)
    if plan is None:
        output = model.operation(operation).output_shape
        encoder = body_encoder(model, output, _EMPTY) if output else None
        content_type = f"application/x-amz-json-{model.json_version}"
        plan = (encoder, [("Content-Type", content_type)])
        model.plans[key] = plan
    encoder, headers = plan
    body = dumps(encoder(result) if encoder is not None else {})
    return Response(200, [*headers, ("x-amzn-RequestId", request_id)], body)


def _query_result(
    model: ServiceModel, operation: str, result: dict[str, Any], request_id: str
) -> Response:
    op = model.operation(operation)
    namespace = query_namespace(model)
    parts = [f'<?xml version="1.0"?>\n<{operation}Response xmlns="{namespace}">']
    if op.output_shape is not None:
        wrapper = op.result_wrapper or f"{operation}Result"
        parts.append(f"<{wrapper}>")
        XmlWriter(model, legacy=True).members(op.output_shape, result, parts)
        parts.append(f"</{wrapper}>")
    parts.append(
        f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return Response(
        200,
        [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)],
        "".join(parts).encode("utf-8"),
    )


def request_id_headers(model: ServiceModel | None, request_id: str) -> list[tuple[str, str]]:
    if model is not None and model.name == "s3":
        return [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
    return [("x-amzn-RequestId", request_id)]


def header_text(model: ServiceModel, ref: dict[str, Any], value: Any) -> str:
    """A member value as an HTTP header value."""
    shape = model.shape(ref["shape"])
    kind = shape["type"]
    if ref.get("jsonvalue") or shape.get("jsonvalue"):
        return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()
    if kind == "timestamp":
        fmt = ref.get("timestampFormat") or shape.get("timestampFormat") or "rfc822"
        return str(format_timestamp(value, fmt))
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "blob":
        raw = value.encode("utf-8") if isinstance(value, str) else value
        return base64.b64encode(raw).decode("ascii")
    if kind == "list":
        return ", ".join(str(v) for v in value)
    return str(value)


def _rest_result(
    model: ServiceModel, operation: str, result: dict[str, Any], protocol: str, request_id: str
) -> Response:
    op = model.operation(operation)
    status = op.response_code
    headers = request_id_headers(model, request_id)
    if op.output_shape is None:
        return Response(status, headers, b"")
    if model.name == "s3" and operation == "GetBucketLocation":
        return _bucket_location(model, result, headers)
    shape_name = op.output_shape
    shape = model.shape(shape_name)
    members: dict[str, Any] = shape.get("members", {})
    for name, ref in members.items():
        value = result.get(name)
        location = ref.get("location")
        if value is None or not location:
            continue
        if location == "header":
            headers.append((ref.get("locationName", name), header_text(model, ref, value)))
        elif location == "headers":
            prefix = ref.get("locationName", "")
            headers.extend((prefix + str(k), str(v)) for k, v in value.items() if v is not None)
        elif location == "statusCode":
            status = int(value)
    if STATUS_KEY in result:
        status = int(result[STATUS_KEY])
    payload = shape.get("payload")
    if payload is not None:
        body, content_type = _payload(model, members[payload], result.get(payload), protocol)
    elif protocol == "rest-json":
        body, content_type = _json_body(model, shape_name, shape, result)
    else:
        body, content_type = _xml_document(model, shape_name, shape, result)
    if content_type and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", content_type))
    return Response(status, headers, body)


def _json_body(
    model: ServiceModel, shape_name: str, shape: Shape, result: dict[str, Any]
) -> tuple[bytes, str]:
    encoder = body_encoder(model, shape_name, _EMPTY)
    return dumps(encoder(result)), "application/json"


def _payload(
    model: ServiceModel, ref: dict[str, Any], value: Any, protocol: str
) -> tuple[bytes, str | None]:
    shape = model.shape(ref["shape"])
    if shape["type"] == "blob":
        if value is None:
            return b"", None
        return (value.encode("utf-8") if isinstance(value, str) else bytes(value)), None
    if shape["type"] == "string":
        return (b"" if value is None else str(value).encode("utf-8")), None
    if value is None:
        return b"", None
    if protocol == "rest-json":
        return dumps(body_encoder(model, ref["shape"], _EMPTY)(value)), "application/json"
    return _xml_document(model, ref["shape"], shape, value, ref.get("locationName"))


def _xml_document(
    model: ServiceModel,
    shape_name: str,
    shape: Shape,
    value: dict[str, Any],
    root: str | None = None,
) -> tuple[bytes, str | None]:
    if not any(not ref.get("location") for ref in shape.get("members", {}).values()):
        return b"", None
    root = root or shape.get("locationName") or _S3_ROOTS.get(shape_name) or shape_name
    namespace = XML_NAMESPACES.get(model.name) or model.metadata.get("xmlNamespace")
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{xmlns}>']
    XmlWriter(model, legacy=False).members(shape_name, value, parts)
    parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8"), "application/xml"


def _bucket_location(
    model: ServiceModel, result: dict[str, Any], headers: list[tuple[str, str]]
) -> Response:
    # The one S3 answer whose value is the root element's text (botocore special-cases it).
    namespace = XML_NAMESPACES["s3"]
    location = escape(str(result.get("LocationConstraint") or ""))
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<LocationConstraint xmlns="{namespace}">{location}</LocationConstraint>'
    )
    return Response(200, [*headers, ("Content-Type", "application/xml")], body.encode())
