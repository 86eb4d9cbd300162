"""Evaluating CloudFormation's intrinsic functions, conditions and pseudo parameters.

`Evaluator.resolve(value)` walks a template fragment and replaces every intrinsic with
its value: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::If` (with `AWS::NoValue`
removing the key or element), `Fn::Equals`/`And`/`Or`/`Not`, `Fn::Select`, `Fn::Split`,
`Fn::FindInMap`, `Fn::GetAZs`, `Fn::Base64`, `Fn::Cidr`, `Fn::ImportValue`,
`Fn::ToJsonString`, `Fn::Length`. Values of resources come from a `ResourceValues`
lookup the stack engine fills as resources are created, so evaluation follows the
dependency order (`graph.py`). Errors are `TemplateError`s with CloudFormation's text.
Must not: create anything or call any API.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from tenku.deploy.errors import TemplateError

NO_VALUE = object()  # what `Ref: AWS::NoValue` evaluates to; removed from its container

CONDITION_FUNCTIONS = ("Fn::And", "Fn::Equals", "Fn::If", "Fn::Not", "Fn::Or")
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class ResourceValues(Protocol):
    def ref(self, logical_id: str) -> Any:
        """What `Ref` of the resource gives (usually its physical id)."""
        ...

    def attribute(self, logical_id: str, name: str) -> Any:
        """What `Fn::GetAtt` of the resource gives; TemplateError if it has no such."""
        ...


def pseudo_parameters(account: str, region: str, stack_name: str, stack_id: str) -> dict[str, Any]:
    return {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
    }


class Evaluator:
    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, Any],
        pseudo: dict[str, Any],
        resources: ResourceValues,
        imports: Callable[[str], Any] | None = None,
    ) -> None:
        self.template = template
        self.parameters = parameters
        self.pseudo = pseudo
        self.resources = resources
        self.imports = imports
        self.mappings: dict[str, Any] = template.get("Mappings") or {}
        self._condition_specs: dict[str, Any] = template.get("Conditions") or {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        self.logical_ids = set((template.get("Resources") or {}).keys())

    # -- conditions ----------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        if name not in self._condition_specs:
            raise TemplateError(
                f"Template format error: Unresolved condition dependencies {name} in the "
                "Conditions block of the template"
            )
        if name in self._evaluating:
            raise TemplateError(f"Template error: Circular condition dependency on {name}")
        self._evaluating.add(name)
        try:
            value = self._truth(self._condition_specs[name], f"condition {name}")
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = value
        return value

    def _truth(self, spec: Any, where: str) -> bool:
        if isinstance(spec, dict) and len(spec) == 1:
            ((key, _),) = spec.items()
            if key == "Condition":
                return self.condition(str(spec[key]))
            if key in CONDITION_FUNCTIONS:
                value = self.resolve(spec)
                if isinstance(value, bool):
                    return value
        if isinstance(spec, bool):
            return spec
        if isinstance(spec, str) and spec.lower() in ("true", "false"):
            return spec.lower() == "true"
        raise TemplateError(
            f"Template error: {where} must be a condition function or a Condition reference"
        )

    # -- evaluation ----------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic evaluated; NO_VALUE when it is `AWS::NoValue`."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                handler = _HANDLERS.get(key)
                if handler is not None:
                    return handler(self, argument)
            out = {}
            for key, item in value.items():
                resolved = self.resolve(item)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(item) for item in value) if r is not NO_VALUE]
        return value

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise TemplateError("Template error: Ref must reference a string")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.logical_ids:
            return self.resources.ref(name)
        raise TemplateError(
            f"Template format error: Unresolved resource dependencies [{name}] in the "
            "Resources block of the template"
        )

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(
                "Template error: every Fn::GetAtt object requires two non-empty parameters"
            )
        logical_id, attribute = argument[0], self.resolve(argument[1])
        if not isinstance(logical_id, str) or not isinstance(attribute, str) or not attribute:
            raise TemplateError(
                "Template error: every Fn::GetAtt object requires two non-empty parameters"
            )
        if logical_id not in self.logical_ids:
            raise TemplateError(
                f"Template error: instance of Fn::GetAtt references undefined resource {logical_id}"
            )
        return self.resources.attribute(logical_id, attribute)

    def _sub(self, argument: Any) -> Any:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], dict)
        ):
            text, variables = argument[0], {k: self.resolve(v) for k, v in argument[1].items()}
        else:
            raise TemplateError(
                "Template error: One or more Fn::Sub intrinsic functions don't specify "
                "expected arguments. Specify a string as first argument, and an optional "
                "second argument to specify a mapping of values to replace in the string"
            )

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                found = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.logical_ids:
                found = self._get_att(name.split(".", 1))
            else:
                found = self._ref(name)
            return _text(found)

        return _SUB_VARIABLE.sub(substitute, text)

    def _join(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError("Template error: Fn::Join requires a list of two elements")
        delimiter, items = argument[0], self.resolve(argument[1])
        if not isinstance(delimiter, str) or not isinstance(items, list):
            raise TemplateError(
                "Template error: every Fn::Join object requires two parameters, (1) a string "
                "delimiter and (2) a list of strings to be joined or a function that returns a "
                "list of strings (such as Fn::GetAZs) to be joined."
            )
        return delimiter.join(_text(item) for item in items)

    def _select(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError("Template error: Fn::Select requires a list of two elements")
        index, items = self.resolve(argument[0]), self.resolve(argument[1])
        try:
            position = int(index)
        except (TypeError, ValueError) as error:
            raise TemplateError("Template error: Fn::Select index must be an integer") from error
        if not isinstance(items, list):
            raise TemplateError("Template error: Fn::Select requires a list to select from")
        if not 0 <= position < len(items):
            raise TemplateError(
                f"Template error: Fn::Select cannot select nonexistent value at index {position}"
            )
        return items[position]

    def _split(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError("Template error: Fn::Split requires a list of two elements")
        delimiter, text = argument[0], self.resolve(argument[1])
        if not isinstance(delimiter, str) or not isinstance(text, str):
            raise TemplateError(
                "Template error: every Fn::Split object requires two parameters, (1) a string "
                "delimiter and (2) a string to be split or a function that returns a string to "
                "be split."
            )
        return text.split(delimiter)

    def _find_in_map(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise TemplateError("Template error: Fn::FindInMap requires 3 arguments")
        default = None
        if len(argument) == 4 and isinstance(argument[3], dict):
            default = argument[3].get("DefaultValue")
        name, top, second = (self.resolve(a) for a in argument[:3])
        mapping = self.mappings.get(name)
        if mapping is None:
            raise TemplateError(
                f"Template error: Mapping named '{name}' is not present in the "
                "'Mappings' section of template"
            )
        found = None
        if isinstance(mapping, dict):
            found = (mapping.get(str(top)) or {}).get(str(second))
        if found is None:
            if default is not None:
                return self.resolve(default)
            raise TemplateError(
                f"Template error: Unable to get mapping for {name}::{top}::{second}"
            )
        return found

    def _get_azs(self, argument: Any) -> Any:
        region = self.resolve(argument) or self.pseudo["AWS::Region"]
        return [f"{region}{letter}" for letter in "abc"]

    def _base64(self, argument: Any) -> Any:
        return base64.b64encode(_text(self.resolve(argument)).encode()).decode("ascii")

    def _cidr(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3:
            raise TemplateError("Template error: Fn::Cidr requires 3 arguments")
        block, count, bits = (self.resolve(a) for a in argument)
        try:
            network = ipaddress.ip_network(str(block), strict=False)
            prefix = network.max_prefixlen - int(bits)
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(int(count))]
        except (ValueError, StopIteration) as error:
            message = f"Template error: Fn::Cidr cannot split {block}: {error}"
            raise TemplateError(message) from error

    def _import_value(self, argument: Any) -> Any:
        name = self.resolve(argument)
        if self.imports is None:
            raise TemplateError(f"No export named {name} found.")
        return self.imports(str(name))

    def _if(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[0], str):
            raise TemplateError(
                "Template error: Fn::If requires a list argument with three elements"
            )
        return self.resolve(argument[1] if self.condition(argument[0]) else argument[2])

    def _equals(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError("Template error: Fn::Equals requires a list of two elements")
        left, right = (_comparable(self.resolve(a)) for a in argument)
        return left == right

    def _and(self, argument: Any) -> Any:
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            raise TemplateError("Template error: Fn::And requires a list of 2 to 10 conditions")
        return all(self._truth(item, "Fn::And element") for item in argument)

    def _or(self, argument: Any) -> Any:
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            raise TemplateError("Template error: Fn::Or requires a list of 2 to 10 conditions")
        return any(self._truth(item, "Fn::Or element") for item in argument)

    def _not(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 1:
            raise TemplateError(
                "Template error: Fn::Not requires a list argument with one function token"
            )
        return not self._truth(argument[0], "Fn::Not element")

    def _condition_ref(self, argument: Any) -> Any:
        return self.condition(str(argument))

    def _to_json_string(self, argument: Any) -> Any:
        return json.dumps(self.resolve(argument), separators=(",", ":"))

    def _length(self, argument: Any) -> Any:
        items = self.resolve(argument)
        if not isinstance(items, list):
            raise TemplateError("Template error: Fn::Length requires a list")
        return len(items)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    raise TemplateError(
        f"Template error: a value of type {type(value).__name__} cannot be used as a string"
    )


def _comparable(value: Any) -> Any:
    return _text(value) if isinstance(value, (int, float, bool)) else value


_HANDLERS: dict[str, Callable[[Evaluator, Any], Any]] = {
    "Ref": Evaluator._ref,
    "Fn::GetAtt": Evaluator._get_att,
    "Fn::Sub": Evaluator._sub,
    "Fn::Join": Evaluator._join,
    "Fn::Select": Evaluator._select,
    "Fn::Split": Evaluator._split,
    "Fn::FindInMap": Evaluator._find_in_map,
    "Fn::GetAZs": Evaluator._get_azs,
    "Fn::Base64": Evaluator._base64,
    "Fn::Cidr": Evaluator._cidr,
    "Fn::ImportValue": Evaluator._import_value,
    "Fn::If": Evaluator._if,
    "Fn::Equals": Evaluator._equals,
    "Fn::And": Evaluator._and,
    "Fn::Or": Evaluator._or,
    "Fn::Not": Evaluator._not,
    "Condition": Evaluator._condition_ref,
    "Fn::ToJsonString": Evaluator._to_json_string,
    "Fn::Length": Evaluator._length,
}
