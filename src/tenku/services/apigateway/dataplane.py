"""Serving REST APIs: one request in, API Gateway's answer out.

The first path segment names the stage; the resource tree of the stage's deployment
(compiled once per generation) finds the resource and method (none: 403 Missing
Authentication Token). Then the API key (when the method requires one), authorization
(a Lambda TOKEN or REQUEST authorizer with its result cache, a Cognito user pool's ID
token, or AWS_IAM's signature), and the integration: a Lambda proxy call (payload 1.0),
an HTTP proxy, or a MOCK integration answered from its integration response. The pure
pieces are in `tenku.proxy`; Lambda is reached through the public API.
Must not: see the gateway's HTTP objects (requests arrive as plain values).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.proxy import access_log, responses
from tenku.proxy.events_v1 import build_rest_event
from tenku.proxy.identity import identity_values
from tenku.proxy.integration import (
    FunctionTimeouts,
    authorizer_invoker,
    call_lambda,
    fill_path_parameters,
    forward_http,
    put_log_line,
)
from tenku.proxy.jwt_auth import JwtAuthorizer, JwtVerifier
from tenku.proxy.lambda_auth import (
    AuthorizerCache,
    LambdaAuthorizer,
    authorize,
    rest_request_event,
    rest_token_event,
)
from tenku.proxy.metrics import RouteMetrics
from tenku.proxy.policy import execute_api_arn
from tenku.proxy.request import (
    ProxyRequest,
    StageInfo,
    new_request_id,
    new_short_id,
    new_trace_id,
    with_forwarding_headers,
)
from tenku.proxy.responses import ProxyResponse
from tenku.proxy.routes import RestMatch, RestResource, RestResourceTree
from tenku.proxy.throttling import Throttles
from tenku.services.apigateway.served import ServedMethod, ServedRestApi

_POOL_ARN = re.compile(r"^arn:aws:cognito-idp:([^:]+):[^:]*:userpool/(.+)$")


class RestApiDataPlane:
    def __init__(self, provider: Any, api: ApiCaller, clock: Clock, jwt: JwtVerifier) -> None:
        self.provider = provider
        self.api = api
        self.clock = clock
        self.jwt = jwt
        self._trees: dict[tuple[str, str], tuple[int, RestResourceTree[ServedMethod]]] = {}
        self.authorizer_cache = AuthorizerCache(clock)
        self.metrics = RouteMetrics()
        self.function_timeouts = FunctionTimeouts(api, clock.now)
        self.throttles = Throttles(clock)

    def knows(self, api_id: str) -> bool:
        return bool(self.provider.rest_api_exists(api_id))

    async def serve(self, api_id: str, request: ProxyRequest) -> ProxyResponse:
        """`request.path` is the whole path after the host: `/{stage}/...`."""
        stage_name, _, rest = request.path.lstrip("/").partition("/")
        served = self.provider.served_rest_api(api_id, stage_name) if stage_name else None
        request_id, extended_id = new_request_id(), new_short_id()
        started = self.clock.now()
        if served is None or served.disable_execute_api_endpoint:
            answer = ProxyResponse(
                403, [("Content-Type", "application/json")], b'{"message":"Forbidden"}'
            )
        else:
            request = request.evolve(path="/" + rest)
            answer, resource = await self._answer(served, request, request_id, extended_id)
            latency_ms = (self.clock.now() - started) * 1000
            route = f"{request.method} {resource}"
            self.metrics.record(
                served.api_id, served.stage_name, route, answer.status, started, latency_ms
            )
            if served.access_log is not None and served.access_log.destination_arn:
                self._access_log(served, request, request_id, resource, answer, latency_ms)
        if request.method == "HEAD":
            answer = ProxyResponse(answer.status, answer.headers, b"")
        return responses.with_rest_headers(
            answer,
            request_id=request_id,
            extended_request_id=extended_id,
            trace_id=new_trace_id(self.clock.now()),
        )

    def _tree(self, served: ServedRestApi) -> RestResourceTree[ServedMethod]:
        key = (served.api_id, served.stage_name)
        cached = self._trees.get(key)
        if cached is not None and cached[0] == served.generation:
            return cached[1]
        tree = RestResourceTree(
            RestResource(r.path, r.id, dict(r.methods)) for r in served.resources
        )
        self._trees[key] = (served.generation, tree)
        return tree

    async def _answer(
        self, served: ServedRestApi, request: ProxyRequest, request_id: str, extended_id: str
    ) -> tuple[ProxyResponse, str]:
        """The answer and the resource path it came from ("-" when none matched)."""
        if len(request.body) > responses.MAX_REQUEST_BODY:
            return responses.rest_too_large(), "-"
        match = self._tree(served).match(request.method, request.path)
        if match is None:
            return responses.rest_missing_token(), "-"
        answer = await self._method(served, match, request, request_id, extended_id)
        return answer, match.resource_path

    async def _method(
        self,
        served: ServedRestApi,
        match: RestMatch[ServedMethod],
        request: ProxyRequest,
        request_id: str,
        extended_id: str,
    ) -> ProxyResponse:
        method = match.target
        refused = self._throttled(served, match, request)
        if refused is not None:
            return refused
        stage = StageInfo(
            served.scope.account,
            served.api_id,
            served.stage_name,
            request.host or f"{served.api_id}.execute-api.localhost",
            served.scope.region,
            served.variables,
        )
        authorizer, refusal = await self._authorize(
            served, method, match, request, stage, request_id, extended_id
        )
        if refusal is not None:
            return refusal
        forwarded = with_forwarding_headers(request, new_trace_id(self.clock.now()))
        return await self._integrate(
            served, method, match, forwarded, stage, request_id, extended_id, authorizer
        )

    def _throttled(
        self, served: ServedRestApi, match: RestMatch[ServedMethod], request: ProxyRequest
    ) -> ProxyResponse | None:
        """The stage's method throttling, then the API key with its usage plan's
        throttle and quota: a refusal, or None when the request may go on."""
        settings = served.settings_for(match.resource_path, request.method)
        stage_key = (served.api_id, served.stage_name, match.resource_path, request.method)
        if not self.throttles.allow(
            stage_key, settings.get("throttlingRateLimit"), settings.get("throttlingBurstLimit")
        ):
            return responses.rest_too_many_requests()
        if not match.target.api_key_required:
            return None
        check = self.provider.check_api_key(
            served.api_id, served.stage_name, request.header("x-api-key")
        )
        if not check.allowed:
            return ProxyResponse(
                403, [("Content-Type", "application/json")], b'{"message":"Forbidden"}'
            )
        key = (check.key_id or "", check.usage_plan_id or "")
        limit = check.method_throttles.get(f"{match.resource_path}/{request.method}") or (
            check.throttle
        )
        if limit is not None and not self.throttles.allow(
            ("key", *key), limit.rate_limit, limit.burst_limit
        ):
            return responses.rest_too_many_requests()
        quota = check.quota
        if quota is not None and not self.throttles.within_quota(
            ("quota", *key), quota.limit, quota.period
        ):
            return ProxyResponse(
                429, [("Content-Type", "application/json")], b'{"message":"Limit Exceeded"}'
            )
        return None

    async def _authorize(
        self,
        served: ServedRestApi,
        method: ServedMethod,
        match: RestMatch[ServedMethod],
        request: ProxyRequest,
        stage: StageInfo,
        request_id: str,
        extended_id: str,
    ) -> tuple[dict[str, Any] | None, ProxyResponse | None]:
        kind = method.authorization_type
        config = method.authorizer
        if kind == "AWS_IAM":
            if not (request.header("authorization") or "").startswith("AWS4-HMAC-SHA256"):
                return None, responses.rest_missing_token()
            return None, None
        if kind == "COGNITO_USER_POOLS" and config is not None:
            return await self._cognito(config.provider_arns, config.identity_source, request)
        if kind != "CUSTOM" or config is None:
            return None, None
        arn = execute_api_arn(
            served.scope.region,
            served.scope.account,
            served.api_id,
            served.stage_name,
            request.method,
            request.path,
        )
        sources = config.identity_source or "method.request.header.Authorization"
        token_kind = config.type == "TOKEN"
        spec = LambdaAuthorizer(
            config.id,
            rest=True,
            kind=config.type,
            identity_sources=tuple(s.strip() for s in sources.split(",")),
            ttl_seconds=config.result_ttl_seconds,
            identity_validation_expression=config.identity_validation_expression,
        )
        identity = identity_values(sources, request, stage_variables=served.variables)

        def build(values: list[str]) -> dict[str, Any]:
            if token_kind:
                return rest_token_event(values[0], arn)
            return rest_request_event(
                request,
                stage,
                method_arn=arn,
                resource_path=match.resource_path,
                resource_id=match.resource_id,
                path_parameters=match.path_parameters,
                request_id=request_id,
                extended_request_id=extended_id,
            )

        invoke = authorizer_invoker(self.api, config.function_arn or "", 29_000, served.scope)
        outcome = await authorize(
            spec,
            identity=identity,
            arn=arn,
            build_event=build,
            invoke=invoke,
            cache=self.authorizer_cache,
        )
        return outcome.authorizer, outcome.response

    async def _cognito(
        self, pools: tuple[str, ...], source: str | None, request: ProxyRequest
    ) -> tuple[dict[str, Any] | None, ProxyResponse | None]:
        """A Cognito user pool authorizer: the ID token (no `Bearer `) of one of the pools."""
        found = identity_values(source or "method.request.header.Authorization", request)
        token = found[0] if found else None
        for pool_arn in pools:
            parsed = _POOL_ARN.match(pool_arn)
            if parsed is None or not token:
                continue
            issuer = f"https://cognito-idp.{parsed.group(1)}.amazonaws.com/{parsed.group(2)}"
            outcome = await self.jwt.authorize(JwtAuthorizer(issuer, ()), token)
            if outcome.response is None:
                return {"claims": outcome.claims}, None
        return None, responses.rest_unauthorized()

    async def _integrate(
        self,
        served: ServedRestApi,
        method: ServedMethod,
        match: RestMatch[ServedMethod],
        request: ProxyRequest,
        stage: StageInfo,
        request_id: str,
        extended_id: str,
        authorizer: dict[str, Any] | None,
    ) -> ProxyResponse:
        integration = method.integration
        if integration is None:
            return responses.rest_internal_error()
        if integration.type == "MOCK":
            return _mock(integration, request)
        if integration.type == "HTTP_PROXY" and integration.uri:
            url = _fill(integration.uri, match.path_parameters or {}, served.variables)
            if request.query:
                url += ("&" if "?" in url else "?") + request.query
            verb = integration.http_method or request.method
            forwarded = await forward_http(
                url, request.method if verb == "ANY" else verb, request, integration.timeout_ms
            )
            return forwarded if forwarded is not None else responses.rest_timeout()
        if integration.type != "AWS_PROXY" or not integration.function_arn:
            return ProxyResponse(
                500,
                [("Content-Type", "application/json")],
                b'{"message": "Tenku serves AWS_PROXY, HTTP_PROXY and MOCK integrations only"}',
            )
        event = build_rest_event(
            request,
            stage,
            resource_path=match.resource_path,
            resource_id=match.resource_id,
            path_parameters=match.path_parameters,
            request_id=request_id,
            extended_request_id=extended_id,
            binary_media_types=served.binary_media_types,
            deployment_id=served.deployment_id,
            authorizer=authorizer,
        )
        function = _fill(integration.function_arn, {}, served.variables)
        call = await call_lambda(
            self.api,
            function,
            event,
            integration.timeout_ms,
            served.scope,
            await self.function_timeouts.of(function, served.scope),
        )

        if call.timed_out:
            return responses.rest_timeout()
        if call.throttled:
            return responses.rest_too_many_requests()
        if call.failed is not None:
            return responses.rest_internal_error()
        return responses.rest_answer(
            call.payload,
            function_error=call.function_error,
            accept=request.header("accept"),
            binary_media_types=served.binary_media_types,
        )

    def _access_log(
        self,
        served: ServedRestApi,
        request: ProxyRequest,
        request_id: str,
        resource: str,
        answer: ProxyResponse,
        latency_ms: float,
    ) -> None:
        assert served.access_log is not None and served.access_log.destination_arn
        values = access_log.context_values(
            request,
            request_id=request_id,
            api_id=served.api_id,
            stage=served.stage_name,
            route_key=f"{request.method} {resource}",
            status=answer.status,
            response_length=len(answer.body),
            response_latency_ms=int(latency_ms),
        )
        line = access_log.render(served.access_log.format or access_log.CLF, values)
        task = asyncio.ensure_future(
            put_log_line(
                self.api,
                served.scope,
                served.access_log.destination_arn,
                f"{served.api_id}_{served.stage_name}",
                line,
                int(self.clock.now() * 1000),
            )
        )
        task.add_done_callback(lambda t: t.cancelled() or t.exception())


def _fill(text: str, parameters: dict[str, str], variables: Any) -> str:
    """`{param}` path parameters and `${stageVariables.x}` filled into a URI."""
    text = fill_path_parameters(text, parameters)
    return re.sub(
        r"\$\{stageVariables\.([A-Za-z0-9_]+)\}",
        lambda m: str((variables or {}).get(m.group(1), "")),
        text,
    )


def _mock(integration: Any, request: ProxyRequest) -> ProxyResponse:
    """A MOCK integration: the request template's statusCode selects the integration
    response, whose template (static text: Tenku does not run VTL) is the body."""
    template = (integration.request_templates or {}).get("application/json") or ""
    try:
        status = str(json.loads(template).get("statusCode", 200)) if template.strip() else "200"
    except (ValueError, AttributeError):
        status = "200"
    chosen = integration.responses.get(status) or integration.default_response
    if chosen is None:
        return responses.rest_internal_error()
    headers = [("Content-Type", "application/json")]
    for target, source in (chosen.response_parameters or {}).items():
        if target.startswith("method.response.header.") and source.startswith("'"):
            headers.append((target[len("method.response.header.") :], source.strip("'")))
    body = (chosen.response_templates or {}).get("application/json") or ""
    return ProxyResponse(int(chosen.status_code), headers, body.encode())
