"""`sam deploy` and `sam delete` (AWS SAM CLI) against Tenku, with an artifacts bucket
given by `--s3-bucket`. The SAM CLI is not a test dependency of Tenku's venv (it is
large and pins its own boto3): `scripts/setup-sam` (run by `scripts/check`) installs it
into `.cache/sam-venv`, or `TENKU_SAM_CLI` names another `sam`. Without one the test
skips, except in CI, where it fails."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.cloudformation_support import function_names, unique
from tests.integration.conftest import TenkuProcess

ROOT = Path(__file__).resolve().parents[2]
SAM_CLI = os.environ.get("TENKU_SAM_CLI") or str(ROOT / ".cache" / "sam-venv" / "bin" / "sam")

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        FromInbox:
          Type: SQS
          Properties: {Queue: !GetAtt Inbox.Arn}
Outputs:
  Name: {Value: !Ref Fn}
"""


def test_sam_deploy_and_delete(tenku: TenkuProcess, tmp_path: Path) -> None:
    if not os.access(SAM_CLI, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"no SAM CLI at {SAM_CLI} (CI must run the sam deploy test)")
        pytest.skip(f"no SAM CLI at {SAM_CLI}: run scripts/setup-sam")
    (tmp_path / "src").mkdir()
    code = tmp_path / "src" / "app.py"
    code.write_text("def handler(event, context):\n    return {'version': 1}\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    bucket, stack = unique("artifacts"), unique("sam")
    tenku.client("s3").create_bucket(Bucket=bucket)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=tenku.endpoint,
        SAM_CLI_TELEMETRY="0",
    )

    def sam(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SAM_CLI, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )

    deploy = ("deploy", "--stack-name", stack, "--s3-bucket", bucket, "--capabilities",
              "CAPABILITY_IAM", "--no-confirm-changeset", "--region", "us-east-1")  # fmt: skip
    run = sam(*deploy)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Successfully created/updated stack - {stack}" in run.stdout
    cfn, lam = tenku.client("cloudformation"), tenku.client("lambda")
    outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    function = outputs[0]["OutputValue"]
    assert json.loads(lam.invoke(FunctionName=function)["Payload"].read()) == {"version": 1}

    code.write_text("def handler(event, context):\n    return {'version': 2}\n")
    run = sam(*deploy)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(lam.invoke(FunctionName=function)["Payload"].read()) == {"version": 2}
    run = sam(*deploy)
    assert "No changes to deploy" in run.stdout + run.stderr

    run = sam("delete", "--stack-name", stack, "--no-prompts", "--region", "us-east-1")
    assert run.returncode == 0, run.stdout + run.stderr
    assert function not in function_names(lam)
