"""The Lambda provider's resource policies, function URL configs (and serving a URL
call) and dead-letter queues, driven directly with a fake executor."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tenku.core.functions import FunctionSpec, InvocationResult
from tenku.core.scope import Scope
from tenku.services.lambda_.provider import LambdaProvider
from tenku.services.lambda_.urls import UrlRequest
from tests.unit.services.test_lambda_provider import (
    ARN,
    CTX,
    FakeExecutor,
    create,
    error_of,
    run,
)


class AnsweringExecutor(FakeExecutor):
    """Answers with `answer` (and `function_error`), and keeps the events it got."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = b'{"ok": true}'

    async def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        *,
        request_id: str,
        client_context: str | None = None,
    ) -> InvocationResult:
        result = await super().invoke(spec, payload, request_id=request_id)
        return result._replace(payload=self.answer)


@pytest.fixture()
def executor() -> AnsweringExecutor:
    return AnsweringExecutor()


@pytest.fixture()
def endpoint() -> str:
    return "http://127.0.0.1:4566"


# -- resource policies -------------------------------------------------------------------
def test_add_permission_builds_the_aws_statement(provider: LambdaProvider) -> None:
    create(provider)
    out = provider.add_permission(
        CTX,
        "fn",
        statement_id="s3-invoke",
        action="lambda:InvokeFunction",
        principal="s3.amazonaws.com",
        source_arn="arn:aws:s3:::bucket",
        source_account="000000000000",
    )
    statement = json.loads(out["Statement"])
    assert statement == {
        "Sid": "s3-invoke",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": ARN + "fn",
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "000000000000"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"},
        },
    }
    provider.add_permission(
        CTX,
        "fn",
        statement_id="url",
        action="lambda:InvokeFunctionUrl",
        principal="*",
        function_url_auth_type="NONE",
    )
    provider.add_permission(
        CTX,
        "fn",
        statement_id="account",
        action="lambda:*",
        principal="111122223333",
        principal_org_id="o-abcdefghij",
        event_source_token="tok",
    )
    got = provider.get_policy(CTX, "fn")
    policy = json.loads(got["Policy"])
    assert policy["Version"] == "2012-10-17" and policy["Id"] == "default"
    assert [s["Sid"] for s in policy["Statement"]] == ["s3-invoke", "url", "account"]
    assert policy["Statement"][1]["Principal"] == "*"
    assert policy["Statement"][1]["Condition"] == {
        "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}
    }
    assert policy["Statement"][2]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert policy["Statement"][2]["Condition"]["StringEquals"] == {
        "aws:PrincipalOrgID": "o-abcdefghij",
        "lambda:EventSourceToken": "tok",
    }
    assert got["RevisionId"]


def test_policy_errors(provider: LambdaProvider) -> None:
    create(provider)
    err = error_of(provider.get_policy, CTX, "fn")
    assert (err.code, err.status, err.message) == (
        "ResourceNotFoundException",
        404,
        "The resource you requested does not exist.",
    )
    err = error_of(provider.remove_permission, CTX, "fn", statement_id="x")
    assert err.code == "ResourceNotFoundException"
    add = {"statement_id": "a", "action": "lambda:InvokeFunction", "principal": "sns.amazonaws.com"}
    provider.add_permission(CTX, "fn", **add)
    err = error_of(provider.add_permission, CTX, "fn", **add)
    assert (err.code, err.status) == ("ResourceConflictException", 409)
    assert err.message == (
        "The statement id (a) provided already exists. Please specify a new statement id, "
        "or remove the existing statement."
    )
    err = error_of(provider.remove_permission, CTX, "fn", statement_id="nope")
    assert err.message == "Statement nope is not found in resource policy."
    err = error_of(provider.add_permission, CTX, "missing", **add)
    assert err.message == f"Function not found: {ARN}missing"
    err = error_of(provider.add_permission, CTX, "fn", **{**add, "principal": "nobody"})
    assert err.code == "InvalidParameterValueException"
    err = error_of(provider.add_permission, CTX, "fn", **{**add, "qualifier": "$LATEST"})
    assert err.message == "We currently do not support adding policies for $LATEST."
    err = error_of(provider.add_permission, CTX, "fn", **{**add, "qualifier": "7"})
    assert (err.code, err.message) == (
        "ResourceNotFoundException",
        f"Function not found: {ARN}fn:7",
    )


