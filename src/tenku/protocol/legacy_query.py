"""Legacy query-protocol wire names of SQS, which botocore's current model dropped.

Owns: the table of names old query clients (SDKs before SQS moved to JSON, the AWS CLI
v1, hand-written `Action=` requests) still send and expect: `Attribute.N.Name`,
`MessageAttribute.N.Value.StringValue`, `SendMessageBatchRequestEntry.N.Id`, ...
Every list and map listed here is flattened on the wire.
Must not: hold anything but names; the shapes themselves come from the model.
"""

from __future__ import annotations

# (structure shape, member) -> wire name.
MEMBER_NAMES: dict[str, dict[tuple[str, str], str]] = {
    "sqs": {
        ("CreateQueueRequest", "Attributes"): "Attribute",
        ("CreateQueueRequest", "tags"): "Tag",
        ("SetQueueAttributesRequest", "Attributes"): "Attribute",
        ("GetQueueAttributesRequest", "AttributeNames"): "AttributeName",
        ("GetQueueAttributesResult", "Attributes"): "Attribute",
        ("ReceiveMessageRequest", "AttributeNames"): "AttributeName",
        ("ReceiveMessageRequest", "MessageAttributeNames"): "MessageAttributeName",
        ("ReceiveMessageRequest", "MessageSystemAttributeNames"): "MessageSystemAttributeName",
        ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
        ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
        ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
        ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
        ("SendMessageBatchRequest", "Entries"): "SendMessageBatchRequestEntry",
        ("DeleteMessageBatchRequest", "Entries"): "DeleteMessageBatchRequestEntry",
        (
            "ChangeMessageVisibilityBatchRequest",
            "Entries",
        ): "ChangeMessageVisibilityBatchRequestEntry",
        ("TagQueueRequest", "Tags"): "Tag",
        ("UntagQueueRequest", "TagKeys"): "TagKey",
        ("AddPermissionRequest", "AWSAccountIds"): "AWSAccountId",
        ("AddPermissionRequest", "Actions"): "ActionName",
        ("MessageAttributeValue", "StringListValues"): "StringListValue",
        ("MessageAttributeValue", "BinaryListValues"): "BinaryListValue",
        ("MessageSystemAttributeValue", "StringListValues"): "StringListValue",
        ("MessageSystemAttributeValue", "BinaryListValues"): "BinaryListValue",
        ("ListQueuesResult", "QueueUrls"): "QueueUrl",
        ("ListDeadLetterSourceQueuesResult", "queueUrls"): "QueueUrl",
        ("ReceiveMessageResult", "Messages"): "Message",
        ("Message", "Attributes"): "Attribute",
        ("Message", "MessageAttributes"): "MessageAttribute",
        ("SendMessageBatchResult", "Successful"): "SendMessageBatchResultEntry",
        ("SendMessageBatchResult", "Failed"): "BatchResultErrorEntry",
        ("DeleteMessageBatchResult", "Successful"): "DeleteMessageBatchResultEntry",
        ("DeleteMessageBatchResult", "Failed"): "BatchResultErrorEntry",
        (
            "ChangeMessageVisibilityBatchResult",
            "Successful",
        ): "ChangeMessageVisibilityBatchResultEntry",
        ("ChangeMessageVisibilityBatchResult", "Failed"): "BatchResultErrorEntry",
        ("ListQueueTagsResult", "Tags"): "Tag",
        ("ListMessageMoveTasksResult", "Results"): "ListMessageMoveTasksResultEntry",
    },
}

# map shape -> (key element name, value element name).
MAP_ENTRY_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "sqs": {
        "QueueAttributeMap": ("Name", "Value"),
        "TagMap": ("Key", "Value"),
        "MessageBodyAttributeMap": ("Name", "Value"),
        "MessageBodySystemAttributeMap": ("Name", "Value"),
        "MessageSystemAttributeMap": ("Name", "Value"),
    },
}

# Query-protocol XML namespaces for services whose model has no xmlNamespace.
XML_NAMESPACES: dict[str, str] = {
    "sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
    "s3": "http://s3.amazonaws.com/doc/2006-03-01/",
}


def legacy_member_name(service: str, shape: str, member: str) -> str | None:
    """The legacy wire name of `shape.member`, or None if the model name is the wire name."""
    table = MEMBER_NAMES.get(service)
    return table.get((shape, member)) if table else None


def legacy_entry_names(service: str, map_shape: str) -> tuple[str, str] | None:
    """Legacy (key, value) element names of a map shape, or None."""
    table = MAP_ENTRY_NAMES.get(service)
    return table.get(map_shape) if table else None
