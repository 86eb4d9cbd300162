"""Corner cases the SAM translator corpus met: parameter defaults read as CloudFormation
reads them, the ARN a skipped resource's ARN attribute gives, and SAM applications
expanded without the Serverless Application Repository."""

from __future__ import annotations

from tenku.core.scope import Scope
from tenku.deploy.parameters import resolve_parameters
from tenku.deploy.records import skipped_attribute
from tenku.deploy.sam import expand_sam

SCOPE = Scope("000000000000", "us-east-1")


def test_boolean_defaults_and_allowed_values_are_cloudformation_text() -> None:
    declared = {
        "Create": {"Type": "String", "AllowedValues": [True, False], "Default": True},
        "Count": {"Type": "Number", "Default": 45},
        "Names": {"Type": "CommaDelimitedList", "Default": [True, "b"]},
    }
    values, raw = resolve_parameters(declared, {})
    assert raw == {"Create": "true", "Count": "45", "Names": "true,b"}
    assert values["Create"] == "true"  # so `Fn::Equals [!Ref Create, true]` holds
    assert resolve_parameters(declared, {"Create": "false"})[1]["Create"] == "false"


def test_skipped_resources_give_arn_shaped_arn_attributes() -> None:
    arn = skipped_attribute(SCOPE, "AWS::Kinesis::Stream", "Stream", "Arn")
    assert arn == "arn:aws:kinesis:us-east-1:000000000000:stream/Stream"
    assert skipped_attribute(SCOPE, "AWS::Kinesis::Stream", "Stream", "Name") == "Stream.Name"
    assert skipped_attribute(None, "AWS::Kinesis::Stream", "Stream", "Arn") == "Stream.Arn"


def test_skipped_resources_arns_name_the_service_aws_names() -> None:
    # An MSK event of a SAM function takes `!GetAtt Cluster.Arn`; Lambda knows `kafka` ARNs.
    arn = skipped_attribute(SCOPE, "AWS::MSK::Cluster", "Cluster", "Arn")
    assert arn == "arn:aws:kafka:us-east-1:000000000000:cluster/Cluster"
    arn = skipped_attribute(SCOPE, "AWS::StepFunctions::Activity", "Act", "Arn")
    assert arn.startswith("arn:aws:states:us-east-1:000000000000:")


def test_applications_expand_to_nested_stacks_without_the_repository() -> None:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "App": {
                "Type": "AWS::Serverless::Application",
                "Properties": {
                    "Location": {
                        "ApplicationId": "arn:aws:serverlessrepo:us-east-1:1:applications/hi",
                        "SemanticVersion": "1.0.2",
                    }
                },
            },
            "FromUrl": {
                "Type": "AWS::Serverless::Application",
                "Properties": {"Location": "https://example.com/template.yaml"},
            },
        },
    }
    expanded = expand_sam(template, {}, "us-east-1", "000000000000")["Resources"]
    assert expanded["App"]["Type"] == "AWS::CloudFormation::Stack"
    assert "/hi/1.0.2/" in expanded["App"]["Properties"]["TemplateURL"]
    assert expanded["FromUrl"]["Properties"]["TemplateURL"] == "https://example.com/template.yaml"