def test_revision_ids_guard_policy_changes(provider: LambdaProvider) -> None:
    config = create(provider)
    add = {"action": "lambda:InvokeFunction", "principal": "sns.amazonaws.com"}
    err = error_of(provider.add_permission, CTX, "fn", statement_id="a", revision_id="x", **add)
    assert (err.code, err.status) == ("PreconditionFailedException", 412)
    provider.add_permission(CTX, "fn", statement_id="a", revision_id=config["RevisionId"], **add)
    revision = provider.get_policy(CTX, "fn")["RevisionId"]
    err = error_of(
        provider.add_permission,
        CTX,
        "fn",
        statement_id="b",
        revision_id=config["RevisionId"],
        **add,
    )
    assert err.code == "PreconditionFailedException"
    provider.add_permission(CTX, "fn", statement_id="b", revision_id=revision, **add)
    err = error_of(provider.remove_permission, CTX, "fn", statement_id="a", revision_id=revision)
    assert err.code == "PreconditionFailedException"
    provider.remove_permission(CTX, "fn", statement_id="a")
    provider.remove_permission(CTX, "fn", statement_id="b")
    assert error_of(provider.get_policy, CTX, "fn").code == "ResourceNotFoundException"


def test_policies_are_per_qualifier(provider: LambdaProvider) -> None:
    create(provider, publish=True)
    provider.create_alias(CTX, "fn", name="live", function_version="1")
    add = {"statement_id": "a", "action": "lambda:InvokeFunction", "principal": "*"}
    provider.add_permission(CTX, "fn", qualifier="live", **add)
    provider.add_permission(CTX, "fn:1", **add)
    live = json.loads(provider.get_policy(CTX, "fn", qualifier="live")["Policy"])
    assert live["Statement"][0]["Resource"] == ARN + "fn:live"
    assert json.loads(provider.get_policy(CTX, "fn:1")["Policy"])["Statement"][0]["Resource"] == (
        ARN + "fn:1"
    )
    assert error_of(provider.get_policy, CTX, "fn").code == "ResourceNotFoundException"
    provider.delete_alias(CTX, "fn", "live")
    provider.create_alias(CTX, "fn", name="live", function_version="1")
    assert error_of(provider.get_policy, CTX, "fn", qualifier="live").code == (
        "ResourceNotFoundException"
    )


