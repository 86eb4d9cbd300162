"""SQS's errors: the JSON code (shape name), the legacy query code and the HTTP status.

botocore's current SQS model no longer carries the legacy codes, so they are listed here
(they come from SQS's Smithy model and the SQS API reference).
"""

from __future__ import annotations

from tenku.core.errors import ServiceError

# code -> (legacy query code, HTTP status)
_CODES: dict[str, tuple[str, int]] = {
    "QueueDoesNotExist": ("AWS.SimpleQueueService.NonExistentQueue", 400),
    "QueueDeletedRecently": ("AWS.SimpleQueueService.QueueDeletedRecently", 400),
    "QueueNameExists": ("QueueAlreadyExists", 400),
    "PurgeQueueInProgress": ("AWS.SimpleQueueService.PurgeQueueInProgress", 403),
    "MessageNotInflight": ("AWS.SimpleQueueService.MessageNotInflight", 400),
    "ReceiptHandleIsInvalid": ("ReceiptHandleIsInvalid", 404),
    "BatchEntryIdsNotDistinct": ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
    "BatchRequestTooLong": ("AWS.SimpleQueueService.BatchRequestTooLong", 400),
    "EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400),
    "InvalidBatchEntryId": ("AWS.SimpleQueueService.InvalidBatchEntryId", 400),
    "TooManyEntriesInBatchRequest": ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400),
    "UnsupportedOperation": ("AWS.SimpleQueueService.UnsupportedOperation", 400),
    "InvalidAttributeName": ("InvalidAttributeName", 400),
    "InvalidAttributeValue": ("InvalidAttributeValue", 400),
    "InvalidMessageContents": ("InvalidMessageContents", 400),
    "InvalidParameterValue": ("InvalidParameterValue", 400),
    "MissingParameter": ("MissingParameter", 400),
    "ResourceNotFoundException": ("ResourceNotFoundException", 404),
    "OverLimit": ("OverLimit", 403),
    "InvalidAddress": ("InvalidAddress", 404),
}


def sqs_error(code: str, message: str) -> ServiceError:
    query_code, status = _CODES.get(code, (code, 400))
    return ServiceError(code, message, status, query_code=query_code)


def queue_does_not_exist() -> ServiceError:
    # The JSON protocol's wording; legacy query answers said "... for this wsdl version."
    return sqs_error("QueueDoesNotExist", "The specified queue does not exist.")


def invalid_parameter(name: str, value: object, reason: str) -> ServiceError:
    return sqs_error(
        "InvalidParameterValue",
        f"Value {value} for parameter {name} is invalid. Reason: {reason}",
    )


def invalid_receipt_handle(handle: str) -> ServiceError:
    return sqs_error(
        "ReceiptHandleIsInvalid",
        f'The input receipt handle "{handle}" is not a valid receipt handle.',
    )


def missing_parameter(name: str) -> ServiceError:
    return sqs_error("MissingParameter", f"The request must contain the parameter {name}.")
