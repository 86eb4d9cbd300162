"""Stack outputs and the exports between stacks of one account and region.

`evaluate_outputs()` turns a template's Outputs into DescribeStacks' `Outputs` (with
`ExportName`), `check_exports()` refuses what CloudFormation refuses when a stack's
exports change: a name another stack exports already, and removing or changing an
export that another stack imports.
Must not: store anything (the runner does).
"""

from __future__ import annotations

from typing import Any

from tenku.deploy.errors import TemplateError
from tenku.deploy.intrinsics import NO_VALUE, Evaluator
from tenku.services.cloudformation.models import Stack


def _text(value: Any) -> str:
    if value is NO_VALUE or value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        raise TemplateError("Template error: every Outputs Value must be a string or a list")
    return str(value)


def evaluate_outputs(template: dict[str, Any], evaluator: Evaluator) -> list[dict[str, str]]:
    outputs: list[dict[str, str]] = []
    for key, spec in (template.get("Outputs") or {}).items():
        condition = spec.get("Condition")
        if condition is not None and not evaluator.condition(str(condition)):
            continue
        output = {"OutputKey": str(key), "OutputValue": _text(evaluator.resolve(spec["Value"]))}
        if spec.get("Description") is not None:
            output["Description"] = _text(evaluator.resolve(spec["Description"]))
        export = spec.get("Export")
        if isinstance(export, dict) and export.get("Name") is not None:
            name = _text(evaluator.resolve(export["Name"]))
            if not name:
                raise TemplateError(f"Template error: Output {key} has an empty export name")
            output["ExportName"] = name
        outputs.append(output)
    return outputs


def importers(stacks: list[Stack], export_name: str, other_than: str) -> list[str]:
    return [s.name for s in stacks if s.stack_id != other_than and export_name in s.imports]


def check_exports(
    stack: Stack, before: dict[str, str], after: dict[str, str], stacks: list[Stack]
) -> None:
    """`stacks` are the live stacks of the scope (the deploying one included)."""
    for name in after:
        owner = next(
            (s for s in stacks if s.stack_id != stack.stack_id and name in s.exports()), None
        )
        if owner is not None:
            raise TemplateError(
                f"Export with name {name} is already exported by stack {owner.name}"
            )
    for name, value in before.items():
        users = importers(stacks, name, stack.stack_id)
        if not users:
            continue
        if name not in after:
            raise TemplateError(f"Export {name} cannot be deleted as it is in use by {users[0]}")
        if after[name] != value:
            raise TemplateError(f"Cannot update export {name} as it is in use by {users[0]}")


def find_export(stacks: list[Stack], name: str) -> tuple[Stack, str] | None:
    for stack in stacks:
        exports = stack.exports()
        if name in exports:
            return stack, exports[name]
    return None