# -- function URL configs ----------------------------------------------------------------
def test_url_config_lifecycle(provider: LambdaProvider) -> None:
    create(provider)
    made = provider.create_function_url_config(
        CTX, "fn", auth_type="NONE", cors={"AllowOrigins": ["*"]}
    )
    url = made["FunctionUrl"]
    assert url.startswith("http://") and url.endswith(".lambda-url.us-east-1.localhost:4566/")
    assert made["FunctionArn"] == ARN + "fn" and made["AuthType"] == "NONE"
    assert made["Cors"] == {"AllowOrigins": ["*"]} and made["InvokeMode"] == "BUFFERED"
    assert made["CreationTime"] == "2023-11-14T22:13:20.000000Z"
    assert "LastModifiedTime" not in made
    got = provider.get_function_url_config(CTX, "fn")
    assert got["FunctionUrl"] == url and got["LastModifiedTime"] == made["CreationTime"]
    provider.clock.advance(5)  # type: ignore[attr-defined]
    updated = provider.update_function_url_config(
        CTX, "fn", auth_type="AWS_IAM", invoke_mode="RESPONSE_STREAM"
    )
    assert updated["AuthType"] == "AWS_IAM" and updated["Cors"] == {"AllowOrigins": ["*"]}
    assert updated["InvokeMode"] == "RESPONSE_STREAM" and updated["FunctionUrl"] == url
    assert updated["LastModifiedTime"] == "2023-11-14T22:13:25.000000Z"
    listed = provider.list_function_url_configs(CTX, "fn")["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [url]
    provider.endpoint_url = "http://127.0.0.1:5000"  # the server bound another port
    assert provider.get_function_url_config(CTX, "fn")["FunctionUrl"].endswith(":5000/")
    assert provider.delete_function_url_config(CTX, "fn") == {}
    err = error_of(provider.get_function_url_config, CTX, "fn")
    assert (err.code, err.message) == (
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
    )


def test_url_config_errors(provider: LambdaProvider) -> None:
    create(provider, publish=True)
    provider.create_function_url_config(CTX, "fn", auth_type="NONE")
    err = error_of(provider.create_function_url_config, CTX, "fn", auth_type="NONE")
    assert (err.code, err.status) == ("ResourceConflictException", 409)
    assert err.message == (
        f"Failed to create function url config for [functionArn = {ARN}fn]. Error message:  "
        "FunctionUrlConfig exists for this Lambda function"
    )
    err = error_of(provider.create_function_url_config, CTX, "nope", auth_type="NONE")
    assert (err.code, err.message) == (
        "ResourceNotFoundException",
        f"Function not found: {ARN}nope",
    )
    err = error_of(provider.create_function_url_config, CTX, "fn", auth_type="NONE", qualifier="1")
    assert err.code == "ValidationException"
    err = error_of(provider.create_function_url_config, CTX, "fn", auth_type="NONE", qualifier="x")
    assert (err.code, err.message) == (
        "ResourceNotFoundException",
        f"Function not found: {ARN}fn:x",
    )
    assert error_of(provider.create_function_url_config, CTX, "fn", auth_type="OPEN").code == (
        "ValidationException"
    )
    for call in (provider.update_function_url_config, provider.delete_function_url_config):
        assert error_of(call, CTX, "fn", qualifier="x").code == "ResourceNotFoundException"
    provider.create_alias(CTX, "fn", name="live", function_version="1")
    aliased = provider.create_function_url_config(CTX, "fn", auth_type="NONE", qualifier="live")
    assert aliased["FunctionArn"] == ARN + "fn:live"
    assert len(provider.list_function_url_configs(CTX, "fn")["FunctionUrlConfigs"]) == 2
    assert error_of(provider.list_function_url_configs, CTX, "nope").code == (
        "ResourceNotFoundException"
    )


# -- serving a URL call ------------------------------------------------------------------
def url_id_of(made: dict[str, Any]) -> str:
    return str(made["FunctionUrl"]).split("//", 1)[1].split(".", 1)[0]


def call(
    provider: LambdaProvider,
    url_id: str,
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
) -> Any:
    req = UrlRequest(method, "/hello", "a=1", headers, body, "127.0.0.1")
    return run(provider.serve_function_url(url_id, req, "us-east-1"))


def test_serving_invokes_with_the_event(
    provider: LambdaProvider, executor: AnsweringExecutor
) -> None:
    create(provider)
    url_id = url_id_of(provider.create_function_url_config(CTX, "fn", auth_type="NONE"))
    executor.answer = b'{"statusCode": 201, "headers": {"x-a": "1"}, "body": "made"}'
    answer = call(provider, url_id, "POST", (("content-type", "text/plain"),), b"hi")
    assert answer.status == 201 and answer.body == b"made"
    assert ("x-a", "1") in answer.headers
    assert any(k == "x-amzn-RequestId" for k, _ in answer.headers)
    event = json.loads(executor.payloads[-1])
    assert event["rawPath"] == "/hello" and event["body"] == "hi"
    assert event["requestContext"]["apiId"] == url_id
    assert executor.specs[-1].version == "$LATEST"
    executor.answer = b'{"plain": true}'
    assert call(provider, url_id).body == b'{"plain": true}'


def test_serving_bad_paths(provider: LambdaProvider, executor: AnsweringExecutor) -> None:
    create(provider)
    url_id = url_id_of(provider.create_function_url_config(CTX, "fn", auth_type="NONE"))
    assert call(provider, "unknown").status == 403
    elsewhere = UrlRequest("GET", "/", "", (), b"", "x")
    assert run(provider.serve_function_url(url_id, elsewhere, "eu-west-1")).status == 403
    executor.function_error = "Unhandled"
    assert call(provider, url_id).status == 502
    executor.function_error = None
    executor.answer = b'{"statusCode": "nope"}'
    failed = call(provider, url_id)
    assert (failed.status, failed.body) == (502, b"Internal Server Error")
    executor.throttle = "ConcurrentInvocationLimitExceeded"
    assert call(provider, url_id).status == 429
    executor.throttle = None
    run(provider.put_function_concurrency(CTX, "fn", 0))
    assert call(provider, url_id).status == 429
    assert call(provider, url_id, "POST", body=b"x" * (6_291_456 + 1)).status == 413


def test_iam_urls_want_a_signature(provider: LambdaProvider, executor: AnsweringExecutor) -> None:
    create(provider)
    url_id = url_id_of(provider.create_function_url_config(CTX, "fn", auth_type="AWS_IAM"))
    denied = call(provider, url_id)
    assert denied.status == 403 and json.loads(denied.body) == {"Message": "Forbidden"}
    assert not executor.payloads
    signed = (("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/x"),)
    assert call(provider, url_id, headers=signed).status == 200
    event = json.loads(executor.payloads[-1])
    assert event["requestContext"]["authorizer"]["iam"]["accessKey"] == "AKID"


def test_alias_urls_and_cors(provider: LambdaProvider, executor: AnsweringExecutor) -> None:
    create(provider, publish=True)
    provider.create_alias(CTX, "fn", name="live", function_version="1")
    cors = {"AllowOrigins": ["https://app"], "AllowMethods": ["GET"], "MaxAge": 60}
    made = provider.create_function_url_config(
        CTX, "fn", auth_type="AWS_IAM", qualifier="live", cors=cors
    )
    url_id = url_id_of(made)
    asked = (("origin", "https://app"), ("access-control-request-method", "GET"))
    preflight = call(provider, url_id, "OPTIONS", asked)  # answered before auth, no invoke
    assert preflight.status == 200 and ("Access-Control-Max-Age", "60") in preflight.headers
    assert not executor.payloads
    signed = (("authorization", "AWS4-HMAC-SHA256 Credential=AKID/x"), ("origin", "https://app"))
    answer = call(provider, url_id, headers=signed)
    assert ("Access-Control-Allow-Origin", "https://app") in answer.headers
    assert executor.specs[-1].version == "1"
    provider.delete_alias(CTX, "fn", "live")  # the alias takes its URL with it
    assert call(provider, url_id, headers=signed).status == 403


def test_deleting_the_function_deletes_its_url_and_policy(provider: LambdaProvider) -> None:
    create(provider)
    url_id = url_id_of(provider.create_function_url_config(CTX, "fn", auth_type="NONE"))
    provider.add_permission(CTX, "fn", statement_id="a", action="lambda:*", principal="*")
    run(provider.delete_function(CTX, "fn"))
    create(provider)
    assert call(provider, url_id).status == 403
    assert error_of(provider.get_policy, CTX, "fn").code == "ResourceNotFoundException"


# -- dead-letter queues ------------------------------------------------------------------
def test_dead_letter_config(provider: LambdaProvider) -> None:
    queue = "arn:aws:sqs:us-east-1:000000000000:dlq"
    made = create(provider, dead_letter_config={"TargetArn": queue})
    assert made["DeadLetterConfig"] == {"TargetArn": queue}
    assert "DeadLetterConfig" not in create(provider, "plain", dead_letter_config={})
    topic = "arn:aws:sns:us-east-1:000000000000:topic"
    updated = run(
        provider.update_function_configuration(CTX, "fn", dead_letter_config={"TargetArn": topic})
    )
    assert updated["DeadLetterConfig"] == {"TargetArn": topic}
    kept = run(provider.update_function_configuration(CTX, "fn", timeout=9))
    assert kept["DeadLetterConfig"] == {"TargetArn": topic}
    cleared = run(provider.update_function_configuration(CTX, "fn", dead_letter_config={}))
    assert "DeadLetterConfig" not in cleared
    for bad in ("", "not-an-arn", "arn:aws:s3:::bucket", "arn:aws:lambda:us-east-1:0:function:f"):
        err = error_of(create, provider, "bad", dead_letter_config={"TargetArn": bad})
        assert err.code == "InvalidParameterValueException", bad
    err = error_of(create, provider, "bad", dead_letter_config={"TargetArn": ""})
    assert err.message == "Invalid dead letter queue ARN: ARNs must start with 'arn:'"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any], Scope]] = []

    async def __call__(
        self, service: str, operation: str, params: dict[str, Any], scope: Scope
    ) -> dict[str, Any]:
        self.calls.append((service, operation, params, scope))
        return {}


