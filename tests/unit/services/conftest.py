"""Fixtures shared by the Lambda provider tests: a fake executor and the provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenku.core.clock import ManualClock
from tenku.core.events import EventBus
from tenku.services.lambda_.provider import LambdaProvider
from tenku.storage import MemoryStorage
from tests.unit.services.test_lambda_provider import FakeExecutor


@pytest.fixture()
def executor() -> FakeExecutor:
    return FakeExecutor()


@pytest.fixture()
def endpoint() -> str:
    return "http://localhost:4566"


@pytest.fixture()
def provider(tmp_path: Path, executor: FakeExecutor, endpoint: str) -> LambdaProvider:
    return LambdaProvider(MemoryStorage(), ManualClock(), EventBus(), executor, tmp_path, endpoint)
