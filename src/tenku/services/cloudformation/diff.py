"""The resource changes of a change set: what executing it would add, modify (in place or
by replacement) and remove.

The new template is evaluated against the stack's current records in dependency order.
A value that cannot be known before execution (the physical id or attributes of a
resource that will be created or replaced) evaluates to a marker, and any property
holding the marker counts as changed; when such a property is one whose change needs a
replacement, `Replacement` is `Conditional`, as CloudFormation says.
Must not: act on resources.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tenku.deploy.graph import dependencies, waves
from tenku.deploy.intrinsics import Evaluator
from tenku.deploy.records import Record
from tenku.deploy.resources import HANDLERS

UNKNOWN = "{{tenku:resolved-at-execution}}"


class _Known:
    """Resource values as far as they are known before execution."""

    def __init__(self, records: dict[str, Record]) -> None:
        self.records = records
        self.renewed: set[str] = set()  # added or replaced: new physical id and attributes

    def ref(self, logical_id: str) -> Any:
        record = self.records.get(logical_id)
        if record is None or logical_id in self.renewed:
            return UNKNOWN
        return record.physical_id

    def attribute(self, logical_id: str, name: str) -> Any:
        record = self.records.get(logical_id)
        if record is None or logical_id in self.renewed:
            return UNKNOWN
        return record.attributes.get(name, UNKNOWN)


def _holds_unknown(value: Any) -> bool:
    return UNKNOWN in json.dumps(value, default=str)


def compute_changes(
    template: dict[str, Any],
    records: dict[str, Record],
    evaluator_for: Callable[[Any], Evaluator],
) -> list[dict[str, Any]]:
    """The `Changes` of DescribeChangeSet; TemplateError when the template cannot be
    evaluated (a missing export, a bad intrinsic)."""
    known = _Known(records)
    evaluator = evaluator_for(known)
    resources: dict[str, Any] = template.get("Resources") or {}
    active = {
        lid: d
        for lid, d in resources.items()
        if d.get("Condition") is None or evaluator.condition(str(d["Condition"]))
    }
    changes: list[dict[str, Any]] = []
    for wave in waves(dependencies(active)):
        for logical_id in wave:
            change = _change(logical_id, active[logical_id], records.get(logical_id), evaluator)
            if change is None:
                continue
            if change["Action"] == "Add" or change.get("Replacement") == "True":
                known.renewed.add(logical_id)
            changes.append(change)
    for logical_id, record in records.items():
        if logical_id not in active:
            changes.append(
                {
                    "Action": "Remove",
                    "LogicalResourceId": logical_id,
                    "PhysicalResourceId": record.physical_id,
                    "ResourceType": record.type,
                    "Scope": [],
                    "Details": [],
                    "PolicyAction": "Retain" if record.deletion_policy == "Retain" else "Delete",
                }
            )
    return [{"Type": "Resource", "ResourceChange": c} for c in changes]


def _change(
    logical_id: str, definition: dict[str, Any], old: Record | None, evaluator: Evaluator
) -> dict[str, Any] | None:
    kind = definition["Type"]
    base = {"LogicalResourceId": logical_id, "ResourceType": kind}
    if old is None:
        return {**base, "Action": "Add", "Scope": [], "Details": []}
    props = evaluator.resolve(definition.get("Properties") or {})
    props = props if isinstance(props, dict) else {}
    if old.type != kind:
        return {
            **base,
            "Action": "Modify",
            "PhysicalResourceId": old.physical_id,
            "Replacement": "True",
            "Scope": ["Properties"],
            "Details": [],
        }
    if props == old.properties and not _holds_unknown(props):
        return None
    changed = sorted(
        name
        for name in set(props) | set(old.properties)
        if props.get(name) != old.properties.get(name) or _holds_unknown(props.get(name))
    )
    handler = HANDLERS.get(kind)
    replacement = "False"
    if handler is not None:
        settled = {k: (old.properties.get(k) if _holds_unknown(v) else v) for k, v in props.items()}
        if handler.needs_replacement(old.properties, settled):
            replacement = "True"
        elif any(n in handler.replace_on and _holds_unknown(props.get(n)) for n in changed):
            replacement = "Conditional"
    details = [
        {
            "Target": {
                "Attribute": "Properties",
                "Name": name,
                "RequiresRecreation": "Always"
                if handler is not None and name in handler.replace_on
                else "Never",
            },
            "Evaluation": "Dynamic" if _holds_unknown(props.get(name)) else "Static",
            "ChangeSource": "DirectModification",
        }
        for name in changed
    ]
    return {
        **base,
        "Action": "Modify",
        "PhysicalResourceId": old.physical_id,
        "Replacement": replacement,
        "Scope": ["Properties"],
        "Details": details,
    }
