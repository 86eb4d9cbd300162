"""The data plane's read side, driven through the provider in-process."""

from __future__ import annotations

import json

import pytest

from tenku.core.clock import ManualClock
from tenku.core.context import RequestContext
from tenku.core.scope import Scope
from tenku.services.apigateway.provider import ApiGatewayProvider
from tenku.storage import MemoryStorage

FN = "arn:aws:lambda:us-east-1:000000000000:function:{}"
URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"
CTX = RequestContext(Scope(), "req")


@pytest.fixture()
def provider() -> ApiGatewayProvider:
    return ApiGatewayProvider(MemoryStorage(), ManualClock())


def definition() -> bytes:
    return json.dumps(
        {
            "swagger": "2.0",
            "info": {"title": "shop", "version": "1.0"},
            "x-amazon-apigateway-binary-media-types": ["image/png"],
            "securityDefinitions": {
                "TokenAuth": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {
                        "type": "token",
                        "authorizerUri": URI.format(FN.format("auth")),
                        "authorizerResultTtlInSeconds": 60,
                    },
                },
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            },
            "paths": {
                "/orders/{id}": {
                    "get": {
                        "security": [{"TokenAuth": []}, {"api_key": []}],
                        "x-amazon-apigateway-integration": {
                            "type": "aws_proxy",
                            "httpMethod": "POST",
                            "uri": URI.format(FN.format("orders")),
                        },
                    }
                },
                "/{proxy+}": {
                    "x-amazon-apigateway-any-method": {
                        "x-amazon-apigateway-integration": {
                            "type": "mock",
                            "requestTemplates": {"application/json": '{"statusCode": 200}'},
                            "responses": {"default": {"statusCode": "200"}},
                        }
                    }
                },
            },
        }
    ).encode()


def test_served_stage_reflects_its_deployment(provider: ApiGatewayProvider) -> None:
    api = provider.import_rest_api(CTX, definition())
    api_id = api["id"]
    assert provider.served_rest_api(api_id, "prod") is None
    provider.create_deployment(CTX, api_id, stage_name="prod", variables={"table": "orders"})
    served = provider.served_rest_api(api_id, "prod")
    assert served is not None
    assert served.scope == Scope() and served.name == "shop" and served.stage_name == "prod"
    assert served.binary_media_types == ("image/png",)
    assert dict(served.variables) == {"table": "orders"}
    assert [r.path for r in served.resources] == ["/", "/orders", "/orders/{id}", "/{proxy+}"]
    get = served.resources_by_path["/orders/{id}"].method_for("get")
    assert get is not None and get.integration is not None
    assert get.authorization_type == "CUSTOM" and get.api_key_required
    assert get.authorizer is not None and get.authorizer.type == "TOKEN"
    assert get.authorizer.identity_source == "method.request.header.Authorization"
    assert get.authorizer.function_arn == FN.format("auth")
    assert get.authorizer.result_ttl_seconds == 60
    assert get.integration.function_arn == FN.format("orders")
    assert served.resources_by_path["/orders/{id}"].method_for("POST") is None
    proxy = served.resources_by_path["/{proxy+}"].method_for("DELETE")
    assert proxy is not None and proxy.http_method == "ANY"
    assert proxy.integration is not None and proxy.integration.type == "MOCK"
    default = proxy.integration.default_response
    assert default is not None and default.status_code == "200"
    with pytest.raises(TypeError):
        served.variables["x"] = "y"  # type: ignore[index]


def test_changes_are_served_only_after_a_redeploy(provider: ApiGatewayProvider) -> None:
    api_id = provider.import_rest_api(CTX, definition())["id"]
    provider.create_deployment(CTX, api_id, stage_name="prod")
    first = provider.served_rest_api(api_id, "prod")
    assert first is not None
    assert provider.served_rest_api(api_id, "prod") is first  # cached
    root = first.resources_by_path["/"].id
    provider.put_method(CTX, api_id, root, "GET", "NONE")
    provider.put_integration(CTX, api_id, root, "GET", "MOCK")
    assert provider.served_rest_api(api_id, "prod") is first  # working copy only
    provider.create_deployment(CTX, api_id, stage_name="prod")
    second = provider.served_rest_api(api_id, "prod")
    assert second is not None and second.generation != first.generation
    assert second.deployment_id != first.deployment_id
    assert "GET" in second.resources_by_path["/"].methods
    provider.update_stage(
        CTX,
        api_id,
        "prod",
        [
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "5"},
            {"op": "replace", "path": "/~1orders~1{id}/GET/throttling/rateLimit", "value": "1"},
        ],
    )
    third = provider.served_rest_api(api_id, "prod")
    assert third is not None and third.generation != second.generation
    assert third.settings_for("/orders/{id}", "GET")["throttlingRateLimit"] == 1.0
    assert third.settings_for("/", "GET")["throttlingRateLimit"] == 5.0
    provider.delete_stage(CTX, api_id, "prod")
    assert provider.served_rest_api(api_id, "prod") is None


def test_api_key_checks(provider: ApiGatewayProvider) -> None:
    api_id = provider.import_rest_api(CTX, definition())["id"]
    provider.create_deployment(CTX, api_id, stage_name="prod")
    key = provider.create_api_key(CTX, name="k", enabled=True, value="k" * 24)
    assert provider.check_api_key(api_id, "prod", None).reason == "missing"
    assert provider.check_api_key(api_id, "prod", "nope" * 6).reason == "unknown"
    assert provider.check_api_key(api_id, "prod", "k" * 24).reason == "not-in-usage-plan"
    plan = provider.create_usage_plan(
        CTX,
        "gold",
        api_stages=[{"apiId": api_id, "stage": "prod"}],
        throttle={"burstLimit": 10, "rateLimit": 2.0},
        quota={"limit": 100, "period": "DAY"},
    )
    provider.create_usage_plan_key(CTX, plan["id"], key["id"], "API_KEY")
    verdict = provider.check_api_key(api_id, "prod", "k" * 24)
    assert verdict.allowed and verdict.usage_plan_id == plan["id"] and verdict.key_id == key["id"]
    assert verdict.throttle is not None and verdict.throttle.rate_limit == 2.0
    assert verdict.quota is not None and (verdict.quota.limit, verdict.quota.period) == (100, "DAY")
    assert provider.check_api_key(api_id, "other", "k" * 24).reason == "not-in-usage-plan"
    provider.update_api_key(
        CTX, key["id"], [{"op": "replace", "path": "/enabled", "value": "false"}]
    )
    assert provider.check_api_key(api_id, "prod", "k" * 24).reason == "disabled"
