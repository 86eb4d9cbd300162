"""Checking a whole template before anything is created, and what it asks of the caller.

`check_template()` refuses, with CloudFormation's `Template format error: ...` words,
what the service refuses at CreateStack/UpdateStack/CreateChangeSet time: unknown
top-level sections, no resources, resources without a Type, unknown resource types
(unless skipped), references (`Ref`, `Fn::GetAtt`) to names that do not exist,
`DependsOn` on unknown resources, circular dependencies, outputs without a Value.
`required_capabilities()` says which capability (`CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM`)
the IAM resources of an expanded template need, and why.
Must not: evaluate values (that is `intrinsics.py`) or create anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tenku.deploy.errors import TemplateError
from tenku.deploy.graph import (
    dependencies,
    undefined_getatt_targets,
    unresolved_references,
    waves,
)

SECTIONS = frozenset(
    (
        "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
        "Mappings", "Conditions", "Transform", "Resources", "Outputs", "Hooks",
    )
)  # fmt: skip

# IAM types CloudFormation asks an acknowledgement for, and the property that names one.
IAM_TYPES: dict[str, str | None] = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
}


def check_sections(template: dict[str, Any]) -> None:
    # SAM's `Globals` section is read by the transform, which runs after this check.
    sam_globals = {"Globals"} if "Transform" in template else set()
    unknown = sorted(str(key) for key in template if key not in SECTIONS | sam_globals)
    if unknown:
        raise TemplateError(
            f"Template format error: Invalid template property or properties [{', '.join(unknown)}]"
        )
    version = template.get("AWSTemplateFormatVersion")
    if version is not None and str(version) != "2010-09-09":
        raise TemplateError(
            f"Template format error: Unsupported template version {version}. "
            "Supported version is 2010-09-09"
        )
    resources = template.get("Resources")
    if resources is not None and not isinstance(resources, dict):
        raise TemplateError(
            "Template format error: Resources must be a JSON object (a YAML mapping)."
        )
    if not resources:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    for logical_id, definition in resources.items():
        if not isinstance(definition, dict) or not isinstance(definition.get("Type"), str):
            raise TemplateError(
                f"Template format error: [/Resources/{logical_id}] Every Resources object "
                "must contain a Type member."
            )
    parameters = template.get("Parameters") or {}
    if not isinstance(parameters, dict):
        raise TemplateError("Template format error: Parameters must be a JSON object.")
    for name, spec in parameters.items():
        if not isinstance(spec, dict) or "Type" not in spec:
            raise TemplateError(
                f"Template format error: [/Parameters/{name}] Every Parameters object must "
                "contain a Type member."
            )


def check_template(
    template: dict[str, Any], known_types: Iterable[str], skip_unknown: bool = False
) -> None:
    """Raise TemplateError for what CloudFormation would refuse in a processed template."""
    check_sections(template)
    resources: dict[str, Any] = template["Resources"]
    known = set(known_types)
    if not skip_unknown:
        unknown = sorted(
            {
                d["Type"]
                for d in resources.values()
                if d["Type"] not in known and not d["Type"].startswith("Custom::")
            }
        )
        if unknown:
            raise TemplateError(
                f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]"
            )
    parameters = set(template.get("Parameters") or {})
    missing = unresolved_references(template, parameters)
    if missing:
        raise TemplateError(
            "Template format error: Unresolved resource dependencies "
            f"[{', '.join(missing)}] in the Resources block of the template"
        )
    undefined = undefined_getatt_targets(template)
    if undefined:
        raise TemplateError(
            f"Template error: instance of Fn::GetAtt references undefined resource {undefined[0]}"
        )
    conditions = template.get("Conditions") or {}
    for logical_id, definition in resources.items():
        condition = definition.get("Condition")
        if condition is not None and condition not in conditions:
            raise TemplateError(
                f"Template error: unresolved condition dependency {condition} in "
                f"Resources/{logical_id}"
            )
    waves(dependencies(resources))
    outputs = template.get("Outputs") or {}
    if not isinstance(outputs, dict):
        raise TemplateError("Template format error: Outputs must be a JSON object.")
    for name, output in outputs.items():
        if not isinstance(output, dict) or "Value" not in output:
            raise TemplateError(
                f"Template format error: Every Outputs member must contain a Value object "
                f"(Outputs/{name})"
            )


def required_capabilities(template: dict[str, Any]) -> tuple[list[str], str]:
    """(capabilities the IAM resources need, CloudFormation's reason), or ([], "")."""
    resources = template.get("Resources") or {}
    iam = [
        (lid, d)
        for lid, d in resources.items()
        if isinstance(d, dict) and d.get("Type") in IAM_TYPES
    ]
    if not iam:
        return [], ""
    named = []
    for _lid, definition in iam:
        name_property = IAM_TYPES[definition["Type"]]
        props = definition.get("Properties") or {}
        if name_property and isinstance(props, dict) and props.get(name_property) is not None:
            named.append(definition["Type"])
    why = "The following resource(s) require capabilities: [{}]"
    if named:
        return ["CAPABILITY_NAMED_IAM"], why.format(", ".join(sorted(set(named))))
    return ["CAPABILITY_IAM"], why.format(", ".join(sorted({d["Type"] for _, d in iam})))


def missing_capability(template: dict[str, Any], granted: Iterable[str]) -> str | None:
    """The capability the caller has not granted, if any."""
    needed, _ = required_capabilities(template)
    given = set(granted)
    if not needed:
        return None
    if needed == ["CAPABILITY_NAMED_IAM"]:
        return None if "CAPABILITY_NAMED_IAM" in given else "CAPABILITY_NAMED_IAM"
    return None if given & {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"} else "CAPABILITY_IAM"
