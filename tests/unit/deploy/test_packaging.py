"""Packaging local code as `sam package` does: which properties are rewritten, to what,
what is zipped, and that unchanged code keeps its key."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tenku.deploy.errors import TemplateError
from tenku.deploy.packaging import (
    function_artifacts,
    is_packaged_source,
    make_body,
    package_template,
)

BUCKET = "tenku-deploy-artifacts"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src" / "users").mkdir(parents=True)
    (tmp_path / "src" / "users" / "handler.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "src" / "__pycache__").mkdir()
    (tmp_path / "src" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    (tmp_path / "src" / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "src" / "run.sh").chmod(0o755)
    (tmp_path / "layers" / "common" / "python").mkdir(parents=True)
    (tmp_path / "layers" / "common" / "python" / "lib.py").write_text("X = 1\n")
    (tmp_path / "api.yaml").write_text("openapi: 3.0.1\n")
    (tmp_path / "single.py").write_text("def handler(e, c):\n    return 2\n")
    (tmp_path / "prebuilt.zip").write_bytes(make_body(tmp_path / "single.py", True))
    return tmp_path


def names_in(body: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(body)).namelist()


def sam(resources: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Transform": "AWS::Serverless-2016-10-31", "Resources": resources, **extra}


def test_sam_function_code_uri_becomes_an_s3_uri_named_by_md5(project: Path) -> None:
    template = sam({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "src/"}}})
    packaged = package_template(template, project, BUCKET, prefix="shop")
    [artifact] = packaged.artifacts
    uri = packaged.template["Resources"]["Fn"]["Properties"]["CodeUri"]
    assert uri == f"s3://{BUCKET}/shop/{hashlib.md5(artifact.body).hexdigest()}"
    assert artifact.key == uri.split(f"{BUCKET}/", 1)[1]
    assert artifact.zipped and artifact.source == (project / "src").resolve()
    assert sorted(names_in(artifact.body)) == ["run.sh", "users/handler.py"]  # no __pycache__
    assert template["Resources"]["Fn"]["Properties"]["CodeUri"] == "src/"  # input untouched


def test_zips_keep_modes_and_are_reproducible(project: Path) -> None:
    first = make_body(project / "src", True)
    (project / "src" / "users" / "handler.py").touch()  # a new mtime changes nothing
    assert make_body(project / "src", True) == first
    info = zipfile.ZipFile(io.BytesIO(first)).getinfo("run.sh")
    assert (info.external_attr >> 16) & 0o777 == 0o755
    assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_changed_code_gets_a_new_key(project: Path) -> None:
    template = sam({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "src"}}})
    before = package_template(template, project, BUCKET).artifacts[0].key
    (project / "src" / "users" / "handler.py").write_text("def handler(e, c):\n    return 9\n")
    assert package_template(template, project, BUCKET).artifacts[0].key != before


def test_layer_content_uri_and_api_definition_uris(project: Path) -> None:
    template = sam(
        {
            "Layer": {
                "Type": "AWS::Serverless::LayerVersion",
                "Properties": {"ContentUri": "layers/common/"},
            },
            "Api": {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionUri": "api.yaml"}},
            "Http": {
                "Type": "AWS::Serverless::HttpApi",
                "Properties": {"DefinitionUri": "./api.yaml"},
            },
        }
    )
    packaged = package_template(template, project, BUCKET)
    resources = packaged.template["Resources"]
    layer_uri = resources["Layer"]["Properties"]["ContentUri"]
    api_uri = resources["Api"]["Properties"]["DefinitionUri"]
    assert layer_uri.startswith(f"s3://{BUCKET}/") and api_uri.startswith(f"s3://{BUCKET}/")
    assert resources["Http"]["Properties"]["DefinitionUri"] == api_uri  # same file, same key
    by_key = {a.key: a for a in packaged.artifacts}
    assert len(by_key) == 2
    definition = by_key[api_uri.rsplit("/", 1)[1]]
    assert not definition.zipped and definition.body == b"openapi: 3.0.1\n"
    layer = by_key[layer_uri.rsplit("/", 1)[1]]
    assert names_in(layer.body) == ["python/lib.py"]


def test_cloudformation_code_and_body_locations(project: Path) -> None:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": "single.py"}},
            "Layer": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {"Content": "layers/common"},
            },
            "Rest": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"BodyS3Location": "api.yaml"},
            },
            "V2": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"BodyS3Location": "api.yaml"}},
        }
    }
    packaged = package_template(template, project, BUCKET)
    resources = packaged.template["Resources"]
    code = resources["Fn"]["Properties"]["Code"]
    assert set(code) == {"S3Bucket", "S3Key"} and code["S3Bucket"] == BUCKET
    assert set(resources["Layer"]["Properties"]["Content"]) == {"S3Bucket", "S3Key"}
    assert set(resources["Rest"]["Properties"]["BodyS3Location"]) == {"Bucket", "Key"}
    fn = next(a for a in packaged.artifacts if a.key == code["S3Key"])
    assert names_in(fn.body) == ["single.py"]  # a lone code file is zipped


def test_a_zip_is_uploaded_as_it_is(project: Path) -> None:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": "prebuilt.zip"}}
        }
    }
    [artifact] = package_template(template, project, BUCKET).artifacts
    assert not artifact.zipped and artifact.body == (project / "prebuilt.zip").read_bytes()
    assert function_artifacts(package_template(template, project, BUCKET).template, [artifact]) == {
        "Fn": artifact
    }


def test_values_that_are_not_local_paths_stay(project: Path) -> None:
    template = sam(
        {
            "S3": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "s3://b/k"}},
            "Map": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": {"Bucket": "b", "Key": "k"}},
            },
            "Sub": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": {"Fn::Sub": "${X}"}},
            },
            "Inline": {"Type": "AWS::Serverless::Function", "Properties": {"InlineCode": "x"}},
            "Image": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"PackageType": "Image", "ImageUri": "i"},
            },
            "Zip": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}}},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "src"}},
        }
    )
    packaged = package_template(template, project, BUCKET)
    assert packaged.template == template and packaged.artifacts == []


def test_sam_function_without_code_packages_the_template_directory(project: Path) -> None:
    template = sam({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "x.h"}}})
    packaged = package_template(template, project, BUCKET)
    assert packaged.template["Resources"]["Fn"]["Properties"]["CodeUri"].startswith("s3://")
    assert packaged.artifacts[0].source == project.resolve()


def test_globals_code_uri(project: Path) -> None:
    template = sam(
        {
            "A": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Handler": "users/handler.handler"},
            },
            "B": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "layers/common"}},
        },
        Globals={"Function": {"CodeUri": "src/", "Runtime": "python3.11"}},
    )
    packaged = package_template(template, project, BUCKET)
    uri = packaged.template["Globals"]["Function"]["CodeUri"]
    assert uri.startswith(f"s3://{BUCKET}/")
    assert "CodeUri" not in packaged.template["Resources"]["A"]["Properties"]
    found = function_artifacts(packaged.template, packaged.artifacts)
    assert found["A"].source == (project / "src").resolve()
    assert found["B"].source == (project / "layers" / "common").resolve()


def test_missing_paths_and_directories_where_a_file_belongs(project: Path) -> None:
    missing = sam({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "nope/"}}})
    with pytest.raises(
        TemplateError, match=r"Resources/Fn/Properties/CodeUri: nope/ does not exist"
    ):
        package_template(missing, project, BUCKET)
    directory = sam(
        {"Api": {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionUri": "src"}}}
    )
    with pytest.raises(TemplateError, match="is a directory; a file is expected"):
        package_template(directory, project, BUCKET)


def test_function_artifacts_map_expanded_functions_to_their_packages(project: Path) -> None:
    template = sam({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "src/"}}})
    packaged = package_template(template, project, BUCKET)
    expanded = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Bucket": BUCKET, "S3Key": packaged.artifacts[0].key}},
            },
            "Other": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}}},
        }
    }
    assert function_artifacts(expanded, packaged.artifacts) == {"Fn": packaged.artifacts[0]}
    assert function_artifacts(packaged.template, packaged.artifacts) == {
        "Fn": packaged.artifacts[0]
    }


def test_rebuilt_reflects_the_source_now(project: Path) -> None:
    template = sam({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "src/"}}})
    [artifact] = package_template(template, project, BUCKET).artifacts
    (project / "src" / "new.py").write_text("Y = 2\n")
    assert "new.py" in names_in(artifact.rebuilt())
    assert "new.py" not in names_in(artifact.body)


def test_sources_that_never_change_a_package() -> None:
    assert is_packaged_source(Path("/p/src/users/handler.py"))
    assert not is_packaged_source(Path("/p/src/__pycache__/handler.cpython-311.pyc"))
    assert not is_packaged_source(Path("/p/src/handler.pyc"))
    assert not is_packaged_source(Path("/p/.tenku/tenku.db"))


def include(location: Any) -> dict[str, Any]:
    return {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": location}}}


def test_an_include_location_is_uploaded_as_is_wherever_it_is(project: Path) -> None:
    """`aws cloudformation package` uploads an AWS::Include file and rewrites Location."""
    template = sam(
        {
            "Http": {
                "Type": "AWS::Serverless::HttpApi",
                "Properties": {"DefinitionBody": include("./api.yaml")},
            },
            "Rest": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Body": include("api.yaml")},
            },
            "Remote": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Body": include("s3://elsewhere/api.yaml")},
            },
            "Computed": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Body": include({"Fn::Sub": "s3://${B}/api.yaml"})},
            },
        },
        Mappings=include("api.yaml"),
    )
    packaged = package_template(template, project, BUCKET, prefix="app")
    resources = packaged.template["Resources"]
    digest = hashlib.md5(b"openapi: 3.0.1\n").hexdigest()
    uploaded = f"s3://{BUCKET}/app/{digest}"
    for where in (
        resources["Http"]["Properties"]["DefinitionBody"],
        resources["Rest"]["Properties"]["Body"],
        packaged.template["Mappings"],
    ):
        assert where["Fn::Transform"]["Parameters"]["Location"] == uploaded
    assert resources["Remote"]["Properties"]["Body"] == include("s3://elsewhere/api.yaml")
    assert resources["Computed"]["Properties"]["Body"] == include({"Fn::Sub": "s3://${B}/api.yaml"})
    [artifact] = packaged.artifacts
    assert not artifact.zipped and artifact.body == b"openapi: 3.0.1\n"
    assert template["Resources"]["Rest"]["Properties"]["Body"] == include("api.yaml")  # a copy


def test_a_missing_include_file_names_where_it_is_used(project: Path) -> None:
    template = sam({"Api": {"Type": "AWS::Serverless::Api", "Properties": {
        "StageName": "v1", "DefinitionBody": include("missing.yaml")}}})  # fmt: skip
    with pytest.raises(TemplateError, match="Resources/Api/Properties/DefinitionBody/Fn::Trans"):
        package_template(template, project, BUCKET)
