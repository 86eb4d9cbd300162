"""Bucket operations: create/head/list/delete, location, versioning, and the stored
configurations (CORS, policy, tagging, lifecycle, notifications).

Must not: touch objects beyond asking whether a bucket holds any.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.scope import Arn
from tenku.services.s3 import lifecycle, notifications
from tenku.services.s3.base import S3Base
from tenku.services.s3.errors import invalid_argument, invalid_request, malformed_xml, s3_error
from tenku.services.s3.keys import check_bucket_name
from tenku.services.s3.store import Bucket

US_EAST_1 = "us-east-1"
OWNER = {
    "DisplayName": "tenku",
    "ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a",
}
CORS_METHODS = frozenset({"GET", "PUT", "HEAD", "POST", "DELETE"})


def _region_of_constraint(constraint: str) -> str:
    return "eu-west-1" if constraint == "EU" else constraint


def check_location(client_region: str, constraint: str | None) -> str:
    """The region a new bucket goes to; S3's errors for a constraint that does not fit."""
    if client_region == US_EAST_1:
        if not constraint:
            return US_EAST_1
        if constraint == US_EAST_1:
            raise s3_error(
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
                LocationConstraint=constraint,
            )
    elif constraint and _region_of_constraint(constraint) == client_region:
        return client_region
    shown = constraint or "unspecified"
    raise s3_error(
        "IllegalLocationConstraintException",
        f"The {shown} location constraint is incompatible for the region specific endpoint "
        "this request was sent to.",
    )


