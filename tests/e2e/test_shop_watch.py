"""`tenku up` watching the project: a handler edit reaches the function within a second
through UpdateFunctionCode alone, a template edit becomes a change set with only the
changed resources, a template saved unchanged changes nothing, a broken template is
reported and the running stack keeps serving."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import UpProcess, call, copy_shop

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    root = copy_shop(tmp_path_factory.mktemp("watch") / "shop")
    running = UpProcess(root).start()
    assert "watching" in running.ready_line
    yield running
    assert running.stop() == 0


def test_a_template_edit_changes_only_what_changed(watched: UpProcess) -> None:
    template = watched.target / "template.yaml"
    text = template.read_text()
    since = watched.mark()
    marker = '      Description: "Users API"\n'
    template.write_text(text.replace(marker, marker + "      MemorySize: 512\n"))
    watched.wait_for(r"^Changed: redeploying shop", since=since)
    watched.wait_for(r"^Stack shop: UPDATE_COMPLETE", since=since, timeout=60)
    output = watched.output_since(since)
    changes = [line.split() for line in output.splitlines() if line.startswith("  ~ Modify")]
    assert [c[3] for c in changes] == ["UsersFunction"], output
    config = watched.client("lambda").get_function_configuration(FunctionName="shop-dev-users-api")
    assert config["MemorySize"] == 512
    assert "Ready" not in output  # the session goes on


def test_an_unchanged_template_changes_nothing(watched: UpProcess) -> None:
    template = watched.target / "template.yaml"
    since = watched.mark()
    template.write_text(template.read_text() + "\n# a comment\n")
    watched.wait_for(r"^Stack shop: no changes", since=since)
    assert "UPDATE_IN_PROGRESS" not in watched.output_since(since)


def test_a_broken_template_is_reported_and_the_stack_keeps_serving(watched: UpProcess) -> None:
    template = watched.target / "template.yaml"
    good = template.read_text()
    since = watched.mark()
    template.write_text(good + "\n  Broken: [unclosed\n")
    watched.wait_for(r"Cannot deploy .*template.yaml: .*YAML not well-formed", since=since)
    token = watched.token("watcher")
    assert call(f"{watched.api_url}/users", token=token)[0] == 200
    since = watched.mark()
    template.write_text(good)
    watched.wait_for(r"^Stack shop: no changes", since=since)


def test_a_handler_edit_is_live_within_a_second(watched: UpProcess) -> None:
    token = watched.token("watcher")
    url = f"{watched.api_url}/users/{uuid.uuid4()}"
    status, _, body = call(url, token=token)
    assert status == 404 and body["error"].endswith("not found")
    handler = watched.target / "src" / "users" / "handler.py"
    since = watched.mark()
    source = handler.read_text()
    assert 'f"user {user_id} not found"' in source
    handler.write_text(source.replace('f"user {user_id} not found"', 'f"no user {user_id} here"'))
    edited = time.monotonic()
    while True:
        status, _, body = call(url, token=token)
        if body["error"].startswith("no user"):
            break
        assert time.monotonic() - edited < 5, "the edit never reached the function"
        time.sleep(0.05)
    took = time.monotonic() - edited
    print(f"\nhandler edit to new answer: {took * 1000:.0f} ms")
    assert took < 1.5, f"the edit took {took:.2f} s to be live"
    output = watched.output_since(since)
    # Every function packaged from src/ gets the new code, without a change set.
    updated = {line.split()[2] for line in output.splitlines() if line.startswith("  ~ code ")}
    assert "UsersFunction" in updated and "OrdersFunction" in updated
    assert "redeploying" not in output and "Deploying stack" not in output


def test_after_a_code_edit_the_next_change_set_records_the_new_code(watched: UpProcess) -> None:
    template = watched.target / "template.yaml"
    since = watched.mark()
    template.write_text(template.read_text().replace('"Users API"', '"The users API"'))
    watched.wait_for(r"^Stack shop: UPDATE_COMPLETE", since=since, timeout=60)
    output = watched.output_since(since)
    changes = {line.split()[3] for line in output.splitlines() if line.startswith("  ~ Modify")}
    # The functions run the edited code already; the stack now says so too.
    assert changes == {
        "UsersFunction", "OrdersFunction", "OrderProcessorFunction", "OrderStreamFunction",
        "OrderEventsFunction", "DailyReportFunction",
    }  # fmt: skip


def test_a_layer_edit_publishes_a_new_layer_version(watched: UpProcess) -> None:
    common = watched.target / "layers" / "common" / "python" / "shop_common.py"
    since = watched.mark()
    before = '"content-type": "application/json"'
    common.write_text(common.read_text().replace(before, before + ', "x-shop": "2"'))
    watched.wait_for(r"^Stack shop: UPDATE_COMPLETE", since=since, timeout=60)
    token = watched.token("watcher")
    status, headers, _ = call(f"{watched.api_url}/users", token=token)
    assert status == 200 and headers.get("x-shop") == "2"
    assert Path(common).exists()
