"""Templates through the wire: every intrinsic function, exports and imports between
stacks, template checks (ValidateTemplate, GetTemplateSummary) and the bad paths."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.integration.cloudformation_support import (
    create,
    delete,
    events,
    outputs,
    refused,
    unique,
    update,
    wait_stack,
)
from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def cfn(tenku: TenkuProcess) -> Any:
    return tenku.client("cloudformation")


EXPORTER = """
Parameters:
  Value: {Type: String, Default: shared}
Resources:
  Queue: {Type: AWS::SQS::Queue}
Outputs:
  Shared:
    Value: !Ref Value
    Export: {Name: !Sub "${AWS::StackName}-shared"}
  QueueArn:
    Value: !GetAtt Queue.Arn
    Export: {Name: !Sub "${AWS::StackName}-queue-arn"}
"""

EVERYTHING = """
Parameters:
  Env: {Type: String, Default: prod}
  Zones: {Type: CommaDelimitedList, Default: "a,b,c"}
  Count: {Type: Number, Default: 3}
  Exporter: {Type: String}
Mappings:
  Regions:
    us-east-1: {Short: use1}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref Count, 3]]
  Either: !Or [!Condition IsDev, !Equals [x, y]]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName:
        !Join ["-", [!Ref "AWS::StackName", !FindInMap [Regions, !Ref "AWS::Region", Short]]]
      DelaySeconds: !If [IsProd, 1, !Ref "AWS::NoValue"]
Outputs:
  Ref: {Value: !Ref Queue}
  GetAtt: {Value: !GetAtt Queue.QueueName}
  GetAttLong: {Value: !GetAtt [Queue, Arn]}
  Join: {Value: !Join [":", [a, b, c]]}
  Sub: {Value: !Sub "${AWS::Region}/${AWS::AccountId}/${Env}/${Queue.QueueName}/${!Literal}"}
  SubMap: {Value: !Sub ["${One}-${Two}", {One: 1, Two: !Ref Env}]}
  Select: {Value: !Select [1, !Ref Zones]}
  Split: {Value: !Select [2, !Split [",", "x,y,z"]]}
  FindInMap: {Value: !FindInMap [Regions, us-east-1, Short]}
  FindInMapDefault: {Value: !FindInMap [Regions, eu-west-9, Short, {DefaultValue: none}]}
  GetAZs: {Value: !Select [0, !GetAZs ""]}
  Base64: {Value: !Base64 "hello"}
  Cidr: {Value: !Join [",", !Cidr ["10.0.0.0/16", 2, 8]]}
  If: {Value: !If [IsProd, yes-prod, not-prod]}
  Both: {Value: !If [Both, both, neither]}
  Either: {Value: !If [Either, either, neither]}
  Import: {Value: !ImportValue {"Fn::Sub": "${Exporter}-shared"}}
  Json: {Value: !ToJsonString {a: [1, 2], b: !Ref Env}}
  Length: {Value: !Length [1, 2, 3, 4]}
  Pseudo:
    Value: !Join ["|", [!Ref "AWS::Partition", !Ref "AWS::URLSuffix", !Ref "AWS::StackName"]]
  Dev:
    Condition: IsDev
    Value: never
"""


def test_every_intrinsic_function(cfn: Any) -> None:
    exporter, name = unique("exp"), unique("all")
    create(cfn, exporter, EXPORTER)
    params = [{"ParameterKey": "Exporter", "ParameterValue": exporter}]
    stack = create(cfn, name, EVERYTHING, Parameters=params)
    assert stack["StackStatus"] == "CREATE_COMPLETE", events(cfn, name)
    out = outputs(stack)
    queue = f"{name}-use1"
    assert out["Ref"].endswith(f"/000000000000/{queue}")
    assert out["GetAtt"] == queue
    assert out["GetAttLong"] == f"arn:aws:sqs:us-east-1:000000000000:{queue}"
    assert out["Join"] == "a:b:c"
    assert out["Sub"] == f"us-east-1/000000000000/prod/{queue}/${{Literal}}"
    assert out["SubMap"] == "1-prod"
    assert out["Select"] == "b"
    assert out["Split"] == "z"
    assert out["FindInMap"] == "use1"
    assert out["FindInMapDefault"] == "none"
    assert out["GetAZs"] == "us-east-1a"
    assert base64.b64decode(out["Base64"]) == b"hello"
    assert out["Cidr"] == "10.0.0.0/24,10.0.1.0/24"
    assert out["If"] == "yes-prod"
    assert out["Both"] == "both"
    assert out["Either"] == "neither"
    assert out["Import"] == "shared"
    assert json.loads(out["Json"]) == {"a": [1, 2], "b": "prod"}
    assert out["Length"] == "4"
    assert out["Pseudo"] == f"aws|amazonaws.com|{name}"
    assert "Dev" not in out
    delete(cfn, name)
    delete(cfn, exporter)


# A resource that fails after the queue (which uses most of the intrinsics) was made.
FAILING_AFTER = """  Bad:
    Type: AWS::Lambda::Function
    DependsOn: Queue
    Properties:
      FunctionName: !Sub "${AWS::StackName}-bad"
      Runtime: python0.1
      Handler: index.handler
      Role: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/bench"
      Code: {ZipFile: !Join ["", ["def handler(e, c):", " return 1"]]}
