"""The shapes SNS delivers: the JSON envelope (SQS, HTTP/S, email-json), the Lambda
event, the SubscriptionConfirmation message, and raw deliveries' SQS attributes.

Field names and order follow AWS: the envelope says `SigningCertURL`/`UnsubscribeURL`
and omits `Subject` when there is none; the Lambda record says `SigningCertUrl`/
`UnsubscribeUrl` and carries `"Subject": null`. Timestamps are ISO 8601 with
milliseconds. Every envelope is signed (see signing.py).
Must not: send anything or touch storage.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from tenku.services.sns.models import Subscription
from tenku.services.sns.signing import Signer


def iso_ms(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def text_for(message: dict[str, Any], protocol: str) -> str:
    """The message a protocol gets (MessageStructure=json picks per protocol)."""
    structure = message.get("structure")
    if not structure:
        return str(message["message"])
    return str(structure.get(protocol, structure["default"]))


def sqs_attributes(attributes: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """SNS message attributes as SQS message attributes (raw delivery)."""
    out: dict[str, dict[str, Any]] = {}
    for name, attribute in attributes.items():
        kind, value = attribute["Type"], attribute["Value"]
        if kind.startswith("Binary"):
            out[name] = {"DataType": kind, "BinaryValue": base64.b64decode(value)}
        else:
            out[name] = {"DataType": kind, "StringValue": value}
    return out


class Envelopes:
    def __init__(self, signer: Callable[[], Signer], endpoint: Callable[[], str]) -> None:
        self.signer = signer
        self.endpoint = endpoint

    def cert_url(self) -> str:
        return f"{self.endpoint()}/_tenku/sns/{self.signer().cert_name}"

    def unsubscribe_url(self, subscription_arn: str) -> str:
        return f"{self.endpoint()}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn)}"

    def subscribe_url(self, topic_arn: str, token: str) -> str:
        return (
            f"{self.endpoint()}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn)}"
            f"&Token={quote(token)}"
        )

    def notification(self, message: dict[str, Any], sub: Subscription) -> dict[str, Any]:
        """The JSON envelope delivered to SQS, HTTP/S and email-json subscribers."""
        envelope: dict[str, Any] = {"Type": "Notification", "MessageId": message["id"]}
        if message.get("seq"):
            envelope["SequenceNumber"] = message["seq"]
        envelope["TopicArn"] = message["topic"]
        if message.get("subject") is not None:
            envelope["Subject"] = message["subject"]
        envelope["Message"] = text_for(message, sub.protocol)
        envelope["Timestamp"] = iso_ms(int(message["ts"]))
        version = str(message.get("sigv") or "1")
        envelope["SignatureVersion"] = version
        envelope["Signature"] = self.signer().sign(envelope, version)
        envelope["SigningCertURL"] = self.cert_url()
        envelope["UnsubscribeURL"] = self.unsubscribe_url(sub.arn)
        if message.get("attributes"):
            envelope["MessageAttributes"] = dict(message["attributes"])
        return envelope

    def lambda_event(self, message: dict[str, Any], sub: Subscription) -> dict[str, Any]:
        envelope = self.notification(message, sub)
        record = {
            "Type": "Notification",
            "MessageId": envelope["MessageId"],
            "TopicArn": envelope["TopicArn"],
            "Subject": envelope.get("Subject"),
            "Message": envelope["Message"],
            "Timestamp": envelope["Timestamp"],
            "SignatureVersion": envelope["SignatureVersion"],
            "Signature": envelope["Signature"],
            "SigningCertUrl": envelope["SigningCertURL"],
            "UnsubscribeUrl": envelope["UnsubscribeURL"],
            "MessageAttributes": envelope.get("MessageAttributes", {}),
        }
        return {
            "Records": [
                {
                    "EventSource": "aws:sns",
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": sub.arn,
                    "Sns": record,
                }
            ]
        }

    def confirmation(
        self, sub: Subscription, message_id: str, now_ms: int, version: str = "1"
    ) -> dict[str, Any]:
        token = sub.token or ""
        envelope: dict[str, Any] = {
            "Type": "SubscriptionConfirmation",
            "MessageId": message_id,
            "Token": token,
            "TopicArn": sub.topic_arn,
            "Message": (
                f"You have chosen to subscribe to the topic {sub.topic_arn}.\n"
                "To confirm the subscription, visit the SubscribeURL included in this message."
            ),
            "SubscribeURL": self.subscribe_url(sub.topic_arn, token),
            "Timestamp": iso_ms(now_ms),
            "SignatureVersion": version,
        }
        envelope["Signature"] = self.signer().sign(envelope, version)
        envelope["SigningCertURL"] = self.cert_url()
        return envelope
