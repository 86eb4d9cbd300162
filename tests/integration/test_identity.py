"""Identity: any credentials, region from the SigV4 scope, state scoped by account and region."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


def test_queues_are_scoped_by_region(tenku: TenkuProcess, name: str) -> None:
    east = tenku.client("sqs", region="us-east-1")
    west = tenku.client("sqs", region="eu-west-1")
    east_url = east.create_queue(QueueName=name)["QueueUrl"]
    with pytest.raises(ClientError) as excinfo:
        west.get_queue_url(QueueName=name)
    assert excinfo.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    west_url = west.create_queue(QueueName=name, Attributes={"DelaySeconds": "5"})["QueueUrl"]
    arn = west.get_queue_attributes(QueueUrl=west_url, AttributeNames=["QueueArn"])
    assert arn["Attributes"]["QueueArn"] == f"arn:aws:sqs:eu-west-1:000000000000:{name}"
    east.send_message(QueueUrl=east_url, MessageBody="east only")
    assert "Messages" not in west.receive_message(QueueUrl=west_url)
    assert east.receive_message(QueueUrl=east_url)["Messages"][0]["Body"] == "east only"


def test_any_credentials_are_accepted(tenku: TenkuProcess) -> None:
    import boto3

    client: Any = boto3.client(
        "sqs",
        endpoint_url=tenku.endpoint,
        region_name="ap-northeast-1",
        aws_access_key_id="AKIAANYTHING",
        aws_secret_access_key="whatever",
        aws_session_token="token",
    )
    assert client.list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
    queue = client.create_queue(QueueName="any-creds")["QueueUrl"]
    sent = client.send_message(QueueUrl=queue, MessageBody="x")
    got = client.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["SenderId"])
    assert got["Messages"][0]["MessageId"] == sent["MessageId"]
    assert got["Messages"][0]["Attributes"]["SenderId"] == "AKIAANYTHING"


def test_account_id_is_configurable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["TENKU_ACCOUNT_ID"] = "123456789012"
    process = subprocess.Popen(
        [sys.executable, "-m", "tenku", "start", "--port", "0", "--ephemeral"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    server = TenkuProcess(None)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        server.endpoint = line.split("Tenku ready on ", 1)[1].strip()
        sqs = server.client("sqs")
        url = sqs.create_queue(QueueName="acct")["QueueUrl"]
        assert url.endswith("/123456789012/acct")
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        assert arn["Attributes"]["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:acct"
    finally:
        process.terminate()
        process.wait(timeout=10)
