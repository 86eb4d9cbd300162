"""Every resource type Tenku deploys, by CloudFormation type name.

Each module holds the handlers of one service's types and acts only through the public
API. A type not listed here fails the deployment with a message naming it, unless the
stack is deployed with unknown types skipped.
"""

from __future__ import annotations

from tenku.deploy.resources import (
    apigateway,
    apigateway_extras,
    apigateway_keys,
    apigatewayv2,
    cdk_metadata,
    cognito,
    dynamodb,
    events,
    lambda_extras,
    lambda_function,
    logs_iam,
    misc,
    recorded,
    s3,
    scheduler,
    sns,
    sqs,
    ssm,
)
from tenku.deploy.resources.base import Handler

HANDLERS: dict[str, Handler] = {
    handler.type_name: handler
    for handler in (
        sqs.Queue(),
        sqs.QueuePolicy(),
        dynamodb.Table(),
        lambda_function.Function(),
        lambda_extras.Permission(),
        lambda_extras.EventSourceMapping(),
        lambda_extras.Version(),
        lambda_extras.Alias(),
        lambda_extras.LayerVersion(),
        lambda_extras.Url(),
        lambda_extras.EventInvokeConfig(),
        logs_iam.LogGroup(),
        logs_iam.Role(),
        logs_iam.Policy(),
        logs_iam.ManagedPolicy(),
        logs_iam.InstanceProfile(),
        recorded.EcrRepository(),
        recorded.KmsKey(),
        recorded.KmsAlias(),
        s3.Bucket(),
        s3.BucketPolicy(),
        sns.Topic(),
        sns.Subscription(),
        sns.TopicPolicy(),
        events.EventBus(),
        events.Rule(),
        events.Archive(),
        events.Connection(),
        events.ApiDestination(),
        scheduler.Schedule(),
        scheduler.ScheduleGroup(),
        apigateway.RestApi(),
        apigateway.Resource(),
        apigateway.Method(),
        apigateway_extras.Deployment(),
        apigateway_extras.Stage(),
        apigateway_extras.Authorizer(),
        apigateway_keys.ApiKey(),
        apigateway_keys.UsagePlan(),
        apigateway_keys.UsagePlanKey(),
        apigateway_extras.Account(),
        apigatewayv2.Api(),
        apigatewayv2.Route(),
        apigatewayv2.Integration(),
        apigatewayv2.Authorizer(),
        apigatewayv2.Stage(),
        apigatewayv2.Deployment(),
        cognito.UserPool(),
        cognito.UserPoolClient(),
        cognito.UserPoolGroup(),
        cognito.UserPoolUser(),
        cognito.UserPoolUserToGroupAttachment(),
        cognito.UserPoolDomain(),
        ssm.Parameter(),
        misc.Alarm(),
        misc.ScalableTarget(),
        misc.ScalingPolicy(),
        cdk_metadata.CdkMetadata(),
    )
}