def test_failed_event_invokes_go_to_the_dead_letter_queue(
    provider: LambdaProvider, executor: AnsweringExecutor
) -> None:
    queue = "arn:aws:sqs:us-east-1:000000000000:dlq"
    failures = "arn:aws:sqs:us-east-1:000000000000:failures"
    create(provider, dead_letter_config={"TargetArn": queue})
    provider.put_function_event_invoke_config(
        CTX,
        "fn",
        maximum_retry_attempts=0,
        destination_config={"OnFailure": {"Destination": failures}},
    )
    recorder = Recorder()
    provider.async_invocations.api = recorder
    executor.function_error = "Unhandled"
    executor.answer = b'{"errorMessage": "boom", "errorType": "ValueError"}'

    async def event() -> None:
        provider.async_invocations.start()
        await provider.invoke(CTX, "fn", invocation_type="Event", payload=b'{"order": 7}')
        await asyncio.sleep(0.1)
        await provider.async_invocations.stop()

    run(event())
    sent = {params["QueueUrl"]: params for _, _, params, _ in recorder.calls}
    assert set(sent) == {
        "http://localhost/000000000000/dlq",
        "http://localhost/000000000000/failures",
    }
    dead = sent["http://localhost/000000000000/dlq"]
    assert dead["MessageBody"] == '{"order": 7}'
    assert dead["MessageAttributes"] == {
        "RequestID": {"DataType": "String", "StringValue": "req-1"},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "boom"},
    }
    record = json.loads(sent["http://localhost/000000000000/failures"]["MessageBody"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"


def test_successful_event_invokes_skip_the_dead_letter_queue(
    provider: LambdaProvider, executor: AnsweringExecutor
) -> None:
    create(provider, dead_letter_config={"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"})
    recorder = Recorder()
    provider.async_invocations.api = recorder

    async def event() -> None:
        provider.async_invocations.start()
        await provider.invoke(CTX, "fn", invocation_type="Event", payload=b"{}")
        await asyncio.sleep(0.1)
        await provider.async_invocations.stop()

    run(event())
    assert executor.payloads == [b"{}"] and recorder.calls == []
