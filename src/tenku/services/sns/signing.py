"""Message signatures: the string SNS signs, and a Tenku-made key and certificate.

SNS signs a canonical string of selected envelope fields (name, newline, value, newline,
in a fixed order) with RSA: SHA1 for SignatureVersion 1, SHA256 for 2. Tenku makes its
own RSA key and a self-signed certificate once per data directory (the store keeps
them) and serves the certificate at the envelope's SigningCertURL, so subscribers can
verify messages exactly as they verify AWS's.
Must not: touch storage (the provider hands the PEMs in) or build envelopes.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = (
    "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
)  # fmt: skip


def string_to_sign(envelope: dict[str, Any]) -> str:
    """The canonical string of an envelope (its `Type` picks the fields)."""
    kind = envelope.get("Type")
    fields = NOTIFICATION_FIELDS if kind == "Notification" else CONFIRMATION_FIELDS
    parts = []
    for name in fields:
        value = envelope.get(name)
        if value is None:
            continue  # Subject only when the message has one
        parts.append(f"{name}\n{value}\n")
    return "".join(parts)


def generate_key_and_certificate() -> tuple[str, str]:
    """A new 2048-bit RSA key and a self-signed certificate for it, as PEM text."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenku local SNS"),
    ])  # fmt: skip
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return key_pem, cert_pem


class Signer:
    """Signs canonical strings with the stored key."""

    def __init__(self, key_pem: str, cert_pem: str) -> None:
        from cryptography.hazmat.primitives import serialization

        self.cert_pem = cert_pem
        self._key: Any = serialization.load_pem_private_key(key_pem.encode(), password=None)
        digest = hashlib.sha256(cert_pem.encode()).hexdigest()[:32]
        self.cert_name = f"SimpleNotificationService-{digest}.pem"

    def sign(self, envelope: dict[str, Any], version: str = "1") -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        algorithm = (
            hashes.SHA256() if version == "2" else hashes.SHA1()
        )  # SignatureVersion 1 is SHA1
        data = string_to_sign(envelope).encode()
        return base64.b64encode(self._key.sign(data, padding.PKCS1v15(), algorithm)).decode()
