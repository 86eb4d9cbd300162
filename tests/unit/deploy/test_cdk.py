"""Reading a CDK cloud assembly the way `cdk synth` (CDK v2, modern synthesis) writes it:
stacks in dependency order, their file assets with the bootstrap bucket filled in, nested
stage assemblies, and the plans `tenku up` makes of them."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tenku.deploy.cdk import BOOTSTRAP_VERSION_PARAMETER, read_assembly
from tenku.deploy.errors import TemplateError
from tenku.deploy.plan import plan_project
from tenku.deploy.project import detect

BOOTSTRAP = "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
ACCOUNT, REGION = "000000000000", "ap-northeast-1"


def stack_template(asset_hash: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Handler886CB40B": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": {"Fn::Sub": BOOTSTRAP}, "S3Key": f"{asset_hash}.zip"},
                    "Handler": "index.handler",
                    "Runtime": "python3.11",
                    "Role": "arn:aws:iam::000000000000:role/x",
                },
            }
        },
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
    }


def write_stack(root: Path, name: str, asset_hash: str, depends: list[str]) -> dict[str, Any]:
    (root / f"asset.{asset_hash}").mkdir()
    (root / f"asset.{asset_hash}" / "index.py").write_text(f"NAME = {name!r}\n")
    (root / f"{name}.template.json").write_text(json.dumps(stack_template(asset_hash)))
    destination = {"bucketName": BOOTSTRAP, "assumeRoleArn": "arn:${AWS::Partition}:iam::x"}
    assets = {
        "version": "36.0.0",
        "files": {
            asset_hash: {
                "source": {"path": f"asset.{asset_hash}", "packaging": "zip"},
                "destinations": {
                    "current_account-current_region": {
                        **destination,
                        "objectKey": f"{asset_hash}.zip",
                    }
                },
            },
            "tpl" + asset_hash: {
                "source": {"path": f"{name}.template.json", "packaging": "file"},
                "destinations": {
                    "current_account-current_region": {**destination, "objectKey": "t.json"}
                },
            },
        },
        "dockerImages": {},
    }
    (root / f"{name}.assets.json").write_text(json.dumps(assets))
    return {
        f"{name}.assets": {
            "type": "cdk:asset-manifest",
            "properties": {"file": f"{name}.assets.json", "requiresBootstrapStackVersion": 6},
        },
        name: {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{name}.template.json", "validateOnSynth": False},
            "dependencies": [f"{name}.assets", *depends],
            "displayName": name,
        },
    }


@pytest.fixture
def assembly(tmp_path: Path) -> Path:
    root = tmp_path / "cdk.out"
    root.mkdir()
    artifacts: dict[str, Any] = {"Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}
    artifacts |= write_stack(root, "ApiStack", "a" * 64, ["DataStack"])  # listed first
    artifacts |= write_stack(root, "DataStack", "b" * 64, [])
    stage = root / "assembly-Prod"
    stage.mkdir()
    nested = write_stack(stage, "ProdApi", "c" * 64, [])
    nested["ProdApi"]["properties"]["stackName"] = "Prod-Api"
    (stage / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": nested}))
    artifacts["assembly-Prod"] = {
        "type": "cdk:cloud-assembly",
        "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"},
    }
    (root / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    return root


def test_stacks_in_dependency_order_with_their_assets(assembly: Path) -> None:
    stacks = read_assembly(assembly, ACCOUNT, REGION)
    assert [s.stack_name for s in stacks] == ["Prod-Api", "DataStack", "ApiStack"]
    api = stacks[2]
    assert api.depends_on == ["DataStack"]
    [asset] = api.assets  # the template's own asset is not uploaded
    assert asset.bucket == f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"
    assert asset.key == "a" * 64 + ".zip"
    assert asset.source == assembly / f"asset.{'a' * 64}" and asset.packaging == "zip"
    assert zipfile.ZipFile(io.BytesIO(asset.body())).namelist() == ["index.py"]
    assert api.template["Resources"]["Handler886CB40B"]["Type"] == "AWS::Lambda::Function"


def test_plans_upload_to_the_bootstrap_bucket_and_set_the_bootstrap_version(
    assembly: Path,
) -> None:
    plans = plan_project(detect(assembly.parent), account=ACCOUNT, region=REGION)
    api = plans[2]
    assert api.stack_name == "ApiStack"
    assert api.buckets == [f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"]
    assert api.ssm_parameters == {BOOTSTRAP_VERSION_PARAMETER: "21"}
    assert list(api.functions) == ["Handler886CB40B"]  # found by key for hot updates
    assert api.template == read_assembly(assembly, ACCOUNT, REGION)[2].template  # unchanged
    assert assembly / "ApiStack.template.json" in api.sources


def test_stack_name_option_needs_a_single_stack(assembly: Path) -> None:
    with pytest.raises(TemplateError, match="--stack-name names one stack; this assembly has 3"):
        plan_project(detect(assembly), account=ACCOUNT, region=REGION, stack_name="x")


def test_docker_and_command_built_assets_are_reported(assembly: Path) -> None:
    manifest_file = assembly / "DataStack.assets.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["dockerImages"] = {"img1": {"source": {"directory": "asset.img1"}}}
    manifest["files"]["built"] = {"source": {"executable": ["make"]}, "destinations": {}}
    manifest_file.write_text(json.dumps(manifest))
    data = next(s for s in read_assembly(assembly, ACCOUNT, REGION) if s.stack_name == "DataStack")
    assert any("built by a command" in why for why in data.unsupported)
    assert any("container image asset img1" in why for why in data.unsupported)
    plan = next(
        p
        for p in plan_project(detect(assembly), account=ACCOUNT, region=REGION)
        if p.stack_name == "DataStack"
    )
    assert any(note.startswith("DataStack: skipped") for note in plan.notes)


def test_broken_assemblies(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(TemplateError, match="not a readable cloud assembly manifest"):
        read_assembly(tmp_path, ACCOUNT, REGION)
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "S": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "S.json"},
                    }
                }
            }
        )
    )
    with pytest.raises(TemplateError, match="cannot read the stack template"):
        read_assembly(tmp_path, ACCOUNT, REGION)


def test_cyclic_stack_dependencies(tmp_path: Path) -> None:
    artifacts = write_stack(tmp_path, "A", "d" * 64, ["B"]) | write_stack(
        tmp_path, "B", "e" * 64, ["A"]
    )
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    with pytest.raises(TemplateError, match="cycle"):
        read_assembly(tmp_path, ACCOUNT, REGION)
