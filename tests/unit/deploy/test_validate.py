"""Whole-template checks and the capabilities IAM resources need."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.deploy.errors import TemplateError
from tenku.deploy.validate import check_template, missing_capability, required_capabilities

KNOWN = ("AWS::SQS::Queue", "AWS::IAM::Role")


def queue(**extra: Any) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", **extra}


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            {"Bogus": 1, "Resources": {"Q": queue()}},
            "Invalid template property or properties [Bogus]",
        ),
        (
            {"AWSTemplateFormatVersion": "2011-01-01", "Resources": {"Q": queue()}},
            "Unsupported template version",
        ),
        ({"Resources": {}}, "At least one Resources member must be defined."),
        (
            {"Resources": {"Q": {}}},
            "[/Resources/Q] Every Resources object must contain a Type member.",
        ),
        ({"Resources": {"Q": {"Type": "AWS::X::Y"}}}, "Unrecognized resource types: [AWS::X::Y]"),
        (
            {"Resources": {"Q": queue(Properties={"A": {"Ref": "Nope"}})}},
            "Unresolved resource dependencies [Nope]",
        ),
        (
            {"Resources": {"Q": queue(Properties={"A": {"Fn::GetAtt": ["Gone", "Arn"]}})}},
            "Template error: instance of Fn::GetAtt references undefined resource Gone",
        ),
        (
            {"Resources": {"Q": queue()}, "Outputs": {"O": {"Value": {"Fn::GetAtt": "Gone.Arn"}}}},
            "Template error: instance of Fn::GetAtt references undefined resource Gone",
        ),
        (
            {"Resources": {"Q": queue(Condition="Missing")}},
            "unresolved condition dependency Missing",
        ),
        (
            {"Resources": {"A": queue(DependsOn="B"), "B": queue(DependsOn="A")}},
            "Circular dependency between resources: [A, B]",
        ),
        (
            {"Resources": {"Q": queue()}, "Outputs": {"O": {}}},
            "Every Outputs member must contain a Value object",
        ),
        (
            {"Resources": {"Q": queue()}, "Parameters": {"P": {}}},
            "Every Parameters object must contain a Type member.",
        ),
    ],
)
def test_bad_templates(template: dict[str, Any], message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        check_template(template, KNOWN)
    assert message in caught.value.message


def test_good_templates_and_skipping() -> None:
    check_template({"Resources": {"Q": queue(), "C": {"Type": "Custom::Mine"}}}, KNOWN)
    check_template({"Resources": {"Q": {"Type": "AWS::X::Y"}}}, KNOWN, skip_unknown=True)
    check_template(
        {
            "Parameters": {"P": {"Type": "String"}},
            "Resources": {"Q": queue(Properties={"N": {"Ref": "P"}, "R": {"Ref": "AWS::Region"}})},
        },
        KNOWN,
    )


def test_capabilities() -> None:
    role = {"Type": "AWS::IAM::Role", "Properties": {}}
    named = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r"}}
    assert required_capabilities({"Resources": {"Q": queue()}}) == ([], "")
    needed, reason = required_capabilities({"Resources": {"R": role}})
    assert needed == ["CAPABILITY_IAM"]
    assert reason == "The following resource(s) require capabilities: [AWS::IAM::Role]"
    assert required_capabilities({"Resources": {"R": named}})[0] == ["CAPABILITY_NAMED_IAM"]
    assert missing_capability({"Resources": {"R": role}}, []) == "CAPABILITY_IAM"
    assert missing_capability({"Resources": {"R": role}}, ["CAPABILITY_NAMED_IAM"]) is None
    assert (
        missing_capability({"Resources": {"R": named}}, ["CAPABILITY_IAM"])
        == "CAPABILITY_NAMED_IAM"
    )
