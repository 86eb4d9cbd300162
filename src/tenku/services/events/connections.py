"""Connections and API destinations (the HTTP targets of rules).

A connection stores how to authorize calls (BASIC, API_KEY; OAUTH_CLIENT_CREDENTIALS is
stored, and its client credentials are not exchanged for a token yet); descriptions
never return the secrets, as AWS keeps them in Secrets Manager. An API destination names
a connection, an endpoint and an HTTP method; `http_request` builds what delivery sends.
Must not: send HTTP requests (delivery.py does, off the event loop).
"""

from __future__ import annotations

import base64
import copy
from typing import Any
from urllib.parse import urlencode

from tenku.core.context import RequestContext
from tenku.core.ids import new_uuid
from tenku.core.scope import Arn, Scope
from tenku.services.events import errors
from tenku.services.events.base import ProviderBase

CONNECTION, DESTINATION = "connection", "api-destination"
_SECRETS = {
    "BasicAuthParameters": ("Password",),
    "ApiKeyAuthParameters": ("ApiKeyValue",),
}


def _public_auth(auth: dict[str, Any]) -> dict[str, Any]:
    shown = copy.deepcopy(auth)
    for group, secrets in _SECRETS.items():
        for secret in secrets:
            (shown.get(group) or {}).pop(secret, None)
    oauth = shown.get("OAuthParameters") or {}
    (oauth.get("ClientParameters") or {}).pop("ClientSecret", None)
    for params in (shown.get("InvocationHttpParameters") or {}).values():
        for param in params:
            if param.get("IsValueSecret"):
                param.pop("Value", None)
    return shown


