"""SNS message signatures: the canonical string, and signatures that verify against the
certificate Tenku serves (SHA1 for SignatureVersion 1, SHA256 for 2)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tenku.services.sns.signing import Signer, generate_key_and_certificate, string_to_sign

NOTIFICATION = {
    "Type": "Notification",
    "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
    "Subject": "My First Message",
    "Message": "Hello world!",
    "Timestamp": "2012-05-02T00:54:06.655Z",
    "SignatureVersion": "1",
    "UnsubscribeURL": "https://example.com/unsubscribe",
}


def test_notification_string_in_aws_order() -> None:
    assert string_to_sign(NOTIFICATION) == (
        "Message\nHello world!\n"
        "MessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n"
        "Subject\nMy First Message\n"
        "Timestamp\n2012-05-02T00:54:06.655Z\n"
        "TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\n"
        "Type\nNotification\n"
    )


def test_notification_without_subject_leaves_it_out() -> None:
    text = string_to_sign({k: v for k, v in NOTIFICATION.items() if k != "Subject"})
    assert "Subject" not in text
    assert text.startswith("Message\nHello world!\nMessageId\n")


def test_confirmation_string_includes_token_and_subscribe_url() -> None:
    envelope = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "m",
        "Token": "t0k",
        "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
        "Message": "You have chosen to subscribe",
        "SubscribeURL": "http://h/?Action=ConfirmSubscription",
        "Timestamp": "2024-01-01T00:00:00.000Z",
        "SignatureVersion": "1",
    }
    assert string_to_sign(envelope) == (
        "Message\nYou have chosen to subscribe\nMessageId\nm\n"
        "SubscribeURL\nhttp://h/?Action=ConfirmSubscription\n"
        "Timestamp\n2024-01-01T00:00:00.000Z\nToken\nt0k\n"
        "TopicArn\narn:aws:sns:us-east-1:000000000000:t\nType\nSubscriptionConfirmation\n"
    )


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(*generate_key_and_certificate())


def _verify(signer: Signer, envelope: dict[str, Any], signature: str, digest: Any) -> None:
    public_key: Any = x509.load_pem_x509_certificate(signer.cert_pem.encode()).public_key()
    public_key.verify(
        base64.b64decode(signature), string_to_sign(envelope).encode(), padding.PKCS1v15(), digest
    )


def test_version_1_signature_verifies_with_sha1(signer: Signer) -> None:
    signature = signer.sign(NOTIFICATION, "1")
    _verify(signer, NOTIFICATION, signature, hashes.SHA1())
    with pytest.raises(InvalidSignature):
        _verify(signer, {**NOTIFICATION, "Message": "tampered"}, signature, hashes.SHA1())


def test_version_2_signature_verifies_with_sha256(signer: Signer) -> None:
    signature = signer.sign(NOTIFICATION, "2")
    _verify(signer, NOTIFICATION, signature, hashes.SHA256())
    with pytest.raises(InvalidSignature):
        _verify(signer, NOTIFICATION, signature, hashes.SHA1())


def test_certificate_file_name_looks_like_aws(signer: Signer) -> None:
    assert signer.cert_name.startswith("SimpleNotificationService-")
    assert signer.cert_name.endswith(".pem")
