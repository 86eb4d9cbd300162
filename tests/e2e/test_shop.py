"""The guide's shop, end to end: `tenku up examples/shop --no-watch` as a subprocess, then
its users API behind the Cognito JWT authorizer, an order through the FIFO queue, the
worker, the table stream, EventBridge and the rule's consumer, a poison message to the
dead-letter queue, the daily report on the Tokyo schedule, and the function logs in
`tenku up`'s output. Tests run in file order: the last ones move the Tenku clock."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import UpProcess, call, copy_shop, eventually

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    root = copy_shop(tmp_path_factory.mktemp("up") / "shop")
    running = UpProcess(root, ["--no-watch"]).start()
    print(f"\ntenku up: ready line after {running.ready_after:.2f} s: {running.ready_line}")
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def token(shop: UpProcess) -> str:
    return shop.token("alice")


def test_ready_line_deployment_and_outputs(shop: UpProcess) -> None:
    assert re.match(
        r"^Ready in \d+\.\d\d s: http://127\.0\.0\.1:\d+/ and http://127", shop.ready_line
    )
    assert shop.ready_after < 15, f"tenku up took {shop.ready_after:.2f} s to be ready"
    text = "\n".join(shop.lines)
    assert "Deploying stack shop" in text
    assert re.search(r"CREATE_COMPLETE\s+AWS::CloudFormation::Stack\s+shop$", text, re.M)
    for kind in ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Lambda::Function",
                 "AWS::ApiGatewayV2::Api", "AWS::Cognito::UserPool", "AWS::Events::Rule",
                 "AWS::Scheduler::Schedule", "AWS::Lambda::EventSourceMapping"):  # fmt: skip
        assert re.search(rf"CREATE_COMPLETE\s+{re.escape(kind)}\s", text), kind
    assert shop.outputs["TableName"] == "shop-dev-main-table"
    assert shop.outputs["UserPoolId"].startswith("us-east-1_")
    assert "tenku token --user-pool " + shop.outputs["UserPoolId"] in text
    stack = shop.client("cloudformation").describe_stacks(StackName="shop")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_endpoints_host_style_and_path_style(shop: UpProcess, token: str) -> None:
    api_id = shop.outputs["ApiId"]
    port = shop.endpoint.rsplit(":", 1)[1]
    host_style = f"http://{api_id}.execute-api.localhost:{port}/dev"
    path_style = f"{shop.endpoint}/_tenku/execute-api/{api_id}/dev"
    text = "\n".join(shop.lines)
    assert host_style in text and path_style in text
    status, _, _ = call(f"{path_style}/users", token=token)
    assert status == 200
    # Host style, for clients that cannot resolve *.localhost: the Host header does it.
    status, _, body = call(
        f"{shop.endpoint}/dev/users",
        token=token,
        headers={"host": f"{api_id}.execute-api.localhost:{port}"},
    )
    assert status == 200 and "users" in body
    status, _, body = call(f"{path_style}/users")
    assert status == 401 and body == {"message": "Unauthorized"}


def test_users_crud_on_the_api_port(shop: UpProcess, token: str) -> None:
    api = shop.api_url
    assert call(f"{api}/users")[0] == 401
    assert call(f"{api}/users", token="not-a-jwt")[0] == 401
    status, headers, created = call(
        f"{api}/users", "POST", {"name": "Hanako", "email": "hanako@example.com"}, token
    )
    assert status == 201, created
    user_id = created["userId"]
    assert headers["location"] == f"/users/{user_id}"
    assert created["name"] == "Hanako" and created["createdBy"]  # the token's sub
    assert call(f"{api}/users/{user_id}", token=token)[2]["email"] == "hanako@example.com"
    status, _, updated = call(f"{api}/users/{user_id}", "PUT", {"name": "Hanako Y."}, token)
    assert status == 200 and updated["name"] == "Hanako Y."
    assert updated["updatedAt"] >= created["updatedAt"]
    listed = call(f"{api}/users", token=token)[2]
    assert user_id in [u["userId"] for u in listed["users"]]
    assert call(f"{api}/users", "POST", {"name": "No Email"}, token)[:3:2] == (
        400, {"error": "email required"}
    )  # fmt: skip
    assert call(f"{api}/users", "POST", b"{nope", token)[0] == 400
    assert call(f"{api}/users/{user_id}", "DELETE", token=token)[0] == 204
    assert call(f"{api}/users/{user_id}", token=token)[0] == 404
    assert call(f"{api}/users/{user_id}", "DELETE", token=token)[0] == 404
    assert call(f"{api}/nothing-here", token=token)[0] == 404


def test_cors_preflight_for_the_local_front_end(shop: UpProcess) -> None:
    asked = {"origin": "http://localhost:3000", "access-control-request-method": "POST",
             "access-control-request-headers": "authorization,content-type"}  # fmt: skip
    status, headers, _ = call(f"{shop.api_url}/users", "OPTIONS", headers=asked)
    assert status == 204
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in headers["access-control-allow-methods"]
    status, headers, _ = call(
        f"{shop.api_url}/users", "OPTIONS", headers={**asked, "origin": "http://evil.example"}
    )
    assert "access-control-allow-origin" not in headers


def order_item(shop: UpProcess, user: str, order_id: str) -> dict[str, Any] | None:
    found = shop.client("dynamodb").get_item(
        TableName=shop.outputs["TableName"],
        Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": f"ORDER#{order_id}"}},
        ConsistentRead=True,
    )
    item: dict[str, Any] | None = found.get("Item")
    return item


def test_an_order_is_queued_placed_published_and_confirmed(shop: UpProcess, token: str) -> None:
    since = shop.mark()
    user = f"u-{uuid.uuid4().hex[:8]}"
    items = [
        {"productId": "p-1", "quantity": 2, "price": 1200},
        {"productId": "p-2", "quantity": 1, "price": 980.5},
    ]
    order = {"userId": user, "items": items}
    status, _, answer = call(f"{shop.api_url}/orders", "POST", order, token)
    assert status == 202, answer
    assert answer["status"] == "QUEUED" and answer["totalAmount"] == "3380.5"
    order_id = answer["orderId"]
    # The worker writes it (PLACED), the stream processor publishes OrderPlaced, and the
    # rule's consumer confirms it.
    item = eventually(
        lambda: (i := order_item(shop, user, order_id)) and i["status"]["S"] == "CONFIRMED" and i,
        timeout=60,
    )
    assert item["totalAmount"] == {"N": "3380.5"}
    assert item["eventId"]["S"] and item["placedAt"]["S"] <= item["confirmedAt"]["S"]
    shop.wait_for(rf"^\[OrdersFunction\] .*order {order_id} queued", since=since)
    shop.wait_for(
        rf"^\[OrderProcessorFunction\] .*order {order_id} placed for user {user}", since=since
    )
    shop.wait_for(
        rf"^\[OrderStreamFunction\] .*OrderPlaced published for order {order_id}", since=since
    )
    shop.wait_for(rf"^\[OrderEventsFunction\] .*order {order_id} confirmed", since=since)
    assert call(f"{shop.api_url}/orders", "POST", {"userId": user, "items": []}, token)[0] == 400


def test_function_logs_stream_with_the_function_names(shop: UpProcess, token: str) -> None:
    since = shop.mark()
    call(f"{shop.api_url}/users", token=token)
    shop.wait_for(r"^\[UsersFunction\] START RequestId: ", since=since)
    shop.wait_for(r"^\[UsersFunction\] END RequestId: ", since=since)
    shop.wait_for(r"^\[UsersFunction\] REPORT RequestId: .*Duration", since=since)
    welcome = shop.wait_for(r"^\[OrderStreamFunction\] .*welcome email to be sent to", timeout=5)
    assert "@example.com" in welcome  # a user created earlier, through the table stream


def test_a_poison_message_goes_to_the_dead_letter_queue(shop: UpProcess) -> None:
    sqs = shop.client("sqs")
    since = shop.mark()
    sent = sqs.send_message(
        QueueUrl=shop.outputs["OrderQueueUrl"], MessageBody="not an order", MessageGroupId="poison"
    )
    for _ in range(3):  # reported as a batch item failure each time
        failed = rf"^\[OrderProcessorFunction\] .*message {sent['MessageId']} failed"
        shop.wait_for(failed, timeout=30, since=since)
        since = shop.mark()
        shop.advance_clock(181)  # past the queue's visibility timeout

    def moved() -> list[dict[str, Any]]:
        got = sqs.receive_message(QueueUrl=shop.outputs["OrderDLQUrl"], WaitTimeSeconds=1)
        return list(got.get("Messages") or [])

    [message] = eventually(moved, timeout=30)
    assert message["Body"] == "not an order"


def test_the_daily_report_runs_at_nine_in_tokyo(shop: UpProcess) -> None:
    scheduler = shop.client("scheduler")
    [summary] = [s for s in scheduler.list_schedules()["Schedules"] if "DailySchedule" in s["Name"]]
    schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=summary["GroupName"])
    assert schedule["ScheduleExpression"] == "cron(0 9 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    assert json.loads(schedule["Target"]["Input"]) == {"reportType": "daily"}
    since = shop.mark()
    shop.advance_clock(24 * 3600)  # passes one 09:00 in Tokyo, whatever the time now
    line = shop.wait_for(
        r"^\[DailyReportFunction\] .*daily report \S+: \d+ orders", since=since, timeout=60
    )
    assert re.search(r": [1-9]\d* orders", line), line
    table = shop.client("dynamodb")
    reports = table.query(
        TableName=shop.outputs["TableName"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "REPORT#daily"}},
    )["Items"]
    assert reports and int(reports[-1]["orders"]["N"]) >= 1
    assert reports[-1]["reportType"] == {"S": "daily"}
