"""Lambda permissions, function URLs and dead-letter queues through the wire: boto3 for
the API, plain HTTP (with a function URL Host header, or the path-style fallback) for
the URLs themselves."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, wait_for_message, zipped

WEB = """
import base64, json

def handler(event, context):
    path = event["rawPath"]
    if path == "/fail":
        raise RuntimeError("asked to fail")
    if path == "/malformed":
        return {"statusCode": "two hundred"}
    if path == "/plain":
        return "Hello, world!"
    if path == "/binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    if path == "/custom":
        return {"statusCode": 201, "headers": {"x-custom": "yes"},
                "cookies": ["a=1; Max-Age=60", "b=2"], "body": "made"}
    return {"echo": event}
"""

FAILING = """
def handler(event, context):
    raise ValueError("broken " + str(event.get("order")))
"""


@pytest.fixture
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


def make(lam: Any, name: str, source: str = WEB, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": source})},
        **extra,
    )
    return result


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.getheaders()
        self.body = response.read()

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(
    tenku: TenkuProcess,
    url: str,
    path: str = "/",
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    path_style: bool = False,
) -> Answer:
    """Call a function URL on the Tenku port: by Host header, or path-style."""
    host = url.split("//", 1)[1].rstrip("/")
    connection = http.client.HTTPConnection("127.0.0.1", tenku.port, timeout=30)
    sent = dict(headers or {})
    if path_style:
        url_id = host.split(".", 1)[0]
        path = f"/_tenku/lambda-url/{url_id}{path}"
    else:
        sent["Host"] = host
    try:
        connection.request(method, path, body=body, headers=sent)
        return Answer(connection.getresponse())
    finally:
        connection.close()


# -- permissions -------------------------------------------------------------------------
def test_permissions_round_trip(lam: Any, name: str) -> None:
    make(lam, name)
    added = lam.add_permission(
        FunctionName=name,
        StatementId="sns",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn="arn:aws:sns:us-east-1:000000000000:topic",
    )
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"] == {
        "ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:000000000000:topic"}
    }
    lam.add_permission(
        FunctionName=name,
        StatementId="url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    got = lam.get_policy(FunctionName=name)
    policy = json.loads(got["Policy"])
    assert policy["Version"] == "2012-10-17" and policy["Id"] == "default"
    assert [s["Sid"] for s in policy["Statement"]] == ["sns", "url"]
    assert policy["Statement"][0]["Resource"] == (
        f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    )
    with pytest.raises(ClientError) as excinfo:
        lam.add_permission(
            FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction", Principal="*"
        )
    assert error_code(excinfo) == ("ResourceConflictException", 409)
    with pytest.raises(ClientError) as excinfo:
        lam.remove_permission(FunctionName=name, StatementId="url", RevisionId="stale")
    assert error_code(excinfo) == ("PreconditionFailedException", 412)
    lam.remove_permission(FunctionName=name, StatementId="url", RevisionId=got["RevisionId"])
    lam.remove_permission(FunctionName=name, StatementId="sns")
    with pytest.raises(ClientError) as excinfo:
        lam.get_policy(FunctionName=name)
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    assert excinfo.value.response["Error"]["Message"] == (
        "The resource you requested does not exist."
    )


def test_permission_bad_paths(lam: Any, name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        lam.add_permission(
            FunctionName=f"{name}-missing",
            StatementId="a",
            Action="lambda:InvokeFunction",
            Principal="*",
        )
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    make(lam, name)
    with pytest.raises(ClientError) as excinfo:
        lam.add_permission(
            FunctionName=name,
            StatementId="a",
            Action="lambda:InvokeFunction",
            Principal="*",
            Qualifier="9",
        )
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        lam.add_permission(
            FunctionName=name, StatementId="bad id!", Action="lambda:InvokeFunction", Principal="*"
        )
    assert error_code(excinfo)[1] == 400
    with pytest.raises(ClientError) as excinfo:
        lam.remove_permission(FunctionName=name, StatementId="nothing")
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.add_permission(
        FunctionName=name,
        StatementId="v",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        Qualifier=version,
    )
    assert json.loads(lam.get_policy(FunctionName=name, Qualifier=version)["Policy"])["Statement"][
        0
    ]["Resource"].endswith(f":{name}:{version}")
    with pytest.raises(ClientError):
        lam.get_policy(FunctionName=name)  # the unqualified function has no policy


# -- function URL configs ----------------------------------------------------------------
def test_url_config_api(tenku: TenkuProcess, lam: Any, name: str) -> None:
    make(lam, name)
    made = lam.create_function_url_config(
        FunctionName=name, AuthType="NONE", Cors={"AllowOrigins": ["*"], "MaxAge": 10}
    )
    assert made["FunctionUrl"].endswith(f".lambda-url.us-east-1.localhost:{tenku.port}/")
    assert made["FunctionArn"].endswith(f":function:{name}")
    assert made["InvokeMode"] == "BUFFERED" and made["Cors"]["MaxAge"] == 10
    with pytest.raises(ClientError) as excinfo:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert error_code(excinfo) == ("ResourceConflictException", 409)
    updated = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert updated["AuthType"] == "AWS_IAM" and updated["FunctionUrl"] == made["FunctionUrl"]
    got = lam.get_function_url_config(FunctionName=name)
    assert got["AuthType"] == "AWS_IAM" and got["LastModifiedTime"]
    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [made["FunctionUrl"]]
    lam.delete_function_url_config(FunctionName=name)
    with pytest.raises(ClientError) as excinfo:
        lam.get_function_url_config(FunctionName=name)
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        lam.delete_function_url_config(FunctionName=name)
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)


def test_url_config_bad_paths(lam: Any, name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        lam.create_function_url_config(FunctionName=f"{name}-missing", AuthType="NONE")
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    make(lam, name)
    version = lam.publish_version(FunctionName=name)["Version"]
    for qualifier in (version, "$LATEST"):
        with pytest.raises(ClientError) as excinfo:
            lam.create_function_url_config(FunctionName=name, AuthType="NONE", Qualifier=qualifier)
        assert error_code(excinfo)[1] == 400, qualifier
    with pytest.raises(ClientError) as excinfo:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE", Qualifier="nope")
    assert error_code(excinfo) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        lam.create_function_url_config(FunctionName=name, AuthType="OPEN")
    assert error_code(excinfo)[1] == 400


# -- serving URLs ------------------------------------------------------------------------
def test_url_serves_the_function(tenku: TenkuProcess, lam: Any, name: str) -> None:
    make(lam, name)
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    answer = fetch(
        tenku,
        url,
        "/some/path?x=1&x=2&y=",
        method="POST",
        body=b'{"hello": "world"}',
        headers={"Content-Type": "application/json", "Cookie": "c1=1; c2=2", "X-Thing": "t"},
    )
    assert answer.status == 200 and answer.header("content-type") == "application/json"
    assert answer.header("x-amzn-RequestId")
    event = answer.json()["echo"]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/some/path" and event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["cookies"] == ["c1=1", "c2=2"]
    assert event["headers"]["x-thing"] == "t" and "cookie" not in event["headers"]
    assert event["body"] == '{"hello": "world"}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    assert context["apiId"] == url_id and context["domainPrefix"] == url_id
    assert context["accountId"] == "anonymous" and context["stage"] == "$default"
    assert context["http"]["method"] == "POST" and context["http"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"] == answer.header("x-amzn-RequestId")
    binary_in = fetch(
        tenku, url, method="PUT", body=b"\x00\x01", headers={"Content-Type": "image/png"}
    )
    assert (
        binary_in.json()["echo"]["body"] == "AAE=" and binary_in.json()["echo"]["isBase64Encoded"]
    )
    assert fetch(tenku, url, "/plain").body == b'"Hello, world!"'
    custom = fetch(tenku, url, "/custom")
    assert (custom.status, custom.body, custom.header("x-custom")) == (201, b"made", "yes")
    assert [v for k, v in custom.headers if k.lower() == "set-cookie"] == [
        "a=1; Max-Age=60",
        "b=2",
    ]
    binary = fetch(tenku, url, "/binary")
    assert binary.body == bytes(range(256)) and binary.header("content-type") == "image/png"
    by_path = fetch(tenku, url, "/via/path?q=1", path_style=True)
    assert by_path.json()["echo"]["rawPath"] == "/via/path"
    assert by_path.json()["echo"]["queryStringParameters"] == {"q": "1"}


def test_url_failures(tenku: TenkuProcess, lam: Any, name: str) -> None:
    make(lam, name)
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    failed = fetch(tenku, url, "/fail")
    assert (failed.status, failed.body) == (502, b"Internal Server Error")
    malformed = fetch(tenku, url, "/malformed")
    assert (malformed.status, malformed.body) == (502, b"Internal Server Error")
    assert fetch(tenku, url, "/").status == 200  # the environment survived
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert fetch(tenku, url).status == 429
    lam.delete_function_concurrency(FunctionName=name)
    unknown = fetch(tenku, "http://0123456789abcdef.lambda-url.us-east-1.localhost:1/")
    assert unknown.status == 403 and unknown.json() == {"Message": "Forbidden"}
    assert fetch(tenku, url, path_style=True).status == 200
    lam.delete_function(FunctionName=name)
    assert fetch(tenku, url).status == 403


def test_iam_url_and_cors(tenku: TenkuProcess, lam: Any, name: str) -> None:
    make(lam, name)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    url = lam.create_function_url_config(
        FunctionName=name,
        Qualifier="live",
        AuthType="AWS_IAM",
        Cors={
            "AllowOrigins": ["https://app.example.com"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-custom"],
            "ExposeHeaders": ["x-total"],
            "MaxAge": 300,
        },
    )["FunctionUrl"]
    denied = fetch(tenku, url)
    assert denied.status == 403 and denied.json() == {"Message": "Forbidden"}
    preflight = fetch(
        tenku,
        url,
        method="OPTIONS",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 200
    assert preflight.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert preflight.header("Access-Control-Allow-Methods") == "GET,POST"
    assert preflight.header("Access-Control-Allow-Headers") == "x-custom"
    assert preflight.header("Access-Control-Max-Age") == "300"
    signed = fetch(
        tenku,
        url,
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDTENKUTEST/20240101/us-east-1/"
            "lambda/aws4_request, SignedHeaders=host, Signature=00",
            "Origin": "https://app.example.com",
        },
    )
    assert signed.status == 200
    assert signed.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert signed.header("Access-Control-Expose-Headers") == "x-total"
    context = signed.json()["echo"]["requestContext"]
    assert context["authorizer"]["iam"]["accessKey"] == "AKIDTENKUTEST"


# -- dead-letter queues ------------------------------------------------------------------
def queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def test_dead_letter_config_api(lam: Any, sqs: Any, name: str) -> None:
    dlq = queue_arn(sqs, sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"])
    made = make(lam, name, DeadLetterConfig={"TargetArn": dlq})
    assert made["DeadLetterConfig"] == {"TargetArn": dlq}
    assert lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"] == {
        "TargetArn": dlq
    }
    topic = "arn:aws:sns:us-east-1:000000000000:alarms"
    changed = lam.update_function_configuration(
        FunctionName=name, DeadLetterConfig={"TargetArn": topic}
    )
    assert changed["DeadLetterConfig"] == {"TargetArn": topic}
    for bad in ("arn:aws:s3:::bucket", "not-an-arn", ""):
        with pytest.raises(ClientError) as excinfo:
            make(lam, f"{name}-bad", DeadLetterConfig={"TargetArn": bad})
        assert error_code(excinfo)[1] == 400, bad


def test_failed_event_invokes_reach_the_dead_letter_queue(
    tenku: TenkuProcess, lam: Any, sqs: Any, name: str
) -> None:
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    make(lam, name, FAILING, DeadLetterConfig={"TargetArn": queue_arn(sqs, dlq_url)})
    accepted = lam.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"order": 7}).encode()
    )
    request_id = accepted["ResponseMetadata"]["RequestId"]
    time.sleep(1.0)  # the first attempt fails; retries follow Lambda's schedule
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url)
    tenku.advance_clock(61)
    time.sleep(1.0)
    tenku.advance_clock(121)
    message = wait_for_message(sqs, dlq_url)
    got = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"], WaitTimeSeconds=0)
    assert "Messages" not in got  # exactly one message
    assert json.loads(message["Body"]) == {"order": 7}
    sqs.change_message_visibility(
        QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    again = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"], WaitTimeSeconds=2)
    attributes = again["Messages"][0]["MessageAttributes"]
    assert attributes["RequestID"] == {"StringValue": request_id, "DataType": "String"}
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == "broken 7"
