"""All persistence of DynamoDB: table metadata, items, secondary-index entries,
transaction idempotency tokens, streams with their records, and the TTL expiry query.

Items live in `ddb_items`, keyed (table id, partition-key bytes, sort-key bytes) with
the bytes from `keys.sort_key_bytes`, so a Query is one range scan of the primary key.
Index entries live in `ddb_index_entries` keyed (index id, index pk, index sk, table
pk, table sk) and are written in the same storage transaction as their item. An item
is stored as compact JSON; binary payloads become {"$b": base64} (no AttributeValue
can look like that: a map's members are always objects, never strings).
Must not: validate requests or know DynamoDB's rules; that is the provider's job.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from typing import Any

from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS ddb_tables (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        name TEXT NOT NULL, spec TEXT NOT NULL, UNIQUE (account, region, name))""",
    "CREATE TABLE IF NOT EXISTS ddb_indexes (id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS ddb_items (
        table_id INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,
        item TEXT NOT NULL, size INTEGER NOT NULL,
        PRIMARY KEY (table_id, pk, sk)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS ddb_index_entries (
        index_id INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,
        tpk BLOB NOT NULL, tsk BLOB NOT NULL,
        PRIMARY KEY (index_id, pk, sk, tpk, tsk)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS ddb_tokens (
        account TEXT NOT NULL, region TEXT NOT NULL, token TEXT NOT NULL,
        fingerprint TEXT NOT NULL, created_ms INTEGER NOT NULL, result TEXT NOT NULL,
        PRIMARY KEY (account, region, token)) WITHOUT ROWID""",
    "DROP TABLE IF EXISTS ddb_stream_records",  # before ddb_streams/ddb_stream_log
    # A stream outlives its table (readable 24 hours after being disabled or deleted),
    # so it is a row of its own; sequence numbers never repeat (AUTOINCREMENT).
    """CREATE TABLE IF NOT EXISTS ddb_streams (
        id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL,
        table_name TEXT NOT NULL, label TEXT NOT NULL, view_type TEXT NOT NULL,
        key_schema TEXT NOT NULL, created REAL NOT NULL, start_seq INTEGER NOT NULL,
        disabled REAL, trimmed_seq INTEGER NOT NULL DEFAULT 0,
        UNIQUE (account, region, table_name, label))""",
    """CREATE TABLE IF NOT EXISTS ddb_stream_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, stream_id INTEGER NOT NULL,
        created_ms INTEGER NOT NULL, record TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ddb_stream_log_by_stream ON ddb_stream_log (stream_id, seq)",
    "CREATE INDEX IF NOT EXISTS ddb_stream_log_by_age ON ddb_stream_log (created_ms)",
)

Item = dict[str, Any]


# -- item encoding -------------------------------------------------------------------
def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_encode = json.JSONEncoder(separators=(",", ":"), default=_default).encode


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        blob = obj.get("$b")
        if isinstance(blob, str):
            return base64.b64decode(blob)
    return obj


def encode_item(item: Item) -> str:
    """The stored text of an item (canonical AttributeValues)."""
    return _encode(item)


def decode_item(text: str) -> Item:
    """An item back from its stored text."""
    if '"$b"' in text:
        decoded: Item = json.loads(text, object_hook=_hook)
        return decoded
    plain: Item = json.loads(text)
    return plain


class DynamoStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        storage.ensure_schema("dynamodb-1", SCHEMA)

    # -- tables ------------------------------------------------------------------------
    def create_table(self, account: str, region: str, name: str, spec: dict[str, Any]) -> int:
        return self.storage.insert(
            "INSERT INTO ddb_tables (account, region, name, spec) VALUES (?, ?, ?, ?)",
            (account, region, name, json.dumps(spec)),
        )

    def new_index_id(self, table_id: int) -> int:
        return self.storage.insert("INSERT INTO ddb_indexes (table_id) VALUES (?)", (table_id,))

    def save_table(self, table_id: int, spec: dict[str, Any]) -> None:
        self.storage.execute(
            "UPDATE ddb_tables SET spec = ? WHERE id = ?", (json.dumps(spec), table_id)
        )

    def load_table(self, account: str, region: str, name: str) -> tuple[int, dict[str, Any]] | None:
        row = self.storage.query_one(
            "SELECT id, spec FROM ddb_tables WHERE account = ? AND region = ? AND name = ?",
            (account, region, name),
        )
        return None if row is None else (int(row[0]), json.loads(row[1]))

    def table_names(self, account: str, region: str, after: str, limit: int) -> list[str]:
        rows = self.storage.query(
            "SELECT name FROM ddb_tables WHERE account = ? AND region = ? AND name > ?"
            " ORDER BY name LIMIT ?",
            (account, region, after, limit),
        )
        return [str(r[0]) for r in rows]

    def all_tables(self) -> list[tuple[int, str, str, dict[str, Any]]]:
        rows = self.storage.query("SELECT id, account, region, spec FROM ddb_tables")
        return [(int(r[0]), str(r[1]), str(r[2]), json.loads(r[3])) for r in rows]

    def delete_table(self, table_id: int, index_ids: Sequence[int]) -> None:
        with self.storage.transaction():
            self.storage.execute("DELETE FROM ddb_tables WHERE id = ?", (table_id,))
            self.storage.execute("DELETE FROM ddb_items WHERE table_id = ?", (table_id,))
            self.storage.execute("DELETE FROM ddb_indexes WHERE table_id = ?", (table_id,))
            for index_id in index_ids:
                self.delete_index(index_id)

    def delete_index(self, index_id: int) -> None:
        self.storage.execute("DELETE FROM ddb_index_entries WHERE index_id = ?", (index_id,))

    def table_stats(self, table_id: int) -> tuple[int, int]:
        row = self.storage.query_one(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ddb_items WHERE table_id = ?",
            (table_id,),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    def index_stats(self, table_id: int, index_id: int) -> tuple[int, int]:
        row = self.storage.query_one(
            "SELECT COUNT(*), COALESCE(SUM(i.size), 0) FROM ddb_index_entries e"
            " JOIN ddb_items i ON i.table_id = ? AND i.pk = e.tpk AND i.sk = e.tsk"
            " WHERE e.index_id = ?",
            (table_id, index_id),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    # -- items -------------------------------------------------------------------------
    def get_item(self, table_id: int, pk: bytes, sk: bytes) -> Item | None:
        row = self.storage.query_one(
            "SELECT item FROM ddb_items WHERE table_id = ? AND pk = ? AND sk = ?",
            (table_id, pk, sk),
        )
        return None if row is None else decode_item(row[0])

    def put_item(self, table_id: int, pk: bytes, sk: bytes, item: Item, size: int) -> None:
        self.storage.execute(
            "INSERT OR REPLACE INTO ddb_items (table_id, pk, sk, item, size)"
            " VALUES (?, ?, ?, ?, ?)",
            (table_id, pk, sk, encode_item(item), size),
        )

    def delete_item(self, table_id: int, pk: bytes, sk: bytes) -> None:
        self.storage.execute(
            "DELETE FROM ddb_items WHERE table_id = ? AND pk = ? AND sk = ?", (table_id, pk, sk)
        )

    def put_index_entry(self, index_id: int, ipk: bytes, isk: bytes, pk: bytes, sk: bytes) -> None:
        self.storage.execute(
            "INSERT OR REPLACE INTO ddb_index_entries (index_id, pk, sk, tpk, tsk)"
            " VALUES (?, ?, ?, ?, ?)",
            (index_id, ipk, isk, pk, sk),
        )

    def delete_index_entry(
        self, index_id: int, ipk: bytes, isk: bytes, pk: bytes, sk: bytes
    ) -> None:
        self.storage.execute(
            "DELETE FROM ddb_index_entries WHERE index_id = ? AND pk = ? AND sk = ?"
            " AND tpk = ? AND tsk = ?",
            (index_id, ipk, isk, pk, sk),
        )

    def scan_items(self, table_id: int) -> Iterator[tuple[bytes, bytes, str]]:
        """Every item of a table (for index backfill), in key order."""
        for row in self.storage.iterate(
            "SELECT pk, sk, item FROM ddb_items WHERE table_id = ? ORDER BY pk, sk", (table_id,)
        ):
            yield bytes(row[0]), bytes(row[1]), str(row[2])

    # -- reads -------------------------------------------------------------------------
    def query_table(
        self,
        table_id: int,
        pk: bytes,
        bounds: list[tuple[str, bytes]],
        forward: bool,
        after: bytes | None,
    ) -> Iterator[tuple[bytes, bytes, str, int]]:
        """Items of one partition with sort keys within `bounds` ([(op, bytes)]),
        in sort-key order (reversed when not `forward`), strictly after `after`."""
        where = ["table_id = ?", "pk = ?"]
        params: list[Any] = [table_id, pk]
        for op, value in bounds:
            where.append(f"sk {op} ?")
            params.append(value)
        if after is not None:
            where.append("sk > ?" if forward else "sk < ?")
            params.append(after)
        order = "ASC" if forward else "DESC"
        sql = (
            f"SELECT pk, sk, item, size FROM ddb_items WHERE {' AND '.join(where)}"
            f" ORDER BY sk {order}"
        )
        for row in self.storage.iterate(sql, params):
            yield bytes(row[0]), bytes(row[1]), str(row[2]), int(row[3])

    def query_index(
        self,
        table_id: int,
        index_id: int,
        pk: bytes,
        bounds: list[tuple[str, bytes]],
        forward: bool,
        after: tuple[bytes, bytes, bytes] | None,
    ) -> Iterator[tuple[bytes, bytes, str, int]]:
        """Items of one index partition, ordered by (index sk, table pk, table sk)."""
        where = ["e.index_id = ?", "e.pk = ?"]
        params: list[Any] = [table_id, index_id, pk]
        for op, value in bounds:
            where.append(f"e.sk {op} ?")
            params.append(value)
        if after is not None:
            where.append("(e.sk, e.tpk, e.tsk) " + (">" if forward else "<") + " (?, ?, ?)")
            params.extend(after)
        order = "ASC" if forward else "DESC"
        sql = (
            "SELECT e.tpk, e.tsk, i.item, i.size FROM ddb_index_entries e"
            " JOIN ddb_items i ON i.table_id = ? AND i.pk = e.tpk AND i.sk = e.tsk"
            f" WHERE {' AND '.join(where)}"
            f" ORDER BY e.sk {order}, e.tpk {order}, e.tsk {order}"
        )
        for row in self.storage.iterate(sql, params):
            yield bytes(row[0]), bytes(row[1]), str(row[2]), int(row[3])

    def scan_table(
        self, table_id: int, after: tuple[bytes, bytes] | None
    ) -> Iterator[tuple[bytes, bytes, str, int]]:
        """Every item of a table in (pk, sk) order, strictly after `after`."""
        if after is None:
            sql = "SELECT pk, sk, item, size FROM ddb_items WHERE table_id = ? ORDER BY pk, sk"
            params: list[Any] = [table_id]
        else:
            sql = (
                "SELECT pk, sk, item, size FROM ddb_items WHERE table_id = ?"
                " AND (pk, sk) > (?, ?) ORDER BY pk, sk"
            )
            params = [table_id, *after]
        for row in self.storage.iterate(sql, params):
            yield bytes(row[0]), bytes(row[1]), str(row[2]), int(row[3])

    def scan_index(
        self, table_id: int, index_id: int, after: tuple[bytes, bytes, bytes, bytes] | None
    ) -> Iterator[tuple[bytes, bytes, str, int]]:
        """Every entry of an index in (index pk, index sk, table pk, table sk) order."""
        sql = (
            "SELECT e.tpk, e.tsk, i.item, i.size FROM ddb_index_entries e"
            " JOIN ddb_items i ON i.table_id = ? AND i.pk = e.tpk AND i.sk = e.tsk"
            " WHERE e.index_id = ?"
        )
        params: list[Any] = [table_id, index_id]
        if after is not None:
            sql += " AND (e.pk, e.sk, e.tpk, e.tsk) > (?, ?, ?, ?)"
            params.extend(after)
        sql += " ORDER BY e.pk, e.sk, e.tpk, e.tsk"
        for row in self.storage.iterate(sql, params):
            yield bytes(row[0]), bytes(row[1]), str(row[2]), int(row[3])

    # -- transactions' idempotency tokens ----------------------------------------------
    def token(self, account: str, region: str, token: str, since_ms: int) -> tuple[str, str] | None:
        row = self.storage.query_one(
            "SELECT fingerprint, result FROM ddb_tokens WHERE account = ? AND region = ?"
            " AND token = ? AND created_ms >= ?",
            (account, region, token, since_ms),
        )
        return None if row is None else (str(row[0]), str(row[1]))

    def save_token(
        self, account: str, region: str, token: str, fingerprint: str, now_ms: int, result: str
    ) -> None:
        self.storage.execute(
            "INSERT OR REPLACE INTO ddb_tokens VALUES (?, ?, ?, ?, ?, ?)",
            (account, region, token, fingerprint, now_ms, result),
        )

    def forget_tokens(self, before_ms: int) -> None:
        self.storage.execute("DELETE FROM ddb_tokens WHERE created_ms < ?", (before_ms,))

    # -- streams and their records -----------------------------------------------------
    def last_stream_seq(self) -> int:
        """The highest sequence number ever handed out (0 before the first record)."""
        row = self.storage.query_one(
            "SELECT seq FROM sqlite_sequence WHERE name = 'ddb_stream_log'"
        )
        return 0 if row is None else int(row[0])

    def open_stream(
        self,
        account: str,
        region: str,
        table_name: str,
        label: str,
        view_type: str,
        key_schema: list[dict[str, str]],
        created: float,
    ) -> int:
        return self.storage.insert(
            "INSERT INTO ddb_streams (account, region, table_name, label, view_type,"
            " key_schema, created, start_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                region,
                table_name,
                label,
                view_type,
                json.dumps(key_schema),
                created,
                self.last_stream_seq() + 1,
            ),
        )

    def close_stream(self, stream_id: int, at: float) -> None:
        self.storage.execute(
            "UPDATE ddb_streams SET disabled = ? WHERE id = ? AND disabled IS NULL",
            (at, stream_id),
        )

    _STREAM_COLUMNS = (
        "id, account, region, table_name, label, view_type, key_schema, created,"
        " start_seq, disabled, trimmed_seq"
    )

    @staticmethod
    def _stream_row(row: Sequence[Any]) -> dict[str, Any]:
        return {
            "id": int(row[0]),
            "account": str(row[1]),
            "region": str(row[2]),
            "table_name": str(row[3]),
            "label": str(row[4]),
            "view_type": str(row[5]),
            "key_schema": json.loads(row[6]),
            "created": float(row[7]),
            "start_seq": int(row[8]),
            "disabled": None if row[9] is None else float(row[9]),
            "trimmed_seq": int(row[10]),
        }

    def find_stream(
        self, account: str, region: str, table_name: str, label: str
    ) -> dict[str, Any] | None:
        row = self.storage.query_one(
            f"SELECT {self._STREAM_COLUMNS} FROM ddb_streams WHERE account = ? AND region = ?"
            " AND table_name = ? AND label = ?",
            (account, region, table_name, label),
        )
        return None if row is None else self._stream_row(row)

    def stream_by_id(self, stream_id: int) -> dict[str, Any] | None:
        row = self.storage.query_one(
            f"SELECT {self._STREAM_COLUMNS} FROM ddb_streams WHERE id = ?", (stream_id,)
        )
        return None if row is None else self._stream_row(row)

    def list_streams(
        self, account: str, region: str, table_name: str | None, after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        sql = f"SELECT {self._STREAM_COLUMNS} FROM ddb_streams WHERE account = ? AND region = ?"
        params: list[Any] = [account, region]
        if table_name is not None:
            sql += " AND table_name = ?"
            params.append(table_name)
        sql += " AND id > ? ORDER BY id LIMIT ?"
        params.extend((after_id, limit))
        return [self._stream_row(r) for r in self.storage.query(sql, params)]

    def add_stream_record(self, stream_id: int, now_ms: int, record: dict[str, Any]) -> int:
        return self.storage.insert(
            "INSERT INTO ddb_stream_log (stream_id, created_ms, record) VALUES (?, ?, ?)",
            (stream_id, now_ms, encode_item(record)),
        )

    def stream_records(self, stream_id: int, after_seq: int, limit: int) -> list[tuple[int, Item]]:
        """Up to `limit` (sequence number, record) of a stream after `after_seq`."""
        rows = self.storage.query(
            "SELECT seq, record FROM ddb_stream_log WHERE stream_id = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (stream_id, after_seq, limit),
        )
        return [(int(r[0]), decode_item(r[1])) for r in rows]

    def stream_seq_range(self, stream_id: int) -> tuple[int, int] | None:
        """(first, last) sequence number a stream still holds, or None when empty."""
        row = self.storage.query_one(
            "SELECT MIN(seq), MAX(seq) FROM ddb_stream_log WHERE stream_id = ?", (stream_id,)
        )
        return None if row is None or row[0] is None else (int(row[0]), int(row[1]))

    def has_stream_record(self, stream_id: int, seq: int) -> bool:
        row = self.storage.query_one(
            "SELECT 1 FROM ddb_stream_log WHERE seq = ? AND stream_id = ?", (seq, stream_id)
        )
        return row is not None

    def trim_streams(self, before_ms: int, closed_before: float) -> None:
        """Drop records created before `before_ms` (remembering, per stream, the last
        sequence number dropped) and streams disabled before `closed_before`."""
        old_records = self.storage.query_one(
            "SELECT 1 FROM ddb_stream_log WHERE created_ms < ? LIMIT 1", (before_ms,)
        )
        closed = self.storage.query(
            "SELECT id FROM ddb_streams WHERE disabled < ?", (closed_before,)
        )
        if old_records is None and not closed:
            return  # the usual case: no write transaction at all
        with self.storage.transaction():
            if old_records is not None:
                self.storage.execute(
                    "UPDATE ddb_streams SET trimmed_seq = (SELECT MAX(seq) FROM ddb_stream_log"
                    " WHERE stream_id = ddb_streams.id AND created_ms < ?) WHERE EXISTS (SELECT"
                    " 1 FROM ddb_stream_log WHERE stream_id = ddb_streams.id AND created_ms < ?)",
                    (before_ms, before_ms),
                )
                self.storage.execute(
                    "DELETE FROM ddb_stream_log WHERE created_ms < ?", (before_ms,)
                )
            for row in closed:
                self.storage.execute("DELETE FROM ddb_stream_log WHERE stream_id = ?", (row[0],))
                self.storage.execute("DELETE FROM ddb_streams WHERE id = ?", (row[0],))

    # -- time to live ------------------------------------------------------------------
    def named_tables(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(account, region, name, spec) of every table."""
        rows = self.storage.query("SELECT account, region, name, spec FROM ddb_tables")
        return [(str(r[0]), str(r[1]), str(r[2]), json.loads(r[3])) for r in rows]

    def expired_items(
        self, table_id: int, attribute: str, low: float, high: float
    ) -> list[tuple[bytes, bytes, str]]:
        """Items whose top-level Number `attribute` lies in [low, high)."""
        if '"' in attribute or "\\" in attribute:
            found = []
            for pk, sk, text in self.scan_items(table_id):
                number = decode_item(text).get(attribute, {}).get("N")
                try:
                    if number is not None and low <= float(number) < high:
                        found.append((pk, sk, text))
                except ValueError:
                    continue
            return found
        rows = self.storage.query(
            "SELECT pk, sk, item FROM ddb_items WHERE table_id = ?"
            " AND CAST(json_extract(item, ?) AS REAL) >= ?"
            " AND CAST(json_extract(item, ?) AS REAL) < ?",
            (table_id, f'$."{attribute}".N', low, f'$."{attribute}".N', high),
        )
        return [(bytes(r[0]), bytes(r[1]), str(r[2])) for r in rows]

    def first_stream_seq_at(self, stream_id: int, at_ms: int) -> int | None:
        """The first sequence number of a stream's records created at or after `at_ms`."""
        row = self.storage.query_one(
            "SELECT MIN(seq) FROM ddb_stream_log WHERE stream_id = ? AND created_ms >= ?",
            (stream_id, at_ms),
        )
        return None if row is None or row[0] is None else int(row[0])
