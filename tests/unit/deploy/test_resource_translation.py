"""CloudFormation property shapes -> API parameters, for the handlers that translate."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources import HANDLERS, apigatewayv2, events, s3, scheduler, sns, ssm
from tenku.deploy.resources.apigateway import import_parameters, integration_params, rest_api_patch
from tenku.deploy.resources.apigateway_extras import method_setting_ops, stage_ops


def test_cors_rules() -> None:
    config = {"CorsRules": [{"Id": "r", "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
                             "ExposedHeaders": ["ETag"], "MaxAge": 60}]}  # fmt: skip
    assert s3.cors(config) == {
        "CORSRules": [{"ID": "r", "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
                       "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 60}]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"Id": "a", "Status": "Enabled", "Prefix": "logs/", "ExpirationInDays": 3},
            {"ID": "a", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
             "Expiration": {"Days": 3}},
        ),
        (
            {"Status": "Enabled", "TagFilters": [{"Key": "k", "Value": "v"}],
             "NoncurrentVersionExpirationInDays": 9,
             "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 30}]},
            {"Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 9},
             "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]},
        ),
        (
            {"Status": "Disabled", "Prefix": "p/", "ObjectSizeGreaterThan": 10,
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 4, "NewerNoncurrentVersions": 2}},
            {"Status": "Disabled", "Filter": {"And": {"Prefix": "p/", "ObjectSizeGreaterThan": 10}},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 4, "NewerNoncurrentVersions": 2}},
        ),
        ({"Status": "Enabled", "ExpiredObjectDeleteMarker": True},
         {"Status": "Enabled", "Filter": {"Prefix": ""},
          "Expiration": {"ExpiredObjectDeleteMarker": True}}),
    ],
)  # fmt: skip
def test_lifecycle_rules(rule: dict[str, Any], expected: dict[str, Any]) -> None:
    assert s3.lifecycle_rule(rule) == expected


def test_notifications() -> None:
    config = {
        "LambdaConfigurations": [
            {"Event": "s3:ObjectCreated:*", "Function": "arn:fn",
             "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".png"}]}}}
        ],
        "TopicConfigurations": [{"Event": "s3:ObjectRemoved:*", "Topic": "arn:topic"}],
        "EventBridgeConfiguration": {"EventBridgeEnabled": True},
    }  # fmt: skip
    assert s3.notifications(config) == {
        "LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": "arn:fn", "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".png"}]}}}
        ],
        "TopicConfigurations": [{"TopicArn": "arn:topic", "Events": ["s3:ObjectRemoved:*"]}],
        "EventBridgeConfiguration": {},
    }  # fmt: skip
    assert s3.notifications({"EventBridgeConfiguration": {"EventBridgeEnabled": "false"}}) == {}
    assert s3.notifications(None) == {}


def test_bucket_attributes_follow_the_region_rules() -> None:
    east = s3.bucket_attributes("b", "us-east-1")
    assert east["WebsiteURL"] == "http://b.s3-website-us-east-1.amazonaws.com"
    assert east["DualStackDomainName"] == "b.s3.dualstack.us-east-1.amazonaws.com"
    assert s3.bucket_attributes("b", "eu-central-1")["WebsiteURL"] == (
        "http://b.s3-website.eu-central-1.amazonaws.com"
    )


def test_sns_attributes_become_text() -> None:
    props = {"FilterPolicy": {"a": ["b"]}, "RawMessageDelivery": True, "Protocol": "sqs"}
    assert sns.subscription_attributes(props) == {
        "FilterPolicy": '{"a": ["b"]}', "RawMessageDelivery": "true"
    }  # fmt: skip
    assert sns.topic_attributes({"DisplayName": "x", "TopicName": "t"}) == {"DisplayName": "x"}


def test_rule_parameters_and_physical_ids() -> None:
    params = events.rule_params(
        "r",
        {
            "EventPattern": {"source": ["a"]},
            "EventBusName": "arn:aws:events:us-east-1:1:event-bus/b",
        },
    )
    assert params == {"Name": "r", "State": "ENABLED", "EventPattern": '{"source": ["a"]}',
                      "EventBusName": "b"}  # fmt: skip
    assert events.rule_params("r", {"EventBusName": "default"}) == {"Name": "r", "State": "ENABLED"}
    assert events.rule_physical_id("default", "r") == "r"
    assert events.rule_physical_id("orders", "r") == "orders|r"


def test_schedule_dates() -> None:
    params = scheduler.schedule_params(
        "s",
        {"ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"},
         "Target": {"Arn": "a", "RoleArn": "r"}, "StartDate": "2030-01-01T00:00:00Z",
         "EndDate": "2030-01-02T00:00:00+01:00"},
    )  # fmt: skip
    assert params["StartDate"] == 1893456000.0
    assert params["EndDate"] == 1893456000.0 + 86400 - 3600
    with pytest.raises(ResourceFailure, match="is not a valid date-time"):
        scheduler.instant("tomorrow", "StartDate")
    with pytest.raises(ResourceFailure, match=r"required key \[Target\] not found"):
        scheduler.schedule_params("s", {"ScheduleExpression": "x", "FlexibleTimeWindow": {}})


def test_rest_api_patches_and_import_parameters() -> None:
    old = {"Name": "a", "Description": "d", "BinaryMediaTypes": ["image/png"],
           "EndpointConfiguration": {"Types": ["EDGE"]}}  # fmt: skip
    new = {"Name": "b", "BinaryMediaTypes": ["image/gif"], "MinimumCompressionSize": 0,
           "EndpointConfiguration": {"Types": ["REGIONAL"]}}  # fmt: skip
    assert rest_api_patch(old, new) == [
        {"op": "replace", "path": "/name", "value": "b"},
        {"op": "replace", "path": "/description", "value": ""},
        {"op": "replace", "path": "/minimumCompressionSize", "value": "0"},
        {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
        {"op": "add", "path": "/binaryMediaTypes/image~1gif"},
        {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"},
    ]
    assert import_parameters({"EndpointConfiguration": {"Types": ["REGIONAL"]},
                              "Parameters": {"ignore": "documentation"}}) == {
        "ignore": "documentation", "endpointConfigurationTypes": "REGIONAL"
    }  # fmt: skip
    assert integration_params(
        {"Type": "AWS_PROXY", "Uri": "u", "IntegrationHttpMethod": "POST",
         "TlsConfig": {"InsecureSkipVerification": True}, "IntegrationResponses": []}
    ) == {"type": "AWS_PROXY", "uri": "u", "integrationHttpMethod": "POST",
          "tlsConfig": {"insecureSkipVerification": True}}  # fmt: skip


def test_stage_patches() -> None:
    assert method_setting_ops(
        [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True},
         {"ResourcePath": "/pets/{id}", "HttpMethod": "GET", "ThrottlingRateLimit": 5}]
    ) == [
        {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
        {"op": "replace", "path": "/~1pets~1{id}/GET/throttling/rateLimit", "value": "5"},
    ]  # fmt: skip
    ops = stage_ops(
        {"DeploymentId": "d1", "Variables": {"a": "1", "b": "2"},
         "AccessLogSetting": {"DestinationArn": "x"}},
        {"DeploymentId": "d2", "Variables": {"a": "1", "c": "3"}, "TracingEnabled": True},
    )  # fmt: skip
    assert ops == [
        {"op": "replace", "path": "/deploymentId", "value": "d2"},
        {"op": "replace", "path": "/tracingEnabled", "value": "true"},
        {"op": "remove", "path": "/variables/b"},
        {"op": "replace", "path": "/variables/c", "value": "3"},
        {"op": "remove", "path": "/accessLogSettings"},
    ]


def test_http_api_integration_response_parameters() -> None:
    params = apigatewayv2.integration_params(
        {"IntegrationUri": "u", "ResponseParameters": {
            "200": {"ResponseParameters": [{"Destination": "append:header.x", "Source": "y"}]}}}
    )  # fmt: skip
    assert params == {"IntegrationUri": "u",
                      "ResponseParameters": {"200": {"append:header.x": "y"}}}  # fmt: skip


def test_ssm_parameter_values() -> None:
    assert ssm.put_params("n", {"Type": "StringList", "Value": ["a", "b"], "Tier": "Standard"}) == {
        "Name": "n", "Type": "StringList", "Value": "a,b", "Tier": "Standard"
    }  # fmt: skip
    with pytest.raises(ResourceFailure, match=r"required key \[Type\]"):
        ssm.put_params("n", {"Value": "v"})


def test_every_handler_is_registered_once_under_its_type() -> None:
    for name, handler in HANDLERS.items():
        assert handler.type_name == name
    for expected in ("AWS::S3::Bucket", "AWS::SNS::Subscription", "AWS::Events::Rule",
                     "AWS::Scheduler::Schedule", "AWS::ApiGateway::UsagePlanKey",
                     "AWS::ApiGatewayV2::Authorizer", "AWS::Cognito::UserPoolDomain",
                     "AWS::SSM::Parameter", "AWS::CloudWatch::Alarm",
                     "AWS::ApplicationAutoScaling::ScalingPolicy"):  # fmt: skip
        assert expected in HANDLERS
