"""S3's error answers: code, HTTP status and message as S3 words them.

Must not: decide when an error applies (the callers do).
"""

from __future__ import annotations

from typing import Any

from tenku.core.errors import ServiceError


def s3_error(code: str, message: str, status: int = 400, **fields: Any) -> ServiceError:
    return ServiceError(code, message, status, fields={k: v for k, v in fields.items() if v})


def no_such_bucket(bucket: str) -> ServiceError:
    return s3_error("NoSuchBucket", "The specified bucket does not exist", 404, BucketName=bucket)


def no_such_key(key: str) -> ServiceError:
    return s3_error("NoSuchKey", "The specified key does not exist.", 404, Key=key)


def no_such_version(key: str, version_id: str) -> ServiceError:
    return s3_error(
        "NoSuchVersion",
        "The specified version does not exist.",
        404,
        Key=key,
        VersionId=version_id,
    )


def invalid_version(version_id: str) -> ServiceError:
    return s3_error(
        "InvalidArgument",
        "Invalid version id specified",
        400,
        ArgumentName="versionId",
        ArgumentValue=version_id,
    )


def no_such_upload(upload_id: str) -> ServiceError:
    return s3_error(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed.",
        404,
        UploadId=upload_id,
    )


def invalid_argument(message: str, name: str | None = None, value: Any = None) -> ServiceError:
    return s3_error(
        "InvalidArgument",
        message,
        400,
        ArgumentName=name,
        ArgumentValue=None if value is None else str(value),
    )


def invalid_request(message: str) -> ServiceError:
    return s3_error("InvalidRequest", message, 400)


def malformed_xml() -> ServiceError:
    return s3_error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def precondition_failed(condition: str) -> ServiceError:
    return s3_error(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        412,
        Condition=condition,
    )


def not_modified(etag: str | None = None, last_modified: str | None = None) -> ServiceError:
    headers = {}
    if etag:
        headers["ETag"] = etag
    if last_modified:
        headers["Last-Modified"] = last_modified
    return ServiceError("NotModified", "Not Modified", 304, headers=headers)


def method_not_allowed(version_id: str | None, last_modified: str | None) -> ServiceError:
    """GET/HEAD of a delete marker (by version id)."""
    headers = {"x-amz-delete-marker": "true", "Allow": "DELETE"}
    if version_id:
        headers["x-amz-version-id"] = version_id
    if last_modified:
        headers["Last-Modified"] = last_modified
    return ServiceError(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        405,
        fields={"Method": "GET", "ResourceType": "DeleteMarker"},
        headers=headers,
    )


def deleted_key(key: str, version_id: str | None) -> ServiceError:
    """GET/HEAD of a key whose current version is a delete marker."""
    headers = {"x-amz-delete-marker": "true"}
    if version_id:
        headers["x-amz-version-id"] = version_id
    return ServiceError(
        "NoSuchKey", "The specified key does not exist.", 404, fields={"Key": key}, headers=headers
    )