"""


def test_every_intrinsic_and_a_failing_resource_roll_back_cleanly(
    cfn: Any, tenku: TenkuProcess
) -> None:
    exporter, name = unique("exp"), unique("all")
    create(cfn, exporter, EXPORTER)
    body = EVERYTHING.replace("Outputs:", FAILING_AFTER + "Outputs:", 1)
    params = [{"ParameterKey": "Exporter", "ParameterValue": exporter}]
    stack = create(cfn, name, body, Parameters=params)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE", events(cfn, name)
    assert stack["StackStatusReason"].startswith(
        "The following resource(s) failed to create: [Bad]"
    )
    history = events(cfn, name)
    assert ("Queue", "CREATE_COMPLETE", "") in history
    assert ("Queue", "DELETE_COMPLETE", "") in history
    # Nothing half-made is left: the queue is gone, and the import no longer holds the
    # exporter, which deletes.
    queues = tenku.client("sqs").list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    assert queues == []
    refused(
        cfn.list_imports,
        "ValidationError",
        f"Export '{exporter}-shared' is not imported by any stack.",
        ExportName=f"{exporter}-shared",
    )
    assert delete(cfn, name)["StackStatus"] == "DELETE_COMPLETE"
    assert delete(cfn, exporter)["StackStatus"] == "DELETE_COMPLETE"


IMPORTER = """
Parameters:
  Exporter: {Type: String}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      Tags: [{Key: from, Value: !ImportValue {"Fn::Sub": "${Exporter}-shared"}}]
Outputs:
  Seen: {Value: !ImportValue {"Fn::Sub": "${Exporter}-queue-arn"}}
"""


def test_exports_and_imports_between_stacks(cfn: Any) -> None:
    exporter, importer = unique("exp"), unique("imp")
    stack = create(cfn, exporter, EXPORTER)
    params = [{"ParameterKey": "Exporter", "ParameterValue": exporter}]
    imported = create(cfn, importer, IMPORTER, Parameters=params)
    assert imported["StackStatus"] == "CREATE_COMPLETE", events(cfn, importer)
    assert outputs(imported)["Seen"] == outputs(stack)["QueueArn"]
    assert cfn.list_imports(ExportName=f"{exporter}-shared")["Imports"] == [importer]
    refused(
        cfn.list_imports,
        "ValidationError",
        "Export 'nothing' is not imported by any stack.",
        ExportName="nothing",
    )

    # A second stack may not export the same name.
    twin = unique("twin")
    clash = EXPORTER.replace('!Sub "${AWS::StackName}-shared"', f"{exporter}-shared")
    failed = create(cfn, twin, clash)
    assert failed["StackStatus"] == "ROLLBACK_COMPLETE"
    assert failed["StackStatusReason"] == (
        f"Export with name {exporter}-shared is already exported by stack {exporter}"
    )
    delete(cfn, twin)

    # An export in use can be neither changed, removed nor deleted with its stack.
    changed = update(
        cfn, exporter, EXPORTER, Parameters=[{"ParameterKey": "Value", "ParameterValue": "new"}]
    )
    assert changed["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert changed["StackStatusReason"] == (
        f"Cannot update export {exporter}-shared as it is in use by {importer}"
    )
    assert outputs(changed)["Shared"] == "shared"
    removed = update(cfn, exporter, EXPORTER.split("  Shared:")[0] + "  Other: {Value: x}\n")
    assert removed["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert removed["StackStatusReason"] == (
        f"Export {exporter}-shared cannot be deleted as it is in use by {importer}"
    )
    cfn.delete_stack(StackName=exporter)
    kept = wait_stack(cfn, exporter)
    assert kept["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert kept["StackStatusReason"].endswith(f"cannot be deleted as it is in use by {importer}")
    assert f"{exporter}-shared" in {e["Name"] for e in cfn.list_exports()["Exports"]}

    # A missing export fails the importing stack.
    orphan = unique("orphan")
    failed = create(
        cfn, orphan, IMPORTER, Parameters=[{"ParameterKey": "Exporter", "ParameterValue": "nope"}]
    )
    assert failed["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [r for lid, s, r in events(cfn, orphan) if s == "CREATE_FAILED"]
    assert "No export named nope-shared found." in reasons
    delete(cfn, orphan)

    delete(cfn, importer)
    assert delete(cfn, exporter)["StackStatus"] == "DELETE_COMPLETE"


def test_validate_template_and_summary(cfn: Any) -> None:
    body = """
