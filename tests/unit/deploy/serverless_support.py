"""Writing a small service to a directory and translating it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tenku.deploy.serverless import Translation, translate_service

HEADER = """
service: shop
provider:
  name: aws
  runtime: python3.12
"""


def write_service(directory: Path, body: str, header: str = HEADER) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "serverless.yml").write_text(header + body)
    (directory / "handler.py").write_text("def main(event, context):\n    return event\n")
    return directory


def translate(directory: Path, body: str, header: str = HEADER, **kwargs: Any) -> Translation:
    write_service(directory, body, header)
    kwargs.setdefault("instance_id", "test")
    return translate_service(directory, **kwargs)


def resources(translation: Translation) -> dict[str, Any]:
    found: dict[str, Any] = translation.template["Resources"]
    return found


def props(translation: Translation, logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = resources(translation)[logical_id]["Properties"]
    return found
