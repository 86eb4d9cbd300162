"""Template loading, intrinsic functions, parameters and the dependency graph."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.deploy.errors import TemplateError
from tenku.deploy.graph import dependencies, unresolved_references, waves
from tenku.deploy.intrinsics import NO_VALUE, Evaluator, pseudo_parameters
from tenku.deploy.loader import load_template
from tenku.deploy.parameters import resolve_parameters, shown_value

YAML = """
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-${Stage}-users"
      Flag: on
      Enabled: true
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Env: !GetAtt Table.Arn
      Other: !If [IsProd, !Ref Table, !Ref AWS::NoValue]
      List: !Split [",", "a,b"]
      Azs: !GetAZs ""
"""


def test_yaml_short_forms_become_long_forms() -> None:
    template = load_template(YAML)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    props = template["Resources"]["Fn"]["Properties"]
    assert props["Env"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert props["Other"] == {
        "Fn::If": ["IsProd", {"Ref": "Table"}, {"Ref": "AWS::NoValue"}]
    }
    assert props["List"] == {"Fn::Split": [",", "a,b"]}
    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    table = template["Resources"]["Table"]["Properties"]
    assert table["Flag"] == "on" and table["Enabled"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a: [1, 2", "YAML not well-formed"),
        ('{"a": ', "JSON not well-formed"),
        ("- 1\n- 2\n", "unsupported structure"),
        ("a: 1\na: 2\n", "Duplicate key 'a'"),
    ],
)
def test_malformed_bodies(body: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        load_template(body)


def test_the_client_reads_a_repeated_key_as_the_packagers_do() -> None:
    """`sam deploy` parses the file and sends what it writes back: the last key wins."""
    body = (
        "Outputs:\n  Name:\n    Description:\n    Description: SNS topic name\n"
        "    Value: !Ref T\n"
    )
    with pytest.raises(TemplateError, match="Duplicate key 'Description'"):
        load_template(body)
    loaded = load_template(body, lenient=True)
    assert loaded["Outputs"]["Name"] == {"Description": "SNS topic name", "Value": {"Ref": "T"}}
    with pytest.raises(TemplateError, match="YAML not well-formed"):
        load_template("a: [1, 2", lenient=True)


class Values:
    def __init__(self) -> None:
        self.refs = {"Table": "stack-dev-users", "Queue": "https://q/url"}
        self.attrs = {("Table", "Arn"): "arn:aws:dynamodb:us-east-1:1:table/t"}

    def ref(self, logical_id: str) -> Any:
        return self.refs[logical_id]

    def attribute(self, logical_id: str, name: str) -> Any:
        if (logical_id, name) not in self.attrs:
            raise TemplateError(f"no attribute {name} of {logical_id}")
        return self.attrs[(logical_id, name)]


def evaluator(template: dict[str, Any], **parameters: Any) -> Evaluator:
    pseudo = pseudo_parameters("123456789012", "ap-northeast-1", "stack", "arn:stack/id")
    return Evaluator(template, parameters, pseudo, Values(), imports={"Shared": "v"}.__getitem__)


TEMPLATE: dict[str, Any] = {
    "Mappings": {"Sizes": {"dev": {"Memory": 128}, "prod": {"Memory": 1024}}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "NotProd"}, {"Fn::Equals": ["a", "a"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Both"}]},
    },
    "Resources": {"Table": {}, "Queue": {}},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "AWS::Region"}, "ap-northeast-1"),
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "Table"}, "stack-dev-users"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, "arn:aws:dynamodb:us-east-1:1:table/t"),
        ({"Fn::GetAtt": "Table.Arn"}, "arn:aws:dynamodb:us-east-1:1:table/t"),
        ({"Fn::Sub": "${AWS::StackName}-${Stage}"}, "stack-dev"),
        ({"Fn::Sub": "${Table.Arn}/index/*"}, "arn:aws:dynamodb:us-east-1:1:table/t/index/*"),
        ({"Fn::Sub": ["${X}-${Stage}", {"X": {"Ref": "Table"}}]}, "stack-dev-users-dev"),
        ({"Fn::Sub": "${!Literal}-${ Stage }"}, "${Literal}-dev"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}, "a-dev-3"),
        ({"Fn::Join": [",", {"Fn::GetAZs": ""}]}, "ap-northeast-1a,ap-northeast-1b,ap-northeast-1c"),  # noqa: E501
        ({"Fn::Select": [1, ["x", "y"]]}, "y"),
        ({"Fn::Select": ["0", {"Fn::Split": ["/", "a/b"]}]}, "a"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, 128),
        ({"Fn::FindInMap": ["Sizes", "qa", "Memory", {"DefaultValue": 64}]}, 64),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, ["10.0.0.0/24", "10.0.1.0/24"]),
        ({"Fn::ImportValue": "Shared"}, "v"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["Either", "yes", "no"]}, "yes"),
        ({"Fn::Equals": [1, "1"]}, True),
        ({"Fn::ToJsonString": {"a": [1, {"Ref": "Stage"}]}}, '{"a":[1,"dev"]}'),
        ({"Fn::Length": [1, 2, 3]}, 3),
        ({"a": {"Ref": "AWS::NoValue"}, "b": 1}, {"b": 1}),
        ([1, {"Fn::If": ["IsProd", 2, {"Ref": "AWS::NoValue"}]}], [1]),
        ({"Ref": "AWS::NoValue"}, NO_VALUE),
    ],
)
def test_intrinsics(expression: Any, expected: Any) -> None:
    assert evaluator(TEMPLATE, Stage="dev").resolve(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"Ref": "Nope"}, r"Unresolved resource dependencies \[Nope\]"),
        ({"Fn::GetAtt": ["Nope", "Arn"]}, "references undefined resource Nope"),
        ({"Fn::GetAtt": ["Table"]}, "requires two non-empty parameters"),
        ({"Fn::Sub": 3}, "Fn::Sub intrinsic functions don't specify expected arguments"),
        ({"Fn::Join": ["-", "notalist"]}, "every Fn::Join object requires two parameters"),
        ({"Fn::Select": [5, ["a"]]}, "cannot select nonexistent value at index 5"),
        ({"Fn::FindInMap": ["Missing", "a", "b"]}, "Mapping named 'Missing' is not present"),
        ({"Fn::FindInMap": ["Sizes", "qa", "Memory"]}, "Unable to get mapping for Sizes::qa"),
        ({"Fn::If": ["Unknown", 1, 2]}, "Unresolved condition dependencies Unknown"),
        ({"Fn::And": [{"Condition": "IsProd"}]}, "Fn::And requires a list of 2 to 10"),
        ({"Fn::ImportValue": "Missing"}, "Missing"),
        ({"Fn::Cidr": ["nonsense", 1, 8]}, "Fn::Cidr cannot split"),
    ],
)
def test_intrinsic_errors(expression: Any, message: str) -> None:
    with pytest.raises((TemplateError, KeyError), match=message):
        evaluator(TEMPLATE, Stage="dev").resolve(expression)


def test_conditions_follow_parameters() -> None:
    prod = evaluator(TEMPLATE, Stage="prod")
    assert prod.condition("IsProd") and not prod.condition("NotProd")
    assert prod.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"


def test_circular_conditions_are_refused() -> None:
    template = {"Conditions": {"A": {"Condition": "B"}, "B": {"Condition": "A"}}}
    with pytest.raises(TemplateError, match="Circular condition dependency"):
        evaluator(template).condition("A")


def test_dependencies_and_waves() -> None:
    resources = {
        "Role": {"Type": "AWS::IAM::Role"},
        "Table": {"Type": "AWS::DynamoDB::Table"},
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Env": {"Fn::Sub": "${Table}-${AWS::Region}-${!Queue}"},
            },
        },
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Mapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "DependsOn": "Queue",
            "Properties": {"FunctionName": {"Ref": "Fn"}},
        },
    }
    graph = dependencies(resources)
    assert graph["Fn"] == {"Role", "Table"}
    assert graph["Mapping"] == {"Fn", "Queue"}
    assert waves(graph) == [["Queue", "Role", "Table"], ["Fn"], ["Mapping"]]


def test_cycles_and_unknown_dependencies() -> None:
    with pytest.raises(TemplateError, match=r"Circular dependency between resources: \[A, B\]"):
        waves(dependencies({"A": {"DependsOn": "B"}, "B": {"Properties": {"X": {"Ref": "A"}}}}))
    with pytest.raises(TemplateError, match=r"Unresolved resource dependencies \[Ghost\]"):
        dependencies({"A": {"DependsOn": ["Ghost"]}})
    template = {"Resources": {"A": {"Properties": {"X": {"Ref": "Nope"}}}}}
    assert unresolved_references(template, {"P"}) == ["Nope"]


DECLARED = {
    "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
    "Memory": {"Type": "Number", "MinValue": 128, "MaxValue": 10240},
    "Name": {"Type": "String", "AllowedPattern": "[a-z]+", "ConstraintDescription": "lower"},
    "Ids": {"Type": "List<Number>", "Default": "1,2"},
    "Secret": {"Type": "String", "NoEcho": True, "Default": "x", "MinLength": 1},
}


def test_parameters_resolve_with_defaults_and_types() -> None:
    values, raw = resolve_parameters(DECLARED, {"Memory": "512", "Name": "abc"})
    assert values["Stage"] == "dev" and values["Ids"] == ["1", "2"]
    assert raw["Memory"] == "512"
    assert shown_value(DECLARED["Secret"], raw["Secret"]) == "****"


@pytest.mark.parametrize(
    ("supplied", "message"),
    [
        ({"Name": "abc"}, r"Parameters: \[Memory\] must have values"),
        ({"Memory": "64", "Name": "a"}, "must be a number greater than or equal to 128"),
        ({"Memory": "lots", "Name": "a"}, "must be a number not 'lots'"),
        ({"Memory": "128", "Name": "ABC"}, "Parameter 'Name' lower"),
        ({"Memory": "128", "Name": "a", "Stage": "qa"}, "must be one of AllowedValues"),
        ({"Memory": "128", "Name": "a", "Other": "1"}, r"Parameters: \[Other\] do not exist"),
        ({"Memory": "128", "Name": "a", "Ids": "1,x"}, "must be a number not 'x'"),
    ],
)
def test_bad_parameters(supplied: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        resolve_parameters(DECLARED, supplied)
