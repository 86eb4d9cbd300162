"""S3 buckets through boto3: naming, location rules, listing, deletion, versioning and
the stored configurations (CORS, policy, tagging, lifecycle)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.s3_helpers import bucket_name, error_of


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


def test_create_head_list_delete(s3: Any) -> None:
    name = bucket_name()
    assert s3.create_bucket(Bucket=name)["Location"] == f"/{name}"
    head = s3.head_bucket(Bucket=name)
    assert head["BucketRegion"] == "us-east-1"
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert name in names
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    s3.delete_bucket(Bucket=name)
    assert error_of(s3.head_bucket, Bucket=name)["Status"] == 404
    error = error_of(s3.delete_bucket, Bucket=name)
    assert (error["Code"], error["Status"]) == ("NoSuchBucket", 404)
    assert error["BucketName"] == name


@pytest.mark.parametrize(
    "bad", ["ab", "x" * 64, "Upper-case", "a..b", "192.168.5.4", "-leading", "trailing-", "xn--abc"]
)
def test_invalid_bucket_names(s3: Any, bad: str) -> None:
    error = error_of(s3.create_bucket, Bucket=bad)
    assert (error["Code"], error["Status"]) == ("InvalidBucketName", 400)
    assert error["Message"] == "The specified bucket is not valid."


def test_location_constraint_rules(tenku: TenkuProcess) -> None:
    east = tenku.client("s3")
    west = tenku.client("s3", region="us-west-2")
    error = error_of(
        east.create_bucket,
        Bucket=bucket_name(),
        CreateBucketConfiguration={"LocationConstraint": "us-east-1"},
    )
    assert error["Code"] == "InvalidLocationConstraint"
    error = error_of(
        east.create_bucket,
        Bucket=bucket_name(),
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    assert error["Code"] == "IllegalLocationConstraintException"
    error = error_of(west.create_bucket, Bucket=bucket_name())
    assert error["Code"] == "IllegalLocationConstraintException"
    assert "unspecified location constraint" in error["Message"]
    error = error_of(
        west.create_bucket,
        Bucket=bucket_name(),
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    assert error["Code"] == "IllegalLocationConstraintException"
    assert "The eu-west-1 location constraint" in error["Message"]
    name = bucket_name()
    west.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert west.get_bucket_location(Bucket=name)["LocationConstraint"] == "us-west-2"
    assert east.head_bucket(Bucket=name)["BucketRegion"] == "us-west-2"
    error = error_of(
        west.create_bucket,
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": "us-west-2"},
    )
    assert (error["Code"], error["Status"]) == ("BucketAlreadyOwnedByYou", 409)
    listed = {b["Name"]: b for b in east.list_buckets()["Buckets"]}
    assert listed[name]["BucketRegion"] == "us-west-2"


def test_recreating_a_us_east_1_bucket_answers_200(s3: Any) -> None:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)  # S3's legacy behaviour in us-east-1


def test_bucket_not_empty(s3: Any) -> None:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    error = error_of(s3.delete_bucket, Bucket=name)
    assert (error["Code"], error["Status"]) == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)


def test_versioning_configuration(s3: Any) -> None:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    got = s3.get_bucket_versioning(Bucket=name)
    assert "Status" not in got
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"
    error = error_of(
        s3.put_bucket_versioning, Bucket=name, VersioningConfiguration={"Status": "Off"}
    )
    assert error["Code"] == "MalformedXML"


def test_cors_policy_and_tagging(s3: Any) -> None:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    assert error_of(s3.get_bucket_cors, Bucket=name)["Code"] == "NoSuchCORSConfiguration"
    rules = [
        {
            "AllowedMethods": ["GET", "PUT"],
            "AllowedOrigins": ["https://example.com"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 300,
        }
    ]
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=name)["CORSRules"] == rules
    error = error_of(
        s3.put_bucket_cors,
        Bucket=name,
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}]},
    )
    assert error["Code"] == "InvalidRequest"
    s3.delete_bucket_cors(Bucket=name)
    assert error_of(s3.get_bucket_cors, Bucket=name)["Status"] == 404

    assert error_of(s3.get_bucket_policy, Bucket=name)["Code"] == "NoSuchBucketPolicy"
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{name}/*",
                }
            ],
        }
    )
    s3.put_bucket_policy(Bucket=name, Policy=policy)
    assert json.loads(s3.get_bucket_policy(Bucket=name)["Policy"]) == json.loads(policy)
    assert error_of(s3.put_bucket_policy, Bucket=name, Policy="nope")["Code"] == "MalformedPolicy"
    s3.delete_bucket_policy(Bucket=name)
    assert error_of(s3.get_bucket_policy, Bucket=name)["Status"] == 404

    assert error_of(s3.get_bucket_tagging, Bucket=name)["Code"] == "NoSuchTagSet"
    tags = [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}]
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == tags
    error = error_of(
        s3.put_bucket_tagging,
        Bucket=name,
        Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
    )
    assert error["Code"] == "InvalidTag"
    s3.delete_bucket_tagging(Bucket=name)
    assert error_of(s3.get_bucket_tagging, Bucket=name)["Status"] == 404


def test_configurations_of_a_missing_bucket(s3: Any) -> None:
    name = bucket_name()
    for call in (s3.get_bucket_cors, s3.get_bucket_versioning, s3.get_bucket_location):
        assert error_of(call, Bucket=name)["Code"] == "NoSuchBucket"


def test_lifecycle_configuration_validation(s3: Any) -> None:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    error = error_of(s3.get_bucket_lifecycle_configuration, Bucket=name)
    assert error["Code"] == "NoSuchLifecycleConfiguration"
    bad_days = {
        "Rules": [{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]
    }
    error = error_of(
        s3.put_bucket_lifecycle_configuration, Bucket=name, LifecycleConfiguration=bad_days
    )
    assert error["Code"] == "InvalidArgument"
    not_midnight = datetime(2030, 1, 1, 12, tzinfo=UTC)
    error = error_of(
        s3.put_bucket_lifecycle_configuration,
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [{"Status": "Enabled", "Filter": {}, "Expiration": {"Date": not_midnight}}]
        },
    )
    assert error["Message"] == "'Date' must be at midnight GMT"
    error = error_of(
        s3.put_bucket_lifecycle_configuration,
        Bucket=name,
        LifecycleConfiguration={"Rules": [{"ID": "x", "Status": "Enabled", "Filter": {}}]},
    )
    assert error["Code"] == "InvalidRequest"
    rules = [
        {
            "ID": "logs",
            "Status": "Enabled",
            "Filter": {"Prefix": "logs/"},
            "Expiration": {"Days": 1},
        }
    ]
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"] == rules
    s3.delete_bucket_lifecycle(Bucket=name)
    assert error_of(s3.get_bucket_lifecycle_configuration, Bucket=name)["Status"] == 404


def test_lifecycle_expiration_is_applied_by_the_clock(fresh_tenku: TenkuProcess) -> None:
    s3 = fresh_tenku.client("s3")
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    rules = [
        {
            "ID": "logs",
            "Status": "Enabled",
            "Filter": {"Prefix": "logs/"},
            "Expiration": {"Days": 2},
        },
        {
            "ID": "temp",
            "Status": "Enabled",
            "Filter": {"Tag": {"Key": "temp", "Value": "yes"}},
            "Expiration": {"Days": 1},
        },
        {"ID": "off", "Status": "Disabled", "Filter": {}, "Expiration": {"Days": 1}},
    ]
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    s3.put_object(Bucket=name, Key="logs/a", Body=b"1")
    s3.put_object(Bucket=name, Key="scratch", Body=b"2", Tagging="temp=yes")
    s3.put_object(Bucket=name, Key="keep", Body=b"3")
    head = s3.head_object(Bucket=name, Key="logs/a")
    assert 'rule-id="logs"' in head["Expiration"]

    def keys() -> list[str]:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]

    # Days count from creation and round up to the next midnight UTC: after two days the
    # one-day rule has applied, the two-day rule not yet (its midnight is still ahead).
    fresh_tenku.advance_clock(86400 * 2)
    assert keys() == ["keep", "logs/a"]
    fresh_tenku.advance_clock(86400)
    assert keys() == ["keep"]
