"""Group operations: CreateGroup, GetGroup, ListGroups, DeleteGroup, UpdateGroup,
AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.

Groups reach tokens as `cognito:groups` (see `claims.py`). Must not: sign tokens.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.services.cognito_idp.base import CognitoBase
from tenku.services.cognito_idp.errors import group_exists, group_not_found
from tenku.services.cognito_idp.store import Group, Pool

JsonDict = dict[str, Any]


def _describe(group: Group) -> JsonDict:
    out: JsonDict = {
        "GroupName": group.name,
        "UserPoolId": group.pool_id,
        "LastModifiedDate": group.modified,
        "CreationDate": group.created,
    }
    if group.description is not None:
        out["Description"] = group.description
    if group.role_arn is not None:
        out["RoleArn"] = group.role_arn
    if group.precedence is not None:
        out["Precedence"] = group.precedence
    return out


def _page(items: list[Any], limit: int | None, token: str | None) -> tuple[list[Any], str | None]:
    start = int(token) if token and token.isdigit() else 0
    size = limit or 60
    page = items[start : start + size]
    return page, (str(start + size) if start + size < len(items) else None)


class Groups(CognitoBase):
    def _group(self, pool: Pool, name: str) -> Group:
        group = self.store.group(pool.id, name)
        if group is None:
            raise group_not_found()
        return group

    def create_group(
        self,
        ctx: RequestContext,
        group_name: str,
        user_pool_id: str,
        description: str | None = None,
        role_arn: str | None = None,
        precedence: int | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        if self.store.group(pool.id, group_name) is not None:
            raise group_exists()
        now = self._now()
        group = Group(pool.id, group_name, description, role_arn, precedence, now, now)
        self.store.put_group(group)
        return {"Group": _describe(group)}

    def get_group(self, ctx: RequestContext, group_name: str, user_pool_id: str) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        return {"Group": _describe(self._group(pool, group_name))}

    def update_group(
        self,
        ctx: RequestContext,
        group_name: str,
        user_pool_id: str,
        description: str | None = None,
        role_arn: str | None = None,
        precedence: int | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        group = self._group(pool, group_name)
        updated = group._replace(
            description=description if description is not None else group.description,
            role_arn=role_arn if role_arn is not None else group.role_arn,
            precedence=precedence if precedence is not None else group.precedence,
            modified=self._now(),
        )
        self.store.put_group(updated)
        return {"Group": _describe(updated)}

    def delete_group(self, ctx: RequestContext, group_name: str, user_pool_id: str) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        self.store.delete_group(pool.id, self._group(pool, group_name).name)
        return {}

    def list_groups(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        page, token = _page(self.store.groups(pool.id), limit, next_token)
        result: JsonDict = {"Groups": [_describe(g) for g in page]}
        if token:
            result["NextToken"] = token
        return result

    def admin_add_user_to_group(
        self, ctx: RequestContext, user_pool_id: str, username: str, group_name: str
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        self.store.add_member(pool.id, self._group(pool, group_name).name, user.key)
        return {}

    def admin_remove_user_from_group(
        self, ctx: RequestContext, user_pool_id: str, username: str, group_name: str
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        self.store.remove_member(pool.id, self._group(pool, group_name).name, user.key)
        return {}

    def admin_list_groups_for_user(
        self,
        ctx: RequestContext,
        username: str,
        user_pool_id: str,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        page, token = _page(self.store.groups_of(pool.id, user.key), limit, next_token)
        result: JsonDict = {"Groups": [_describe(g) for g in page]}
        if token:
            result["NextToken"] = token
        return result

    def list_users_in_group(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        group_name: str,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        members = self.store.members(pool.id, self._group(pool, group_name).name)
        page, token = _page(members, limit, next_token)
        result: JsonDict = {"Users": [self._describe_user(u) for u in page]}
        if token:
            result["NextToken"] = token
        return result
