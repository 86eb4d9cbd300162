"""The APIs a stack deployed and the URLs they answer on: every HTTP API and REST API
stage, host style (`http://<id>.execute-api.localhost:<port>/<stage>`) and path style
(`http://127.0.0.1:<port>/_tenku/execute-api/<id>/<stage>`), and which one the API port
serves. Found through the stack's resources and the API Gateway APIs.
Must not: print (the caller does) or change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_STAGE = "$default"
HTTP_API = "AWS::ApiGatewayV2::Api"
REST_API = "AWS::ApiGateway::RestApi"


@dataclass(frozen=True)
class Api:
    logical_id: str
    api_id: str
    name: str
    kind: str  # "HTTP API", "WebSocket API" or "REST API"
    stages: tuple[str, ...]

    @property
    def served_stage(self) -> str | None:
        """The stage the API port serves: `$default`, else the one deployed for the
        stack (not SAM's extra `Stage` stage when there is another)."""
        if DEFAULT_STAGE in self.stages:
            return DEFAULT_STAGE
        named = [s for s in self.stages if s != "Stage"] or list(self.stages)
        return named[0] if named else None

    def urls(self, endpoint: str) -> list[tuple[str, str]]:
        """(stage, host-style URL, then path-style URL) for every stage."""
        parts = urlsplit(endpoint)
        port = f":{parts.port}" if parts.port else ""
        found = []
        for stage in self.stages or (DEFAULT_STAGE,):
            suffix = "" if stage == DEFAULT_STAGE else f"/{stage}"
            found.append((stage, f"http://{self.api_id}.execute-api.localhost{port}{suffix}"))
            found.append(
                (stage, f"{endpoint.rstrip('/')}/_tenku/execute-api/{self.api_id}{suffix}")
            )
        return found

    def matches(self, wanted: str) -> bool:
        return wanted in (self.logical_id, self.api_id, self.name)


def stack_apis(client_for: Callable[[str], Any], resources: dict[str, dict[str, Any]]) -> list[Api]:
    """The stack's APIs: HTTP APIs first, then REST APIs, each in logical-id order."""
    from botocore.exceptions import ClientError

    apis: list[Api] = []
    v2: Any = None
    v1: Any = None
    for logical_id, resource in sorted(resources.items()):
        kind = resource.get("ResourceType")
        api_id = str(resource.get("PhysicalResourceId") or "")
        if not api_id or kind not in (HTTP_API, REST_API):
            continue
        try:
            if kind == HTTP_API:
                v2 = v2 or client_for("apigatewayv2")
                described = v2.get_api(ApiId=api_id)
                stages = v2.get_stages(ApiId=api_id).get("Items") or []
                protocol = described.get("ProtocolType", "HTTP")
                apis.append(
                    Api(
                        logical_id,
                        api_id,
                        str(described.get("Name") or ""),
                        "WebSocket API" if protocol == "WEBSOCKET" else "HTTP API",
                        tuple(sorted(str(s["StageName"]) for s in stages)),
                    )
                )
            else:
                v1 = v1 or client_for("apigateway")
                described = v1.get_rest_api(restApiId=api_id)
                stages = v1.get_stages(restApiId=api_id).get("item") or []
                apis.append(
                    Api(
                        logical_id,
                        api_id,
                        str(described.get("name") or ""),
                        "REST API",
                        tuple(sorted(str(s["stageName"]) for s in stages)),
                    )
                )
        except ClientError:
            continue  # gone between the listing and now
    order = {"HTTP API": 0, "REST API": 1, "WebSocket API": 2}
    return sorted(apis, key=lambda api: order[api.kind])


def choose(apis: list[Api], wanted: str | None) -> Api | None:
    """The API the API port serves: the one named by `--api`, else the first HTTP or
    REST API (WebSocket APIs are not served over plain HTTP)."""
    servable = [api for api in apis if api.kind != "WebSocket API"]
    if wanted:
        return next((api for api in servable if api.matches(wanted)), None)
    return servable[0] if servable else None
