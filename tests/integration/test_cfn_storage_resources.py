"""Black-box: S3 buckets, bucket policies and SSM parameters deployed by the stack engine
against a real server (create, update in place, replacement, delete)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tenku.deploy.engine import DeployFailed
from tests.integration.cfn_support import Stack
from tests.integration.conftest import TenkuProcess

BUCKET = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: QueuePolicy
    Properties:
      VersioningConfiguration: {Status: Enabled}
      CorsConfiguration:
        CorsRules:
          - AllowedMethods: [GET, PUT]
            AllowedOrigins: ["https://example.com"]
            AllowedHeaders: ["*"]
            ExposedHeaders: [ETag]
            MaxAge: 600
            Id: web
      LifecycleConfiguration:
        Rules:
          - Id: expire-tmp
            Status: Enabled
            Prefix: tmp/
            ExpirationInDays: 3
            NoncurrentVersionExpirationInDays: 7
            AbortIncompleteMultipartUpload: {DaysAfterInitiation: 1}
      NotificationConfiguration:
        QueueConfigurations:
          - Event: "s3:ObjectCreated:*"
            Queue: !GetAtt Queue.Arn
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: uploads/}
                  - {Name: suffix, Value: .jpg}
      Tags:
        - {Key: team, Value: media}
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Bucket.Arn}/*"
Outputs: {}
"""


