"""The storage contract: every backend passes this one class.

A backend is used by stores through `transaction()`, a few SQL primitives, schemas and
blobs; these tests pin down what stores rely on (atomicity, nesting, group commit,
durability across a reopen where the backend is persistent).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tenku.storage import MemoryStorage, SqliteStorage, Storage

SCHEMA = ("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT)",)


class Boom(Exception):
    pass


def values(storage: Storage) -> dict[str, str]:
    return dict(storage.query("SELECT k, v FROM kv ORDER BY k"))  # type: ignore[arg-type]


class StorageContract:
    """Subclasses provide `make` (a factory) and say whether the backend persists."""

    persistent = False

    @pytest.fixture
    def make(self, tmp_path: Path) -> Callable[[], Storage]:
        raise NotImplementedError

    @pytest.fixture
    def storage(self, make: Callable[[], Storage]) -> Iterator[Storage]:
        storage = make()
        storage.ensure_schema("kv", SCHEMA)
        yield storage
        storage.close()

    def test_transaction_commits_all(self, storage: Storage) -> None:
        with storage.transaction():
            storage.execute("INSERT INTO kv VALUES ('a', '1')")
            storage.execute("INSERT INTO kv VALUES ('b', '2')")
        assert values(storage) == {"a": "1", "b": "2"}

    def test_transaction_rolls_back_all(self, storage: Storage) -> None:
        storage.execute("INSERT INTO kv VALUES ('keep', 'x')")
        with pytest.raises(Boom), storage.transaction():
            storage.execute("INSERT INTO kv VALUES ('a', '1')")
            storage.execute("UPDATE kv SET v = 'changed' WHERE k = 'keep'")
            raise Boom
        assert values(storage) == {"keep": "x"}

    def test_nested_failure_rolls_back_only_the_inner_part(self, storage: Storage) -> None:
        with storage.transaction():
            storage.execute("INSERT INTO kv VALUES ('outer', '1')")
            with pytest.raises(Boom), storage.transaction():
                storage.execute("INSERT INTO kv VALUES ('inner', '2')")
                raise Boom
        assert values(storage) == {"outer": "1"}

    def test_constraint_error_leaves_nothing_behind(self, storage: Storage) -> None:
        storage.execute("INSERT INTO kv VALUES ('a', '1')")
        with pytest.raises(Exception), storage.transaction():  # noqa: B017 - any DB error
            storage.execute("INSERT INTO kv VALUES ('b', '2')")
            storage.execute("INSERT INTO kv VALUES ('a', 'dup')")
        assert values(storage) == {"a": "1"}

    def test_insert_returns_row_ids_and_iterate_streams(self, storage: Storage) -> None:
        storage.ensure_schema(
            "seq", ("CREATE TABLE IF NOT EXISTS seq (id INTEGER PRIMARY KEY, x)",)
        )
        ids = [storage.insert("INSERT INTO seq (x) VALUES (?)", (i,)) for i in range(5)]
        assert ids == sorted(ids) and len(set(ids)) == 5
        iterator = storage.iterate("SELECT x FROM seq ORDER BY id")
        assert next(iterator) == (0,)
        assert storage.query_one("SELECT count(*) FROM seq") == (5,)
        assert storage.query_one("SELECT x FROM seq WHERE id = -1") is None

    def test_ensure_schema_is_idempotent(self, storage: Storage) -> None:
        storage.ensure_schema("kv", SCHEMA)
        storage.ensure_schema("kv-again", SCHEMA)
        assert values(storage) == {}

    def test_group_commit_holds_writes_until_flush(self, storage: Storage) -> None:
        scheduled: list[int] = []
        storage.set_commit_scheduler(lambda: scheduled.append(1))
        storage.execute("INSERT INTO kv VALUES ('a', '1')")
        with storage.transaction():
            storage.execute("INSERT INTO kv VALUES ('b', '2')")
        with pytest.raises(Boom), storage.transaction():
            storage.execute("INSERT INTO kv VALUES ('c', '3')")
            raise Boom
        assert scheduled == [1]  # one batch, one scheduled commit
        assert storage.pending
        storage.flush()
        assert not storage.pending
        assert values(storage) == {"a": "1", "b": "2"}
        storage.execute("INSERT INTO kv VALUES ('d', '4')")
        assert scheduled == [1, 1]
        storage.set_commit_scheduler(None)  # turning it off commits what is pending
        assert not storage.pending
        assert values(storage)["d"] == "4"

    def test_blobs(self, storage: Storage) -> None:
        assert storage.get_blob("nothing") is None
        storage.put_blob("code/fn.zip", b"\x00" * 10 + b"zip")
        assert storage.get_blob("code/fn.zip") == b"\x00" * 10 + b"zip"
        storage.put_blob("code/fn.zip", b"new")
        assert storage.get_blob("code/fn.zip") == b"new"
        storage.delete_blob("code/fn.zip")
        storage.delete_blob("code/fn.zip")
        assert storage.get_blob("code/fn.zip") is None

    def test_committed_data_survives_reopen(self, make: Callable[[], Storage]) -> None:
        if not self.persistent:
            pytest.skip("this backend keeps nothing across a reopen by design")
        first = make()
        first.ensure_schema("kv", SCHEMA)
        first.execute("INSERT INTO kv VALUES ('a', '1')")
        first.put_blob("b", b"blob")
        first.close()
        second = make()
        second.ensure_schema("kv", SCHEMA)
        assert values(second) == {"a": "1"}
        assert second.get_blob("b") == b"blob"
        second.close()


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def make(self, tmp_path: Path) -> Callable[[], Storage]:
        return MemoryStorage


class TestSqliteStorage(StorageContract):
    persistent = True

    @pytest.fixture
    def make(self, tmp_path: Path) -> Callable[[], Storage]:
        return lambda: SqliteStorage(tmp_path / "db")


class TestSqliteFullDurability(StorageContract):
    persistent = True

    @pytest.fixture
    def make(self, tmp_path: Path) -> Callable[[], Storage]:
        return lambda: SqliteStorage(tmp_path / "db", durability="full")


def test_committed_write_survives_kill_9(tmp_path: Path) -> None:
    """A process killed right after a commit returns loses nothing it committed."""
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(Path(__file__).parents[2] / "src")!r})
from tenku.storage import SqliteStorage
s = SqliteStorage({str(tmp_path / "db")!r})
s.ensure_schema("kv", {SCHEMA!r})
for i in range(200):
    s.execute("INSERT INTO kv VALUES (?, ?)", (str(i), "v"))
print("committed", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9 and "committed" in result.stdout
    reopened = SqliteStorage(tmp_path / "db")
    reopened.ensure_schema("kv", SCHEMA)
    assert len(values(reopened)) == 200
    reopened.close()
