"""The two error families.

`ServiceError` is what AWS callers see: an exact error code, message, HTTP status and
fault side, serialized by the protocol layer in whatever wire format the request used.
`InternalError` is Tenku's own failure; only the gateway's last handler turns it (or any
other stray exception) into a generic 500 and logs it.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An error AWS itself would return.

    `code` is the error code as the service's current protocol names it (for JSON
    services the shape name, e.g. `QueueDoesNotExist`). `query_code` is the legacy
    code of a query-compatible service (`AWS.SimpleQueueService.NonExistentQueue`),
    sent in `x-amzn-query-error` and used as `<Code>` in query-protocol answers.
    `fields` are extra members serialized beside the message (e.g. DynamoDB's
    `CancellationReasons`); `headers` are extra response headers.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        sender_fault: bool = True,
        query_code: str | None = None,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.query_code = query_code
        self.fields = fields or {}
        self.headers = headers or {}


class InternalError(Exception):
    """A failure inside Tenku that is not the caller's doing."""
