"""AWS::S3::Bucket and AWS::S3::BucketPolicy through the S3 API.

CloudFormation's bucket properties have their own shapes; this module translates them to
the S3 API's (`CorsConfiguration.CorsRules[].MaxAge` -> `CORSRules[].MaxAgeSeconds`,
`LifecycleConfiguration.Rules[].ExpirationInDays` -> `Expiration.Days`, notification
`LambdaConfigurations[].Function` + `Event` + `Filter.S3Key.Rules` ->
`LambdaFunctionConfigurations[].LambdaFunctionArn` + `Events` + `Filter.Key.FilterRules`,
`EventBridgeConfiguration.EventBridgeEnabled`, `Tags` -> `Tagging.TagSet`).
`Ref` is the bucket name; `Fn::GetAtt` gives `Arn`, `DomainName`, `RegionalDomainName`,
`DualStackDomainName` and `WebsiteURL` (AWS's host names, as CloudFormation returns them).
Deleting a bucket that still holds objects fails as CloudFormation's does (S3's
`BucketNotEmpty`), unless `DeletionPolicy: Retain` keeps it.
Accepted but not applied (Tenku's S3 has no such settings): `AccessControl`,
`BucketEncryption`, `PublicAccessBlockConfiguration`, `OwnershipControls`,
`WebsiteConfiguration`, `LoggingConfiguration`, `ObjectLock*`, `ReplicationConfiguration`,
`AccelerateConfiguration`, analytics/inventory/metrics/intelligent-tiering configurations.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.base import Handler, Made, ResourceContext, require

# Regions whose website endpoints are `s3-website-<region>` rather than `s3-website.<region>`.
_DASHED_WEBSITE_REGIONS = frozenset(
    {
        "us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1",
        "ap-southeast-2", "ap-northeast-1", "sa-east-1", "us-gov-west-1",
    }
)  # fmt: skip


def bucket_attributes(name: str, region: str) -> dict[str, str]:
    website = "s3-website-" if region in _DASHED_WEBSITE_REGIONS else "s3-website."
    return {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.{website}{region}.amazonaws.com",
    }


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != {} and v != []}


def cors(config: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in config.get("CorsRules") or []:
        rules.append(
            _drop_none(
                {
                    "ID": rule.get("Id"),
                    "AllowedHeaders": rule.get("AllowedHeaders"),
                    "AllowedMethods": rule.get("AllowedMethods"),
                    "AllowedOrigins": rule.get("AllowedOrigins"),
                    "ExposeHeaders": rule.get("ExposedHeaders"),
                    "MaxAgeSeconds": rule.get("MaxAge"),
                }
            )
        )
    return {"CORSRules": rules}


def _lifecycle_filter(rule: dict[str, Any]) -> dict[str, Any]:
    tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters") or []]
    parts = _drop_none(
        {
            "Prefix": rule.get("Prefix"),
            "ObjectSizeGreaterThan": rule.get("ObjectSizeGreaterThan"),
            "ObjectSizeLessThan": rule.get("ObjectSizeLessThan"),
        }
    )
    if tags:
        parts["Tags"] = tags
    if len(parts) > 1 or len(tags) > 1:
        return {"And": parts}
    if tags:
        return {"Tag": tags[0]}
    return parts or {"Prefix": ""}


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    expiration = _drop_none(
        {
            "Days": rule.get("ExpirationInDays"),
            "Date": rule.get("ExpirationDate"),
            "ExpiredObjectDeleteMarker": rule.get("ExpiredObjectDeleteMarker"),
        }
    )
    noncurrent = rule.get("NoncurrentVersionExpiration") or {}
    if rule.get("NoncurrentVersionExpirationInDays") is not None:
        noncurrent = {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"], **noncurrent}
    transitions = list(rule.get("Transitions") or [])
    if rule.get("Transition"):
        transitions.append(rule["Transition"])
    old_transitions = list(rule.get("NoncurrentVersionTransitions") or [])
    if rule.get("NoncurrentVersionTransition"):
        old_transitions.append(rule["NoncurrentVersionTransition"])
    return _drop_none(
        {
            "ID": rule.get("Id"),
            "Status": rule.get("Status"),
            "Filter": _lifecycle_filter(rule),
            "Expiration": expiration,
            "NoncurrentVersionExpiration": _drop_none(
                {
                    "NoncurrentDays": noncurrent.get("NoncurrentDays"),
                    "NewerNoncurrentVersions": noncurrent.get("NewerNoncurrentVersions"),
                }
            ),
            "AbortIncompleteMultipartUpload": rule.get("AbortIncompleteMultipartUpload"),
            "Transitions": [
                _drop_none(
                    {
                        "Days": t.get("TransitionInDays"),
                        "Date": t.get("TransitionDate"),
                        "StorageClass": t.get("StorageClass"),
                    }
                )
                for t in transitions
            ],
            "NoncurrentVersionTransitions": [
                _drop_none(
                    {
                        "NoncurrentDays": t.get("TransitionInDays"),
                        "StorageClass": t.get("StorageClass"),
                        "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions"),
                    }
                )
                for t in old_transitions
            ],
        }
    )


def lifecycle(config: dict[str, Any]) -> dict[str, Any]:
    return {"Rules": [lifecycle_rule(rule) for rule in config.get("Rules") or []]}


def _key_filter(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    rules = ((spec or {}).get("S3Key") or {}).get("Rules") or []
    if not rules:
        return None
    return {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}


_NOTIFICATION_KINDS = (
    # (CloudFormation list, its target member, S3 API list, S3 API target member)
    ("LambdaConfigurations", "Function", "LambdaFunctionConfigurations", "LambdaFunctionArn"),
    ("QueueConfigurations", "Queue", "QueueConfigurations", "QueueArn"),
    ("TopicConfigurations", "Topic", "TopicConfigurations", "TopicArn"),
)


def notifications(config: dict[str, Any] | None) -> dict[str, Any]:
    config = config or {}
    out: dict[str, Any] = {}
    for cfn_list, cfn_target, api_list, api_target in _NOTIFICATION_KINDS:
        entries = []
        for entry in config.get(cfn_list) or []:
            translated = {api_target: entry.get(cfn_target), "Events": [entry.get("Event")]}
            key_filter = _key_filter(entry.get("Filter"))
            if key_filter:
                translated["Filter"] = key_filter
            entries.append(translated)
        if entries:
            out[api_list] = entries
    bridge = config.get("EventBridgeConfiguration") or {}
    if str(bridge.get("EventBridgeEnabled", "true" if bridge else "false")).lower() == "true":
        out["EventBridgeConfiguration"] = {}
    return out


def tag_set(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in props.get("Tags") or []]


class Bucket(Handler):
    type_name = "AWS::S3::Bucket"
    replace_on = ("BucketName", "ObjectLockEnabled")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("BucketName") or ctx.physical_name(63, lower=True)
        if props.get("BucketName") and await self._exists(ctx, name):
            raise ResourceFailure(f"{name} already exists")
        params: dict[str, Any] = {"Bucket": name}
        if ctx.scope.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": ctx.scope.region}
        await ctx.call("s3", "CreateBucket", params)
        await self._configure(ctx, name, {}, props)
        return Made(name, bucket_attributes(name, ctx.scope.region))

    async def _exists(self, ctx: ResourceContext, name: str) -> bool:
        try:
            await ctx.call("s3", "HeadBucket", {"Bucket": name})
        except ResourceFailure:
            return False
        return True

    async def _configure(
        self, ctx: ResourceContext, name: str, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        def changed(key: str) -> bool:
            return old.get(key) != new.get(key)

        if changed("VersioningConfiguration"):
            status = (new.get("VersioningConfiguration") or {}).get("Status") or (
                "Suspended" if old.get("VersioningConfiguration") else None
            )
            if status:
                await ctx.call(
                    "s3",
                    "PutBucketVersioning",
                    {"Bucket": name, "VersioningConfiguration": {"Status": status}},
                )
        if changed("CorsConfiguration"):
            if new.get("CorsConfiguration"):
                await ctx.call(
                    "s3",
                    "PutBucketCors",
                    {"Bucket": name, "CORSConfiguration": cors(new["CorsConfiguration"])},
                )
            else:
                await ctx.call("s3", "DeleteBucketCors", {"Bucket": name})
        if changed("LifecycleConfiguration"):
            if new.get("LifecycleConfiguration"):
                await ctx.call(
                    "s3",
                    "PutBucketLifecycleConfiguration",
                    {
                        "Bucket": name,
                        "LifecycleConfiguration": lifecycle(new["LifecycleConfiguration"]),
                    },
                )
            else:
                await ctx.call("s3", "DeleteBucketLifecycle", {"Bucket": name})
        if changed("NotificationConfiguration"):
            await ctx.call(
                "s3",
                "PutBucketNotificationConfiguration",
                {
                    "Bucket": name,
                    "NotificationConfiguration": notifications(
                        new.get("NotificationConfiguration")
                    ),
                },
            )
        if tag_set(old) != tag_set(new):
            if tag_set(new):
                await ctx.call(
                    "s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tag_set(new)}}
                )
            else:
                await ctx.call("s3", "DeleteBucketTagging", {"Bucket": name})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await self._configure(ctx, current.physical_id, old, new)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("s3", "DeleteBucket", {"Bucket": current.physical_id})


class BucketPolicy(Handler):
    type_name = "AWS::S3::BucketPolicy"
    replace_on = ("Bucket",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        bucket = require(props, "Bucket", self.type_name)
        await self._put(ctx, bucket, require(props, "PolicyDocument", self.type_name))
        return Made(ctx.physical_name(), {})

    async def _put(self, ctx: ResourceContext, bucket: str, document: Any) -> None:
        policy = document if isinstance(document, str) else json.dumps(document)
        await ctx.call("s3", "PutBucketPolicy", {"Bucket": bucket, "Policy": policy})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await self._put(ctx, new["Bucket"], new.get("PolicyDocument") or {})
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("s3", "DeleteBucketPolicy", {"Bucket": props["Bucket"]})
