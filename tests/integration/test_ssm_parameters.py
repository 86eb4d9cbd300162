"""Black-box: SSM Parameter Store through boto3 and the AWS CLI against a real server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


def _error(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"].get("Message", ""),
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_put_get_overwrite_versions_and_history(tenku: TenkuProcess) -> None:
    ssm = tenku.client("ssm")
    assert ssm.put_parameter(Name="/t1/db/url", Value="one", Type="String")["Version"] == 1
    assert _error(ssm.put_parameter, Name="/t1/db/url", Value="two", Type="String") == (
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in "
        "the request to true.",
        400,
    )
    put = ssm.put_parameter(Name="/t1/db/url", Value="two", Overwrite=True, Description="db")
    assert put == {**put, "Version": 2, "Tier": "Standard"}
    got = ssm.get_parameter(Name="/t1/db/url")["Parameter"]
    assert (got["Value"], got["Version"], got["Type"], got["DataType"]) == (
        "two",
        2,
        "String",
        "text",
    )
    assert got["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/t1/db/url"
    first = ssm.get_parameter(Name="/t1/db/url:1")["Parameter"]
    assert (first["Value"], first["Selector"]) == ("one", ":1")
    assert _error(ssm.get_parameter, Name="/t1/db/url:9")[0] == "ParameterVersionNotFound"
    history = ssm.get_parameter_history(Name="/t1/db/url")["Parameters"]
    assert [(h["Version"], h["Value"]) for h in history] == [(1, "one"), (2, "two")]
    assert history[1]["Description"] == "db"
    page = ssm.get_parameter_history(Name="/t1/db/url", MaxResults=1)
    assert [h["Version"] for h in page["Parameters"]] == [1]
    rest = ssm.get_parameter_history(Name="/t1/db/url", MaxResults=1, NextToken=page["NextToken"])
    assert [h["Version"] for h in rest["Parameters"]] == [2] and "NextToken" not in rest
    assert ssm.get_parameter(Name=got["ARN"])["Parameter"]["Value"] == "two"  # by ARN too


def test_missing_parameters_and_bad_names(tenku: TenkuProcess) -> None:
    ssm = tenku.client("ssm")
    assert _error(ssm.get_parameter, Name="/t2/none") == ("ParameterNotFound", "", 400)
    assert _error(ssm.delete_parameter, Name="/t2/none")[0] == "ParameterNotFound"
    assert _error(ssm.get_parameter_history, Name="/t2/none")[0] == "ParameterNotFound"
    for name in ("aws-thing", "/ssm/x", "has space", "/a//b", "/bad$char"):
        code, message, status = _error(ssm.put_parameter, Name=name, Value="v", Type="String")
        assert (code, status) == ("ValidationException", 400), name
        assert 'can\'t be prefixed with "aws" or "ssm"' in message
    code, message, _ = _error(ssm.put_parameter, Name="a/b", Value="v", Type="String")
    assert message == "Parameter name must be a fully qualified name."
    deep = "/" + "/".join(f"l{i}" for i in range(16))
    assert _error(ssm.put_parameter, Name=deep, Value="v", Type="String")[0] == (
        "HierarchyLevelLimitExceededException"
    )
    assert _error(ssm.put_parameter, Name="/t2/untyped", Value="v")[1] == (
        "A parameter type is required when you create a parameter."
    )
    assert _error(ssm.put_parameter, Name="/t2/big", Value="x" * 4097, Type="String")[1].startswith(
        "Standard tier parameters support a maximum parameter value of 4096 characters."
    )
    assert (
        ssm.put_parameter(Name="/t2/big", Value="x" * 5000, Type="String", Tier="Advanced")["Tier"]
        == "Advanced"
    )
    assert (
        "can't downgrade"
        in _error(ssm.put_parameter, Name="/t2/big", Value="x", Overwrite=True, Tier="Standard")[1]
    )
    assert _error(
        ssm.put_parameter, Name="/t2/pat", Value="abc", Type="String", AllowedPattern="^[0-9]+$"
    ) == (
        "ParameterPatternMismatchException",
        "Parameter value, cannot be validated against allowedPattern: ^[0-9]+$",
        400,
    )
    assert "tags and overwrite can't be used together" in _error(
        ssm.put_parameter, Name="/t2/tagged", Value="v", Type="String", Overwrite=True,
        Tags=[{"Key": "a", "Value": "b"}],
    )[1]  # fmt: skip
    answer = ssm.get_parameters(Names=["/t2/big", "/t2/none", "/t2/big:7"])
    assert [p["Name"] for p in answer["Parameters"]] == ["/t2/big"]
    assert answer["InvalidParameters"] == ["/t2/none", "/t2/big:7"]
    deleted = ssm.delete_parameters(Names=["/t2/big", "/t2/none"])
    assert (deleted["DeletedParameters"], deleted["InvalidParameters"]) == (
        ["/t2/big"],
        ["/t2/none"],
    )


def test_paths_paging_filters_and_secure_strings(tenku: TenkuProcess) -> None:
    ssm = tenku.client("ssm")
    names = ["/t3/app/a", "/t3/app/b", "/t3/app/deep/c", "/t3/other"]
    for name in names:
        ssm.put_parameter(Name=name, Value=name.upper(), Type="String")
    ssm.put_parameter(Name="/t3/app/secret", Value="hunter2", Type="SecureString")
    one_level = ssm.get_parameters_by_path(Path="/t3/app")["Parameters"]
    assert [p["Name"] for p in one_level] == ["/t3/app/a", "/t3/app/b", "/t3/app/secret"]
    secret = next(p for p in one_level if p["Type"] == "SecureString")
    assert secret["Value"] != "hunter2"  # ciphertext without decryption
    decrypted = ssm.get_parameter(Name="/t3/app/secret", WithDecryption=True)["Parameter"]
    assert decrypted["Value"] == "hunter2"
    collected: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = ssm.get_parameters_by_path(Path="/t3/", Recursive=True, MaxResults=2, **token)
        assert len(page["Parameters"]) <= 2
        collected += [p["Name"] for p in page["Parameters"]]
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert collected == sorted([*names, "/t3/app/secret"])
    typed = ssm.get_parameters_by_path(
        Path="/t3", Recursive=True,
        ParameterFilters=[{"Key": "Type", "Option": "Equals", "Values": ["SecureString"]}],
    )["Parameters"]  # fmt: skip
    assert [p["Name"] for p in typed] == ["/t3/app/secret"]
    assert _error(ssm.get_parameters_by_path, Path="t3")[0] == "ValidationException"
    assert (
        _error(
            ssm.get_parameters_by_path,
            Path="/t3",
            ParameterFilters=[{"Key": "Name", "Values": ["x"]}],
        )[0]
        == "InvalidFilterKey"
    )

    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/t3/app/"]}]
    )["Parameters"]
    assert [p["Name"] for p in described] == ["/t3/app/a", "/t3/app/b", "/t3/app/deep/c",
                                              "/t3/app/secret"]  # fmt: skip
    secret_meta = next(p for p in described if p["Name"] == "/t3/app/secret")
    assert secret_meta["KeyId"] == "alias/aws/ssm" and "Value" not in secret_meta
    paths = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Path", "Option": "OneLevel", "Values": ["/t3"]}]
    )["Parameters"]
    assert [p["Name"] for p in paths] == ["/t3/other"]
    legacy = ssm.describe_parameters(Filters=[{"Key": "Name", "Values": ["/t3/o"]}])
    assert [p["Name"] for p in legacy["Parameters"]] == ["/t3/other"]
    assert (
        _error(
            ssm.describe_parameters,
            Filters=[{"Key": "Name", "Values": ["x"]}],
            ParameterFilters=[{"Key": "Name", "Values": ["x"]}],
        )[1]
        == "You can use either Filters or ParameterFilters in a single request."
    )
    assert _error(
        ssm.describe_parameters, ParameterFilters=[{"Key": "Type", "Option": "Contains",
                                                    "Values": ["String"]}]
    )[0] == "InvalidFilterOption"  # fmt: skip


def test_labels_and_tags(tenku: TenkuProcess) -> None:
    ssm = tenku.client("ssm")
    ssm.put_parameter(
        Name="/t4/flag", Value="off", Type="String", Tags=[{"Key": "a", "Value": "1"}]
    )
    ssm.put_parameter(Name="/t4/flag", Value="on", Overwrite=True)
    labelled = ssm.label_parameter_version(
        Name="/t4/flag", ParameterVersion=1, Labels=["stable", "1bad"]
    )
    assert labelled == {**labelled, "InvalidLabels": ["1bad"], "ParameterVersion": 1}
    assert ssm.get_parameter(Name="/t4/flag:stable")["Parameter"]["Value"] == "off"
    ssm.label_parameter_version(Name="/t4/flag", Labels=["stable"])  # moves to the latest
    assert ssm.get_parameter(Name="/t4/flag:stable")["Parameter"]["Value"] == "on"
    history = ssm.get_parameter_history(Name="/t4/flag")["Parameters"]
    assert [h["Labels"] for h in history] == [[], ["stable"]]
    assert _error(ssm.get_parameter, Name="/t4/flag:nolabel")[0] == "ParameterVersionNotFound"
    ssm.label_parameter_version(Name="/t4/flag", Labels=[f"l{i}" for i in range(9)])  # 10 now
    assert _error(ssm.label_parameter_version, Name="/t4/flag", Labels=["one-more"])[0] == (
        "ParameterVersionLabelLimitExceeded"
    )

    where = {"ResourceType": "Parameter", "ResourceId": "/t4/flag"}
    ssm.add_tags_to_resource(**where, Tags=[{"Key": "b", "Value": "2"}])
    ssm.remove_tags_from_resource(**where, TagKeys=["a"])
    assert ssm.list_tags_for_resource(**where)["TagList"] == [{"Key": "b", "Value": "2"}]
    tagged = ssm.describe_parameters(ParameterFilters=[{"Key": "tag:b", "Values": ["2"]}])
    assert [p["Name"] for p in tagged["Parameters"]] == ["/t4/flag"]
    assert _error(ssm.list_tags_for_resource, ResourceType="Parameter", ResourceId="/t4/x")[0] == (
        "InvalidResourceId"
    )
    assert _error(ssm.list_tags_for_resource, ResourceType="Document", ResourceId="/t4/flag")[
        0
    ] == ("InvalidResourceType")


def test_scoped_by_region_and_readable_from_the_cli(tenku: TenkuProcess) -> None:
    tenku.client("ssm").put_parameter(Name="/t5/region", Value="east", Type="String")
    west = tenku.client("ssm", region="us-west-2")
    assert _error(west.get_parameter, Name="/t5/region")[0] == "ParameterNotFound"
    result = tenku.aws("ssm", "get-parameter", "--name", "/t5/region")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Parameter"]["Value"] == "east"


def test_parameters_survive_kill_9(fresh_tenku: TenkuProcess) -> None:
    ssm = fresh_tenku.client("ssm")
    for i in range(20):
        ssm.put_parameter(Name=f"/t6/p{i}", Value=f"v{i}", Type="String")
    ssm.put_parameter(Name="/t6/p0", Value="changed", Overwrite=True)
    ssm.label_parameter_version(Name="/t6/p0", ParameterVersion=1, Labels=["first"])
    fresh_tenku.kill()
    fresh_tenku.start()
    ssm = fresh_tenku.client("ssm")
    found = ssm.get_parameters_by_path(Path="/t6", MaxResults=10)
    assert len(found["Parameters"]) == 10 and "NextToken" in found
    assert ssm.get_parameter(Name="/t6/p0")["Parameter"]["Version"] == 2
    assert ssm.get_parameter(Name="/t6/p0:first")["Parameter"]["Value"] == "v0"
    assert ssm.get_parameter(Name="/t6/p19")["Parameter"]["Value"] == "v19"
