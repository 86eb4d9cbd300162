"""Request members back under their model names.

S3's object operations have dozens of optional members; their provider methods take
them as `**params` (snake_case names, as the dispatcher passes every member) and look
them up by the model's member names with `members()`, so the code reads like the API
reference (`params["ContentMD5"]`) rather than a 30-argument signature.
Must not: validate (the protocol layer has) or know any operation's meaning.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tenku.protocol.models import load_service_model

_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """The dispatcher's keyword name of a member (`ContentMD5` -> `content_md5`)."""
    return _SNAKE.sub("_", name).lower()


@cache
def _names(operation: str) -> dict[str, str]:
    model = load_service_model("s3")
    shape_name = model.operation(operation).input_shape
    members = model.shape(shape_name).get("members", {}) if shape_name else {}
    return {snake_case(name): name for name in members}


def members(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """`params` (snake_case keywords) keyed by the member names of `operation`'s input."""
    names = _names(operation)
    return {names.get(k, k): v for k, v in params.items() if v is not None}
