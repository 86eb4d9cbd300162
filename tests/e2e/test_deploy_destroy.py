"""`tenku deploy` and `tenku destroy` against a Tenku that runs already (`tenku start`),
and what `tenku up`/`deploy` say when they cannot work."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import SHOP, copy_shop, tenku_env
from tests.integration.conftest import TenkuProcess

pytestmark = pytest.mark.timeout(300)


def tenku(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tenku", *args],
        capture_output=True, text=True, env=tenku_env(), timeout=180, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    running = TenkuProcess(tmp_path_factory.mktemp("deploy-data")).start()
    yield running
    running.stop()


def test_deploy_redeploy_and_destroy(server: TenkuProcess, tmp_path: Path) -> None:
    root = copy_shop(tmp_path / "shop")
    done = tenku("deploy", str(root), "--endpoint", server.endpoint, "--stack-name", "shop-a")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stack shop-a: CREATE_COMPLETE" in done.stdout
    assert "/_tenku/execute-api/" in done.stdout and "Deployed in " in done.stdout
    cfn = server.client("cloudformation")
    assert cfn.describe_stacks(StackName="shop-a")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert server.client("dynamodb").describe_table(TableName="shop-dev-main-table")

    again = tenku("deploy", str(root), "--endpoint", server.endpoint, "--stack-name", "shop-a")
    assert again.returncode == 0 and "Stack shop-a: no changes" in again.stdout

    gone = tenku("destroy", "--stack-name", "shop-a", "--endpoint", server.endpoint)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "Stack shop-a: deleted" in gone.stdout and "DELETE_COMPLETE" in gone.stdout
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        server.client("dynamodb").describe_table(TableName="shop-dev-main-table")
    again_gone = tenku("destroy", "--stack-name", "shop-a", "--endpoint", server.endpoint)
    assert again_gone.returncode == 0 and "Stack shop-a: does not exist" in again_gone.stdout


def test_destroy_by_path_and_stage(server: TenkuProcess, tmp_path: Path) -> None:
    root = copy_shop(tmp_path / "shop")
    done = tenku("deploy", str(root), "--stage", "staging", "--endpoint", server.endpoint)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stack shop-staging: CREATE_COMPLETE" in done.stdout
    assert server.client("dynamodb").describe_table(TableName="shop-staging-main-table")
    gone = tenku("destroy", str(root), "--stage", "staging", "--endpoint", server.endpoint)
    assert gone.returncode == 0 and "Stack shop-staging: deleted" in gone.stdout


def test_a_failing_deployment_exits_non_zero_with_the_reason(
    server: TenkuProcess, tmp_path: Path
) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      QueueName: bad.fifo\n"  # a FIFO name without FifoQueue: SQS refuses it
    )
    done = tenku("deploy", str(tmp_path), "--endpoint", server.endpoint, "--stack-name", "bad")
    assert done.returncode == 1
    assert "CREATE_FAILED" in done.stdout and "Stack bad failed" in done.stderr


def test_skip_unknown_types_tags_the_stack_and_records_unknown_types(
    server: TenkuProcess, tmp_path: Path
) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        "  Robot:\n    Type: AWS::RoboMaker::Fleet\n"
    )
    refused = tenku("deploy", str(tmp_path), "--endpoint", server.endpoint, "--stack-name", "u1")
    assert refused.returncode == 1
    done = tenku("deploy", str(tmp_path), "--endpoint", server.endpoint, "--stack-name", "u2",
                 "--skip-unknown-types")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    stack = server.client("cloudformation").describe_stacks(StackName="u2")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {"Key": "tenku:skip-unknown-types", "Value": "true"} in stack["Tags"]


def test_nothing_to_deploy_and_bad_parameters(tmp_path: Path) -> None:
    empty = tenku("deploy", str(tmp_path), "--endpoint", "http://127.0.0.1:9")
    assert empty.returncode != 0 and "nothing to deploy here" in empty.stderr
    bad = tenku("deploy", str(SHOP), "--param", "Stage", "--endpoint", "http://127.0.0.1:9")
    assert bad.returncode != 0 and "'Stage' is not KEY=VALUE" in bad.stderr
    unreachable = tenku("deploy", str(SHOP), "--endpoint", "http://127.0.0.1:9", cwd=tmp_path)
    assert unreachable.returncode == 1 and "Could not connect" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr


def test_up_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = tenku("up", str(SHOP), "--port", str(port), "--no-watch", cwd=tmp_path)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "tenku deploy" in done.stderr


CDK_APP = Path(__file__).resolve().parents[1] / "fixtures" / "cdk"


def test_a_cdk_cloud_assembly(server: TenkuProcess, tmp_path: Path) -> None:
    """cdk.out as `cdk synth` writes it: the asset goes to the bootstrap bucket the
    template names, the bootstrap version comes from SSM, CDKMetadata is recorded."""
    import json
    import shutil

    app = tmp_path / "notes"
    shutil.copytree(CDK_APP, app)
    done = tenku("deploy", str(app), "--endpoint", server.endpoint)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stack NotesStack: CREATE_COMPLETE" in done.stdout
    bucket = "cdk-hnb659fds-assets-000000000000-us-east-1"
    keys = [o["Key"] for o in server.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [
        next(p.name[len("asset.") :] for p in (app / "cdk.out").glob("asset.*")) + ".zip"
    ]
    version = server.client("ssm").get_parameter(Name="/cdk-bootstrap/hnb659fds/version")
    assert version["Parameter"]["Value"] == "21"
    cfn = server.client("cloudformation")
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName="NotesStack")["Stacks"][0]["Outputs"]
    }
    answer = server.client("lambda").invoke(
        FunctionName=outputs["FunctionName"], Payload=b'{"note": "hi"}'
    )
    assert json.loads(answer["Payload"].read()) == {"queued": True, "from": "cdk"}
    got = server.client("sqs").receive_message(QueueUrl=outputs["QueueUrl"], WaitTimeSeconds=5)
    assert json.loads(got["Messages"][0]["Body"]) == {"note": "hi"}
    gone = tenku("destroy", str(app), "--endpoint", server.endpoint)
    assert gone.returncode == 0 and "Stack NotesStack: deleted" in gone.stdout


def test_up_keeps_its_state_in_the_working_directory(tmp_path: Path) -> None:
    """As the README's first command runs it: state in ./.tenku, a relative path, and a
    second `tenku up` finds the stack deployed and changes nothing."""
    import json

    from tests.e2e.conftest import UpProcess

    copy_shop(tmp_path / "examples" / "shop")
    target = Path("examples/shop")
    first = UpProcess(target, ["--no-watch"], cwd=tmp_path, ephemeral=False).start()
    try:
        assert "Stack shop: CREATE_COMPLETE" in "\n".join(first.lines)
        answer = first.client("lambda").invoke(
            FunctionName="shop-dev-orders-api", Payload=json.dumps({"body": "{"}).encode()
        )
        assert "FunctionError" not in answer  # the function ran (and refused the body)
        assert json.loads(answer["Payload"].read())["statusCode"] == 400
    finally:
        assert first.stop() == 0
    assert (tmp_path / ".tenku").is_dir()
    second = UpProcess(target, ["--no-watch"], cwd=tmp_path, ephemeral=False).start()
    try:
        assert "Stack shop: no changes" in "\n".join(second.lines)
        assert second.outputs["UserPoolId"] == first.outputs["UserPoolId"]
    finally:
        assert second.stop() == 0


def test_a_template_over_cloudformations_body_limit_goes_by_url(
    server: TenkuProcess, tmp_path: Path
) -> None:
    import json

    tags = [{"Key": f"pad{n}", "Value": "x" * 250} for n in range(4)]  # SQS: 256 at most
    resources = {
        f"Queue{i}": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"Tags": tags},
        }
        for i in range(60)
    }
    (tmp_path / "template.json").write_text(json.dumps({"Resources": resources}))
    assert (tmp_path / "template.json").stat().st_size > 51_200
    done = tenku("deploy", str(tmp_path), "--endpoint", server.endpoint, "--stack-name", "big")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stack big: CREATE_COMPLETE" in done.stdout
    keys = [
        o["Key"]
        for o in server.client("s3").list_objects_v2(Bucket="tenku-deploy-artifacts")["Contents"]
    ]
    assert any(k.startswith("big/") and k.endswith(".template") for k in keys)
    assert tenku("destroy", "--stack-name", "big", "--endpoint", server.endpoint).returncode == 0
