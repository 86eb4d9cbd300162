"""Lambda layers through the wire: boto3 publishes layers, functions import from them."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, invoke, zipped

PY_HANDLER = """
import greeting

def handler(event, context):
    import shared
    return {"greeting": greeting.hello(event.get("who", "you")), "shared": shared.WHO}
"""

NODE_HANDLER = """
const greet = require("greet");
exports.handler = async (event) => ({ greeting: greet(event.who) });
"""


@pytest.fixture
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


def publish(lam: Any, name: str, files: dict[str, str], **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = lam.publish_layer_version(
        LayerName=name, Content={"ZipFile": zipped(files)}, **extra
    )
    return result


def python_function(lam: Any, name: str, layers: list[str], files: dict[str, str]) -> None:
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": PY_HANDLER, **files})}, Layers=layers,
    )  # fmt: skip


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    error: dict[str, Any] = excinfo.value.response["Error"]
    error["Status"] = excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error


def test_python_function_imports_from_its_layers(lam: Any, name: str) -> None:
    base = publish(
        lam, f"{name}-base",
        {"python/greeting.py": "def hello(who):\n    return 'hello ' + who\n",
         "python/shared.py": "WHO = 'base'\n"},
        CompatibleRuntimes=["python3.11"], Description="greetings",
    )  # fmt: skip
    assert base["LayerVersionArn"] == base["LayerArn"] + ":1"
    assert base["Version"] == 1 and base["Description"] == "greetings"
    with urllib.request.urlopen(base["Content"]["Location"]) as response:
        assert len(response.read()) == base["Content"]["CodeSize"]
    # a later layer wins over an earlier one, file by file, as when extracted into /opt
    over = publish(lam, f"{name}-over", {"python/shared.py": "WHO = 'over'\n"})
    python_function(lam, name, [base["LayerVersionArn"], over["LayerVersionArn"]], {})
    config = lam.get_function_configuration(FunctionName=name)
    assert config["Layers"] == [
        {"Arn": base["LayerVersionArn"], "CodeSize": base["Content"]["CodeSize"]},
        {"Arn": over["LayerVersionArn"], "CodeSize": over["Content"]["CodeSize"]},
    ]
    body = invoke(lam, name, {"who": "layers"})["Body"]
    assert body == {"greeting": "hello layers", "shared": "over"}

    # the function's own module beats every layer's
    python_function(lam, f"{name}-own", [base["LayerVersionArn"], over["LayerVersionArn"]],
                    {"shared.py": "WHO = 'own'\n"})  # fmt: skip
    assert invoke(lam, f"{name}-own", {})["Body"]["shared"] == "own"

    # deleting a layer version does not break the functions that use it
    lam.delete_layer_version(LayerName=f"{name}-base", VersionNumber=1)
    lam.update_function_configuration(FunctionName=name, Timeout=10)  # a fresh environment
    assert invoke(lam, name, {"who": "again"})["Body"]["greeting"] == "hello again"


def test_node_function_requires_from_a_layer(lam: Any, name: str) -> None:
    layer = publish(
        lam, name, {"nodejs/node_modules/greet/index.js": "module.exports = (w) => `hi ${w}`;\n"}
    )
    lam.create_function(
        FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
        Code={"ZipFile": zipped({"index.js": NODE_HANDLER})}, Layers=[layer["LayerVersionArn"]],
    )  # fmt: skip
    assert invoke(lam, name, {"who": "node"})["Body"] == {"greeting": "hi node"}


def test_layer_api_round_trip(lam: Any, name: str) -> None:
    files = {"python/x.py": ""}
    publish(lam, name, files, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["arm64"])
    publish(lam, name, files, CompatibleRuntimes=["nodejs20.x"], LicenseInfo="MIT")
    versions = lam.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    assert versions[0]["LicenseInfo"] == "MIT"
    only = lam.list_layer_versions(LayerName=name, CompatibleRuntime="python3.12")
    assert [v["Version"] for v in only["LayerVersions"]] == [1]
    mine = [x for x in lam.list_layers()["Layers"] if x["LayerName"] == name]
    assert mine[0]["LatestMatchingVersion"]["Version"] == 2
    arm = [x for x in lam.list_layers(CompatibleArchitecture="arm64")["Layers"]
           if x["LayerName"] == name]  # fmt: skip
    assert arm[0]["LatestMatchingVersion"]["Version"] == 1

    got = lam.get_layer_version(LayerName=name, VersionNumber=2)
    by_arn = lam.get_layer_version_by_arn(Arn=got["LayerVersionArn"])
    assert got["Content"]["CodeSha256"] and got["Content"]["CodeSize"] > 0
    assert by_arn["LayerVersionArn"] == got["LayerVersionArn"]
    assert got["CreatedDate"].endswith("+0000")

    added = lam.add_layer_version_permission(
        LayerName=name, VersionNumber=2, StatementId="everyone",
        Action="lambda:GetLayerVersion", Principal="*",
    )  # fmt: skip
    assert json.loads(added["Statement"])["Resource"] == got["LayerVersionArn"]
    policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=2)
    assert policy["RevisionId"] == added["RevisionId"]
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["everyone"]
    error = error_of(
        lam.add_layer_version_permission, LayerName=name, VersionNumber=2,
        StatementId="everyone", Action="lambda:GetLayerVersion", Principal="*",
    )  # fmt: skip
    assert error["Code"] == "ResourceConflictException" and error["Status"] == 409
    lam.remove_layer_version_permission(LayerName=name, VersionNumber=2, StatementId="everyone")
    error = error_of(lam.get_layer_version_policy, LayerName=name, VersionNumber=2)
    assert error["Code"] == "ResourceNotFoundException"

    lam.delete_layer_version(LayerName=name, VersionNumber=2)
    lam.delete_layer_version(LayerName=name, VersionNumber=2)  # idempotent
    error = error_of(lam.get_layer_version, LayerName=name, VersionNumber=2)
    assert error["Code"] == "ResourceNotFoundException" and error["Status"] == 404
    assert error["Message"] == "The resource you requested does not exist."
    assert publish(lam, name, files)["Version"] == 3  # numbers are never reused


def test_bad_layer_inputs(lam: Any, name: str) -> None:
    missing = f"arn:aws:lambda:us-east-1:000000000000:layer:{name}-ghost:1"
    create = {
        "FunctionName": name, "Runtime": "python3.11", "Role": ROLE, "Handler": "app.handler",
        "Code": {"ZipFile": zipped({"app.py": PY_HANDLER})},
    }  # fmt: skip
    error = error_of(lam.create_function, **create, Layers=[missing])
    assert error["Code"] == "InvalidParameterValueException" and error["Status"] == 400
    assert error["Message"] == f"Layer version {missing} does not exist."

    arns = [publish(lam, f"{name}-{i}", {"python/m.py": ""})["LayerVersionArn"] for i in range(6)]
    error = error_of(lam.create_function, **create, Layers=arns)
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == "Cannot reference more than 5 layers."

    error = error_of(lam.create_function, **create, Layers=[f"{missing}:x"])
    assert error["Code"] == "ValidationException"

    error = error_of(lam.publish_layer_version, LayerName=name, Content={"ZipFile": b"nope"})
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )

    lam.create_function(**create)
    error = error_of(lam.update_function_configuration, FunctionName=name, Layers=[missing])
    assert error["Message"] == f"Layer version {missing} does not exist."
    assert "Layers" not in lam.get_function_configuration(FunctionName=name)
