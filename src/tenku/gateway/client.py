"""Clients of Tenku's public API.

`remote_client` talks to a running Tenku over HTTP with botocore (already a dependency
for its service models), exactly as any SDK would; the CLI uses it. Test credentials
are fine: Tenku accepts any.
"""

from __future__ import annotations

from typing import Any

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"


def remote_client(service: str, endpoint: str = DEFAULT_ENDPOINT, region: str = "us-east-1") -> Any:
    """A botocore client for `service` aimed at a Tenku endpoint."""
    import botocore.config  # imported here: botocore is slow to import and only clients need it
    import botocore.session

    session = botocore.session.get_session()
    return session.create_client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}, read_timeout=960),
    )
