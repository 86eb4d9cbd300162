"""Object deletion (single, batch, by version, delete markers) and object tagging.

Must not: hold SQL (store.py) or file handling (bodies.py).
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.s3.base import S3Base
from tenku.services.s3.buckets import tag_set
from tenku.services.s3.errors import invalid_version, malformed_xml, no_such_key
from tenku.services.s3.objectmeta import check_object_tags
from tenku.services.s3.objects import ObjectsMixin, valid_version_id
from tenku.services.s3.store import Bucket, Version

MAX_DELETE_KEYS = 1000


class DeletesMixin(ObjectsMixin, S3Base):
    def remove(
        self,
        bucket: Bucket,
        key: str,
        version_id: str | None,
        request_id: str,
        event_prefix: str = "ObjectRemoved",
    ) -> dict[str, Any]:
        """Delete as DeleteObject does; returns its answer members. Inside one transaction
        with the notifications it causes."""
        if version_id is not None and not valid_version_id(version_id):
            raise invalid_version(version_id)
        with self.store.transaction():
            if version_id is not None:
                old = self.store.version(bucket.name, key, version_id)
                if old is None:
                    return {"VersionId": version_id}
                self.store.remove_version(old)
                self.notify(bucket, f"{event_prefix}:Delete", old, request_id, deleted=True)
                result: dict[str, Any] = {"VersionId": version_id}
                if old.marker:
                    result["DeleteMarker"] = True
                return result
            if not bucket.versioning:
                current = self.store.latest(bucket.name, key)
                if current is not None:
                    self.store.remove_version(current)
                    self.notify(bucket, f"{event_prefix}:Delete", current, request_id, deleted=True)
                return {}
            marker_id = self.new_version_id() if bucket.versioning == "Enabled" else "null"
            marker = Version(bucket.name, key, marker_id, 0, "", self.now(), None, {}, marker=True)
            self.store.add_version(marker, replace_null=bucket.versioning == "Suspended")
            self.notify(
                bucket, f"{event_prefix}:DeleteMarkerCreated", marker, request_id, deleted=True
            )
            return {"DeleteMarker": True, "VersionId": marker_id}

    def delete_object(
        self, ctx: RequestContext, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, Any]:
        found = self.bucket_for(ctx, bucket)
        return self.remove(found, key, version_id, ctx.request_id)

    def delete_objects(
        self, ctx: RequestContext, bucket: str, delete: dict[str, Any]
    ) -> dict[str, Any]:
        found = self.bucket_for(ctx, bucket)
        objects = delete.get("Objects") or []
        if not objects or len(objects) > MAX_DELETE_KEYS:
            raise malformed_xml()
        quiet = bool(delete.get("Quiet"))
        deleted: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for item in objects:
            key = item.get("Key") or ""
            version_id = item.get("VersionId")
            try:
                answer = self.remove(found, key, version_id, ctx.request_id)
            except ServiceError as error:
                entry = {"Key": key, "Code": error.code, "Message": error.message}
                if version_id:
                    entry["VersionId"] = version_id
                errors.append(entry)
                continue
            if quiet:
                continue
            entry = {"Key": key}
            if version_id:
                entry["VersionId"] = version_id
                if answer.get("DeleteMarker"):
                    entry["DeleteMarker"] = True
                    entry["DeleteMarkerVersionId"] = version_id
            elif answer.get("DeleteMarker"):
                entry["DeleteMarker"] = True
                entry["DeleteMarkerVersionId"] = answer["VersionId"]
            deleted.append(entry)
        result: dict[str, Any] = {}
        if deleted:
            result["Deleted"] = deleted
        if errors:
            result["Errors"] = errors
        return result

    # -- object tagging --------------------------------------------------------------
    def _tag_target(
        self, ctx: RequestContext, bucket: str, key: str, version_id: str | None
    ) -> tuple[Bucket, Version]:
        found = self.bucket_for(ctx, bucket)
        try:
            return found, self.find_version(bucket, key, version_id)
        except ServiceError as error:
            if error.code == "MethodNotAllowed":
                raise no_such_key(key) from error
            raise

    def put_object_tagging(
        self,
        ctx: RequestContext,
        bucket: str,
        key: str,
        tagging: dict[str, Any],
        version_id: str | None = None,
    ) -> dict[str, Any]:
        found, version = self._tag_target(ctx, bucket, key, version_id)
        tags: dict[str, str] = {}
        for tag in tagging.get("TagSet") or []:
            if tag.get("Key") in tags:
                raise ServiceError(
                    "InvalidTag", "Cannot provide multiple Tags with the same key", 400
                )
            tags[str(tag.get("Key") or "")] = str(tag.get("Value") or "")
        check_object_tags(tags)
        version.meta["Tags"] = tags
        with self.store.transaction():
            self.store.update_meta(version)
            self.notify(found, "ObjectTagging:Put", version, ctx.request_id)
        return self.version_answer(found, version)

    def get_object_tagging(
        self, ctx: RequestContext, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, Any]:
        found, version = self._tag_target(ctx, bucket, key, version_id)
        return {
            "TagSet": tag_set(version.meta.get("Tags") or {}),
            **self.version_answer(found, version),
        }

    def delete_object_tagging(
        self, ctx: RequestContext, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, Any]:
        found, version = self._tag_target(ctx, bucket, key, version_id)
        version.meta.pop("Tags", None)
        with self.store.transaction():
            self.store.update_meta(version)
            self.notify(found, "ObjectTagging:Delete", version, ctx.request_id)
        return self.version_answer(found, version)
