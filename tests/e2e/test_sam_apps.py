"""Real application templates (copied unmodified from aws-samples/serverless-patterns, see
tests/fixtures/sam_apps/SOURCES.md) deployed the way a developer does it: `tenku deploy
<folder> --skip-unknown-types` against one running Tenku, local code, state machine
definitions and `AWS::Include` OpenAPI files packaged by the CLI. The share of stacks that
reach CREATE_COMPLETE is measured, and every failure is printed with its reason."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import tenku_env
from tests.integration.conftest import TenkuProcess

APPS = Path(__file__).parents[1] / "fixtures" / "sam_apps"
FOLDERS = sorted(p.parent for p in APPS.glob("*/template.y*ml"))
# Parameters without a default: the plausible value a developer types at `sam deploy --guided`.
PARAMS: dict[str, list[str]] = {
    "s3-sqs": ["SourceBucketName=patterns-s3-sqs-source"],
    "cognito-restapi": [
        "CognitoUserPoolArn=arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Example1"
    ],
}
# Measured: 42/42 (100%), with unknown types skipped (see SOURCES.md and the README).
MIN_PASS_RATE = 1.0
MIN_CORPUS = 30
# Stacks deployed at once: the machine has few cores, the engine waits mostly on I/O.
PARALLEL = 4
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    running = TenkuProcess(tmp_path_factory.mktemp("sam-apps")).start()
    yield running
    running.stop()


def _deploy(folder: Path, endpoint: str) -> tuple[str, str | None]:
    """The folder's name and None when its stack reached CREATE_COMPLETE, else the reason."""
    params = [arg for pair in PARAMS.get(folder.name, []) for arg in ("--param", pair)]
    done = subprocess.run(
        [sys.executable, "-m", "tenku", "deploy", str(folder), "--skip-unknown-types",
         "--endpoint", endpoint, *params],
        capture_output=True, text=True, env=tenku_env(), timeout=240,
    )  # fmt: skip
    if done.returncode == 0 and ": CREATE_COMPLETE" in done.stdout:
        return folder.name, None
    failed = [line for line in (done.stdout + done.stderr).splitlines() if "FAILED" in line]
    return folder.name, "\n    ".join(failed or (done.stdout + done.stderr).splitlines()[-8:])


def test_the_pattern_corpus_is_large_enough() -> None:
    assert len(FOLDERS) >= MIN_CORPUS, [p.name for p in FOLDERS]


def test_real_application_templates_deploy(server: TenkuProcess) -> None:
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda folder: _deploy(folder, server.endpoint), FOLDERS))
    failures = {name: reason for name, reason in results if reason is not None}
    deployed = len(results) - len(failures)
    rate = deployed / len(results)
    print(f"\nserverless-patterns apps: {deployed}/{len(results)} deployed ({rate:.1%})")
    for name, reason in sorted(failures.items()):
        print(f"  FAILED {name}:\n    {reason}")
    assert rate >= MIN_PASS_RATE, failures
