"""Which AWS service a request is for, and the region and key it was signed with.

Owns: the static tables from `X-Amz-Target` prefixes and SigV4 signing names to
botocore service folder names, and the credential-scope parsing behind them.
Must not: parse request bodies beyond sniffing `Action`, load service models, or know
what any service does with the request.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote

from tenku.protocol.http import Request
from tenku.protocol.models import available_services
from tenku.protocol.s3wire import host_bucket

# targetPrefix (metadata of each json model) -> botocore service folder. Checked against
# the models by tests/unit/protocol/test_routing.py so a botocore bump cannot drift.
TARGET_PREFIXES: dict[str, str] = {
    "AmazonSQS": "sqs",
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
    "Logs_20140328": "logs",
    "AWSEvents": "events",
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSCognitoIdentityService": "cognito-identity",
    "AmazonSSM": "ssm",
    "secretsmanager": "secretsmanager",
    "AWSStepFunctions": "stepfunctions",
    "Kinesis_20131202": "kinesis",
    "Firehose_20150804": "firehose",
    "GraniteServiceVersion20100801": "cloudwatch",
    "TrentService": "kms",
    "CertificateManager": "acm",
    "AnyScaleFrontendService": "application-autoscaling",
    "ResourceGroupsTaggingAPI_20170126": "resourcegroupstaggingapi",
    "AmazonEC2ContainerRegistry_V20150921": "ecr",
}

# SigV4 signing name -> service folder, where they differ or are worth pinning.
SIGNING_NAMES: dict[str, str] = {
    "sqs": "sqs",
    "lambda": "lambda",
    "s3": "s3",
    "sns": "sns",
    "events": "events",
    "scheduler": "scheduler",
    "logs": "logs",
    "monitoring": "cloudwatch",
    "cloudformation": "cloudformation",
    "cognito-idp": "cognito-idp",
    "cognito-identity": "cognito-identity",
    "ssm": "ssm",
    "iam": "iam",
    "sts": "sts",
    "xray": "xray",
    "dynamodb": "dynamodb",
    "states": "stepfunctions",
    "kinesis": "kinesis",
    "firehose": "firehose",
    "kms": "kms",
    "secretsmanager": "secretsmanager",
    "tagging": "resourcegroupstaggingapi",
    "apigateway": "apigateway",  # apigatewayv2 when the path starts with /v2/
}

# STS operations that are called without a signature, so only `Action` can name them.
_UNSIGNED_STS_ACTIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})

# SQS actions no other query-protocol service has, so that an unsigned legacy request
# posted to the endpoint root (`Action=ListQueues`) can still be routed. SNS shares
# AddPermission/RemovePermission, which therefore need a signature or a queue path.
_SQS_ONLY_ACTIONS = frozenset({
    "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
    "CreateQueue", "DeleteMessage", "DeleteMessageBatch", "DeleteQueue",
    "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues",
    "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue", "ReceiveMessage",
    "SendMessage", "SendMessageBatch", "SetQueueAttributes", "StartMessageMoveTask",
    "TagQueue", "UntagQueue",
})  # fmt: skip

# SNS actions reached without a signature: the SubscribeURL and UnsubscribeURL that SNS
# hands to endpoints are plain GETs (`/?Action=ConfirmSubscription&TopicArn=...&Token=...`).
_SNS_UNSIGNED_ACTIONS = frozenset({"ConfirmSubscription", "Unsubscribe"})

_CREDENTIAL_RE = re.compile(r"Credential=([^,\s]+)")
_SQS_PATH_RE = re.compile(r"^/\d{12}/[^/]+/?$")
_ACTION_RE = re.compile(r"(?:^|&)Action=([^&]*)")


def credential_scope(request: Request) -> tuple[str, str, str, str] | None:
    """(access key, date, region, service) of a SigV4 request, header or presigned."""
    auth = request.headers.get("authorization", "")
    if auth.startswith("AWS4-"):
        # The part before the first comma is the same for every request of a client on
        # one day (the signature follows it), so its parse is remembered.
        found = _header_scope(auth.split(",", 1)[0])
        return found if found is not None else _header_scope(auth)
    credential: str | None = None
    if "X-Amz-Credential=" in request.query:
        for pair in request.query.split("&"):
            if pair.startswith("X-Amz-Credential="):
                credential = unquote(pair[len("X-Amz-Credential=") :])
                break
    if not credential:
        return None
    parts = credential.split("/")
    if len(parts) < 5:
        return None
    # The access key itself never contains '/', but be lenient about extra parts.
    return parts[0], parts[-4], parts[-3], parts[-2]


@functools.lru_cache(maxsize=512)
def _header_scope(auth_head: str) -> tuple[str, str, str, str] | None:
    match = _CREDENTIAL_RE.search(auth_head)
    if not match:
        return None
    parts = match.group(1).split("/")
    if len(parts) < 5:
        return None
    return parts[0], parts[-4], parts[-3], parts[-2]


def region_of(request: Request) -> str | None:
    """The region of the request's SigV4 credential scope, if signed."""
    scope = credential_scope(request)
    return scope[2] if scope else None


