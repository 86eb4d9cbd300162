"""Function URL configs (Create/Get/Update/Delete/ListFunctionUrlConfigs) and serving a
call to a URL: find the config by url id, answer CORS preflights, refuse unsigned calls
to AWS_IAM URLs, invoke the function with the payload format 2.0 event and turn its
result into the HTTP answer (the pure parts are in `urls.py`). Mixed into
`LambdaProvider`; the gateway hands `serve_function_url` a `UrlRequest`.
Must not: see HTTP server objects.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.functions import Throttled
from tenku.core.ids import new_uuid
from tenku.services.lambda_ import models, urls
from tenku.services.lambda_.errors import (
    conflict,
    function_not_found,
    no_such_resource,
    validation,
)
from tenku.services.lambda_.invocation import Invocations
from tenku.services.lambda_.store import FunctionRow

AUTH_TYPES = ("NONE", "AWS_IAM")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
_QUALIFIER_PATTERN = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)"


def url_timestamp(epoch: float) -> str:
    """`2021-10-31T16:26:14.123456Z`, as function URL configs show times."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FunctionUrls(Invocations):
    def _url_target(
        self, ctx: RequestContext, function_name: str, qualifier: str | None
    ) -> tuple[FunctionRow, str, str]:
        """(function, qualifier: $LATEST or an alias, the ARN configs show)."""
        ref = models.parse_function_ref(ctx.scope, function_name, qualifier)
        fn = self.require_function(ref)
        wanted = ref.qualifier or models.LATEST
        if wanted == models.LATEST:
            return fn, wanted, models.function_arn(fn.scope, fn.name)
        if models.is_version(wanted):
            raise validation(
                "qualifier",
                wanted,
                f"Member must satisfy regular expression pattern: {_QUALIFIER_PATTERN}",
            )
        if self.store.alias(fn.id, wanted) is None:
            raise function_not_found(models.function_arn(fn.scope, fn.name, wanted))
        return fn, wanted, models.function_arn(fn.scope, fn.name, wanted)

    def _shown_url(self, fn: FunctionRow, url_id: str, config: dict[str, Any]) -> dict[str, Any]:
        out = {"FunctionUrl": urls.function_url(url_id, fn.scope.region, self.endpoint_url)}
        out.update(config)
        return out

    @staticmethod
    def _check_url_members(auth_type: str | None, invoke_mode: str | None) -> None:
        if auth_type is not None and auth_type not in AUTH_TYPES:
            raise validation(
                "authType", auth_type, "Member must satisfy enum value set: [AWS_IAM, NONE]"
            )
        if invoke_mode is not None and invoke_mode not in INVOKE_MODES:
            raise validation(
                "invokeMode",
                invoke_mode,
                "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]",
            )

    def create_function_url_config(
        self,
        ctx: RequestContext,
        function_name: str,
        auth_type: str,
        qualifier: str | None = None,
        cors: dict[str, Any] | None = None,
        invoke_mode: str | None = None,
    ) -> dict[str, Any]:
        self._check_url_members(auth_type, invoke_mode)
        fn, wanted, arn = self._url_target(ctx, function_name, qualifier)
        if self.store.url_config(fn.id, wanted) is not None:
            raise conflict(
                f"Failed to create function url config for [functionArn = {arn}]. "
                "Error message:  FunctionUrlConfig exists for this Lambda function"
            )
        now = url_timestamp(self.clock.now())
        config: dict[str, Any] = {"FunctionArn": arn, "AuthType": auth_type}
        if cors is not None:
            config["Cors"] = cors
        config.update(
            {"CreationTime": now, "LastModifiedTime": now, "InvokeMode": invoke_mode or "BUFFERED"}
        )
        url_id = urls.new_url_id()
        self.store.put_url_config(fn.id, wanted, url_id, config)
        shown = self._shown_url(fn, url_id, config)
        del shown["LastModifiedTime"]  # CreateFunctionUrlConfig does not return it
        return shown

    def _existing_url(
        self, ctx: RequestContext, function_name: str, qualifier: str | None
    ) -> tuple[FunctionRow, str, str, dict[str, Any]]:
        fn, wanted, _ = self._url_target(ctx, function_name, qualifier)
        found = self.store.url_config(fn.id, wanted)
        if found is None:
            raise no_such_resource()
        return fn, wanted, found[0], found[1]

    def get_function_url_config(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        fn, _, url_id, config = self._existing_url(ctx, function_name, qualifier)
        return self._shown_url(fn, url_id, config)

    def update_function_url_config(
        self,
        ctx: RequestContext,
        function_name: str,
        qualifier: str | None = None,
        auth_type: str | None = None,
        cors: dict[str, Any] | None = None,
        invoke_mode: str | None = None,
    ) -> dict[str, Any]:
        self._check_url_members(auth_type, invoke_mode)
        fn, wanted, url_id, config = self._existing_url(ctx, function_name, qualifier)
        if auth_type is not None:
            config["AuthType"] = auth_type
        if cors is not None:
            config["Cors"] = cors
        if invoke_mode is not None:
            config["InvokeMode"] = invoke_mode
        config["LastModifiedTime"] = url_timestamp(self.clock.now())
        self.store.put_url_config(fn.id, wanted, url_id, config)
        return self._shown_url(fn, url_id, config)

    def delete_function_url_config(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        fn, wanted, _, _ = self._existing_url(ctx, function_name, qualifier)
        self.store.delete_url_config(fn.id, wanted)
        return {}

    def list_function_url_configs(
        self,
        ctx: RequestContext,
        function_name: str,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        items = [self._shown_url(fn, url_id, c) for _, url_id, c in self.store.url_configs(fn.id)]
        return models.page_of("FunctionUrlConfigs", items, marker, max_items)

    # -- the data plane ------------------------------------------------------------------
    async def serve_function_url(
        self, url_id: str, request: urls.UrlRequest, region: str | None = None
    ) -> urls.UrlResponse:
        """Answer one HTTP request made to a function URL (`region` from its Host)."""
        found = self.store.url_by_id(url_id)
        fn = self.store.function_by_id(found[0]) if found else None
        if found is None or fn is None or (region and region != fn.scope.region):
            return urls.forbidden()
        _, qualifier, config = found
        cors = config.get("Cors")
        if cors and urls.is_preflight(request):
            return urls.preflight(cors, request)
        caller = None
        if config.get("AuthType") == "AWS_IAM":
            key = urls.signing_key(request)
            if key is None:
                return urls.with_cors(cors, request, urls.forbidden())
            caller = urls.iam_caller(fn.scope.account, key)
        request_id = new_uuid()
        response = await self._call_through_url(fn, qualifier, url_id, request, request_id, caller)
        response.headers.append(("x-amzn-RequestId", request_id))
        return urls.with_cors(cors, request, response)

    async def _call_through_url(
        self,
        fn: FunctionRow,
        qualifier: str,
        url_id: str,
        request: urls.UrlRequest,
        request_id: str,
        caller: dict[str, Any] | None,
    ) -> urls.UrlResponse:
        if len(request.body) > urls.MAX_BODY:
            return urls.too_large()
        if fn.reserved == 0:
            return urls.throttled()
        try:
            version = self.version_of(fn, qualifier, route=True)
            config = self.store.version(fn.id, version)
            if config is None:
                return urls.forbidden()
            spec = self.spec_for(fn, config)
        except ServiceError:  # the alias (or the version it names) is gone
            return urls.forbidden()
        event = urls.build_event(
            request,
            url_id=url_id,
            region=fn.scope.region,
            request_id=request_id,
            now=self.clock.now(),
            caller=caller,
        )
        try:
            result = await self.executor.invoke(
                spec, json.dumps(event).encode(), request_id=request_id
            )
        except Throttled:
            return urls.throttled()
        if result.function_error:
            return urls.function_failed()
        try:
            return urls.map_result(result.payload)
        except urls.MalformedResponse:
            return urls.function_failed()