class ConnectionsMixin(ProviderBase):
    def _connection(self, scope: Scope, name: str) -> dict[str, Any]:
        connection = self.store.resource(scope, CONNECTION, name)
        if connection is None:
            raise errors.not_found(f"Connection '{name}' does not exist.")
        return connection

    def create_connection(
        self,
        ctx: RequestContext,
        name: str,
        authorization_type: str,
        auth_parameters: dict[str, Any],
        description: str | None = None,
        invocation_connectivity_parameters: dict[str, Any] | None = None,
        kms_key_identifier: str | None = None,
    ) -> dict[str, Any]:
        if self.store.resource(ctx.scope, CONNECTION, name) is not None:
            raise errors.already_exists(f"Connection {name} already exists.")
        wanted = {
            "BASIC": "BasicAuthParameters",
            "API_KEY": "ApiKeyAuthParameters",
            "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters",
        }[authorization_type]
        if wanted not in auth_parameters:
            raise errors.validation(
                f"Parameter(s) {wanted} must be specified for AuthorizationType"
                f" {authorization_type}."
            )
        now = self.clock.now()
        uid = new_uuid()
        connection: dict[str, Any] = {
            "Name": name,
            "ConnectionArn": ctx.scope.arn("events", f"connection/{name}/{uid}"),
            "ConnectionState": "AUTHORIZED",
            "AuthorizationType": authorization_type,
            "AuthParameters": auth_parameters,
            "SecretArn": ctx.scope.arn(
                "secretsmanager", f"secret:events!connection/{name}/{uid}-{new_uuid()[:6]}"
            ),
            "CreationTime": now,
            "LastModifiedTime": now,
            "LastAuthorizedTime": now,
        }
        if description is not None:
            connection["Description"] = description
        self.store.put_resource(ctx.scope, CONNECTION, name, connection)
        return {
            k: connection[k]
            for k in ("ConnectionArn", "ConnectionState", "CreationTime", "LastModifiedTime")
        }

    def describe_connection(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        connection = dict(self._connection(ctx.scope, name))
        connection["AuthParameters"] = _public_auth(connection["AuthParameters"])
        return connection

    def list_connections(
        self,
        ctx: RequestContext,
        name_prefix: str | None = None,
        connection_state: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        keys = ("ConnectionArn", "Name", "ConnectionState", "AuthorizationType", "CreationTime",
                "LastModifiedTime", "LastAuthorizedTime")  # fmt: skip
        found = [
            {k: c[k] for k in keys if k in c}
            for c in self.store.resources(ctx.scope, CONNECTION, name_prefix or "")
            if not connection_state or c["ConnectionState"] == connection_state
        ]
        return {"Connections": found}

    def update_connection(
        self,
        ctx: RequestContext,
        name: str,
        description: str | None = None,
        authorization_type: str | None = None,
        auth_parameters: dict[str, Any] | None = None,
        invocation_connectivity_parameters: dict[str, Any] | None = None,
        kms_key_identifier: str | None = None,
    ) -> dict[str, Any]:
        connection = self._connection(ctx.scope, name)
        if description is not None:
            connection["Description"] = description
        if authorization_type is not None:
            connection["AuthorizationType"] = authorization_type
        for group, values in (auth_parameters or {}).items():
            current = connection["AuthParameters"].get(group)
            merged = (
                {**current, **values}
                if isinstance(current, dict) and isinstance(values, dict)
                else values
            )
            connection["AuthParameters"][group] = merged
        connection["LastModifiedTime"] = self.clock.now()
        self.store.put_resource(ctx.scope, CONNECTION, name, connection)
        return {
            k: connection[k]
            for k in ("ConnectionArn", "ConnectionState", "CreationTime", "LastModifiedTime")
        }

    def deauthorize_connection(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        connection = self._connection(ctx.scope, name)
        connection["ConnectionState"] = "DEAUTHORIZED"
        connection["LastModifiedTime"] = self.clock.now()
        self.store.put_resource(ctx.scope, CONNECTION, name, connection)
        return {
            k: connection[k]
            for k in ("ConnectionArn", "ConnectionState", "CreationTime", "LastModifiedTime")
        }

    def delete_connection(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        connection = self._connection(ctx.scope, name)
        self.store.delete_resource(ctx.scope, CONNECTION, name)
        out = {k: connection[k] for k in ("ConnectionArn", "CreationTime", "LastModifiedTime")}
        return {**out, "ConnectionState": "DELETING"}

    # -- API destinations ------------------------------------------------------------------------
    def _destination(self, scope: Scope, name: str) -> dict[str, Any]:
        destination = self.store.resource(scope, DESTINATION, name)
        if destination is None:
            raise errors.not_found(f"An api-destination '{name}' does not exist.")
        return destination

    def _connection_by_arn(self, scope: Scope, arn_text: str) -> dict[str, Any]:
        arn = Arn.parse(arn_text)
        parts = arn.resource.split("/") if arn else []
        connection = self.store.resource(scope, CONNECTION, parts[1]) if len(parts) == 3 else None
        if connection is None or connection["ConnectionArn"] != arn_text:
            raise errors.not_found(
                f"Connection '{parts[1] if len(parts) > 1 else arn_text}' does not exist."
            )
        return connection

    def create_api_destination(
        self,
        ctx: RequestContext,
        name: str,
        connection_arn: str,
        invocation_endpoint: str,
        http_method: str,
        description: str | None = None,
        invocation_rate_limit_per_second: int | None = None,
    ) -> dict[str, Any]:
        if self.store.resource(ctx.scope, DESTINATION, name) is not None:
            raise errors.already_exists(f"An api-destination '{name}' already exists.")
        self._connection_by_arn(ctx.scope, connection_arn)
        now = self.clock.now()
        destination: dict[str, Any] = {
            "Name": name,
            "ApiDestinationArn": ctx.scope.arn("events", f"api-destination/{name}/{new_uuid()}"),
            "ApiDestinationState": "ACTIVE",
            "ConnectionArn": connection_arn,
            "InvocationEndpoint": invocation_endpoint,
            "HttpMethod": http_method,
            "InvocationRateLimitPerSecond": invocation_rate_limit_per_second or 300,
            "CreationTime": now,
            "LastModifiedTime": now,
        }
        if description is not None:
            destination["Description"] = description
        self.store.put_resource(ctx.scope, DESTINATION, name, destination)
        keys = ("ApiDestinationArn", "ApiDestinationState", "CreationTime", "LastModifiedTime")
        return {k: destination[k] for k in keys}

    def describe_api_destination(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        return self._destination(ctx.scope, name)

    def list_api_destinations(
        self,
        ctx: RequestContext,
        name_prefix: str | None = None,
        connection_arn: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        found = [
            d
            for d in self.store.resources(ctx.scope, DESTINATION, name_prefix or "")
            if not connection_arn or d["ConnectionArn"] == connection_arn
        ]
        return {"ApiDestinations": found}

    def update_api_destination(
        self,
        ctx: RequestContext,
        name: str,
        description: str | None = None,
        connection_arn: str | None = None,
        invocation_endpoint: str | None = None,
        http_method: str | None = None,
        invocation_rate_limit_per_second: int | None = None,
    ) -> dict[str, Any]:
        destination = self._destination(ctx.scope, name)
        if connection_arn is not None:
            self._connection_by_arn(ctx.scope, connection_arn)
        for key, value in (
            ("Description", description),
            ("ConnectionArn", connection_arn),
            ("InvocationEndpoint", invocation_endpoint),
            ("HttpMethod", http_method),
            ("InvocationRateLimitPerSecond", invocation_rate_limit_per_second),
        ):
            if value is not None:
                destination[key] = value
        destination["LastModifiedTime"] = self.clock.now()
        self.store.put_resource(ctx.scope, DESTINATION, name, destination)
        keys = ("ApiDestinationArn", "ApiDestinationState", "CreationTime", "LastModifiedTime")
        return {k: destination[k] for k in keys}

    def delete_api_destination(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        self._destination(ctx.scope, name)
        self.store.delete_resource(ctx.scope, DESTINATION, name)
        return {}

    def http_request(
        self, scope: Scope, destination_arn: str, target: dict[str, Any], body: str
    ) -> tuple[str, str, dict[str, str], bytes] | None:
        """(method, url, headers, body) for a delivery, or None if the destination is gone."""
        arn = Arn.parse(destination_arn)
        parts = arn.resource.split("/") if arn else []
        if len(parts) < 2:
            return None
        destination = self.store.resource(scope, DESTINATION, parts[1])
        if destination is None or destination["ApiDestinationArn"] != destination_arn:
            return None
        connection = self.store.resource(
            scope, CONNECTION, destination["ConnectionArn"].split("/")[1]
        )
        if connection is None:
            return None
        http = target.get("HttpParameters") or {}
        url = destination["InvocationEndpoint"]
        for value in http.get("PathParameterValues") or []:
            url = url.replace("*", value, 1)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Amazon/EventBridge/ApiDestinations",
        }
        query: dict[str, str] = {}
        auth = connection["AuthParameters"]
        invocation = auth.get("InvocationHttpParameters") or {}
        for param in invocation.get("HeaderParameters") or []:
            headers[param["Key"]] = param.get("Value", "")
        for param in invocation.get("QueryStringParameters") or []:
            query[param["Key"]] = param.get("Value", "")
        headers.update(http.get("HeaderParameters") or {})
        query.update(http.get("QueryStringParameters") or {})
        basic = auth.get("BasicAuthParameters")
        api_key = auth.get("ApiKeyAuthParameters")
        if connection["AuthorizationType"] == "BASIC" and basic:
            token = base64.b64encode(f"{basic['Username']}:{basic['Password']}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        elif connection["AuthorizationType"] == "API_KEY" and api_key:
            headers[api_key["ApiKeyName"]] = api_key["ApiKeyValue"]
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        method = destination["HttpMethod"]
        data = b"" if method in ("GET", "HEAD", "OPTIONS", "DELETE") else body.encode()
        return method, url, headers, data
