"""STS through the wire: the caller's identity, roles assumed with temporary keys that
then identify as the assumed role, session tokens, and the validation errors."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


@pytest.fixture
def sts(tenku: TenkuProcess) -> Any:
    return tenku.client("sts")


def test_caller_identity_and_assumed_roles(tenku: TenkuProcess, sts: Any) -> None:
    me = sts.get_caller_identity()
    assert me["Account"] == "000000000000"
    assert me["Arn"] == "arn:aws:iam::000000000000:user/tenku"
    role = "arn:aws:iam::000000000000:role/cdk-hnb659fds-deploy-role-000000000000-us-east-1"
    assumed = sts.assume_role(RoleArn=role, RoleSessionName="cdk", DurationSeconds=900)
    credentials = assumed["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and credentials["SessionToken"]
    assert assumed["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::000000000000:assumed-role/"
        "cdk-hnb659fds-deploy-role-000000000000-us-east-1/cdk"
    )
    as_role = boto3.client(
        "sts", endpoint_url=tenku.endpoint, region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert as_role.get_caller_identity()["Arn"] == assumed["AssumedRoleUser"]["Arn"]
    assert sts.get_access_key_info(AccessKeyId=credentials["AccessKeyId"])["Account"] == (
        "000000000000")
    token = sts.get_session_token(DurationSeconds=3600)["Credentials"]
    assert token["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"RoleArn": "arn:aws:s3:::not-a-role-at-all", "RoleSessionName": "ss"}, "is invalid"),
        ({"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "ss",
          "DurationSeconds": 43201}, "less than or equal to 43200"),
    ],
)
def test_bad_assume_role(sts: Any, params: dict[str, Any], text: str) -> None:
    with pytest.raises(ClientError) as error:
        sts.assume_role(**params)
    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert text in error.value.response["Error"]["Message"]


def test_the_cli_asks_who_it_is(tenku: TenkuProcess) -> None:
    done = tenku.aws("sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Account"] == "000000000000"
