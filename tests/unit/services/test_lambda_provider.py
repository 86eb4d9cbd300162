"""The Lambda provider driven directly, with a fake executor standing in for the engine."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import zipfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.functions import FunctionSpec, InvocationResult, Throttled
from tenku.core.scope import Scope
from tenku.services.lambda_.provider import LambdaProvider

T = TypeVar("T")
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
CTX = RequestContext(Scope(), "req-1")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def make_zip(files: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (files or {"app.py": "def handler(e, c):\n    return e\n"}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


class FakeExecutor:
    def __init__(self) -> None:
        self.specs: list[FunctionSpec] = []
        self.payloads: list[bytes] = []
        self.retired: list[str] = []
        self.closed = False
        self.throttle: str | None = None
        self.function_error: str | None = None

    async def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        *,
        request_id: str,
        client_context: str | None = None,
    ) -> InvocationResult:
        if self.throttle:
            raise Throttled(self.throttle)
        self.specs.append(spec)
        self.payloads.append(payload)
        return InvocationResult(
            b'{"ok": true}', self.function_error, request_id, ("START", "hello", "END"),
            True, 1.0, 2.0, 2, 40, spec.version,
        )  # fmt: skip

    async def provision(self, spec: FunctionSpec, count: int) -> None:
        return None

    async def retire(self, function_arn: str) -> None:
        self.retired.append(function_arn)

    async def close(self) -> None:
        self.closed = True


def create(provider: LambdaProvider, name: str = "fn", **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "function_name": name,
        "role": ROLE,
        "code": {"ZipFile": make_zip()},
        "runtime": "python3.12",
        "handler": "app.handler",
    }
    params.update(kwargs)
    return run(provider.create_function(CTX, **params))


def error_of(call: Any, *args: Any, **kwargs: Any) -> ServiceError:
    with pytest.raises(ServiceError) as excinfo:
        result = call(*args, **kwargs)
        if asyncio.iscoroutine(result):
            run(result)
    return excinfo.value


def test_create_function_configuration_shape(provider: LambdaProvider) -> None:
    data = make_zip()
    config = create(
        provider,
        environment={"Variables": {"STAGE": "dev"}},
        description="d",
        tags={"team": "a"},
    )
    assert config["FunctionName"] == "fn"
    assert config["FunctionArn"] == ARN + "fn"
    assert config["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert config["CodeSize"] == len(data)
    assert config["Timeout"] == 3 and config["MemorySize"] == 128
    assert config["LastModified"] == "2023-11-14T22:13:20.000+0000"
    assert config["Version"] == "$LATEST"
    assert config["Environment"] == {"Variables": {"STAGE": "dev"}}
    assert config["TracingConfig"] == {"Mode": "PassThrough"}
    assert config["State"] == "Active" and config["LastUpdateStatus"] == "Successful"
    assert config["PackageType"] == "Zip" and config["Architectures"] == ["x86_64"]
    assert config["EphemeralStorage"] == {"Size": 512}
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"}
    assert config["RevisionId"]
    assert not any(key.startswith("_") for key in config)


def test_get_and_list(provider: LambdaProvider) -> None:
    create(provider, tags={"team": "a"})
    create(provider, "other")
    got = provider.get_function(CTX, "fn")
    assert got["Configuration"]["FunctionName"] == "fn"
    assert got["Code"]["RepositoryType"] == "S3"
    assert got["Code"]["Location"].startswith("http://localhost:4566/")
    assert got["Tags"] == {"team": "a"}
    assert provider.get_function_configuration(CTX, ARN + "fn")["FunctionName"] == "fn"
    assert provider.get_function_configuration(CTX, "000000000000:function:fn")["Version"]
    page = provider.list_functions(CTX, max_items=1)
    assert [f["FunctionName"] for f in page["Functions"]] == ["fn"]
    rest = provider.list_functions(CTX, marker=page["NextMarker"])
    assert [f["FunctionName"] for f in rest["Functions"]] == ["other"]
    assert "NextMarker" not in rest


def test_create_errors(provider: LambdaProvider) -> None:
    create(provider)
    err = error_of(create, provider)
    assert (err.code, err.status, err.message) == (
        "ResourceConflictException", 409, "Function already exist: fn"
    )  # fmt: skip
    err = error_of(create, provider, "x", runtime="python9.9")
    assert err.code == "InvalidParameterValueException"
    assert err.message.startswith("The runtime parameter of python9.9 is not supported")
    err = error_of(create, provider, "x", handler=None)
    assert err.code == "InvalidParameterValueException"
    create(provider, "custom", runtime="provided.al2023", handler=None)
    assert error_of(create, provider, "x", role="not-a-role").code == "ValidationException"
    assert error_of(create, provider, "x", memory_size=64).code == "ValidationException"
    assert error_of(create, provider, "x", memory_size=10241).code == "ValidationException"
    assert error_of(create, provider, "x", timeout=901).code == "ValidationException"
    assert error_of(create, provider, "bad name").code == "ValidationException"
    err = error_of(create, provider, "x", code={"ZipFile": b"not a zip"})
    assert (err.code, err.status) == ("InvalidParameterValueException", 400)
    assert err.message == (
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )
    err = error_of(create, provider, "x", code={"ZipFile": make_zip({"../evil.py": "x"})})
    assert err.message.startswith("Could not unzip")
    with pytest.raises(ServiceError):
        provider.get_function(CTX, "x")


def test_not_found(provider: LambdaProvider) -> None:
    err = error_of(provider.get_function, CTX, "nope")
    assert (err.code, err.status, err.message) == (
        "ResourceNotFoundException", 404, f"Function not found: {ARN}nope"
    )  # fmt: skip
    err = error_of(provider.invoke, CTX, "nope", payload=b"{}")
    assert (err.code, err.status, err.message) == (
        "ResourceNotFoundException", 404, f"Function not found: {ARN}nope"
    )  # fmt: skip


def test_invoke_builds_spec(provider: LambdaProvider, executor: FakeExecutor) -> None:
    create(provider, environment={"Variables": {"A": "1"}}, timeout=30, memory_size=512)
    out = run(provider.invoke(CTX, "fn", payload=b'{"x": 1}', log_type="Tail"))
    assert out["StatusCode"] == 200 and out["Payload"] == b'{"ok": true}'
    assert out["ExecutedVersion"] == "$LATEST"
    assert base64.b64decode(out["LogResult"]) == b"START\nhello\nEND\n"
    assert "FunctionError" not in out
    spec = executor.specs[-1]
    assert spec.arn == ARN + "fn:$LATEST" and spec.version == "$LATEST"
    assert (Path(spec.code_dir) / "app.py").is_file()
    assert spec.environment == (("A", "1"),)
    assert (spec.timeout_s, spec.memory_mb) == (30.0, 512)
    assert (spec.runtime, spec.handler) == ("python3.12", "app.handler")
    assert spec.log_group == "/aws/lambda/fn" and spec.endpoint_url == "http://localhost:4566"
    assert executor.payloads[-1] == b'{"x": 1}'


def test_invoke_function_error_dry_run_and_event(
    provider: LambdaProvider, executor: FakeExecutor
) -> None:
    create(provider)
    executor.function_error = "Unhandled"
    assert run(provider.invoke(CTX, "fn"))["FunctionError"] == "Unhandled"
    assert run(provider.invoke(CTX, "fn", invocation_type="DryRun")) == {"StatusCode": 204}

    async def event() -> dict[str, Any]:
        provider.async_invocations.start()  # the durable queue's worker runs the invocation
        out = await provider.invoke(CTX, "fn", invocation_type="Event", payload=b"{}")
        await asyncio.sleep(0.05)
        await provider.async_invocations.stop()
        return out

    before = len(executor.specs)
    assert run(event()) == {"StatusCode": 202}
    assert len(executor.specs) == before + 1


def test_invoke_throttled_and_too_large(provider: LambdaProvider, executor: FakeExecutor) -> None:
    create(provider)
    executor.throttle = "ConcurrentInvocationLimitExceeded"
    err = error_of(provider.invoke, CTX, "fn")
    assert (err.code, err.status, err.message) == (
        "TooManyRequestsException", 429, "Rate Exceeded."
    )  # fmt: skip
    assert err.fields["Reason"] == "ConcurrentInvocationLimitExceeded"
    err = error_of(provider.invoke, CTX, "fn", payload=b"x" * 6_291_457)
    assert (err.code, err.status) == ("RequestTooLargeException", 413)
    assert err.message == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )


def test_update_code_and_configuration(provider: LambdaProvider, executor: FakeExecutor) -> None:
    first = create(provider)
    new_zip = make_zip({"app.py": "def handler(e, c):\n    return 2\n"})
    updated = run(provider.update_function_code(CTX, "fn", zip_file=new_zip))
    assert updated["CodeSha256"] != first["CodeSha256"]
    assert updated["RevisionId"] != first["RevisionId"]
    assert executor.retired == [ARN + "fn"]
    conf = run(
        provider.update_function_configuration(
            CTX, "fn", timeout=10, environment={"Variables": {"B": "2"}}
        )
    )
    assert conf["Timeout"] == 10 and conf["Environment"] == {"Variables": {"B": "2"}}
    err = error_of(provider.update_function_configuration, CTX, "fn", revision_id="stale")
    assert (err.code, err.status) == ("PreconditionFailedException", 412)
    run(provider.invoke(CTX, "fn"))
    spec = executor.specs[-1]
    assert "return 2" in (Path(spec.code_dir) / "app.py").read_text()
    assert spec.timeout_s == 10.0 and spec.environment == (("B", "2"),)


def test_versions_and_aliases(provider: LambdaProvider, executor: FakeExecutor) -> None:
    create(provider, timeout=5)
    v1 = provider.publish_version(CTX, "fn")
    assert v1["Version"] == "1" and v1["FunctionArn"] == ARN + "fn:1"
    assert provider.publish_version(CTX, "fn")["Version"] == "1"  # nothing changed
    run(provider.update_function_configuration(CTX, "fn", timeout=7))
    assert provider.publish_version(CTX, "fn", description="two")["Version"] == "2"
    versions = provider.list_versions_by_function(CTX, "fn")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert versions[0]["FunctionArn"] == ARN + "fn:$LATEST"
    alias = provider.create_alias(CTX, "fn", "live", "1", description="prod")
    assert alias["AliasArn"] == ARN + "fn:live"
    err = error_of(provider.create_alias, CTX, "fn", "live", "1")
    assert (err.code, err.status) == ("ResourceConflictException", 409)
    shown = provider.get_function_configuration(CTX, "fn", "live")
    assert (shown["Timeout"], shown["Version"]) == (5, "1")
    assert shown["FunctionArn"] == ARN + "fn:live"
    run(provider.invoke(CTX, "fn:live"))
    assert executor.specs[-1].version == "1" and executor.specs[-1].timeout_s == 5.0
    assert executor.specs[-1].arn == ARN + "fn:1"
    run(provider.invoke(CTX, "fn", qualifier="2"))
    assert executor.specs[-1].timeout_s == 7.0
    updated = provider.update_alias(CTX, "fn", "live", function_version="2")
    assert updated["FunctionVersion"] == "2" and updated["RevisionId"] != alias["RevisionId"]
    out = run(provider.invoke(CTX, ARN + "fn:live"))
    assert out["ExecutedVersion"] == "2"
    assert [a["Name"] for a in provider.list_aliases(CTX, "fn")["Aliases"]] == ["live"]
    err = error_of(provider.delete_function, CTX, "fn", "2")
    assert err.code == "ResourceConflictException"
    err = error_of(provider.invoke, CTX, "fn", qualifier="9")
    assert err.message == f"Function not found: {ARN}fn:9"
    provider.delete_alias(CTX, "fn", "live")
    err = error_of(provider.get_alias, CTX, "fn", "live")
    assert (err.code, err.status) == ("ResourceNotFoundException", 404)
    assert run(provider.delete_function(CTX, "fn", "1")) == {"StatusCode": 204}
    versions = provider.list_versions_by_function(CTX, "fn")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "2"]


def test_create_with_publish(provider: LambdaProvider) -> None:
    config = create(provider, publish=True)
    assert config["Version"] == "1"


def test_concurrency(provider: LambdaProvider, executor: FakeExecutor) -> None:
    create(provider)
    assert provider.get_function_concurrency(CTX, "fn") == {}
    out = run(provider.put_function_concurrency(CTX, "fn", reserved_concurrent_executions=5))
    assert out == {"ReservedConcurrentExecutions": 5}
    assert provider.get_function_concurrency(CTX, "fn") == out
    run(provider.invoke(CTX, "fn"))
    assert executor.specs[-1].reserved_concurrency == 5
    settings = provider.get_account_settings(CTX)
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 995
    assert settings["AccountUsage"]["FunctionCount"] == 1
    err = error_of(provider.put_function_concurrency, CTX, "fn", reserved_concurrent_executions=901)
    assert err.code == "InvalidParameterValueException"
    run(provider.put_function_concurrency(CTX, "fn", reserved_concurrent_executions=0))
    err = error_of(provider.invoke, CTX, "fn")
    assert err.fields["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    run(provider.delete_function_concurrency(CTX, "fn"))
    assert provider.get_function_concurrency(CTX, "fn") == {}


def test_tags(provider: LambdaProvider) -> None:
    create(provider, tags={"a": "1"})
    provider.tag_resource(CTX, ARN + "fn", {"b": "2"})
    assert provider.list_tags(CTX, ARN + "fn") == {"Tags": {"a": "1", "b": "2"}}
    provider.untag_resource(CTX, ARN + "fn", ["a"])
    assert provider.list_tags(CTX, ARN + "fn") == {"Tags": {"b": "2"}}
    assert error_of(provider.list_tags, CTX, ARN + "nope").status == 404


def test_delete_and_stop(provider: LambdaProvider, executor: FakeExecutor, tmp_path: Path) -> None:
    create(provider)
    location = provider.get_function(CTX, "fn")["Code"]["Location"]
    sha_hex = location.rsplit("/", 1)[1].removesuffix(".zip")
    assert provider.code_zip(Scope(), "fn", sha_hex) == make_zip()
    assert run(provider.delete_function(CTX, "fn")) == {"StatusCode": 204}
    assert provider.code_zip(Scope(), "fn", sha_hex) is None
    assert executor.retired == [ARN + "fn"]
    assert not (tmp_path / "functions" / "000000000000" / "us-east-1" / "fn").exists()
    assert error_of(provider.get_function, CTX, "fn").status == 404
    run(provider.stop())
    assert executor.closed


def test_scoped_by_region(provider: LambdaProvider) -> None:
    create(provider)
    other = RequestContext(Scope(region="eu-west-1"), "r")
    assert provider.list_functions(other)["Functions"] == []
    assert error_of(provider.get_function, other, "fn").status == 404
