"""Every resource type Tenku deploys, by CloudFormation type name.

Each module holds the handlers of one service's types and acts only through the public
API. A type not listed here fails the deployment with a message naming it, unless the
stack is deployed with unknown types skipped.
"""

from __future__ import annotations

from tenku.deploy.resources import (
    dynamodb,
    lambda_extras,
    lambda_function,
    logs_iam,
    recorded,
    sqs,
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
    )
}
