"""Integrations other than Lambda, through the wire: HTTP proxy integrations (HTTP API and
REST) forwarding method, path, query, headers and body to a local backend, and a REST
MOCK integration answering an OPTIONS preflight the way AWS's console sets CORS up."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.apigateway_support import raw
from tests.integration.conftest import TenkuProcess


class Backend(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = {"method": self.command, "path": self.path, "body": body.decode(),
                "x-test": self.headers.get("x-test")}
        data = json.dumps(seen).encode()
        self.send_response(207)
        self.send_header("content-type", "application/json")
        self.send_header("x-backend", "yes")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_api_http_proxy(tenku: TenkuProcess, backend: str) -> None:
    client = tenku.client("apigatewayv2")
    api = client.create_api(Name="proxy", ProtocolType="HTTP")["ApiId"]
    integration = client.create_integration(
        ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
        IntegrationUri=f"{backend}/backend/{{proxy}}", PayloadFormatVersion="1.0",
    )["IntegrationId"]
    client.create_route(ApiId=api, RouteKey="ANY /items/{proxy+}",
                        Target=f"integrations/{integration}")
    client.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    status, headers, body = raw(
        tenku.port, f"{api}.execute-api.localhost", "POST", "/items/a/b?x=1&x=2",
        (("X-Test", "hello"), ("Content-Type", "text/plain")), b"payload",
    )
    assert status == 207 and headers["x-backend"] == "yes"
    assert json.loads(body) == {"method": "POST", "path": "/backend/a/b?x=1&x=2",
                                "body": "payload", "x-test": "hello"}


def test_rest_http_proxy_and_mock_preflight(tenku: TenkuProcess, backend: str) -> None:
    client = tenku.client("apigateway")
    api = client.create_rest_api(name="proxy")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    items = client.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
    client.put_method(restApiId=api, resourceId=items, httpMethod="GET",
                      authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=items, httpMethod="GET",
                           type="HTTP_PROXY", integrationHttpMethod="GET",
                           uri=f"{backend}/from-rest")
    client.put_method(restApiId=api, resourceId=items, httpMethod="OPTIONS",
                      authorizationType="NONE")
    client.put_integration(
        restApiId=api, resourceId=items, httpMethod="OPTIONS", type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    client.put_method_response(
        restApiId=api, resourceId=items, httpMethod="OPTIONS", statusCode="200",
        responseParameters={"method.response.header.Access-Control-Allow-Origin": False,
                            "method.response.header.Access-Control-Allow-Methods": False},
    )
    client.put_integration_response(
        restApiId=api, resourceId=items, httpMethod="OPTIONS", statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Origin": "'http://localhost:3000'",
            "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
        },
        responseTemplates={"application/json": ""},
    )
    client.create_deployment(restApiId=api, stageName="v1")
    host = f"{api}.execute-api.localhost"
    status, _, body = raw(tenku.port, host, "GET", "/v1/items?q=1", (("X-Test", "rest"),))
    assert status == 207
    assert json.loads(body) == {"method": "GET", "path": "/from-rest?q=1", "body": "",
                                "x-test": "rest"}
    status, headers, body = raw(tenku.port, host, "OPTIONS", "/v1/items",
                                (("Origin", "http://localhost:3000"),))
    assert status == 200 and body == b""
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    assert headers["access-control-allow-methods"] == "GET,OPTIONS"
