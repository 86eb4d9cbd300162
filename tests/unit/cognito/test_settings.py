"""Pool and client settings: password policies, auth flows, token lifetimes, secrets."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.services.cognito_idp import passwords, pools
from tenku.services.cognito_idp.base import mask_email, mask_phone, secret_hash
from tenku.services.cognito_idp.store import Client


def client(**config: object) -> Client:
    return Client("c", "p", "n", 0.0, 0.0, pools.client_config(dict(config), None))


def test_password_policy() -> None:
    policy = passwords.DEFAULT_POLICY
    assert passwords.policy_violation("Abcdef1!", policy) is None
    assert passwords.policy_violation("Ab1!", policy) == "Password not long enough"
    assert (
        passwords.policy_violation("abcdef1!", policy) == "Password must have uppercase characters"
    )
    assert (
        passwords.policy_violation("ABCDEF1!", policy) == "Password must have lowercase characters"
    )
    assert passwords.policy_violation("Abcdefg!", policy) == "Password must have numeric characters"
    assert passwords.policy_violation("Abcdefg1", policy) == "Password must have symbol characters"
    relaxed = {"MinimumLength": 6}
    assert passwords.policy_violation("abcdef", relaxed) is None
    for _ in range(20):
        assert passwords.policy_violation(passwords.temporary_password(policy), policy) is None


def test_password_hashes() -> None:
    stored = passwords.hash_password("S3cret!")
    assert "S3cret" not in stored
    assert passwords.verify_password("S3cret!", stored)
    assert not passwords.verify_password("S3cret?", stored)
    assert not passwords.verify_password("S3cret!", None)
    assert not passwords.verify_password("S3cret!", "garbage")
    assert stored != passwords.hash_password("S3cret!")  # salted


def test_auth_flows() -> None:
    modern = client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    assert pools.flow_enabled(modern, "USER_PASSWORD_AUTH")
    assert pools.flow_enabled(modern, "REFRESH_TOKEN")
    assert not pools.flow_enabled(modern, "ADMIN_USER_PASSWORD_AUTH")
    assert not pools.flow_enabled(modern, "USER_SRP_AUTH")
    default = client()
    assert pools.flow_enabled(default, "USER_SRP_AUTH")
    assert pools.flow_enabled(default, "REFRESH_TOKEN_AUTH")
    assert not pools.flow_enabled(default, "USER_PASSWORD_AUTH")
    legacy = client(ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])
    assert pools.flow_enabled(legacy, "ADMIN_USER_PASSWORD_AUTH")
    assert pools.flow_enabled(legacy, "REFRESH_TOKEN_AUTH")  # legacy clients always refresh
    with pytest.raises(ServiceError):
        client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"])


def test_token_lifetimes() -> None:
    default = client()
    assert pools.validity_seconds(default, "IdToken") == 3600
    assert pools.validity_seconds(default, "AccessToken") == 3600
    assert pools.validity_seconds(default, "RefreshToken") == 30 * 86400
    custom = client(
        AccessTokenValidity=10,
        IdTokenValidity=2,
        RefreshTokenValidity=90,
        TokenValidityUnits={"AccessToken": "minutes", "RefreshToken": "minutes"},
    )
    assert pools.validity_seconds(custom, "AccessToken") == 600
    assert pools.validity_seconds(custom, "IdToken") == 7200
    assert pools.validity_seconds(custom, "RefreshToken") == 5400
    for bad in (
        {"AccessTokenValidity": 2},
        {"IdTokenValidity": 25},
        {"RefreshTokenValidity": 3651},
    ):
        units = {"AccessToken": "minutes"} if "AccessTokenValidity" in bad else {}
        with pytest.raises(ServiceError):
            client(**bad, TokenValidityUnits=units)


def test_ids_and_secret_hash() -> None:
    assert pools.new_pool_id("ap-south-1").startswith("ap-south-1_")
    assert len(pools.new_pool_id("us-east-1")) == len("us-east-1_") + 9
    assert len(pools.new_client_id()) == 26 and pools.new_code().isdigit()
    # The AWS documentation's recipe: Base64(HMAC_SHA256(secret, username + clientId)).
    assert secret_hash("secret", "user", "client") == "wvW87lzZoI+qQCVGmWVBJLlucdJ65huAVP1z+0MgA6E="
    assert mask_email("jane@example.com") == "j***@e***"
    assert mask_phone("+12065550100") == "+*******0100"
