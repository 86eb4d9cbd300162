"""The real AWS CDK CLI against Tenku, unchanged but for `AWS_ENDPOINT_URL`: `cdk
bootstrap` deploys the CDKToolkit stack (bucket, roles, SSM version parameter, ECR
repository), `cdk deploy` publishes the app's assets and deploys its stack through
change sets, the function it made runs, and `cdk destroy` removes it.

The CLI and library come from `scripts/setup-cdk` (run by `scripts/check`) in the
gitignored `.cache/cdk`; without them this test skips, except in CI, where it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TenkuProcess

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / ".cache" / "cdk" / "node_modules"
APP = ROOT / "tests" / "fixtures" / "cdk_app"
pytestmark = pytest.mark.timeout(600)


def cdk_cli() -> Path:
    cli = MODULES / ".bin" / "cdk"
    problem = ""
    if shutil.which("node") is None:
        problem = "node is not installed"
    elif not cli.exists() or not (MODULES / "aws-cdk-lib").is_dir():
        problem = f"the CDK is not installed in {MODULES.parent}: run scripts/setup-cdk"
    if not problem:
        return cli
    if os.environ.get("CI"):
        pytest.fail(f"{problem} (CI must run the CDK test)")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    running = TenkuProcess(tmp_path_factory.mktemp("cdk")).start()
    yield running
    running.stop()


def cdk(cli: Path, server: TenkuProcess, app: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(
        AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=server.endpoint, CDK_DISABLE_VERSION_CHECK="1",
    )
    done = subprocess.run([str(cli), *args, "--no-notices"], cwd=app, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_cdk_bootstrap_deploy_and_destroy(server: TenkuProcess, tmp_path: Path) -> None:
    cli = cdk_cli()
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    (app / "node_modules").symlink_to(MODULES)
    cdk(cli, server, app, "bootstrap", "aws://000000000000/us-east-1")
    cfn = server.client("cloudformation")
    toolkit = cfn.describe_stacks(StackName="CDKToolkit")["Stacks"][0]
    assert toolkit["StackStatus"] == "CREATE_COMPLETE"
    version = server.client("ssm").get_parameter(Name="/cdk-bootstrap/hnb659fds/version")
    assert int(version["Parameter"]["Value"]) >= 20

    out = cdk(cli, server, app, "deploy", "--require-approval", "never")
    assert "CdkShop" in out
    stack = cfn.describe_stacks(StackName="CdkShop")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    queue_url = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "QueueUrl")
    attributes = server.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]
    assert attributes["QueueArn"].endswith(queue_url.rsplit("/", 1)[1])
    lam = server.client("lambda")
    worker = next(f["FunctionName"] for f in lam.list_functions()["Functions"]
                  if f["FunctionName"].startswith("CdkShop-Worker"))
    answer = lam.invoke(FunctionName=worker, Payload=b'{"Records": []}')
    assert answer["Payload"].read() == b'{"batchItemFailures": []}'
    mappings = lam.list_event_source_mappings(FunctionName=worker)["EventSourceMappings"]
    assert len(mappings) == 1

    cdk(cli, server, app, "destroy", "--force")
    names = [s["StackName"] for s in cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])[
        "StackSummaries"]]
    assert "CdkShop" not in names
