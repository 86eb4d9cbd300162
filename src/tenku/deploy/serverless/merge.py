"""Putting the user's `resources`, `extensions` and `outputs` into the generated template,
and settling references to resources that no part of the template defines.

`resources.Resources`/`Outputs` are merged into the generated ones the way the Framework
merges them (lodash `merge`: objects deeply, lists item by item), so a user may override
`HelloLambdaFunction.Properties.Timeout`. `resources.extensions` may only extend
generated resources. v4's top-level `outputs` become stack outputs.
References to missing logical ids are CloudFormation's `Unresolved resource
dependencies` error; unless `strict`, two cases common in guides are completed instead,
each with a warning: entries of the execution role's statements (Tenku does not enforce
IAM) are dropped, and a Cognito issuer/audience of a JWT authorizer gets a user pool and
client made for it (so `tenku token` can sign tokens the authorizer accepts).
Must not: compile events or functions.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tenku.deploy.serverless.context import ROLE_ID, Build, as_list
from tenku.deploy.serverless.errors import ServerlessError

_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")
_SECTIONS = ("Conditions", "Mappings", "Metadata", "Parameters", "Transform", "Rules")


def lodash_merge(target: Any, source: Any) -> Any:
    if isinstance(target, dict) and isinstance(source, dict):
        for key, value in source.items():
            target[key] = lodash_merge(target[key], value) if key in target else value
        return target
    if isinstance(target, list) and isinstance(source, list):
        for index, value in enumerate(source):
            if index < len(target):
                target[index] = lodash_merge(target[index], value)
            else:
                target.append(value)
        return target
    return source


def merge_resources(build: Build, template: dict[str, Any]) -> None:
    blocks = as_list(build.config.get("resources"))
    for block in blocks:
        if not isinstance(block, dict):
            raise ServerlessError('Configuration error at "resources": must be object')
        lodash_merge(template["Resources"], block.get("Resources") or {})
        lodash_merge(template["Outputs"], block.get("Outputs") or {})
        if block.get("Description"):
            template["Description"] = block["Description"]
        for section in _SECTIONS:
            if block.get(section):
                if isinstance(block[section], dict):
                    template.setdefault(section, {}).update(block[section])
                else:
                    template[section] = block[section]
        for logical_id, extension in (block.get("extensions") or {}).items():
            _extend(template, logical_id, extension)
    for name, value in (build.config.get("outputs") or {}).items():
        text = value if isinstance(value, str) or _is_intrinsic(value) else json.dumps(value)
        template["Outputs"][re.sub(r"[^0-9A-Za-z]", "", str(name))] = {"Value": text}


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and (
        next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))  # fmt: skip


def _extend(template: dict[str, Any], logical_id: str, extension: Any) -> None:
    target = template["Resources"].get(logical_id)
    if target is None:
        raise ServerlessError(
            f'Resource "{logical_id}" is not defined in the template: "resources.extensions" '
            "can only extend generated resources"
        )
    for key, value in (extension or {}).items():
        if key in ("Properties", "Metadata"):
            target[key] = lodash_merge(target.get(key) or {}, value)
        elif key == "DependsOn":
            target[key] = [*as_list(target.get(key)), *as_list(value)]
        elif key in ("Condition", "DeletionPolicy", "UpdatePolicy", "UpdateReplacePolicy"):
            target[key] = value
        else:
            raise ServerlessError(f'"resources.extensions.{logical_id}": unsupported key "{key}"')


def references(value: Any, local: frozenset[str] = frozenset()) -> set[str]:
    """Logical ids named by `Ref`, `Fn::GetAtt` and `Fn::Sub` in `value`."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item.split(".", 1)[0] if isinstance(item, str) else (item or [None])[0]
                if isinstance(target, str):
                    found.add(target)
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                names = set(item[1]) if isinstance(item, list) and len(item) > 1 else set()
                for match in _SUB_NAME.finditer(text if isinstance(text, str) else ""):
                    found.add(match.group(1).strip().split(".", 1)[0])
                found -= names
                if isinstance(item, list):
                    found |= references(item[1:])
            else:
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return {name for name in found if not name.startswith("AWS::")}


def missing_references(template: dict[str, Any]) -> list[str]:
    defined = set(template["Resources"]) | set(template.get("Parameters") or {})
    named = references(template["Resources"]) | references(template["Outputs"])
    for definition in template["Resources"].values():
        if isinstance(definition, dict):
            named |= {str(d) for d in as_list(definition.get("DependsOn"))}
    return sorted(named - defined)


def settle_references(build: Build, template: dict[str, Any], strict: bool) -> None:
    missing = missing_references(template)
    if missing and not strict:
        _complete_cognito(build, template, set(missing))
        _drop_role_entries(build, template, set(missing))
        missing = missing_references(template)
    if missing:
        raise ServerlessError(
            f"Template format error: Unresolved resource dependencies [{', '.join(missing)}] "
            "in the Resources block of the template"
        )


def _complete_cognito(build: Build, template: dict[str, Any], missing: set[str]) -> None:
    for definition in list(template["Resources"].values()):
        if definition.get("Type") != "AWS::ApiGatewayV2::Authorizer":
            continue
        jwt = (definition.get("Properties") or {}).get("JwtConfiguration") or {}
        issuer = jwt.get("Issuer")
        if "cognito-idp" not in json.dumps(issuer):
            continue
        pools = sorted(references(issuer) & missing)
        for pool in pools:
            template["Resources"][pool] = {
                "Type": "AWS::Cognito::UserPool",
                "Properties": {"UserPoolName": f"{build.service}-{build.stage}-{pool}"},
            }
            build.warn(
                f'"{pool}" is named by the issuer of a JWT authorizer but defined nowhere: '
                "Tenku made a Cognito user pool for it (CloudFormation would refuse the "
                "template)"
            )
        if len(pools) != 1:
            continue
        for client in sorted(references(jwt.get("Audience")) & missing):
            template["Resources"][client] = {"Type": "AWS::Cognito::UserPoolClient",
                                             "Properties": {
                "UserPoolId": {"Ref": pools[0]}, "ClientName": client, "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                      "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"]}}  # fmt: skip
            build.warn(
                f'"{client}" is named by the audience of a JWT authorizer but defined '
                f'nowhere: Tenku made a client of the user pool "{pools[0]}" for it'
            )


def _drop_role_entries(build: Build, template: dict[str, Any], missing: set[str]) -> None:
    role = template["Resources"].get(ROLE_ID)
    if not role:
        return
    for policy in role["Properties"].get("Policies") or []:
        document = policy.get("PolicyDocument") or {}
        kept_statements = []
        for statement in document.get("Statement") or []:
            resources = as_list(statement.get("Resource"))
            kept = [r for r in resources if not references(r) & missing]
            dropped = sorted({n for r in resources for n in references(r) & missing})
            if dropped:
                build.warn(
                    f"IAM role statement resources name {dropped}, which no resource "
                    "defines: Tenku does not enforce IAM, so those entries were dropped "
                    "(CloudFormation would refuse the template)"
                )
            if kept or not resources:
                if dropped:
                    statement = {**statement, "Resource": kept}
                kept_statements.append(statement)
        document["Statement"] = kept_statements
