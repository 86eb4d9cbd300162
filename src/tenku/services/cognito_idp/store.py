"""All persistence of Cognito user pools: pools (with their signing key), app clients,
users, groups and memberships, pending codes, auth sessions and refresh tokens.

Pool and client ids are unique across accounts and regions (they are random), so rows
are keyed by them; a pool row records its account and region and the API checks them.
Users are keyed by `(pool, key)` where `key` is the username as the pool compares it
(folded when the pool is case-insensitive). Alias columns (email, phone, preferred
username, folded) make sign-in by alias an index lookup. Refresh tokens are stored as
SHA-256 digests. Must not: decide any Cognito rule.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS cognito_pools (
        id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
        created REAL NOT NULL, modified REAL NOT NULL, config TEXT NOT NULL,
        private_key TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS cognito_pools_scope ON cognito_pools (account, region, id)",
    """CREATE TABLE IF NOT EXISTS cognito_clients (
        id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, name TEXT NOT NULL,
        created REAL NOT NULL, modified REAL NOT NULL, config TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS cognito_clients_pool ON cognito_clients (pool_id, created, id)",
    """CREATE TABLE IF NOT EXISTS cognito_users (
        pool_id TEXT NOT NULL, key TEXT NOT NULL, username TEXT NOT NULL, sub TEXT NOT NULL,
        status TEXT NOT NULL, enabled INTEGER NOT NULL, password TEXT,
        attributes TEXT NOT NULL, created REAL NOT NULL, modified REAL NOT NULL,
        temp_expires REAL, srp TEXT, email_key TEXT, phone_key TEXT, preferred_key TEXT,
        PRIMARY KEY (pool_id, key))""",
    "CREATE INDEX IF NOT EXISTS cognito_users_sub ON cognito_users (pool_id, sub)",
    "CREATE INDEX IF NOT EXISTS cognito_users_email ON cognito_users (pool_id, email_key)",
    "CREATE INDEX IF NOT EXISTS cognito_users_phone ON cognito_users (pool_id, phone_key)",
    "CREATE INDEX IF NOT EXISTS cognito_users_pref ON cognito_users (pool_id, preferred_key)",
    """CREATE TABLE IF NOT EXISTS cognito_groups (
        pool_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT, role_arn TEXT,
        precedence INTEGER, created REAL NOT NULL, modified REAL NOT NULL,
        PRIMARY KEY (pool_id, name))""",
    """CREATE TABLE IF NOT EXISTS cognito_members (
        pool_id TEXT NOT NULL, group_name TEXT NOT NULL, user_key TEXT NOT NULL,
        PRIMARY KEY (pool_id, group_name, user_key))""",
    "CREATE INDEX IF NOT EXISTS cognito_members_user ON cognito_members (pool_id, user_key)",
    """CREATE TABLE IF NOT EXISTS cognito_codes (
        pool_id TEXT NOT NULL, user_key TEXT NOT NULL, purpose TEXT NOT NULL,
        code TEXT NOT NULL, expires REAL NOT NULL, PRIMARY KEY (pool_id, user_key, purpose))""",
    """CREATE TABLE IF NOT EXISTS cognito_sessions (
        token TEXT PRIMARY KEY, pool_id TEXT NOT NULL, client_id TEXT NOT NULL,
        user_key TEXT NOT NULL, challenge TEXT NOT NULL, expires REAL NOT NULL,
        data TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS cognito_refresh (
        digest TEXT PRIMARY KEY, pool_id TEXT NOT NULL, client_id TEXT NOT NULL,
        user_key TEXT NOT NULL, origin_jti TEXT NOT NULL, auth_time INTEGER NOT NULL,
        expires REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS cognito_refresh_user ON cognito_refresh (pool_id, user_key)",
    "CREATE INDEX IF NOT EXISTS cognito_refresh_origin ON cognito_refresh (origin_jti)",
)


class Pool(NamedTuple):
    id: str
    account: str
    region: str
    name: str
    created: float
    modified: float
    config: dict[str, Any]  # every described member except Id, Name, Arn and the dates
    private_key: str

    @property
    def scope(self) -> Scope:
        return Scope(self.account, self.region)


class Client(NamedTuple):
    id: str
    pool_id: str
    name: str
    created: float
    modified: float
    config: dict[str, Any]  # every described member except the ids, name and dates


class User(NamedTuple):
    pool_id: str
    key: str
    username: str
    sub: str
    status: str
    enabled: bool
    password: str | None  # a hash (passwords.py)
    attributes: dict[str, str]
    created: float
    modified: float
    temp_expires: float | None  # when a FORCE_CHANGE_PASSWORD password stops working
    srp: str | None = None  # "salt:verifier" for SRP sign-in (srp.py)


class Group(NamedTuple):
    pool_id: str
    name: str
    description: str | None
    role_arn: str | None
    precedence: int | None
    created: float
    modified: float


class Session(NamedTuple):
    pool_id: str
    client_id: str
    user_key: str
    challenge: str
    expires: float
    data: str = ""  # what the challenge's answer is checked against (SRP's b and B)


class RefreshToken(NamedTuple):
    pool_id: str
    client_id: str
    user_key: str
    origin_jti: str
    auth_time: int
    expires: float
    revoked: bool


_POOL = "id, account, region, name, created, modified, config, private_key"
_CLIENT = "id, pool_id, name, created, modified, config"
_USER = (
    "pool_id, key, username, sub, status, enabled, password, attributes, created, modified,"
    " temp_expires, srp"
)
_GROUP = "pool_id, name, description, role_arn, precedence, created, modified"


def _pool(r: Any) -> Pool:
    return Pool(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7])


def _client(r: Any) -> Client:
    return Client(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]))


def _user(r: Any) -> User:
    return User(
        r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], json.loads(r[7]), r[8], r[9], r[10], r[11]
    )


def _refresh(r: Any) -> RefreshToken:
    return RefreshToken(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CognitoStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("cognito-idp-1", SCHEMA)

    # -- pools -----------------------------------------------------------------------------
    def put_pool(self, pool: Pool) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO cognito_pools ({_POOL}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*pool[:6], json.dumps(pool.config), pool.private_key),
        )

    def pool(self, pool_id: str) -> Pool | None:
        row = self.db.query_one(f"SELECT {_POOL} FROM cognito_pools WHERE id=?", (pool_id,))
        return _pool(row) if row else None

    def pools(self, scope: Scope, after: str, limit: int) -> list[Pool]:
        rows = self.db.query(
            f"SELECT {_POOL} FROM cognito_pools WHERE account=? AND region=? AND id>?"
            " ORDER BY id LIMIT ?",
            (*scope, after, limit),
        )
        return [_pool(r) for r in rows]

    def delete_pool(self, pool_id: str) -> None:
        with self.db.transaction():
            for table in (
                "cognito_clients", "cognito_users", "cognito_groups", "cognito_members",
                "cognito_codes", "cognito_sessions", "cognito_refresh",
            ):  # fmt: skip
                self.db.execute(f"DELETE FROM {table} WHERE pool_id=?", (pool_id,))
            self.db.execute("DELETE FROM cognito_pools WHERE id=?", (pool_id,))

    def count_users(self, pool_id: str) -> int:
        row = self.db.query_one("SELECT COUNT(*) FROM cognito_users WHERE pool_id=?", (pool_id,))
        return int(row[0]) if row else 0

    # -- app clients -----------------------------------------------------------------------
    def put_client(self, client: Client) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO cognito_clients ({_CLIENT}) VALUES (?, ?, ?, ?, ?, ?)",
            (*client[:5], json.dumps(client.config)),
        )

    def client(self, client_id: str) -> Client | None:
        row = self.db.query_one(f"SELECT {_CLIENT} FROM cognito_clients WHERE id=?", (client_id,))
        return _client(row) if row else None

    def clients(self, pool_id: str) -> list[Client]:
        rows = self.db.query(
            f"SELECT {_CLIENT} FROM cognito_clients WHERE pool_id=? ORDER BY created, id",
            (pool_id,),
        )
        return [_client(r) for r in rows]

    def delete_client(self, client_id: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM cognito_sessions WHERE client_id=?", (client_id,))
            self.db.execute("DELETE FROM cognito_refresh WHERE client_id=?", (client_id,))
            self.db.execute("DELETE FROM cognito_clients WHERE id=?", (client_id,))

    # -- users -----------------------------------------------------------------------------
    def put_user(self, user: User) -> None:
        attributes = user.attributes
        aliases = (
            (attributes.get("email") or "").lower() or None,
            attributes.get("phone_number") or None,
            (attributes.get("preferred_username") or "").lower() or None,
        )
        self.db.execute(
            f"INSERT OR REPLACE INTO cognito_users ({_USER}, email_key, phone_key, preferred_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *user[:5], int(user.enabled), user.password, json.dumps(attributes),
                user.created, user.modified, user.temp_expires, user.srp, *aliases,
            ),
        )  # fmt: skip

    def user(self, pool_id: str, key: str) -> User | None:
        row = self.db.query_one(
            f"SELECT {_USER} FROM cognito_users WHERE pool_id=? AND key=?", (pool_id, key)
        )
        return _user(row) if row else None

    def user_by_sub(self, pool_id: str, sub: str) -> User | None:
        row = self.db.query_one(
            f"SELECT {_USER} FROM cognito_users WHERE pool_id=? AND sub=?", (pool_id, sub)
        )
        return _user(row) if row else None

    def users_by_alias(self, pool_id: str, alias: str, value: str) -> list[User]:
        """Users whose `alias` (email, phone_number, preferred_username) is `value`."""
        column = {"email": "email_key", "phone_number": "phone_key"}.get(alias, "preferred_key")
        folded = value if alias == "phone_number" else value.lower()
        rows = self.db.query(
            f"SELECT {_USER} FROM cognito_users WHERE pool_id=? AND {column}=? ORDER BY created",
            (pool_id, folded),
        )
        return [_user(r) for r in rows]

    def users(self, pool_id: str, after: str = "") -> list[User]:
        rows = self.db.query(
            f"SELECT {_USER} FROM cognito_users WHERE pool_id=? AND key>? ORDER BY key",
            (pool_id, after),
        )
        return [_user(r) for r in rows]

    def delete_user(self, pool_id: str, key: str) -> None:
        with self.db.transaction():
            for table, column in (
                ("cognito_members", "user_key"), ("cognito_codes", "user_key"),
                ("cognito_sessions", "user_key"), ("cognito_refresh", "user_key"),
                ("cognito_users", "key"),
            ):  # fmt: skip
                self.db.execute(
                    f"DELETE FROM {table} WHERE pool_id=? AND {column}=?", (pool_id, key)
                )

    # -- groups ----------------------------------------------------------------------------
    def put_group(self, group: Group) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO cognito_groups ({_GROUP}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            tuple(group),
        )

    def group(self, pool_id: str, name: str) -> Group | None:
        row = self.db.query_one(
            f"SELECT {_GROUP} FROM cognito_groups WHERE pool_id=? AND name=?", (pool_id, name)
        )
        return Group(*row) if row else None

    def groups(self, pool_id: str) -> list[Group]:
        rows = self.db.query(
            f"SELECT {_GROUP} FROM cognito_groups WHERE pool_id=? ORDER BY name", (pool_id,)
        )
        return [Group(*r) for r in rows]

    def delete_group(self, pool_id: str, name: str) -> None:
        with self.db.transaction():
            self.db.execute(
                "DELETE FROM cognito_members WHERE pool_id=? AND group_name=?", (pool_id, name)
            )
            self.db.execute(
                "DELETE FROM cognito_groups WHERE pool_id=? AND name=?", (pool_id, name)
            )

    def add_member(self, pool_id: str, group: str, user_key: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO cognito_members (pool_id, group_name, user_key)"
            " VALUES (?, ?, ?)",
            (pool_id, group, user_key),
        )

    def remove_member(self, pool_id: str, group: str, user_key: str) -> None:
        self.db.execute(
            "DELETE FROM cognito_members WHERE pool_id=? AND group_name=? AND user_key=?",
            (pool_id, group, user_key),
        )

    def groups_of(self, pool_id: str, user_key: str) -> list[Group]:
        rows = self.db.query(
            f"SELECT {', '.join('g.' + c.strip() for c in _GROUP.split(','))}"
            " FROM cognito_members m JOIN cognito_groups g"
            " ON g.pool_id = m.pool_id AND g.name = m.group_name"
            " WHERE m.pool_id=? AND m.user_key=? ORDER BY g.name",
            (pool_id, user_key),
        )
        return [Group(*r) for r in rows]

    def members(self, pool_id: str, group: str) -> list[User]:
        rows = self.db.query(
            f"SELECT {', '.join('u.' + c.strip() for c in _USER.split(','))}"
            " FROM cognito_members m JOIN cognito_users u"
            " ON u.pool_id = m.pool_id AND u.key = m.user_key"
            " WHERE m.pool_id=? AND m.group_name=? ORDER BY u.key",
            (pool_id, group),
        )
        return [_user(r) for r in rows]

    # -- codes (sign-up, forgotten password, attribute verification) ---------------------
    def put_code(
        self, pool_id: str, user_key: str, purpose: str, code: str, expires: float
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO cognito_codes (pool_id, user_key, purpose, code, expires)"
            " VALUES (?, ?, ?, ?, ?)",
            (pool_id, user_key, purpose, code, expires),
        )

    def code(self, pool_id: str, user_key: str, purpose: str) -> tuple[str, float] | None:
        row = self.db.query_one(
            "SELECT code, expires FROM cognito_codes WHERE pool_id=? AND user_key=? AND purpose=?",
            (pool_id, user_key, purpose),
        )
        return (row[0], row[1]) if row else None

    def codes(self, pool_id: str, user_key: str) -> dict[str, tuple[str, float]]:
        rows = self.db.query(
            "SELECT purpose, code, expires FROM cognito_codes WHERE pool_id=? AND user_key=?",
            (pool_id, user_key),
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def delete_code(self, pool_id: str, user_key: str, purpose: str) -> None:
        self.db.execute(
            "DELETE FROM cognito_codes WHERE pool_id=? AND user_key=? AND purpose=?",
            (pool_id, user_key, purpose),
        )

    # -- auth sessions (challenges) --------------------------------------------------------
    def put_session(self, token: str, session: Session) -> None:
        self.db.execute(
            "INSERT INTO cognito_sessions (token, pool_id, client_id, user_key, challenge, expires,"
            " data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (digest(token), *session),
        )

    def session(self, token: str) -> Session | None:
        row = self.db.query_one(
            "SELECT pool_id, client_id, user_key, challenge, expires, data FROM cognito_sessions"
            " WHERE token=?",
            (digest(token),),
        )
        return Session(*row) if row else None

    def delete_session(self, token: str) -> None:
        self.db.execute("DELETE FROM cognito_sessions WHERE token=?", (digest(token),))

    def expire_sessions(self, now: float) -> None:
        self.db.execute("DELETE FROM cognito_sessions WHERE expires<?", (now,))

    # -- refresh tokens --------------------------------------------------------------------
    def put_refresh(self, token: str, record: RefreshToken) -> None:
        self.db.execute(
            "INSERT INTO cognito_refresh (digest, pool_id, client_id, user_key, origin_jti,"
            " auth_time, expires, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (digest(token), *record[:6], int(record.revoked)),
        )

    def refresh(self, token: str) -> RefreshToken | None:
        row = self.db.query_one(
            "SELECT pool_id, client_id, user_key, origin_jti, auth_time, expires, revoked"
            " FROM cognito_refresh WHERE digest=?",
            (digest(token),),
        )
        return _refresh(row) if row else None

    def origin(self, origin_jti: str) -> RefreshToken | None:
        """The sign-in (refresh token record) an access token descends from."""
        row = self.db.query_one(
            "SELECT pool_id, client_id, user_key, origin_jti, auth_time, expires, revoked"
            " FROM cognito_refresh WHERE origin_jti=?",
            (origin_jti,),
        )
        return _refresh(row) if row else None

    def revoke_user(self, pool_id: str, user_key: str) -> None:
        self.db.execute(
            "UPDATE cognito_refresh SET revoked=1 WHERE pool_id=? AND user_key=?",
            (pool_id, user_key),
        )

    def revoke_origin(self, origin_jti: str) -> None:
        self.db.execute("UPDATE cognito_refresh SET revoked=1 WHERE origin_jti=?", (origin_jti,))
