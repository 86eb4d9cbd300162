"""The read side for the data plane: `served_api`, `served_stages`, `api_generation`,
their caching and invalidation, and what a stage serves (its deployment's snapshot)."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.clock import ManualClock
from tenku.core.context import RequestContext
from tenku.core.events import EventBus
from tenku.core.scope import Scope
from tenku.services.apigatewayv2.provider import ApiGatewayV2Provider
from tenku.services.apigatewayv2.served import ServedApi
from tenku.storage import MemoryStorage

FN = "arn:aws:lambda:us-east-1:000000000000:function:app"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
CTX = RequestContext(Scope(), "req")


@pytest.fixture()
def provider() -> ApiGatewayV2Provider:
    return ApiGatewayV2Provider(MemoryStorage(), ManualClock(), EventBus(), "http://127.0.0.1:4566")


def lambda_integration(p: ApiGatewayV2Provider, api_id: str, **extra: Any) -> str:
    out = p.create_integration(
        CTX, api_id, "AWS_PROXY", integration_uri=FN, payload_format_version="2.0", **extra
    )
    return str(out["IntegrationId"])


def test_quick_create_is_served_on_default(provider: ApiGatewayV2Provider) -> None:
    api = provider.create_api(CTX, "quick", "HTTP", target=FN, route_key="GET /hi")
    assert api["ApiEndpoint"] == f"http://{api['ApiId']}.execute-api.localhost:4566"
    assert provider.served_stages(api["ApiId"]) == ("$default",)
    served = provider.served_api(api["ApiId"], "$default")
    assert isinstance(served, ServedApi)
    assert (served.account, served.region, served.protocol) == ("000000000000", "us-east-1", "HTTP")
    (route,) = served.routes
    assert (route.route_key, route.method, route.path, route.segments) == (
        "GET /hi",
        "GET",
        "/hi",
        ("hi",),
    )
    assert route.integration is not None
    assert route.integration.function_arn == FN
    assert route.integration.payload_format_version == "2.0"
    assert route.integration.timeout_ms == 30000
    assert served.route("GET /hi") is route and served.route("GET /no") is None
    assert provider.served_api(api["ApiId"], "prod") is None
    assert provider.served_api("nosuchapi", "$default") is None


def test_snapshot_is_cached_and_invalidated_by_writes(provider: ApiGatewayV2Provider) -> None:
    api_id = provider.create_api(CTX, "a", "HTTP")["ApiId"]
    integration = lambda_integration(provider, api_id)
    provider.create_route(CTX, api_id, "GET /a", target=f"integrations/{integration}")
    provider.create_stage(CTX, api_id, "live", auto_deploy=True, stage_variables={"v": "1"})
    first = provider.served_api(api_id, "live")
    assert first is not None and first.stage_variables == {"v": "1"}
    assert provider.served_api(api_id, "live") is first  # cached: the same object
    generation = provider.api_generation(api_id)
    assert first.generation == generation
    provider.create_route(CTX, api_id, "POST /b", target=f"integrations/{integration}")
    assert provider.api_generation(api_id) != generation
    second = provider.served_api(api_id, "live")
    assert second is not first and second is not None
    assert {r.route_key for r in second.routes} == {"GET /a", "POST /b"}
    with pytest.raises(TypeError):
        second.stage_variables["v"] = "2"  # type: ignore[index]


def test_manual_stage_serves_its_deployment_only(provider: ApiGatewayV2Provider) -> None:
    api_id = provider.create_api(
        CTX, "m", "HTTP", cors_configuration={"AllowOrigins": ["https://a.example"]}
    )["ApiId"]
    integration = lambda_integration(provider, api_id, timeout_in_millis=900)
    provider.create_route(CTX, api_id, "GET /one", target=f"integrations/{integration}")
    provider.create_stage(CTX, api_id, "manual")
    assert provider.served_api(api_id, "manual") is None  # nothing deployed yet
    deployment = provider.create_deployment(CTX, api_id, stage_name="manual")
    provider.create_route(CTX, api_id, "GET /two", target=f"integrations/{integration}")
    provider.update_api(CTX, api_id, cors_configuration={"AllowOrigins": ["https://b.example"]})
    served = provider.served_api(api_id, "manual")
    assert served is not None and served.deployment_id == deployment["DeploymentId"]
    assert [r.route_key for r in served.routes] == ["GET /one"]
    assert served.cors is not None and served.cors.allow_origins == ("https://a.example",)
    assert served.routes[0].integration is not None
    assert served.routes[0].integration.timeout_ms == 900


def test_authorizers_throttles_and_logs_in_the_snapshot(provider: ApiGatewayV2Provider) -> None:
    api_id = provider.create_api(CTX, "auth", "HTTP")["ApiId"]
    integration = lambda_integration(provider, api_id)
    jwt = provider.create_authorizer(
        CTX,
        api_id,
        "JWT",
        ["$request.header.Authorization"],
        "cognito",
        jwt_configuration={"Issuer": ISSUER, "Audience": ["client"]},
    )
    provider.create_route(
        CTX,
        api_id,
        "GET /me",
        target=f"integrations/{integration}",
        authorization_type="JWT",
        authorizer_id=jwt["AuthorizerId"],
        authorization_scopes=["profile"],
    )
    provider.create_stage(
        CTX,
        api_id,
        "$default",
        auto_deploy=True,
        default_route_settings={"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 2.5},
        route_settings={"GET /me": {"ThrottlingBurstLimit": 1}},
        access_log_settings={
            "DestinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:access",
            "Format": "$context.requestId",
        },
    )
    served = provider.served_api(api_id, "$default")
    assert served is not None
    route = served.routes[0]
    assert route.authorization_type == "JWT" and route.scopes == ("profile",)
    assert route.authorizer is not None
    assert (route.authorizer.type, route.authorizer.issuer, route.authorizer.audience) == (
        "JWT",
        ISSUER,
        ("client",),
    )
    assert route.throttle is not None and route.throttle.burst_limit == 1
    assert served.default_throttle is not None and served.default_throttle.rate_limit == 2.5
    assert served.access_log is not None and served.access_log.format == "$context.requestId"


def test_websocket_apis_are_not_served(provider: ApiGatewayV2Provider) -> None:
    api_id = provider.create_api(
        CTX, "ws", "WEBSOCKET", route_selection_expression="$request.body.action"
    )["ApiId"]
    provider.create_stage(CTX, api_id, "prod")
    assert provider.served_api(api_id, "prod") is None
    assert provider.served_stages(api_id) == ("prod",)
