"""Serving HTTP APIs: one request in, API Gateway's answer out.

The stage comes from the first path segment (or is `$default`), the route from the
stage's deployed route table (compiled once per generation), then CORS preflight (the
gateway answers it when the API has a CORS configuration and no OPTIONS route), the
route's authorization (JWT against the issuer's keys, a Lambda REQUEST authorizer with
its cache, or AWS_IAM's signature), the integration (a Lambda proxy call with payload
format 1.0 or 2.0, or an HTTP proxy), CORS headers, and the stage's access log. The
pure pieces are in `tenku.proxy`; Lambda is reached through the public API.
Must not: see the gateway's HTTP objects (requests arrive as plain values).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.scope import Scope
from tenku.proxy import access_log, cors, responses
from tenku.proxy.events_v1 import build_http_v1_event
from tenku.proxy.events_v2 import build_event_v2
from tenku.proxy.identity import identity_values
from tenku.proxy.integration import (
    FunctionTimeouts,
    LambdaCall,
    authorizer_invoker,
    call_lambda,
    fill_path_parameters,
    forward_http,
    put_log_line,
)
from tenku.proxy.jwt_auth import JwtAuthorizer, local_jwt_verifier
from tenku.proxy.lambda_auth import (
    AuthorizerCache,
    LambdaAuthorizer,
    authorize,
    http_request_event_v1,
    http_request_event_v2,
)
from tenku.proxy.metrics import RouteMetrics
from tenku.proxy.policy import execute_api_arn
from tenku.proxy.request import (
    ProxyRequest,
    StageInfo,
    new_request_id,
    new_trace_id,
    with_forwarding_headers,
)
from tenku.proxy.responses import ProxyResponse
from tenku.proxy.routes import HttpRouteTable, RouteMatch
from tenku.proxy.throttling import Throttles
from tenku.services.apigatewayv2.served import ServedApi, ServedRoute

log = logging.getLogger("tenku.apigatewayv2")

DEFAULT_STAGE = "$default"


class HttpApiDataPlane:
    def __init__(self, provider: Any, api: ApiCaller, clock: Clock) -> None:
        self.provider = provider
        self.api = api
        self.clock = clock
        self._tables: dict[tuple[str, str], tuple[int, HttpRouteTable[ServedRoute]]] = {}
        self.jwt = local_jwt_verifier(clock, lambda: str(provider.endpoint_url))
        self.authorizer_cache = AuthorizerCache(clock)
        self.metrics = RouteMetrics()
        self.function_timeouts = FunctionTimeouts(api, clock.now)
        self.throttles = Throttles(clock)

    def knows(self, api_id: str) -> bool:
        return bool(self.provider.served_stages(api_id))

    # -- one request ---------------------------------------------------------------------------
    async def serve(self, api_id: str, request: ProxyRequest) -> ProxyResponse:
        """`request.path` is the whole path after the host (stage included)."""
        stage, path = self._stage_of(api_id, request.path)
        served = self.provider.served_api(api_id, stage) if stage else None
        if served is None or served.execute_api_endpoint_disabled:
            return responses.http_not_found()
        request = request.evolve(path=path or "/")
        request_id = new_request_id()
        started = self.clock.now()
        response, route_key, error = await self._answer(served, request, request_id)
        response = responses.with_http_api_headers(response, request_id)
        if request.method == "HEAD":
            response = ProxyResponse(response.status, response.headers, b"")
        self.metrics.record(
            served.api_id,
            served.stage,
            route_key,
            response.status,
            started,
            (self.clock.now() - started) * 1000,
        )
        if served.access_log is not None:
            self._access_log(served, request, request_id, route_key, response, started, error)
        return response

    def _stage_of(self, api_id: str, raw_path: str) -> tuple[str | None, str]:
        stages = self.provider.served_stages(api_id)
        first, _, rest = raw_path.lstrip("/").partition("/")
        if first and first != DEFAULT_STAGE and first in stages:
            return first, "/" + rest
        if DEFAULT_STAGE in stages:
            return DEFAULT_STAGE, raw_path or "/"
        return None, raw_path

    async def _answer(
        self, served: ServedApi, request: ProxyRequest, request_id: str
    ) -> tuple[ProxyResponse, str, str | None]:
        if len(request.body) > responses.MAX_REQUEST_BODY:
            return responses.http_too_large(), "-", "Request Entity Too Large"
        match = self._table(served).match(request.method, request.http_api_path)
        cors_config = _cors(served)
        route_key = match.route_key if match else None
        if cors_config and cors.gateway_answers_preflight(cors_config, request, route_key):
            return cors.preflight(cors_config, request), route_key or "-", None
        if match is None:
            return cors.apply_cors(cors_config, request, responses.http_not_found()), "-", None
        route = match.target
        limit = route.throttle
        if limit is not None and not self.throttles.allow(
            (served.api_id, served.stage, match.route_key), limit.rate_limit, limit.burst_limit
        ):
            return responses.http_too_many_requests(), match.route_key, "Too Many Requests"
        stage = self._stage_info(served, request)
        authorizer, refusal = await self._authorize(
            served, route, match, request, stage, request_id
        )
        if refusal is not None:
            return cors.apply_cors(cors_config, request, refusal), match.route_key, "Unauthorized"
        forwarded = with_forwarding_headers(request, new_trace_id(self.clock.now()))
        answer = await self._integrate(route, match, forwarded, stage, request_id, authorizer)
        return cors.apply_cors(cors_config, request, answer), match.route_key, None

    def _table(self, served: ServedApi) -> HttpRouteTable[ServedRoute]:
        key = (served.api_id, served.stage)
        cached = self._tables.get(key)
        if cached is not None and cached[0] == served.generation:
            return cached[1]
        table = HttpRouteTable({route.route_key: route for route in served.routes})
        self._tables[key] = (served.generation, table)
        return table

    def _stage_info(self, served: ServedApi, request: ProxyRequest) -> StageInfo:
        return StageInfo(
            served.account,
            served.api_id,
            served.stage,
            request.host or f"{served.api_id}.execute-api.localhost",
            served.region,
            served.stage_variables,
        )

    # -- authorization -------------------------------------------------------------------------
    async def _authorize(
        self,
        served: ServedApi,
        route: ServedRoute,
        match: RouteMatch[ServedRoute],
        request: ProxyRequest,
        stage: StageInfo,
        request_id: str,
    ) -> tuple[dict[str, Any] | None, ProxyResponse | None]:
        kind = route.authorization_type
        version = route.integration.payload_format_version if route.integration else "2.0"
        if kind == "JWT" and route.authorizer is not None:
            spec = route.authorizer
            sources = list(spec.identity_source) or ["$request.header.Authorization"]
            found = identity_values(sources[:1], request)
            outcome = await self.jwt.authorize(
                JwtAuthorizer(spec.issuer or "", tuple(spec.audience)),
                found[0] if found else None,
                route.scopes,
            )
            if outcome.response is not None:
                return None, outcome.response
            return (outcome.authorizer_v2() if version == "2.0" else outcome.authorizer_v1()), None
        if kind == "CUSTOM" and route.authorizer is not None:
            return await self._lambda_authorizer(served, route, match, request, stage, request_id)
        if kind == "AWS_IAM":
            signed = (request.header("authorization") or "").startswith("AWS4-HMAC-SHA256")
            if not signed:
                return None, responses.http_forbidden()
            return {"iam": {"accountId": served.account, "callerId": "tenku"}}, None
        return None, None

    async def _lambda_authorizer(
        self,
        served: ServedApi,
        route: ServedRoute,
        match: RouteMatch[ServedRoute],
        request: ProxyRequest,
        stage: StageInfo,
        request_id: str,
    ) -> tuple[dict[str, Any] | None, ProxyResponse | None]:
        config = route.authorizer
        assert config is not None
        version = config.payload_format_version or "2.0"
        spec = LambdaAuthorizer(
            config.authorizer_id,
            rest=False,
            kind="REQUEST",
            identity_sources=tuple(config.identity_source),
            ttl_seconds=config.result_ttl_seconds,
            payload_version=version,
            simple_responses=config.enable_simple_responses,
        )
        context = {"routeKey": match.route_key, "requestId": request_id, "stage": served.stage}
        identity = (
            identity_values(
                config.identity_source,
                request,
                stage_variables=served.stage_variables,
                context=context,
            )
            if config.identity_source
            else []
        )
        arn = execute_api_arn(
            served.region,
            served.account,
            served.api_id,
            served.stage,
            request.method,
            request.decoded_path,
        )

        def build(values: list[str]) -> dict[str, Any]:
            if version == "2.0":
                return http_request_event_v2(
                    request,
                    stage,
                    route_arn=arn,
                    identity=values,
                    route_key=match.route_key,
                    path_parameters=match.path_parameters,
                    request_id=request_id,
                )
            return http_request_event_v1(
                request,
                stage,
                method_arn=arn,
                identity=values,
                resource_path=match.resource_path,
                path_parameters=match.path_parameters,
                request_id=request_id,
            )

        invoke = authorizer_invoker(
            self.api, config.function_arn or "", 10_000, Scope(served.account, served.region)
        )
        outcome = await authorize(
            spec,
            identity=identity,
            arn=arn,
            build_event=build,
            invoke=invoke,
            cache=self.authorizer_cache,
        )
        return outcome.authorizer, outcome.response

    # -- the integration -----------------------------------------------------------------------
    async def _integrate(
        self,
        route: ServedRoute,
        match: RouteMatch[ServedRoute],
        request: ProxyRequest,
        stage: StageInfo,
        request_id: str,
        authorizer: dict[str, Any] | None,
    ) -> ProxyResponse:
        integration = route.integration
        if integration is None:
            return responses.http_not_found()
        if integration.type == "HTTP_PROXY" and integration.uri:
            url = _http_target(integration.uri, match.path_parameters, request)
            method = integration.method or request.method
            forwarded = await forward_http(
                url,
                request.method if method == "ANY" else method,
                request,
                integration.timeout_ms,
            )
            return forwarded if forwarded is not None else responses.http_service_unavailable()
        if integration.type != "AWS_PROXY" or not integration.function_arn:
            return responses.http_internal_error()
        version = integration.payload_format_version
        if version == "2.0":
            event = build_event_v2(
                request,
                stage,
                route_key=match.route_key,
                path_parameters=match.path_parameters,
                request_id=request_id,
                authorizer=authorizer,
            )
        else:
            event = build_http_v1_event(
                request,
                stage,
                resource_path=match.resource_path,
                path_parameters=match.path_parameters,
                request_id=request_id,
                authorizer=authorizer,
            )
        scope = Scope(stage.account_id, stage.region)
        call = await call_lambda(
            self.api,
            integration.function_arn,
            event,
            integration.timeout_ms,
            scope,
            await self.function_timeouts.of(integration.function_arn, scope),
        )
        return _lambda_answer(call, version)

    def _access_log(
        self,
        served: ServedApi,
        request: ProxyRequest,
        request_id: str,
        route_key: str,
        response: ProxyResponse,
        started: float,
        error: str | None,
    ) -> None:
        assert served.access_log is not None
        values = access_log.context_values(
            request,
            request_id=request_id,
            api_id=served.api_id,
            stage=served.stage,
            route_key=route_key,
            status=response.status,
            response_length=len(response.body),
            response_latency_ms=int((self.clock.now() - started) * 1000),
            error_message=error,
        )
        line = access_log.render(served.access_log.format, values)
        stream = f"{served.api_id}_{served.stage}".replace("$", "")
        task = asyncio.ensure_future(
            put_log_line(
                self.api,
                Scope(served.account, served.region),
                served.access_log.destination_arn,
                stream,
                line,
                int(self.clock.now() * 1000),
            )
        )
        task.add_done_callback(lambda t: t.cancelled() or t.exception())


def _lambda_answer(call: LambdaCall, version: str) -> ProxyResponse:
    if call.timed_out:
        return responses.http_service_unavailable()
    if call.throttled:
        return responses.http_too_many_requests()
    if call.failed is not None:
        return responses.http_internal_error()
    return responses.http_api_answer(
        call.payload, version=version, function_error=call.function_error
    )


def _cors(served: ServedApi) -> dict[str, Any] | None:
    config = served.cors
    if config is None:
        return None
    out: dict[str, Any] = {
        "AllowOrigins": list(config.allow_origins),
        "AllowMethods": list(config.allow_methods),
        "AllowHeaders": list(config.allow_headers),
        "ExposeHeaders": list(config.expose_headers),
        "AllowCredentials": config.allow_credentials,
    }
    if config.max_age is not None:
        out["MaxAge"] = config.max_age
    return out


def _http_target(uri: str, parameters: dict[str, str] | None, request: ProxyRequest) -> str:
    """The backend URL: `{proxy}`-style path parameters filled in, the query carried."""
    uri = fill_path_parameters(uri, parameters)
    if request.query:
        uri += ("&" if "?" in uri else "?") + request.query
    return uri
