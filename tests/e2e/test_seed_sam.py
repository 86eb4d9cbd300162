"""The guide's own production SAM template (`tests/fixtures/seed_sam/template.yaml`, copied
from the seed unchanged) deploys with `tenku deploy`, its handlers filled in as small
Node.js functions: the HTTP API with its Cognito JWT authorizer answers, the FIFO queue
with its DLQ, the table, the layer and the user pool exist."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import tenku_env
from tests.integration.conftest import TenkuProcess

SEED = Path(__file__).parents[1] / "fixtures" / "seed_sam"
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    running = TenkuProcess(tmp_path_factory.mktemp("seed-sam")).start()
    yield running
    running.stop()


def test_the_guides_sam_template_deploys_unchanged(server: TenkuProcess) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tenku", "deploy", str(SEED), "--endpoint", server.endpoint,
         "--stack-name", "seed"],
        capture_output=True, text=True, env=tenku_env(), timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stack seed: CREATE_COMPLETE" in done.stdout
    cfn = server.client("cloudformation")
    stack = cfn.describe_stacks(StackName="seed")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    pool = outputs["UserPoolId"]
    kinds = {r["ResourceType"] for r in
             cfn.list_stack_resources(StackName="seed")["StackResourceSummaries"]}
    assert {"AWS::ApiGatewayV2::Api", "AWS::Lambda::LayerVersion", "AWS::SQS::Queue",
            "AWS::DynamoDB::Table", "AWS::Cognito::UserPool"} <= kinds
    api = server.client("apigatewayv2").get_apis()["Items"][0]["ApiId"]
    stages = server.client("apigatewayv2").get_stages(ApiId=api)["Items"]
    stage = next(s["StageName"] for s in stages if s["StageName"] != "$default")
    url = f"{server.endpoint}/_tenku/execute-api/{api}/{stage}/users"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url)
    assert refused.value.code == 401
    idp = server.client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool, Username="alice@example.com",
                          MessageAction="SUPPRESS")
    token = subprocess.run(
        [sys.executable, "-m", "tenku", "token", "--endpoint", server.endpoint,
         "--user-pool", pool, "--username", "alice@example.com"],
        capture_output=True, text=True, env=tenku_env(), check=True,
    ).stdout.strip()
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as answer:
        body = json.loads(answer.read())
    assert body["route"] == "GET /users" and body["sub"]