def check_tags(tag_set: list[dict[str, Any]]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in tag_set:
        key, value = str(tag.get("Key") or ""), str(tag.get("Value") or "")
        if key in tags:
            raise s3_error(
                "InvalidTag", "Cannot provide multiple Tags with the same key", TagKey=key
            )
        if not 1 <= len(key) <= 128:
            raise s3_error("InvalidTag", "The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise s3_error("InvalidTag", "The TagValue you have provided is invalid", TagKey=key)
        tags[key] = value
    return tags


def tag_set(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class BucketsMixin(S3Base):
    def create_bucket(
        self,
        ctx: RequestContext,
        bucket: str,
        create_bucket_configuration: dict[str, Any] | None = None,
        object_lock_enabled_for_bucket: bool | None = None,
    ) -> dict[str, Any]:
        check_bucket_name(bucket)
        config = create_bucket_configuration or {}
        region = check_location(ctx.scope.region, config.get("LocationConstraint"))
        existing = self.store.bucket(bucket)
        if existing is not None:
            if existing.account != ctx.scope.account:
                raise s3_error(
                    "BucketAlreadyExists",
                    "The requested bucket name is not available. The bucket namespace is "
                    "shared by all users of the system. Please select a different name and "
                    "try again.",
                    409,
                    BucketName=bucket,
                )
            if not (region == US_EAST_1 and existing.region == US_EAST_1):
                raise s3_error(
                    "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you "
                    "already own it.",
                    409,
                    BucketName=bucket,
                )
            return {"Location": f"/{bucket}"}  # us-east-1's legacy answer: 200 again
        versioning = "Enabled" if object_lock_enabled_for_bucket else ""
        tags = check_tags(config.get("Tags") or [])
        with self.store.transaction():
            self.store.create_bucket(
                Bucket(bucket, ctx.scope.account, region, self.clock.now(), versioning)
            )
            if tags:
                self.store.set_config(bucket, "tagging", tags)
        if region == US_EAST_1:
            location = f"/{bucket}"
        else:
            location = f"http://{bucket}.s3.{region}.localhost{_port(ctx.host)}/"
        return {"Location": location, "BucketArn": f"arn:aws:s3:::{bucket}"}

    def head_bucket(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        found = self.bucket_for(ctx, bucket)
        return {"BucketRegion": found.region, "BucketArn": f"arn:aws:s3:::{bucket}"}

    def list_buckets(
        self,
        ctx: RequestContext,
        max_buckets: int | None = None,
        continuation_token: str | None = None,
        prefix: str | None = None,
        bucket_region: str | None = None,
    ) -> dict[str, Any]:
        found = [
            b
            for b in self.store.buckets(ctx.scope.account)
            if b.name.startswith(prefix or "")
            and (not bucket_region or b.region == bucket_region)
            and (not continuation_token or b.name > continuation_token)
        ]
        result: dict[str, Any] = {"Owner": OWNER}
        if max_buckets is not None and len(found) > max_buckets:
            found = found[:max_buckets]
            result["ContinuationToken"] = found[-1].name
        result["Buckets"] = [
            {
                "Name": b.name,
                "CreationDate": b.created,
                "BucketRegion": b.region,
                "BucketArn": f"arn:aws:s3:::{b.name}",
            }
            for b in found
        ]
        if prefix:
            result["Prefix"] = prefix
        return result

    def delete_bucket(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        if next(iter(self.store.bucket_versions(bucket)), None) is not None:
            raise s3_error(
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
                409,
                BucketName=bucket,
            )
        with self.store.transaction():
            for upload in self.store.uploads(bucket):
                self.store.end_upload(upload.upload_id)
            self.store.delete_bucket(bucket)
        return {}

    def get_bucket_location(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        found = self.bucket_for(ctx, bucket)
        return {"LocationConstraint": None if found.region == US_EAST_1 else found.region}

    # -- versioning --------------------------------------------------------------------
    def put_bucket_versioning(
        self, ctx: RequestContext, bucket: str, versioning_configuration: dict[str, Any]
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        status = versioning_configuration.get("Status")
        if status not in ("Enabled", "Suspended"):
            raise malformed_xml()
        self.store.set_versioning(bucket, status)
        return {}

    def get_bucket_versioning(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        found = self.bucket_for(ctx, bucket)
        return {"Status": found.versioning} if found.versioning else {}

    # -- stored configurations ------------------------------------------------------------
    def _get_config(
        self, ctx: RequestContext, bucket: str, kind: str, code: str, message: str
    ) -> Any:
        self.bucket_for(ctx, bucket)
        doc = self.store.config(bucket, kind)
        if doc is None:
            raise s3_error(code, message, 404, BucketName=bucket)
        return doc

    def _delete_config(self, ctx: RequestContext, bucket: str, kind: str) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        self.store.set_config(bucket, kind, None)
        return {}

    def put_bucket_cors(
        self, ctx: RequestContext, bucket: str, cors_configuration: dict[str, Any]
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        rules = cors_configuration.get("CORSRules") or []
        if not rules or len(rules) > 100:
            raise malformed_xml()
        for rule in rules:
            if not rule.get("AllowedOrigins") or not rule.get("AllowedMethods"):
                raise malformed_xml()
            for method in rule["AllowedMethods"]:
                if method not in CORS_METHODS:
                    raise invalid_request(
                        "Found unsupported HTTP method in CORS config. Unsupported method is "
                        f"{method}"
                    )
        self.store.set_config(bucket, "cors", rules)
        return {}

    def get_bucket_cors(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        rules = self._get_config(
            ctx, bucket, "cors", "NoSuchCORSConfiguration", "The CORS configuration does not exist"
        )
        return {"CORSRules": rules}

    def delete_bucket_cors(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        return self._delete_config(ctx, bucket, "cors")

    def put_bucket_policy(self, ctx: RequestContext, bucket: str, policy: str) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        try:
            parsed = json.loads(policy)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or not policy.lstrip().startswith("{"):
            raise s3_error(
                "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"
            )
        if not parsed.get("Statement"):
            raise s3_error("MalformedPolicy", "Missing required field Statement")
        self.store.set_config(bucket, "policy", policy)
        return {}

    def get_bucket_policy(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        return {
            "Policy": self._get_config(
                ctx, bucket, "policy", "NoSuchBucketPolicy", "The bucket policy does not exist"
            )
        }

    def delete_bucket_policy(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        return self._delete_config(ctx, bucket, "policy")

    def put_bucket_tagging(
        self, ctx: RequestContext, bucket: str, tagging: dict[str, Any]
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        self.store.set_config(bucket, "tagging", check_tags(tagging.get("TagSet") or []))
        return {}

    def get_bucket_tagging(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        tags = self._get_config(ctx, bucket, "tagging", "NoSuchTagSet", "The TagSet does not exist")
        return {"TagSet": tag_set(tags)}

    def delete_bucket_tagging(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        return self._delete_config(ctx, bucket, "tagging")

    def put_bucket_lifecycle_configuration(
        self,
        ctx: RequestContext,
        bucket: str,
        lifecycle_configuration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        rules = lifecycle.validate_rules(lifecycle_configuration or {})
        self.store.set_config(bucket, "lifecycle", rules)
        return {}

    def get_bucket_lifecycle_configuration(
        self, ctx: RequestContext, bucket: str
    ) -> dict[str, Any]:
        rules = self._get_config(
            ctx,
            bucket,
            "lifecycle",
            "NoSuchLifecycleConfiguration",
            "The lifecycle configuration does not exist",
        )
        return {"Rules": rules}

    def delete_bucket_lifecycle(self, ctx: RequestContext, bucket: str) -> dict[str, Any]:
        return self._delete_config(ctx, bucket, "lifecycle")

    # -- notifications -----------------------------------------------------------------
    async def put_bucket_notification_configuration(
        self,
        ctx: RequestContext,
        bucket: str,
        notification_configuration: dict[str, Any],
        skip_destination_validation: bool | None = None,
    ) -> dict[str, Any]:
        found = self.bucket_for(ctx, bucket)
        stored = notifications.validate(notification_configuration)
        targets = [
            entry[arn_member]
            for member, arn_member, _ in notifications.KINDS
            for entry in stored.get(member) or []
        ]
        if not skip_destination_validation:
            await self._check_destinations(targets)
        now_ms = int(self.clock.now() * 1000)
        with self.store.transaction():
            self.store.set_config(bucket, "notification", stored or None)
            test = notifications.test_message(bucket, self.clock.now(), ctx.request_id)
            for arn in dict.fromkeys(
                e["QueueArn"] for e in stored.get("QueueConfigurations") or []
            ):
                self.store.enqueue(found.account, found.region, arn, test, now_ms)
        self.deliverer.wake()
        return {}

    async def _check_destinations(self, targets: list[str]) -> None:
        api = self.deliverer.api
        if api is None:
            return
        unreachable = []
        for arn_text in dict.fromkeys(targets):
            arn = Arn.parse(arn_text)
            assert arn is not None  # validate() checked the ARNs
            try:
                if arn.service == "sqs":
                    await api(
                        "sqs",
                        "GetQueueUrl",
                        {"QueueName": arn.resource, "QueueOwnerAWSAccountId": arn.account},
                        arn.scope,
                    )
                elif arn.service == "lambda":
                    await api("lambda", "GetFunction", {"FunctionName": arn_text}, arn.scope)
                elif arn.service == "sns":
                    await api("sns", "GetTopicAttributes", {"TopicArn": arn_text}, arn.scope)
            except ServiceError as error:
                if error.code != "NotImplemented":  # a service Tenku lacks cannot be checked
                    unreachable.append(arn_text)
        if unreachable:
            fields: dict[str, Any] = {}
            for index, arn_text in enumerate(unreachable, 1):
                fields[f"ArgumentName{index}"] = arn_text
                fields[f"ArgumentValue{index}"] = "The destination does not exist"
            raise ServiceError(
                "InvalidArgument",
                "Unable to validate the following destination configurations",
                400,
                fields=fields,
            )

    def get_bucket_notification_configuration(
        self, ctx: RequestContext, bucket: str
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        return dict(self.store.config(bucket, "notification") or {})


def _port(host: str) -> str:
    if host.startswith("[") or ":" not in host:
        return ""
    return ":" + host.rsplit(":", 1)[1]


__all__ = ["OWNER", "BucketsMixin", "check_tags", "invalid_argument", "tag_set"]
