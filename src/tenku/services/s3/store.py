"""All persistence of S3 except the body files: buckets and their configurations,
object versions, multipart uploads and parts, deferred file removals, and the
notification outbox.

One row per object version (`version_id` 'null' where versioning never applied);
`latest` marks the current version of a key, `marker` a delete marker. A body file is
referenced by exactly one row (object or part); when a row goes, its file is listed in
`s3_garbage` in the same transaction and removed once that is committed. Outbox rows
are written in the same transaction as the change they announce.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS s3_buckets (
        name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        created REAL NOT NULL, versioning TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS s3_bucket_configs (
        bucket TEXT NOT NULL, kind TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (bucket, kind)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS s3_objects (
        id INTEGER PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL,
        version_id TEXT NOT NULL, latest INTEGER NOT NULL, marker INTEGER NOT NULL,
        size INTEGER NOT NULL, etag TEXT NOT NULL, modified REAL NOT NULL, body TEXT,
        meta TEXT NOT NULL)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS s3_objects_latest ON s3_objects (bucket, key)
        WHERE latest = 1""",
    "CREATE INDEX IF NOT EXISTS s3_objects_versions ON s3_objects (bucket, key, id)",
    """CREATE TABLE IF NOT EXISTS s3_uploads (
        upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL,
        initiated REAL NOT NULL, meta TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS s3_uploads_key ON s3_uploads (bucket, key, initiated)",
    """CREATE TABLE IF NOT EXISTS s3_parts (
        upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, etag TEXT NOT NULL,
        size INTEGER NOT NULL, modified REAL NOT NULL, body TEXT NOT NULL,
        checksums TEXT NOT NULL, PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID""",
    "CREATE TABLE IF NOT EXISTS s3_garbage (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS s3_outbox (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        target TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        first_ms INTEGER NOT NULL, due_ms INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS s3_outbox_due ON s3_outbox (due_ms)",
)


@dataclass(slots=True)
class Bucket:
    name: str
    account: str
    region: str
    created: float
    versioning: str  # '' (never enabled), 'Enabled' or 'Suspended'


@dataclass(slots=True)
class Version:
    """One object version (or delete marker) as stored."""

    bucket: str
    key: str
    version_id: str
    size: int
    etag: str
    modified: float
    body: str | None
    meta: dict[str, Any] = field(default_factory=dict)
    marker: bool = False
    latest: bool = True
    id: int = 0

    @property
    def sequencer(self) -> str:
        return f"{self.id:016X}"


_VERSION_COLUMNS = "id, bucket, key, version_id, latest, marker, size, etag, modified, body, meta"


def _version(row: Any) -> Version:
    rid, bucket, key, version_id, latest, marker, size, etag, modified, body, meta = row
    return Version(
        bucket,
        key,
        version_id,
        size,
        etag,
        modified,
        body,
        json.loads(meta),
        bool(marker),
        bool(latest),
        rid,
    )


@dataclass(slots=True)
class Part:
    number: int
    etag: str
    size: int
    modified: float
    body: str
    checksums: dict[str, str]


@dataclass(slots=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    meta: dict[str, Any]


class S3Store:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("s3", SCHEMA)

    def transaction(self) -> Any:
        return self.db.transaction()

    # -- buckets ---------------------------------------------------------------------
    def bucket(self, name: str) -> Bucket | None:
        row = self.db.query_one(
            "SELECT name, account, region, created, versioning FROM s3_buckets WHERE name = ?",
            (name,),
        )
        return Bucket(*row) if row else None

    def buckets(self, account: str) -> list[Bucket]:
        rows = self.db.query(
            "SELECT name, account, region, created, versioning FROM s3_buckets"
            " WHERE account = ? ORDER BY name",
            (account,),
        )
        return [Bucket(*row) for row in rows]

    def all_buckets(self) -> list[Bucket]:
        rows = self.db.query("SELECT name, account, region, created, versioning FROM s3_buckets")
        return [Bucket(*row) for row in rows]

    def create_bucket(self, bucket: Bucket) -> None:
        self.db.execute(
            "INSERT INTO s3_buckets (name, account, region, created, versioning)"
            " VALUES (?, ?, ?, ?, ?)",
            (bucket.name, bucket.account, bucket.region, bucket.created, bucket.versioning),
        )

    def delete_bucket(self, name: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM s3_buckets WHERE name = ?", (name,))
            self.db.execute("DELETE FROM s3_bucket_configs WHERE bucket = ?", (name,))

    def set_versioning(self, name: str, status: str) -> None:
        self.db.execute("UPDATE s3_buckets SET versioning = ? WHERE name = ?", (status, name))

    def config(self, bucket: str, kind: str) -> Any:
        row = self.db.query_one(
            "SELECT doc FROM s3_bucket_configs WHERE bucket = ? AND kind = ?", (bucket, kind)
        )
        return json.loads(row[0]) if row else None

    def set_config(self, bucket: str, kind: str, doc: Any) -> None:
        if doc is None:
            self.db.execute(
                "DELETE FROM s3_bucket_configs WHERE bucket = ? AND kind = ?", (bucket, kind)
            )
            return
        self.db.execute(
            "INSERT INTO s3_bucket_configs (bucket, kind, doc) VALUES (?, ?, ?)"
            " ON CONFLICT (bucket, kind) DO UPDATE SET doc = excluded.doc",
            (bucket, kind, json.dumps(doc)),
        )

    def buckets_with_config(self, kind: str) -> list[tuple[str, Any]]:
        rows = self.db.query("SELECT bucket, doc FROM s3_bucket_configs WHERE kind = ?", (kind,))
        return [(name, json.loads(doc)) for name, doc in rows]

    def has_objects(self, bucket: str) -> bool:
        return (
            self.db.query_one("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", (bucket,))
            is not None
            or self.db.query_one("SELECT 1 FROM s3_uploads WHERE bucket = ? LIMIT 1", (bucket,))
            is not None
        )

    # -- object versions --------------------------------------------------------------
    def latest(self, bucket: str, key: str) -> Version | None:
        row = self.db.query_one(
            f"SELECT {_VERSION_COLUMNS} FROM s3_objects"
            " WHERE bucket = ? AND key = ? AND latest = 1",
            (bucket, key),
        )
        return _version(row) if row else None

    def version(self, bucket: str, key: str, version_id: str) -> Version | None:
        row = self.db.query_one(
            f"SELECT {_VERSION_COLUMNS} FROM s3_objects"
            " WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, key, version_id),
        )
        return _version(row) if row else None

    def add_version(self, new: Version, replace_null: bool) -> list[Version]:
        """Make `new` the latest version of its key; returns the versions it replaced
        (the previous 'null' version when `replace_null`). Call inside a transaction."""
        replaced: list[Version] = []
        if replace_null:
            old = self.version(new.bucket, new.key, "null")
            if old is not None:
                self._drop(old)
                replaced.append(old)
        self.db.execute(
            "UPDATE s3_objects SET latest = 0 WHERE bucket = ? AND key = ? AND latest = 1",
            (new.bucket, new.key),
        )
        new.id = self.db.insert(
            f"INSERT INTO s3_objects ({_VERSION_COLUMNS})"
            " VALUES (NULL, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
            (
                new.bucket,
                new.key,
                new.version_id,
                int(new.marker),
                new.size,
                new.etag,
                new.modified,
                new.body,
                json.dumps(new.meta),
            ),
        )
        new.latest = True
        return replaced

    def remove_version(self, old: Version) -> None:
        """Delete one version; when it was the latest, the newest remaining one is."""
        self._drop(old)
        if old.latest:
            self.db.execute(
                "UPDATE s3_objects SET latest = 1 WHERE id = (SELECT id FROM s3_objects"
                " WHERE bucket = ? AND key = ? ORDER BY id DESC LIMIT 1)",
                (old.bucket, old.key),
            )

    def _drop(self, old: Version) -> None:
        self.db.execute("DELETE FROM s3_objects WHERE id = ?", (old.id,))
        if old.body:
            self.discard_body(old.body)

    def update_meta(self, version: Version) -> None:
        self.db.execute(
            "UPDATE s3_objects SET meta = ? WHERE id = ?", (json.dumps(version.meta), version.id)
        )

    def current_objects(self, bucket: str, after: str, prefix: str) -> Iterator[Version]:
        """Latest, non-deleted versions with key > `after` and the prefix, in key order."""
        start = max(after, prefix) if prefix > after else after
        inclusive = prefix > after
        op = ">=" if inclusive else ">"
        for row in self.db.iterate(
            f"SELECT {_VERSION_COLUMNS} FROM s3_objects WHERE bucket = ? AND latest = 1"
            f" AND key {op} ? ORDER BY key",
            (bucket, start),
        ):
            version = _version(row)
            if not version.key.startswith(prefix):
                return
            if not version.marker:
                yield version

    def all_versions(self, bucket: str, after_key: str, prefix: str) -> Iterator[Version]:
        """Every version and marker with key >= `after_key`: key order, newest first."""
        start = max(after_key, prefix)
        for row in self.db.iterate(
            f"SELECT {_VERSION_COLUMNS} FROM s3_objects WHERE bucket = ? AND key >= ?"
            " ORDER BY key, id DESC",
            (bucket, start),
        ):
            version = _version(row)
            if not version.key.startswith(prefix):
                return
            yield version

    def bucket_versions(self, bucket: str) -> Iterator[Version]:
        for row in self.db.iterate(
            f"SELECT {_VERSION_COLUMNS} FROM s3_objects WHERE bucket = ? ORDER BY key, id DESC",
            (bucket,),
        ):
            yield _version(row)

    # -- multipart uploads ------------------------------------------------------------
    def create_upload(self, upload: Upload) -> None:
        self.db.execute(
            "INSERT INTO s3_uploads (upload_id, bucket, key, initiated, meta)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                upload.upload_id,
                upload.bucket,
                upload.key,
                upload.initiated,
                json.dumps(upload.meta),
            ),
        )

    def upload(self, upload_id: str) -> Upload | None:
        row = self.db.query_one(
            "SELECT upload_id, bucket, key, initiated, meta FROM s3_uploads WHERE upload_id = ?",
            (upload_id,),
        )
        if row is None:
            return None
        return Upload(row[0], row[1], row[2], row[3], json.loads(row[4]))

    def uploads(self, bucket: str) -> list[Upload]:
        rows = self.db.query(
            "SELECT upload_id, bucket, key, initiated, meta FROM s3_uploads WHERE bucket = ?"
            " ORDER BY key, initiated, upload_id",
            (bucket,),
        )
        return [Upload(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def put_part(self, upload_id: str, part: Part) -> None:
        """Store a part, replacing (and discarding) an earlier upload of its number."""
        with self.db.transaction():
            old = self.db.query_one(
                "SELECT body FROM s3_parts WHERE upload_id = ? AND part_number = ?",
                (upload_id, part.number),
            )
            if old is not None:
                self.discard_body(old[0])
            self.db.execute(
                "INSERT OR REPLACE INTO s3_parts (upload_id, part_number, etag, size, modified,"
                " body, checksums) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    part.number,
                    part.etag,
                    part.size,
                    part.modified,
                    part.body,
                    json.dumps(part.checksums),
                ),
            )

    def parts(self, upload_id: str) -> list[Part]:
        rows = self.db.query(
            "SELECT part_number, etag, size, modified, body, checksums FROM s3_parts"
            " WHERE upload_id = ? ORDER BY part_number",
            (upload_id,),
        )
        return [Part(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def end_upload(self, upload_id: str, keep: set[str] | None = None) -> None:
        """Forget an upload and its parts (their files are discarded)."""
        for (body,) in self.db.query("SELECT body FROM s3_parts WHERE upload_id = ?", (upload_id,)):
            if keep is None or body not in keep:
                self.discard_body(body)
        self.db.execute("DELETE FROM s3_parts WHERE upload_id = ?", (upload_id,))
        self.db.execute("DELETE FROM s3_uploads WHERE upload_id = ?", (upload_id,))

    # -- body files ----------------------------------------------------------------------
    def discard_body(self, body: str) -> None:
        self.db.insert("INSERT INTO s3_garbage (body) VALUES (?)", (body,))

    def garbage(self, limit: int = 1000) -> list[tuple[int, str]]:
        return [
            (r[0], r[1])
            for r in self.db.query("SELECT id, body FROM s3_garbage ORDER BY id LIMIT ?", (limit,))
        ]

    def forget_garbage(self, ids: list[int]) -> None:
        self.db.executemany("DELETE FROM s3_garbage WHERE id = ?", [(i,) for i in ids])

    def referenced_bodies(self) -> set[str]:
        names = {r[0] for r in self.db.query("SELECT body FROM s3_objects WHERE body IS NOT NULL")}
        names.update(r[0] for r in self.db.query("SELECT body FROM s3_parts"))
        names.difference_update(r[0] for r in self.db.query("SELECT body FROM s3_garbage"))
        return names

    # -- notification outbox -----------------------------------------------------------
    def enqueue(self, account: str, region: str, target: str, payload: str, now_ms: int) -> None:
        self.db.insert(
            "INSERT INTO s3_outbox (account, region, target, payload, first_ms, due_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (account, region, target, payload, now_ms, now_ms),
        )

    def due(self, now_ms: int, limit: int) -> list[tuple[Any, ...]]:
        return self.db.query(
            "SELECT id, account, region, target, payload, attempts, first_ms FROM s3_outbox"
            " WHERE due_ms <= ? ORDER BY due_ms, id LIMIT ?",
            (now_ms, limit),
        )

    def delivered(self, ids: list[int]) -> None:
        self.db.executemany("DELETE FROM s3_outbox WHERE id = ?", [(i,) for i in ids])

    def retry_later(self, item: int, attempts: int, due_ms: int) -> None:
        self.db.execute(
            "UPDATE s3_outbox SET attempts = ?, due_ms = ? WHERE id = ?", (attempts, due_ms, item)
        )

    def outbox_size(self) -> int:
        row = self.db.query_one("SELECT COUNT(*) FROM s3_outbox")
        return int(row[0]) if row else 0
