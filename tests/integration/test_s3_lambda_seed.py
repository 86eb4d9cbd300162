"""The seed guide's S3-triggered processor (ported to Python with boto3, in
`tests/fixtures/s3_processor/app.py`) through the wire: S3 notifications invoke it,
it reads the upload back through S3 and writes its results to an output bucket.

- A CSV upload becomes a JSON object in the output bucket.
- `photos/a b.jpg`, uploaded to a bucket whose notification filters on `photos/` and
  `.jpg`, invokes the function exactly once, with the key as S3 encodes it in events
  (`photos/a+b.jpg`); uploads outside the filter invoke nothing. Invocations are counted
  from the function's log through the CloudWatch Logs API (one START line each).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, zipped

PROCESSOR = Path(__file__).parents[1] / "fixtures" / "s3_processor" / "app.py"
CSV = "id,name,price\n1, Widget ,9.99\n2,Gadget,24.50\n\n3,Doohickey\n"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


@pytest.fixture(scope="module")
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


@pytest.fixture(scope="module")
def logs(tenku: TenkuProcess) -> Any:
    return tenku.client("logs")


def deploy_processor(lam: Any, s3: Any, output_bucket: str) -> tuple[str, str]:
    """(name, ARN) of a new copy of the seed's processor writing to `output_bucket`."""
    name = unique("s3-processor")
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": PROCESSOR.read_text()})},
        Environment={"Variables": {"OUTPUT_BUCKET": output_bucket}},
        Timeout=30,
    )["FunctionArn"]
    return name, arn


def trigger(lam: Any, s3: Any, bucket: str, function: str, arn: str, rules: list[Any]) -> None:
    """Let S3 invoke the function (as AWS requires), then notify it of created objects."""
    lam.add_permission(
        FunctionName=function,
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "to-processor",
                    "LambdaFunctionArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": rules}},
                }
            ]
        },
    )


def log_messages(logs: Any, function: str) -> list[str]:
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [str(e["message"]).rstrip("\n") for e in events]


def wait_for_object(s3: Any, bucket: str, key: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return s3.get_object(Bucket=bucket, Key=key)
        except s3.exceptions.NoSuchKey:
            time.sleep(0.2)
    raise AssertionError(f"s3://{bucket}/{key} never appeared")


def test_a_csv_upload_is_processed_into_json_in_the_output_bucket(
    s3: Any, lam: Any, logs: Any
) -> None:
    source, output = unique("input"), unique("output")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=output)
    name, arn = deploy_processor(lam, s3, output)
    trigger(lam, s3, source, name, arn, [{"Name": "suffix", "Value": ".csv"}])
    before = datetime.now(UTC)

    s3.put_object(Bucket=source, Key="reports/daily sales.csv", Body=CSV, ContentType="text/csv")

    result = wait_for_object(s3, output, "reports/daily sales.json")
    assert result["ContentType"] == "application/json"
    document = json.loads(result["Body"].read())
    assert document["records"] == [
        {"id": "1", "name": "Widget", "price": "9.99"},
        {"id": "2", "name": "Gadget", "price": "24.50"},
        {"id": "3", "name": "Doohickey", "price": ""},
    ]
    processed_at = datetime.strptime(document["processedAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs(processed_at.replace(tzinfo=UTC) - before).total_seconds() < 60
    messages = log_messages(logs, name)
    assert "Received key reports/daily+sales.csv" in messages
    assert f"Processing s3://{source}/reports/daily sales.csv" in messages
    assert "CSV headers: id, name, price" in messages
    assert "Row count: 5" in messages
    # Nothing else was written to the output bucket (and the input had no other upload).
    listed = s3.list_objects_v2(Bucket=output)["Contents"]
    assert [o["Key"] for o in listed] == ["reports/daily sales.json"]


def test_a_filtered_jpeg_upload_invokes_the_function_once_with_the_encoded_key(
    s3: Any, lam: Any, logs: Any
) -> None:
    source, output = unique("photos"), unique("thumbs")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=output)
    name, arn = deploy_processor(lam, s3, output)
    rules = [{"Name": "prefix", "Value": "photos/"}, {"Name": "suffix", "Value": ".jpg"}]
    trigger(lam, s3, source, name, arn, rules)

    # Outside the filter: wrong suffix, wrong prefix, suffix case differs.
    for key in ("photos/a b.png", "other/a b.jpg", "photos/c.JPG"):
        s3.put_object(Bucket=source, Key=key, Body=b"\xff\xd8 not this", ContentType="image/jpeg")
    s3.put_object(
        Bucket=source, Key="photos/a b.jpg", Body=b"\xff\xd8 jpeg!", ContentType="image/jpeg"
    )

    thumbnail = wait_for_object(s3, output, "thumbnails/photos/a b.jpg")
    assert thumbnail["Body"].read() == b"\xff\xd8 jpeg!"
    time.sleep(2.0)  # room for a second (wrong) invocation or a late filtered-out one
    messages = log_messages(logs, name)
    starts = [m for m in messages if m.startswith("START RequestId: ")]
    assert len(starts) == 1, messages
    assert [m for m in messages if m.startswith("Received key ")] == ["Received key photos/a+b.jpg"]
    assert "Processing 1 S3 events" in messages
    assert f"Processing s3://{source}/photos/a b.jpg" in messages
    listed = s3.list_objects_v2(Bucket=output)["Contents"]
    assert [o["Key"] for o in listed] == ["thumbnails/photos/a b.jpg"]
