"""Lambda layers driven directly on the provider, with a fake executor for the engine."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tenku.services.lambda_ import code
from tenku.services.lambda_.provider import LambdaProvider
from tests.unit.services.test_lambda_provider import (
    CTX,
    FakeExecutor,
    create,
    error_of,
    make_zip,
    run,
)

LAYER = "arn:aws:lambda:us-east-1:000000000000:layer:"


def publish(provider: LambdaProvider, name: str = "lib", **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "layer_name": name,
        "content": {"ZipFile": make_zip({"python/lib.py": "VALUE = 1\n"})},
    }
    params.update(kwargs)
    return provider.publish_layer_version(CTX, **params)


def invoke_spec(provider: LambdaProvider, executor: FakeExecutor, name: str = "fn") -> Any:
    run(provider.invoke(CTX, name, payload=b"{}"))
    return executor.specs[-1]


# -- the layer API -----------------------------------------------------------------------------
def test_publish_layer_version_shape(provider: LambdaProvider, tmp_path: Path) -> None:
    data = make_zip({"python/lib.py": "VALUE = 1\n"})
    out = publish(
        provider,
        content={"ZipFile": data},
        description="shared",
        compatible_runtimes=["python3.12"],
        compatible_architectures=["x86_64"],
        license_info="MIT",
    )
    assert out["LayerArn"] == LAYER + "lib"
    assert out["LayerVersionArn"] == LAYER + "lib:1"
    assert out["Version"] == 1
    assert out["Description"] == "shared"
    assert out["CreatedDate"] == "2023-11-14T22:13:20.000+0000"
    assert out["CompatibleRuntimes"] == ["python3.12"]
    assert out["CompatibleArchitectures"] == ["x86_64"]
    assert out["LicenseInfo"] == "MIT"
    content = out["Content"]
    assert content["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert content["CodeSize"] == len(data)
    assert content["Location"] == (
        "http://localhost:4566/_tenku/lambda/layers/000000000000/us-east-1/lib/1.zip"
    )
    assert provider.layer_zip(CTX.scope, "lib", 1) == data
    unpacked = tmp_path / "layers" / "000000000000" / "us-east-1" / "lib" / "1"
    assert (unpacked / "python" / "lib.py").read_text() == "VALUE = 1\n"
    bare = publish(provider, "bare")
    assert bare["Description"] == ""
    assert "CompatibleRuntimes" not in bare and "LicenseInfo" not in bare


def test_versions_grow_and_are_never_reused(provider: LambdaProvider) -> None:
    assert [publish(provider)["Version"] for _ in range(3)] == [1, 2, 3]
    provider.delete_layer_version(CTX, "lib", 3)
    assert publish(provider)["Version"] == 4
    for number in (1, 2, 3, 4):
        provider.delete_layer_version(CTX, "lib", number)
    assert publish(provider)["Version"] == 5


def test_get_delete_and_by_arn(provider: LambdaProvider) -> None:
    publish(provider)
    got = provider.get_layer_version(CTX, "lib", 1)
    assert got == provider.get_layer_version_by_arn(CTX, LAYER + "lib:1")
    assert got == provider.get_layer_version(CTX, LAYER + "lib", 1)
    assert provider.delete_layer_version(CTX, "lib", 1) == {}
    assert provider.delete_layer_version(CTX, "lib", 1) == {}  # idempotent
    assert provider.delete_layer_version(CTX, "never", 9) == {}
    for call, args in (
        (provider.get_layer_version, ("lib", 1)),
        (provider.get_layer_version_by_arn, (LAYER + "lib:1",)),
        (provider.get_layer_version_policy, ("lib", 1)),
    ):
        error = error_of(call, CTX, *args)
        assert error.code == "ResourceNotFoundException" and error.status == 404
        assert error.message == "The resource you requested does not exist."
    assert provider.layer_zip(CTX.scope, "lib", 1) is None


def test_publish_bad_inputs(provider: LambdaProvider) -> None:
    error = error_of(publish, provider, content={"ZipFile": b"not a zip"})
    assert error.code == "InvalidParameterValueException"
    assert error.message.startswith("Could not unzip uploaded file.")
    error = error_of(publish, provider, content={"S3Bucket": "b", "S3Key": "k"})
    assert error.code == "InvalidParameterValueException"
    assert provider.list_layers(CTX) == {"Layers": []}


def test_list_layers_latest_matching_version_and_pages(provider: LambdaProvider) -> None:
    publish(provider, "a", compatible_runtimes=["python3.12"], compatible_architectures=["arm64"])
    publish(provider, "a", compatible_runtimes=["nodejs20.x"])
    publish(provider, "b", compatible_runtimes=["python3.12"])
    listed = provider.list_layers(CTX)["Layers"]
    assert [(x["LayerName"], x["LatestMatchingVersion"]["Version"]) for x in listed] == [
        ("a", 2),
        ("b", 1),
    ]
    assert listed[0]["LayerArn"] == LAYER + "a"
    latest = listed[0]["LatestMatchingVersion"]
    assert latest["LayerVersionArn"] == LAYER + "a:2"
    assert set(latest) == {
        "LayerVersionArn", "Version", "Description", "CreatedDate", "CompatibleRuntimes",
    }  # fmt: skip
    python = provider.list_layers(CTX, compatible_runtime="python3.12")["Layers"]
    assert [(x["LayerName"], x["LatestMatchingVersion"]["Version"]) for x in python] == [
        ("a", 1),
        ("b", 1),
    ]
    arm = provider.list_layers(CTX, compatible_architecture="arm64")["Layers"]
    assert [x["LayerName"] for x in arm] == ["a"]
    first = provider.list_layers(CTX, max_items=1)
    assert [x["LayerName"] for x in first["Layers"]] == ["a"]
    second = provider.list_layers(CTX, marker=first["NextMarker"], max_items=1)
    assert [x["LayerName"] for x in second["Layers"]] == ["b"] and "NextMarker" not in second
    provider.delete_layer_version(CTX, "b", 1)
    assert [x["LayerName"] for x in provider.list_layers(CTX)["Layers"]] == ["a"]


def test_list_layer_versions_newest_first(provider: LambdaProvider) -> None:
    for runtime in ("python3.11", "python3.12", "python3.12"):
        publish(provider, compatible_runtimes=[runtime])
    versions = provider.list_layer_versions(CTX, "lib")["LayerVersions"]
    assert [v["Version"] for v in versions] == [3, 2, 1]
    assert versions[0]["LayerVersionArn"] == LAYER + "lib:3"
    only = provider.list_layer_versions(CTX, "lib", compatible_runtime="python3.11")
    assert [v["Version"] for v in only["LayerVersions"]] == [1]
    page = provider.list_layer_versions(CTX, "lib", max_items=2)
    assert [v["Version"] for v in page["LayerVersions"]] == [3, 2] and page["NextMarker"]
    assert provider.list_layer_versions(CTX, "nope") == {"LayerVersions": []}


# -- permissions --------------------------------------------------------------------------------
def test_layer_version_permissions(provider: LambdaProvider) -> None:
    publish(provider)
    error = error_of(provider.get_layer_version_policy, CTX, "lib", 1)
    assert error.code == "ResourceNotFoundException"
    assert error.message == "No policy is associated with the given resource."
    added = provider.add_layer_version_permission(
        CTX, "lib", 1, "xaccount", "lambda:GetLayerVersion", "111122223333"
    )
    assert json.loads(added["Statement"]) == {
        "Sid": "xaccount",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "lambda:GetLayerVersion",
        "Resource": LAYER + "lib:1",
    }
    org = provider.add_layer_version_permission(
        CTX, "lib", 1, "org", "lambda:GetLayerVersion", "*", organization_id="o-abcdefghij",
        revision_id=added["RevisionId"],
    )  # fmt: skip
    policy = provider.get_layer_version_policy(CTX, "lib", 1)
    assert policy["RevisionId"] == org["RevisionId"] != added["RevisionId"]
    document = json.loads(policy["Policy"])
    assert document["Version"] == "2012-10-17" and document["Id"] == "default"
    assert [s["Sid"] for s in document["Statement"]] == ["xaccount", "org"]
    assert document["Statement"][1]["Principal"] == "*"
    assert document["Statement"][1]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}
    }

    error = error_of(
        provider.add_layer_version_permission,
        CTX, "lib", 1, "xaccount", "lambda:GetLayerVersion", "*",
    )  # fmt: skip
    assert error.code == "ResourceConflictException" and error.status == 409
    assert error.message == (
        "The statement id (xaccount) provided already exists. Please provide a new statement "
        "id, or remove the existing statement."
    )
    error = error_of(
        provider.add_layer_version_permission,
        CTX, "lib", 1, "late", "lambda:GetLayerVersion", "*", revision_id=added["RevisionId"],
    )  # fmt: skip
    assert error.code == "PreconditionFailedException" and error.status == 412
    error = error_of(provider.remove_layer_version_permission, CTX, "lib", 1, "ghost")
    assert error.code == "ResourceNotFoundException"
    assert error.message == "Statement ghost is not found in resource policy."

    provider.remove_layer_version_permission(CTX, "lib", 1, "xaccount")
    provider.remove_layer_version_permission(CTX, "lib", 1, "org")
    error = error_of(provider.get_layer_version_policy, CTX, "lib", 1)
    assert error.code == "ResourceNotFoundException"
    error = error_of(
        provider.add_layer_version_permission,
        CTX, "lib", 2, "s", "lambda:GetLayerVersion", "*",
    )  # fmt: skip
    assert error.code == "ResourceNotFoundException"


# -- functions with layers ----------------------------------------------------------------------
def test_function_lists_layers_with_sizes_and_runs_with_them(
    provider: LambdaProvider, executor: FakeExecutor, tmp_path: Path
) -> None:
    one = publish(provider, "one")
    config = create(provider, layers=[one["LayerVersionArn"]])
    assert config["Layers"] == [{"Arn": LAYER + "one:1", "CodeSize": one["Content"]["CodeSize"]}]
    spec = invoke_spec(provider, executor)
    assert spec.layer_dirs == (str(tmp_path / "layers" / "000000000000" / "us-east-1" / "one/1"),)
    got = provider.get_function(CTX, "fn")
    assert got["Configuration"]["Layers"] == config["Layers"]


def test_later_layers_overwrite_earlier_files(
    provider: LambdaProvider, executor: FakeExecutor, tmp_path: Path
) -> None:
    first = publish(
        provider,
        "first",
        content={"ZipFile": make_zip({"python/shared.py": "WHO = 1\n", "python/a.py": ""})},
    )
    second = publish(
        provider,
        "second",
        content={"ZipFile": make_zip({"python/shared.py": "WHO = 2\n", "python/b.py": ""})},
    )
    create(provider, layers=[first["LayerVersionArn"], second["LayerVersionArn"]])
    (opt,) = invoke_spec(provider, executor).layer_dirs
    python = Path(opt) / "python"
    assert (python / "shared.py").read_text() == "WHO = 2\n"
    assert (python / "a.py").exists() and (python / "b.py").exists()
    run(provider.update_function_configuration(
        CTX, "fn", layers=[second["LayerVersionArn"], first["LayerVersionArn"]]
    ))  # fmt: skip
    (opt,) = invoke_spec(provider, executor).layer_dirs
    assert (Path(opt) / "python" / "shared.py").read_text() == "WHO = 1\n"
    # the layers' own unpacked copies are untouched by the merges
    own = tmp_path / "layers" / "000000000000" / "us-east-1" / "first" / "1"
    assert (own / "python" / "shared.py").read_text() == "WHO = 1\n"
    assert not (own / "python" / "b.py").exists()


def test_update_configuration_sets_and_clears_layers(
    provider: LambdaProvider, executor: FakeExecutor
) -> None:
    arn = publish(provider)["LayerVersionArn"]
    create(provider)
    updated = run(provider.update_function_configuration(CTX, "fn", layers=[arn]))
    assert [x["Arn"] for x in updated["Layers"]] == [arn]
    assert invoke_spec(provider, executor).layer_dirs
    kept = run(provider.update_function_configuration(CTX, "fn", timeout=9))
    assert [x["Arn"] for x in kept["Layers"]] == [arn]
    cleared = run(provider.update_function_configuration(CTX, "fn", layers=[]))
    assert "Layers" not in cleared
    assert invoke_spec(provider, executor).layer_dirs == ()


def test_function_keeps_a_deleted_layer_version(
    provider: LambdaProvider, executor: FakeExecutor, tmp_path: Path
) -> None:
    arn = publish(provider)["LayerVersionArn"]
    create(provider, layers=[arn])
    provider.delete_layer_version(CTX, "lib", 1)
    assert error_of(provider.get_layer_version, CTX, "lib", 1).code == "ResourceNotFoundException"
    shutil.rmtree(tmp_path / "layers")  # even a cleaned work dir is rebuilt from storage
    (layer,) = invoke_spec(provider, executor).layer_dirs
    assert (Path(layer) / "python" / "lib.py").exists()
    error = error_of(create, provider, "other", layers=[arn])  # but it cannot be attached anew
    assert error.message == f"Layer version {arn} does not exist."
    assert publish(provider)["Version"] == 2


def test_unused_deleted_layer_version_leaves_no_files(
    provider: LambdaProvider, tmp_path: Path
) -> None:
    publish(provider)
    provider.delete_layer_version(CTX, "lib", 1)
    assert not (tmp_path / "layers" / "000000000000" / "us-east-1" / "lib" / "1").exists()


def test_bad_layer_references(provider: LambdaProvider) -> None:
    missing = LAYER + "ghost:1"
    error = error_of(create, provider, layers=[missing])
    assert error.code == "InvalidParameterValueException" and error.status == 400
    assert error.message == f"Layer version {missing} does not exist."
    arns = [publish(provider, f"l{i}")["LayerVersionArn"] for i in range(6)]
    error = error_of(create, provider, layers=arns)
    assert error.code == "InvalidParameterValueException"
    assert error.message == "Cannot reference more than 5 layers."
    publish(provider, "l0")
    error = error_of(create, provider, layers=[LAYER + "l0:1", LAYER + "l0:2"])
    assert error.message == (
        "Two different versions of the same layer are not allowed to be referenced in the "
        f"same function. {LAYER}l0:1 and {LAYER}l0:2 are versions of the same layer."
    )
    create(provider)
    error = error_of(provider.update_function_configuration, CTX, "fn", layers=[missing])
    assert error.message == f"Layer version {missing} does not exist."
    # the failed creates left nothing behind
    names = [f["FunctionName"] for f in provider.list_functions(CTX)["Functions"]]
    assert names == ["fn"]


def test_code_and_layers_together_stay_under_the_unzipped_limit(
    provider: LambdaProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code, "MAX_UNZIPPED", 1000)
    arn = publish(provider, content={"ZipFile": make_zip({"python/big.py": "x" * 600})})[
        "LayerVersionArn"
    ]
    big = make_zip({"app.py": "#" * 500})
    error = error_of(create, provider, code={"ZipFile": big}, layers=[arn])
    assert error.code == "InvalidParameterValueException"
    assert error.message == (
        "Function code combined with layers exceeds the maximum allowed size of 1000 bytes. "
        "The actual size is 1100 bytes."
    )
    create(provider, code={"ZipFile": make_zip({"app.py": "#" * 100})}, layers=[arn])
    error = error_of(provider.update_function_code, CTX, "fn", zip_file=big)
    assert error.message.endswith("The actual size is 1100 bytes.")
    create(provider, "plain", code={"ZipFile": big})
    error = error_of(provider.update_function_configuration, CTX, "plain", layers=[arn])
    assert error.message.endswith("The actual size is 1100 bytes.")


def test_published_function_version_keeps_its_layers(
    provider: LambdaProvider, executor: FakeExecutor
) -> None:
    arn = publish(provider)["LayerVersionArn"]
    create(provider, layers=[arn], publish=True)
    run(provider.update_function_configuration(CTX, "fn", layers=[]))
    run(provider.invoke(CTX, "fn", payload=b"{}", qualifier="1"))
    assert executor.specs[-1].layer_dirs
