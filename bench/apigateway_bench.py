"""API Gateway benchmark: requests/s and latency through an HTTP API (payload 2.0) and a
REST API to one warm Python function, against the bare Lambda Invoke API of the same
function in the same run (wrk -t1 -c16, keep-alive, on this machine).

Usage: python bench/apigateway_bench.py [--seconds 4] [--runs 3] [--memory 1769]
Prints a markdown table; each figure is the best of `--runs` runs (the VM's noise is
one-sided: a run is only ever slowed down by neighbours).
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
import zipfile
from typing import Any

import sqs_wrk
from lambda_bench import client_for
from lambda_common import write_lua
from sqs_servers import SERVERS, start

ROLE = "arn:aws:iam::000000000000:role/bench"
HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "ok"}
"""

API_LUA = """
-- API Gateway benchmark: GET PATH with Host <api-id>.execute-api.localhost.
-- Argument layout of sqs_wrk.run_wrk: -- PATH API_ID
wrk.method = "GET"

function init(args)
  wrk.path = args[1]
  wrk.headers["Host"] = args[2] .. ".execute-api.localhost"
end
"""


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def setup(server: Any, memory: int) -> dict[str, str]:
    lam = client_for(server)
    make = dict(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1")
    import boto3

    endpoint = f"http://127.0.0.1:{server.port}"
    v2 = boto3.client("apigatewayv2", endpoint_url=endpoint, **make)
    v1 = boto3.client("apigateway", endpoint_url=endpoint, **make)
    arn = lam.create_function(
        FunctionName="hello", Runtime="python3.11", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": zipped(HANDLER)}, MemorySize=memory,
    )["FunctionArn"]
    http_api = v2.create_api(Name="bench", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(
        ApiId=http_api, IntegrationType="AWS_PROXY", IntegrationUri=arn,
        PayloadFormatVersion="2.0",
    )["IntegrationId"]
    v2.create_route(ApiId=http_api, RouteKey="GET /hello", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=http_api, StageName="$default", AutoDeploy=True)
    rest = v1.create_rest_api(name="bench")["id"]
    root = v1.get_resources(restApiId=rest)["items"][0]["id"]
    hello = v1.create_resource(restApiId=rest, parentId=root, pathPart="hello")["id"]
    v1.put_method(restApiId=rest, resourceId=hello, httpMethod="GET", authorizationType="NONE")
    v1.put_integration(
        restApiId=rest, resourceId=hello, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    v1.create_deployment(restApiId=rest, stageName="prod")
    return {"http": http_api, "rest": rest}


def measure(server: Any, script: str, op: str, target: str, seconds: float, runs: int) -> dict:
    sqs_wrk.LUA = script
    sqs_wrk.run_wrk(server.port, target, op, 16, 1, server.pid)  # warm-up
    best: dict[str, float] | None = None
    for _ in range(runs):
        run = sqs_wrk.run_wrk(server.port, target, op, 16, seconds, server.pid)
        if run["errors"] and run["requests"] <= run["errors"]:
            raise RuntimeError(f"{op} {target}: every request failed ({run['errors']} errors)")
        if best is None or run["rps"] > best["rps"]:
            best = run
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory", type=int, default=1769)
    parser.add_argument("--peer", action="append", default=[],
                        help="also measure this peer (ministack) in the same run")
    args = parser.parse_args()
    fd, api_lua = tempfile.mkstemp(prefix="apigw-", suffix=".lua")
    with os.fdopen(fd, "w") as f:
        f.write(API_LUA)
    invoke_lua = write_lua()
    results: dict[str, dict[str, dict]] = {}
    try:
        for name in ["tenku", *args.peer]:
            server = start(SERVERS[name])
            try:
                apis = setup(server, args.memory)
                time.sleep(3)  # let start-up work (service warm-up) finish before measuring
                results[name] = {
                    "Lambda Invoke API": measure(server, invoke_lua, "invoke", "hello",
                                                 args.seconds, args.runs),
                    "HTTP API (payload 2.0)": measure(server, api_lua, "/hello", apis["http"],
                                                      args.seconds, args.runs),
                    "REST API (payload 1.0)": measure(server, api_lua, "/prod/hello",
                                                      apis["rest"], args.seconds, args.runs),
                }
            finally:
                server.stop()
    finally:
        os.unlink(api_lua)
        os.unlink(invoke_lua)
    print(f"wrk -t1 -c16, best of {args.runs} x {args.seconds:g} s, function {args.memory} MB\n")
    for name, rows in results.items():
        base = rows["Lambda Invoke API"]["rps"]
        print(f"{name}:\n")
        print("| Path | requests/s | p50 ms | p99 ms | server CPU | vs Invoke API |")
        print("| --- | --- | --- | --- | --- | --- |")
        for path, run in rows.items():
            print(f"| {path} | {run['rps']:,.0f} | {run['p50_ms']:.2f} | {run['p99_ms']:.2f} | "
                  f"{run['server_cpu_pct']:.0f}% | {run['rps'] / base:.2f}x |")
        print()


if __name__ == "__main__":
    main()
