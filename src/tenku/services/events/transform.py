"""What a target receives: Input, InputPath (a JSONPath subset) and InputTransformer.

`InputPath` and the paths of `InputPathsMap` accept `$`, dotted names, bracketed quoted
names and array indexes (`$.detail.items[0]['odd name']`). An `InputTemplate` is read
the way EventBridge reads it: when the template (placeholders aside) is JSON, a
variable inside a JSON string is inserted as text (escaped), and outside a string as
JSON (so strings gain quotes); a template that is not JSON gets plain text. The
predefined variables are `aws.events.rule-arn`, `aws.events.rule-name`,
`aws.events.event.ingestion-time`, `aws.events.event` (the event without `detail`) and
`aws.events.event.json` (the whole event), both inserted as raw JSON.
Must not: deliver anything.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tenku.patterns.matching import to_json

_PATH_STEP = re.compile(r"""\.([^.\[\]]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]""")
_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
_MISSING = object()
PREDEFINED = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)


class PathError(ValueError):
    """A JSONPath outside the supported subset."""


def parse_path(path: str) -> list[str | int]:
    """The steps of a JSONPath (`$` alone is the whole document)."""
    text = path.strip()
    if not text.startswith("$"):
        raise PathError(path)
    steps: list[str | int] = []
    position = 1
    while position < len(text):
        step = _PATH_STEP.match(text, position)
        if step is None:
            raise PathError(path)
        name, index, single, double = step.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(name if name is not None else single if single is not None else double)
        position = step.end()
    return steps


def extract(document: Any, path: str) -> Any:
    """The value at `path`, or `_MISSING`."""
    value = document
    for step in parse_path(path):
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return _MISSING
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return _MISSING
            value = value[step]
    return value


def input_path(event: Any, path: str) -> str:
    """The target input for an InputPath: the selected value as JSON."""
    value = extract(event, path)
    return "null" if value is _MISSING else to_json(value)


def render_template(
    template: str,
    paths: dict[str, str],
    event: Any,
    *,
    rule_arn: str,
    rule_name: str,
    ingestion_time: str,
) -> str:
    values: dict[str, Any] = {name: extract(event, path) for name, path in paths.items()}
    values["aws.events.rule-arn"] = rule_arn
    values["aws.events.rule-name"] = rule_name
    values["aws.events.event.ingestion-time"] = ingestion_time
    raw = {
        "aws.events.event": to_json({k: v for k, v in event.items() if k != "detail"}),
        "aws.events.event.json": to_json(event),
    }
    json_mode = _is_json(_PLACEHOLDER.sub(lambda m: _dummy(m.group(1), values, raw), template))
    out: list[str] = []
    in_string = False
    position = 0
    while position < len(template):
        ch = template[position]
        if ch == "<":
            found = _PLACEHOLDER.match(template, position)
            if found and (found.group(1) in values or found.group(1) in raw):
                out.append(_insert(found.group(1), values, raw, json_mode, in_string))
                position = found.end()
                continue
        if json_mode and ch == "\\" and in_string:
            out.append(template[position : position + 2])
            position += 2
            continue
        if json_mode and ch == '"':
            in_string = not in_string
        out.append(ch)
        position += 1
    return "".join(out)


def _dummy(name: str, values: dict[str, Any], raw: dict[str, str]) -> str:
    return "null" if name in values or name in raw else f"<{name}>"


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _insert(
    name: str, values: dict[str, Any], raw: dict[str, str], json_mode: bool, in_string: bool
) -> str:
    if name in raw:
        return raw[name]
    value = values[name]
    if value is _MISSING:
        return "null" if json_mode and not in_string else ""
    if not json_mode:
        return value if isinstance(value, str) else to_json(value)
    if in_string:
        text = value if isinstance(value, str) else to_json(value)
        return json.dumps(text, ensure_ascii=False)[1:-1]
    return to_json(value)
