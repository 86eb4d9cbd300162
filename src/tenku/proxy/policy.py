"""IAM policy documents returned by Lambda authorizers, evaluated against the ARN of the
method (REST, `methodArn`) or route (HTTP API, `routeArn`) being called:
`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`.

A statement applies when its Action covers `execute-api:Invoke` (`execute-api:*`, `*`)
and one of its Resources matches the ARN, with `*` matching any run of characters
(slashes included) and `?` exactly one. An applicable Deny wins over every Allow; no
applicable Allow is an implicit deny.

Pure functions; compiled resource patterns are memoised by text.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import Any


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"


class MalformedPolicy(ValueError):
    """The policy document is not one API Gateway can evaluate."""


def execute_api_arn(
    region: str, account: str, api_id: str, stage: str, method: str, path: str
) -> str:
    """The ARN a request is authorized against; `path` is the request path ("/a/b")."""
    resource = f"{api_id}/{stage}/{method.upper()}/{path.lstrip('/')}"
    return f"arn:aws:execute-api:{region}:{account}:{resource}"


@lru_cache(maxsize=1024)
def _pattern(resource: str) -> re.Pattern[str]:
    out = []
    for char in resource:
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def resource_matches(resource: str, arn: str) -> bool:
    return _pattern(resource).fullmatch(arn) is not None


def _as_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise MalformedPolicy(f"{what} must be a string or a list of strings")


def _action_covers(action: str) -> bool:
    lowered = action.lower()
    return lowered in ("*", "execute-api:*", "execute-api:invoke") or resource_matches(
        lowered, "execute-api:invoke"
    )


def statements(policy: Any) -> list[tuple[bool, list[str], list[str]]]:
    """(is_allow, actions, resources) per statement; MalformedPolicy if the document is
    not a policy."""
    if not isinstance(policy, dict):
        raise MalformedPolicy("policyDocument must be an object")
    raw = policy.get("Statement")
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise MalformedPolicy("policyDocument needs a Statement")
    out = []
    for statement in items:
        if not isinstance(statement, dict):
            raise MalformedPolicy("each Statement must be an object")
        effect = statement.get("Effect")
        if not isinstance(effect, str) or effect.capitalize() not in ("Allow", "Deny"):
            raise MalformedPolicy("Effect must be Allow or Deny")
        actions = _as_list(statement.get("Action"), "Action")
        resources = _as_list(statement.get("Resource"), "Resource")
        out.append((effect.capitalize() == "Allow", actions, resources))
    return out


def evaluate(policy: Any, arn: str) -> Decision:
    """The decision a policy document makes for one ARN."""
    allowed = False
    for is_allow, actions, resources in statements(policy):
        if not any(_action_covers(a) for a in actions):
            continue
        if not any(resource_matches(r, arn) for r in resources):
            continue
        if not is_allow:
            return Decision.EXPLICIT_DENY
        allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
