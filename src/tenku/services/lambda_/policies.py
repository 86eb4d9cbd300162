"""Resource-based policies of functions: AddPermission, RemovePermission, GetPolicy.

Lambda keeps one policy document per function, published version and alias, and
builds each statement from the AddPermission members exactly as AWS shows it in
GetPolicy (`Version` 2012-10-17, `Id` "default", a `Principal` of `{"Service": …}`,
`{"AWS": arn}` or `*`, and `Condition`s from SourceArn, SourceAccount, PrincipalOrgID,
FunctionUrlAuthType, EventSourceToken). Policies are stored and returned, not enforced.
Mixed into `LambdaProvider`. Must not: evaluate policies or see HTTP objects.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.ids import new_uuid
from tenku.services.lambda_ import models
from tenku.services.lambda_.errors import (
    conflict,
    function_not_found,
    invalid_parameter,
    no_such_resource,
    not_found,
    policy_too_long,
    precondition_failed,
)
from tenku.services.lambda_.invocation import Invocations
from tenku.services.lambda_.store import FunctionRow

MAX_POLICY_BYTES = 20_480
_ACCOUNT = re.compile(r"\d{12}")
_SERVICE = re.compile(r"[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+")


def principal_of(principal: str) -> str | dict[str, str]:
    """The statement's Principal for AddPermission's Principal member."""
    if principal == "*":
        return "*"
    if _ACCOUNT.fullmatch(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    if _SERVICE.fullmatch(principal):
        return {"Service": principal}
    raise invalid_parameter(
        "The provided principal was invalid. Please check the principal and try again."
    )


def build_statement(
    sid: str,
    action: str,
    principal: str,
    resource: str,
    *,
    source_arn: str | None = None,
    source_account: str | None = None,
    principal_org_id: str | None = None,
    function_url_auth_type: str | None = None,
    invoked_via_function_url: bool | None = None,
    event_source_token: str | None = None,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_of(principal),
        "Action": action,
        "Resource": resource,
    }
    equals: dict[str, str] = {}
    if source_account:
        equals["AWS:SourceAccount"] = source_account
    if principal_org_id:
        equals["aws:PrincipalOrgID"] = principal_org_id
    if function_url_auth_type:
        equals["lambda:FunctionUrlAuthType"] = function_url_auth_type
    if event_source_token:
        equals["lambda:EventSourceToken"] = event_source_token
    condition: dict[str, Any] = {}
    if equals:
        condition["StringEquals"] = equals
    if source_arn:
        condition["ArnLike"] = {"AWS:SourceArn": source_arn}
    if invoked_via_function_url:
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    if condition:
        statement["Condition"] = condition
    return statement


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class ResourcePolicies(Invocations):
    def _policy_target(
        self, ctx: RequestContext, function_name: str, qualifier: str | None, *, adding: bool
    ) -> tuple[FunctionRow, str, str]:
        """(function, stored qualifier key, resource ARN) a policy call is about."""
        ref = models.parse_function_ref(ctx.scope, function_name, qualifier)
        fn = self.require_function(ref)
        wanted = ref.qualifier or ""
        if wanted == models.LATEST:
            if adding:
                raise invalid_parameter("We currently do not support adding policies for $LATEST.")
            wanted = ""
        if wanted:
            known = (
                self.store.version(fn.id, wanted)
                if models.is_version(wanted)
                else self.store.alias(fn.id, wanted)
            )
            if known is None:
                raise function_not_found(models.function_arn(fn.scope, fn.name, wanted))
        return fn, wanted, models.function_arn(fn.scope, fn.name, wanted or None)

    def _target_revision(self, fn: FunctionRow, qualifier: str) -> str | None:
        """The revision a policy change is checked against when no policy exists yet."""
        if not qualifier:
            config = self.store.version(fn.id, models.LATEST)
        elif models.is_version(qualifier):
            config = self.store.version(fn.id, qualifier)
        else:
            config = self.store.alias(fn.id, qualifier)
        return str(config["RevisionId"]) if config and config.get("RevisionId") else None

    def _check_policy_revision(
        self,
        fn: FunctionRow,
        qualifier: str,
        current: tuple[dict[str, Any], str] | None,
        revision_id: str | None,
    ) -> None:
        if not revision_id:
            return
        expected = current[1] if current else self._target_revision(fn, qualifier)
        if revision_id != expected:
            raise precondition_failed("GetPolicy")

    def add_permission(
        self,
        ctx: RequestContext,
        function_name: str,
        statement_id: str,
        action: str,
        principal: str,
        source_arn: str | None = None,
        source_account: str | None = None,
        event_source_token: str | None = None,
        qualifier: str | None = None,
        revision_id: str | None = None,
        principal_org_id: str | None = None,
        function_url_auth_type: str | None = None,
        invoked_via_function_url: bool | None = None,
    ) -> dict[str, Any]:
        fn, wanted, resource = self._policy_target(ctx, function_name, qualifier, adding=True)
        statement = build_statement(
            statement_id,
            action,
            principal,
            resource,
            source_arn=source_arn,
            source_account=source_account,
            principal_org_id=principal_org_id,
            function_url_auth_type=function_url_auth_type,
            invoked_via_function_url=invoked_via_function_url,
            event_source_token=event_source_token,
        )
        with self.store.transaction():
            current = self.store.policy(fn.id, wanted)
            self._check_policy_revision(fn, wanted, current, revision_id)
            policy: dict[str, Any] = (
                current[0] if current else {"Version": "2012-10-17", "Id": "default"}
            )
            statements = list(policy.get("Statement") or [])
            if any(s.get("Sid") == statement_id for s in statements):
                raise conflict(
                    f"The statement id ({statement_id}) provided already exists. Please specify "
                    "a new statement id, or remove the existing statement."
                )
            statements.append(statement)
            policy["Statement"] = statements
            size = len(_compact(policy))
            if size > MAX_POLICY_BYTES:
                raise policy_too_long(size, MAX_POLICY_BYTES)
            self.store.put_policy(fn.id, wanted, policy, new_uuid())
        return {"Statement": _compact(statement)}

    def remove_permission(
        self,
        ctx: RequestContext,
        function_name: str,
        statement_id: str,
        qualifier: str | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        fn, wanted, _ = self._policy_target(ctx, function_name, qualifier, adding=False)
        with self.store.transaction():
            current = self.store.policy(fn.id, wanted)
            if current is None:
                raise not_found("No policy is associated with the given resource.")
            self._check_policy_revision(fn, wanted, current, revision_id)
            policy = current[0]
            statements = [s for s in policy.get("Statement") or [] if s.get("Sid") != statement_id]
            if len(statements) == len(policy.get("Statement") or []):
                raise not_found(f"Statement {statement_id} is not found in resource policy.")
            if statements:
                policy["Statement"] = statements
                self.store.put_policy(fn.id, wanted, policy, new_uuid())
            else:
                self.store.delete_policy(fn.id, wanted)
        return {}

    def get_policy(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        fn, wanted, _ = self._policy_target(ctx, function_name, qualifier, adding=False)
        current = self.store.policy(fn.id, wanted)
        if current is None:
            raise no_such_resource()
        return {"Policy": _compact(current[0]), "RevisionId": current[1]}