def test_bucket_with_every_translated_configuration(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "media-stack")
    stack.deploy(BUCKET)
    s3 = tenku.client("s3")
    name = stack.ref("Bucket")
    assert name.startswith("media-stack-bucket-") and len(name) <= 63 and name == name.lower()
    assert stack.attribute("Bucket", "Arn") == f"arn:aws:s3:::{name}"
    assert stack.attribute("Bucket", "RegionalDomainName") == f"{name}.s3.us-east-1.amazonaws.com"
    assert stack.attribute("Bucket", "DomainName") == f"{name}.s3.amazonaws.com"
    assert stack.attribute("Bucket", "WebsiteURL") == (
        f"http://{name}.s3-website-us-east-1.amazonaws.com"
    )
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    rule = s3.get_bucket_cors(Bucket=name)["CORSRules"][0]
    assert rule["MaxAgeSeconds"] == 600 and rule["ExposeHeaders"] == ["ETag"]
    assert rule["ID"] == "web"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"][0]
    assert lifecycle["Expiration"] == {"Days": 3}
    assert lifecycle["Filter"] == {"Prefix": "tmp/"}
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    notification = s3.get_bucket_notification_configuration(Bucket=name)
    queue_config = notification["QueueConfigurations"][0]
    assert queue_config["QueueArn"] == stack.attribute("Queue", "Arn")
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    rules = {r["Name"].lower(): r["Value"] for r in queue_config["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "uploads/", "suffix": ".jpg"}
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "team", "Value": "media"}]
    policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{name}/*"

    # The notification reaches the queue for a matching key only.
    s3.put_object(Bucket=name, Key="uploads/cat.jpg", Body=b"meow")
    s3.put_object(Bucket=name, Key="uploads/cat.png", Body=b"meow")
    sqs = tenku.client("sqs")
    keys: list[str] = []
    for _ in range(4):  # the first message is S3's test event
        received = sqs.receive_message(
            QueueUrl=stack.ref("Queue"), WaitTimeSeconds=2, MaxNumberOfMessages=10
        )
        bodies = [json.loads(m["Body"]) for m in received.get("Messages", [])]
        keys += [r["s3"]["object"]["key"] for b in bodies for r in b.get("Records", [])]
    assert keys == ["uploads/cat.jpg"]

    # Update in place: drop CORS and tags, suspend versioning, change the lifecycle.
    changed = BUCKET.replace("VersioningConfiguration: {Status: Enabled}", "Tags: []")
    changed = changed.replace("ExpirationInDays: 3", "ExpirationInDays: 30")
    start = changed.index("      CorsConfiguration:")
    changed = changed[:start] + changed[changed.index("      LifecycleConfiguration:") :]
    changed = (
        changed[: changed.index("      Tags:\n        - {Key: team")]
        + changed[changed.index("  Policy:") :]
    )
    stack.deploy(changed)
    assert stack.ref("Bucket") == name
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_cors(Bucket=name)
    assert missing.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    with pytest.raises(ClientError):
        s3.get_bucket_tagging(Bucket=name)
    days = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"][0]["Expiration"]["Days"]
    assert days == 30

    # Delete: a bucket holding objects refuses, as CloudFormation's does.
    failed = stack.destroy()
    assert failed == ["Bucket"]
    reason = next(e[4] for e in stack.events if e[0] == "Bucket" and e[3] == "DELETE_FAILED")
    assert "The bucket you tried to delete is not empty" in reason
    assert "BucketNotEmpty" in reason
    assert s3.head_bucket(Bucket=name)
    with pytest.raises(ClientError):  # the policy went with its resource
        s3.get_bucket_policy(Bucket=name)


def test_retained_bucket_named_bucket_replacement_and_conflicts(tenku: TenkuProcess) -> None:
    template = {
        "Resources": {
            "Kept": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "Properties": {"BucketName": "cfn-kept-bucket"},
            },
            "Named": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "cfn-first-name"}},
        }
    }
    stack = Stack(tenku.endpoint, "named-buckets")
    stack.deploy(template)
    s3 = tenku.client("s3")
    s3.put_object(Bucket="cfn-kept-bucket", Key="k", Body=b"v")
    template["Resources"]["Named"]["Properties"]["BucketName"] = "cfn-second-name"
    stack.deploy(template)  # a new name replaces the bucket
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "cfn-second-name" in names and "cfn-first-name" not in names
    assert stack.statuses("Named")[-4:] == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_COMPLETE",
        "DELETE_IN_PROGRESS",
        "DELETE_COMPLETE",
    ]
    assert stack.ref("Named") == "cfn-second-name"

    other = Stack(tenku.endpoint, "other-stack")
    with pytest.raises(DeployFailed) as taken:
        other.deploy(
            {
                "Resources": {
                    "B": {
                        "Type": "AWS::S3::Bucket",
                        "Properties": {"BucketName": "cfn-second-name"},
                    }
                }
            }
        )
    assert taken.value.reason == "cfn-second-name already exists"

    assert stack.destroy() == []
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "cfn-kept-bucket" in names and "cfn-second-name" not in names


PARAMETERS = """
Resources:
  Plain:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /shop/db/host
      Type: String
      Value: db.local
      Description: database host
      Tags: {team: shop}
  Listed:
    Type: AWS::SSM::Parameter
    Properties:
      Type: StringList
      Value: a,b,c
Outputs: {}
"""


def test_ssm_parameters_create_update_replace_delete(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "params")
    stack.deploy(PARAMETERS)
    ssm = tenku.client("ssm")
    assert stack.ref("Plain") == "/shop/db/host"
    assert stack.attribute("Plain", "Value") == "db.local"
    assert stack.attribute("Listed", "Type") == "StringList"
    got = ssm.get_parameter(Name="/shop/db/host")["Parameter"]
    assert (got["Value"], got["Version"]) == ("db.local", 1)
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/shop/db/host")
    assert tags["TagList"] == [{"Key": "team", "Value": "shop"}]
    generated = stack.ref("Listed")
    assert ssm.get_parameter(Name=generated)["Parameter"]["Value"] == "a,b,c"

    updated = PARAMETERS.replace("Value: db.local", "Value: db2.local").replace(
        "Tags: {team: shop}", "Tags: {team: core}"
    )
    stack.deploy(updated)
    got = ssm.get_parameter(Name="/shop/db/host")["Parameter"]
    assert (got["Value"], got["Version"]) == ("db2.local", 2)
    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Values": ["/shop/db/host"]}]
    )["Parameters"][0]
    assert described["Description"] == "database host"
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/shop/db/host")
    assert tags["TagList"] == [{"Key": "team", "Value": "core"}]

    stack.deploy(updated.replace("Name: /shop/db/host", "Name: /shop/db/primary"))
    with pytest.raises(ClientError) as gone:
        ssm.get_parameter(Name="/shop/db/host")
    assert gone.value.response["Error"]["Code"] == "ParameterNotFound"
    assert ssm.get_parameter(Name="/shop/db/primary")["Parameter"]["Version"] == 1

    clash = Stack(tenku.endpoint, "params-clash")
    with pytest.raises(DeployFailed) as exists:
        clash.deploy(PARAMETERS.replace("/shop/db/host", "/shop/db/primary"))
    assert "ParameterAlreadyExists" in exists.value.reason
    assert stack.destroy() == []
    assert ssm.describe_parameters()["Parameters"] == [] or all(
        not p["Name"].startswith("/shop/") for p in ssm.describe_parameters()["Parameters"]
    )
