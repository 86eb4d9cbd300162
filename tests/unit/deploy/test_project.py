"""What `tenku up PATH` finds at PATH, and the stack names it derives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenku.deploy.project import ProjectError, detect, stack_name_from

SAM = "Transform: AWS::Serverless-2016-10-31\nResources: {}\n"
CFN = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}'
SLS = "service: shop\nprovider:\n  name: aws\n"


def test_sam_template_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM)
    (tmp_path / "serverless.yml").write_text(SLS)  # template.yaml comes first
    project = detect(tmp_path)
    assert (project.kind, project.root, project.source) == (
        "sam",
        tmp_path,
        tmp_path / "template.yaml",
    )


@pytest.mark.parametrize("name", ["template.yml", "template.json"])
def test_other_template_names(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(CFN)
    project = detect(tmp_path)
    assert project.kind == "cloudformation" and project.source == tmp_path / name


def test_serverless_yml(tmp_path: Path) -> None:
    (tmp_path / "serverless.yaml").write_text(SLS)
    project = detect(tmp_path)
    assert project.kind == "serverless" and project.source == tmp_path / "serverless.yaml"


def test_cdk_out_below_the_project_and_the_assembly_itself(tmp_path: Path) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "manifest.json").write_text('{"version": "36.0.0", "artifacts": {}}')
    below = detect(tmp_path)
    assert (below.kind, below.root, below.source) == ("cdk", assembly, assembly)
    assert detect(assembly).source == assembly
    assert detect(assembly / "manifest.json").source == assembly
    assert below.name == stack_name_from(tmp_path.name)  # named after the app, not cdk.out


def test_files_named_directly(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(CFN)
    (tmp_path / "app.yaml").write_text(SAM)
    (tmp_path / "other.yml").write_text(SLS)
    assert detect(tmp_path / "stack.json").kind == "cloudformation"
    assert detect(tmp_path / "app.yaml").kind == "sam"
    assert detect(tmp_path / "other.yml").kind == "serverless"  # by its content


def test_a_lone_stack_template_json(tmp_path: Path) -> None:
    (tmp_path / "Shop.template.json").write_text(CFN)
    assert detect(tmp_path).source == tmp_path / "Shop.template.json"


def test_nothing_to_deploy(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"nothing to deploy here \(looked for template.yaml"):
        detect(tmp_path)
    with pytest.raises(ProjectError, match="no such file or directory"):
        detect(tmp_path / "missing")


def test_unreadable_template(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources: [unclosed\n")
    with pytest.raises(ProjectError, match="YAML not well-formed"):
        detect(tmp_path)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("shop", "shop"),
        ("my_app.v2", "my-app-v2"),
        ("2024-app", "app-2024-app"),
        ("", "tenku-app"),
        ("ショップ", "tenku-app"),
        ("a" * 200, "a" * 128),
    ],
)
def test_stack_names(text: str, name: str) -> None:
    assert stack_name_from(text) == name
