"""Helpers for API Gateway data-plane tests: functions, APIs, and raw HTTP requests sent
byte for byte (header order, case and repeats as written)."""

from __future__ import annotations

import json
import socket
from typing import Any

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, zipped

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps(event)}
"""


def python_function(tenku: TenkuProcess, name: str, source: str, **extra: Any) -> str:
    created = tenku.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": source})},
        **extra,
    )
    return str(created["FunctionArn"])


def http_api(
    tenku: TenkuProcess,
    name: str,
    function_arn: str,
    routes: list[str],
    version: str = "2.0",
    **extra: Any,
) -> tuple[str, Any]:
    """An HTTP API whose routes all go to one function, served on `$default`."""
    client = tenku.client("apigatewayv2")
    api = client.create_api(Name=name, ProtocolType="HTTP", **extra)["ApiId"]
    integration = client.create_integration(
        ApiId=api,
        IntegrationType="AWS_PROXY",
        IntegrationUri=function_arn,
        PayloadFormatVersion=version,
    )["IntegrationId"]
    for key in routes:
        client.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integration}")
    client.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    return str(api), client


def raw(
    port: int,
    host: str,
    method: str,
    target: str,
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
    protocol: str = "HTTP/1.1",
) -> tuple[int, dict[str, str], bytes]:
    """Send one request exactly as given; (status, headers lower-cased, body)."""
    lines = [f"{method} {target} {protocol}", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    head, _, payload = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found: dict[str, str] = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        found[key.strip().lower()] = value.strip()
    return int(status_line.split()[1]), found, payload


def event_of(payload: bytes) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(payload)
    return event
