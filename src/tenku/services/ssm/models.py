"""Parameter Store's pure rules: names, selectors, labels, tiers, values, page tokens.

Must not: store anything or know the wire; errors are raised as `ServiceError`s.
"""

from __future__ import annotations

import base64
import json
import re
from typing import NamedTuple

from tenku.core.errors import ServiceError
from tenku.services.ssm import errors

MAX_NAME = 1011
MAX_LEVELS = 15
MAX_VERSIONS = 100
MAX_LABELS_PER_VERSION = 10
MAX_TAGS = 50
TYPES = ("String", "StringList", "SecureString")
TIERS = ("Standard", "Advanced", "Intelligent-Tiering")
DATA_TYPES = ("text", "aws:ec2:image", "aws:ssm:integration")
STANDARD_LIMIT = 4096
ADVANCED_LIMIT = 8192
DEFAULT_KEY = "alias/aws/ssm"

_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]+")
_RESERVED = re.compile(r"(?i)(aws|ssm)")
_LABEL = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
_NAME_RULES = (
    'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as '
    "a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed "
    "as a mix of letters, numbers and the following 3 symbols .-_"
)


def strip_arn(name: str) -> str:
    """A parameter ARN names the parameter too: `arn:aws:ssm:r:a:parameter/x` is `/x`."""
    if name.startswith("arn:") and ":parameter/" in name:
        rest = name.split(":parameter/", 1)[1]
        return "/" + rest if "/" in rest else rest
    return name


def check_name(name: str) -> None:
    if len(name) > MAX_NAME:
        raise errors.validation(
            f"Parameter name: {name} exceeds the maximum length of {MAX_NAME} characters."
        )
    if "/" in name and not name.startswith("/"):
        raise errors.validation("Parameter name must be a fully qualified name.")
    segments = name[1:].split("/") if name.startswith("/") else [name]
    if not all(_SEGMENT.fullmatch(s) for s in segments) or _RESERVED.match(segments[0]):
        raise errors.validation(_NAME_RULES)
    if len(segments) > MAX_LEVELS:
        raise errors.hierarchy_too_deep()


def parameter_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"


class Selector(NamedTuple):
    name: str
    version: int | None = None
    label: str | None = None
    text: str | None = None  # `:3` or `:label`, as Parameter.Selector echoes it


def parse_selector(raw: str) -> Selector:
    """`name`, `name:version` or `name:label` (ARNs keep their own colons)."""
    name = strip_arn(raw)
    if ":" not in name:
        return Selector(name)
    base, _, tail = name.rpartition(":")
    if tail.isdigit():
        return Selector(base, version=int(tail), text=f":{tail}")
    return Selector(base, label=tail, text=f":{tail}")


def label_is_valid(label: str) -> bool:
    return bool(_LABEL.fullmatch(label)) and not label[0].isdigit() and not _RESERVED.match(label)


def effective_tier(requested: str | None, current: str | None, value: str) -> str:
    """The tier a write ends in, or a ValidationException."""
    tier = requested or current or "Standard"
    if tier not in TIERS:
        raise errors.validation(
            f"1 validation error detected: Value '{tier}' at 'tier' failed to satisfy "
            "constraint: Member must satisfy enum value set: "
            "[Standard, Advanced, Intelligent-Tiering]"
        )
    if tier == "Intelligent-Tiering":
        tier = "Advanced" if len(value) > STANDARD_LIMIT or current == "Advanced" else "Standard"
    if tier == "Standard" and current == "Advanced":
        raise errors.validation(
            "This parameter uses the advanced-parameter tier. You can't downgrade a parameter "
            "from the advanced-parameter tier to the standard-parameter tier. If necessary, you "
            "can delete the advanced parameter and recreate it as a standard parameter."
        )
    limit = ADVANCED_LIMIT if tier == "Advanced" else STANDARD_LIMIT
    if len(value) > limit:
        if tier == "Standard":
            raise errors.validation(
                "Standard tier parameters support a maximum parameter value of 4096 characters. "
                "To create a larger parameter value, upgrade the parameter to use the "
                "advanced-parameter tier. For more information, see https://docs.aws.amazon.com/"
                "systems-manager/latest/userguide/parameter-store-advanced-parameters.html"
            )
        raise errors.validation(
            "Advanced tier parameters support a maximum parameter value of 8192 characters."
        )
    return tier


def check_value(value: str, pattern: str | None) -> None:
    if not pattern:
        return
    try:
        compiled = re.compile(pattern)
    except re.error:
        raise errors.invalid_allowed_pattern(pattern) from None
    if not compiled.fullmatch(value):
        raise errors.pattern_mismatch(pattern)


def shown_value(kind: str, value: str, key_id: str | None, decrypt: bool) -> str:
    """A SecureString read without decryption gives an opaque ciphertext, as SSM does
    (Tenku stores the value as given and has no KMS: the ciphertext is only encoded)."""
    if kind != "SecureString" or decrypt:
        return value
    blob = f"tenku-kms:{key_id or DEFAULT_KEY}:{value}".encode()
    return base64.b64encode(blob).decode()


def encode_token(position: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def decode_token(token: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_token() from None


def page_size(value: int | None, default: int, largest: int) -> int:
    if value is None:
        return default
    if not 1 <= value <= largest:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {largest}",
        )
    return value
