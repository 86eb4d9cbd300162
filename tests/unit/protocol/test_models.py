"""The model loader reads botocore's files without importing botocore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tenku.protocol.models import available_services, load_service_model

SRC = Path(__file__).resolve().parents[3] / "src"


def test_protocol_package_never_imports_botocore() -> None:
    code = (
        "import sys\n"
        "from tenku.protocol import http, models, parsers, routing, serializers\n"
        "m = models.load_service_model('sqs')\n"
        "r = http.Request('POST', '/', '', {'x-amz-target': 'AmazonSQS.ListQueues'}, b'{}')\n"
        "p = parsers.parse_request(m, r)\n"
        "serializers.serialize_result(m, p.operation, {}, protocol=p.protocol, request_id='r')\n"
        "assert routing.service_for(r) == 'sqs'\n"
        "bad = sorted(n for n in sys.modules if n.startswith(('botocore', 'boto3')))\n"
        "assert not bad, bad\n"
    )
    env_path = f"{SRC}"
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={"PYTHONPATH": env_path}, timeout=60
    )


def test_service_model_views() -> None:
    sqs = load_service_model("sqs")
    assert sqs is load_service_model("sqs")  # cached
    assert (sqs.name, sqs.protocol, sqs.target_prefix) == ("sqs", "json", "AmazonSQS")
    assert sqs.query_compatible
    assert "SendMessage" in sqs.operation_names
    op = sqs.operation("SendMessage")
    assert (op.method, op.request_uri, op.input_shape) == ("POST", "/", "SendMessageRequest")
    assert sqs.shape("SendMessageRequest")["type"] == "structure"
    assert "documentation" not in sqs.shape("SendMessageRequest")


def test_protocol_resolution_prefers_what_tenku_speaks() -> None:
    # CloudWatch's metadata protocol is CBOR; botocore (and Tenku) talk json to it.
    cloudwatch = load_service_model("cloudwatch")
    assert cloudwatch.metadata["protocol"] == "smithy-rpc-v2-cbor"
    assert cloudwatch.protocol == "json"
    assert load_service_model("s3").protocol == "rest-xml"
    assert load_service_model("sns").protocol == "query"
    assert load_service_model("lambda").protocol == "rest-json"


def test_newest_api_version_is_loaded() -> None:
    assert load_service_model("dynamodb").api_version == "2012-08-10"
    assert load_service_model("lambda").api_version == "2015-03-31"


def test_available_services_lists_folders() -> None:
    names = available_services()
    assert {"sqs", "s3", "dynamodb", "lambda"} <= set(names)