def access_key_of(request: Request) -> str | None:
    """The access key id of the request's SigV4 credential scope, if signed."""
    scope = credential_scope(request)
    return scope[0] if scope else None


def _action_of(request: Request) -> str | None:
    match = _ACTION_RE.search(request.query)
    if match:
        return unquote(match.group(1))
    content_type = request.headers.get("content-type", "")
    if request.body and "x-www-form-urlencoded" in content_type:
        try:
            text = request.body.decode("utf-8", "replace")
        except Exception:  # pragma: no cover - decode with "replace" cannot fail
            return None
        match = _ACTION_RE.search(text)
        if match:
            return unquote(match.group(1).replace("+", " "))
    return None


def service_for(request: Request) -> str | None:
    """The botocore service folder name the request is addressed to, or None."""
    target = request.headers.get("x-amz-target")
    if target:
        service = TARGET_PREFIXES.get(target.split(".", 1)[0])
        if service:
            return service
    scope = credential_scope(request)
    if scope is not None:
        signing_name = scope[3]
        if signing_name == "apigateway":
            return "apigatewayv2" if request.path.startswith("/v2/") else "apigateway"
        service = SIGNING_NAMES.get(signing_name)
        if service:
            return service
        if signing_name in available_services():
            return signing_name
    if "AWSAccessKeyId=" in request.query and "Signature=" in request.query:
        return "s3"  # SigV2 presigned URLs are only still honoured by S3
    action = _action_of(request)
    if action:
        if _SQS_PATH_RE.match(request.path) or action in _SQS_ONLY_ACTIONS:
            return "sqs"
        if action in _UNSIGNED_STS_ACTIONS:
            return "sts"
        if action in _SNS_UNSIGNED_ACTIONS:
            return "sns"
        return None
    if target is None and _looks_like_s3(request):
        return "s3"
    return None


# Unsigned (anonymous) requests with neither Action nor target: curl or a browser
# fetching an object. Only S3 is addressed by plain paths, so they go to S3 when the
# path names a bucket and a key (or the Host names the bucket), or a bucket with a
# method or sub-resource only S3 uses there. `GET /favicon.ico` stays unrouted.
_S3_PATH_RE = re.compile(r"^/[a-z0-9][a-z0-9.\-_]{1,254}(/.*)?$")
_S3_BUCKET_ONLY_METHODS = frozenset({"PUT", "DELETE", "HEAD"})


def _looks_like_s3(request: Request) -> bool:
    if ".s3" in request.host and host_bucket(request.host) is not None:
        return True
    match = _S3_PATH_RE.match(request.path)
    if match is None or _SQS_PATH_RE.match(request.path):
        return False
    if match.group(1) and len(match.group(1)) > 1:
        return True  # /bucket/key
    if request.method in _S3_BUCKET_ONLY_METHODS:
        return True
    names = {pair.split("=", 1)[0] for pair in request.query.split("&")}
    return not names.isdisjoint(_S3_SUBRESOURCES)


# Query names that only S3 uses on a bucket (`?uploads`, `?versioning`, `?list-type=2`...).
_S3_SUBRESOURCES = frozenset({
    "list-type", "delete", "uploads", "versions", "versioning", "location", "tagging",
    "cors", "policy", "lifecycle", "notification", "acl", "website", "encryption",
})  # fmt: skip