AWSTemplateFormatVersion: "2010-09-09"
Description: checked
Metadata: {Owner: me}
Parameters:
  Name: {Type: String, Description: a name, Default: n}
  Secret: {Type: String, NoEcho: true}
  Size: {Type: Number, AllowedValues: [1, 2]}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
  Queue: {Type: AWS::SQS::Queue}
"""
    checked = cfn.validate_template(TemplateBody=body)
    assert checked["Description"] == "checked"
    assert checked["Capabilities"] == ["CAPABILITY_IAM"]
    assert checked["CapabilitiesReason"] == (
        "The following resource(s) require capabilities: [AWS::IAM::Role]"
    )
    by_key = {p["ParameterKey"]: p for p in checked["Parameters"]}
    assert by_key["Name"] == {
        "ParameterKey": "Name",
        "DefaultValue": "n",
        "NoEcho": False,
        "Description": "a name",
    }
    assert by_key["Secret"]["NoEcho"] is True
    summary = cfn.get_template_summary(TemplateBody=body)
    assert summary["ResourceTypes"] == ["AWS::IAM::Role", "AWS::SQS::Queue"]
    assert summary["Version"] == "2010-09-09"
    assert json.loads(summary["Metadata"]) == {"Owner": "me"}
    size = next(p for p in summary["Parameters"] if p["ParameterKey"] == "Size")
    assert size["ParameterType"] == "Number"
    assert size["ParameterConstraints"] == {"AllowedValues": ["1", "2"]}
    named = body.replace(
        "Properties: {AssumeRolePolicyDocument: {}}",
        "Properties: {RoleName: r, AssumeRolePolicyDocument: {}}",
    )
    assert cfn.validate_template(TemplateBody=named)["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    name = unique()
    params = [
        {"ParameterKey": "Secret", "ParameterValue": "s"},
        {"ParameterKey": "Size", "ParameterValue": "1"},
    ]
    refused(
        cfn.create_stack,
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_IAM]",
        StackName=name,
        TemplateBody=body,
        Parameters=params,
    )
    refused(
        cfn.create_stack,
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_NAMED_IAM]",
        StackName=name,
        TemplateBody=named,
        Parameters=params,
        Capabilities=["CAPABILITY_IAM"],
    )
    stack = create(cfn, name, named, Parameters=params, Capabilities=["CAPABILITY_NAMED_IAM"])
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Secret"] == "****"
    assert stack["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert cfn.get_template_summary(StackName=name)["Parameters"]
    delete(cfn, name)


QUEUE = "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Resources: [1, 2", "Template format error: YAML not well-formed."),
        ('{"Resources": ', "Template format error: JSON not well-formed."),
        ("just text", "Template format error: unsupported structure."),
        ("Description: nothing\n", "At least one Resources member must be defined."),
        (
            "Resources:\n  Q: {Properties: {}}\n",
            "Every Resources object must contain a Type member.",
        ),
        (
            "Resourcez: {}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n",
            "Template format error: Invalid template property or properties [Resourcez]",
        ),
        (
            "Resources:\n  Q: {Type: AWS::Nope::Thing}\n",
            "Template format error: Unrecognized resource types: [AWS::Nope::Thing]",
        ),
        (
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
            "    Properties: {QueueName: !Ref Missing}\n",
            "Unresolved resource dependencies [Missing] in the Resources block",
        ),
        (
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    DependsOn: Ghost\n",
            "Unresolved resource dependencies [Ghost] in the Resources block",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    DependsOn: B\n"
            "  B:\n    Type: AWS::SQS::Queue\n    DependsOn: A\n",
            "Circular dependency between resources: [A, B]",
        ),
        (QUEUE + "Parameters:\n  P: {Type: String}\n", "Parameters: [P] must have values"),
        (
            QUEUE + "Parameters:\n  P: {Type: Strin, Default: x}\n",
            "Unrecognized parameter type: Strin",
        ),
        (
            QUEUE + "Outputs:\n  O: {Description: no value}\n",
            "Every Outputs member must contain a Value object",
        ),
        ("Transform: AWS::Include\n" + QUEUE, "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"),
    ],
)
def test_bad_templates_are_refused_at_once(cfn: Any, body: str, message: str) -> None:
    name = unique()
    error = refused(
        cfn.create_stack, error_code(message), message, StackName=name, TemplateBody=body
    )
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    refused(
        cfn.describe_stacks,
        "ValidationError",
        f"Stack with id {name} does not exist",
        StackName=name,
    )


def error_code(message: str) -> str:
    return "InsufficientCapabilitiesException" if "capabilities" in message else "ValidationError"


def test_bad_requests(cfn: Any) -> None:
    name = unique()
    refused(
        cfn.create_stack,
        "ValidationError",
        "Either Template URL or Template Body must be specified.",
        StackName=name,
    )
    refused(
        cfn.create_stack,
        "ValidationError",
        "You cannot specify both Template URL and Template Body.",
        StackName=name,
        TemplateBody=QUEUE,
        TemplateURL="https://s3.amazonaws.com/b/k",
    )
    refused(
        cfn.create_stack,
        "ValidationError",
        "at 'stackName' failed to satisfy constraint",
        StackName="1-bad_name",
        TemplateBody=QUEUE,
    )
    refused(
        cfn.create_stack,
        "ValidationError",
        "Parameters: [Nope] do not exist in the template",
        StackName=name,
        TemplateBody=QUEUE,
        Parameters=[{"ParameterKey": "Nope", "ParameterValue": "x"}],
    )
    allowed = QUEUE + "Parameters:\n  P: {Type: String, AllowedValues: [a, b]}\n"
    refused(
        cfn.create_stack,
        "ValidationError",
        "Parameter 'P' must be one of AllowedValues",
        StackName=name,
        TemplateBody=allowed,
        Parameters=[{"ParameterKey": "P", "ParameterValue": "c"}],
    )
    for call, params in (
        (cfn.describe_stacks, {"StackName": name}),
        (cfn.update_stack, {"StackName": name, "TemplateBody": QUEUE}),
        (cfn.describe_stack_events, {"StackName": name}),
        (cfn.describe_stack_resources, {"StackName": name}),
        (cfn.list_stack_resources, {"StackName": name}),
        (cfn.get_template, {"StackName": name}),
        (cfn.list_change_sets, {"StackName": name}),
    ):
        refused(call, "ValidationError", f"Stack with id {name} does not exist", **params)
    assert cfn.delete_stack(StackName=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    refused(
        cfn.describe_change_set,
        "ChangeSetNotFound",
        "changeSet/x/1] does not exist",
        ChangeSetName="arn:aws:cloudformation:us-east-1:000000000000:changeSet/x/1",
    )
    stack = create(cfn, name, QUEUE)
    refused(
        cfn.describe_stack_resource,
        "ValidationError",
        f"Resource Nope does not exist for stack {name}",
        StackName=name,
        LogicalResourceId="Nope",
    )
    refused(
        cfn.create_stack,
        "AlreadyExistsException",
        f"Stack [{name}] already exists",
        StackName=name,
        TemplateBody=QUEUE,
    )
    by_id = cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]
    assert by_id["StackName"] == name
    delete(cfn, name)
