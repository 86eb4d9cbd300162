"""The same shop from its serverless.yml: `tenku up examples/shop/serverless.yml`
translates it, uploads its packages, deploys stack `shop-dev`, and the application
behaves as the SAM one does."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import UpProcess, call, copy_shop, eventually

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    root = copy_shop(tmp_path_factory.mktemp("sls") / "shop")
    running = UpProcess(root / "serverless.yml", ["--no-watch"]).start()
    print(f"\ntenku up (serverless.yml): ready after {running.ready_after:.2f} s")
    yield running
    assert running.stop() == 0


def test_the_service_deploys_as_stack_shop_dev(shop: UpProcess) -> None:
    text = "\n".join(shop.lines)
    assert re.search(r"CREATE_COMPLETE\s+AWS::CloudFormation::Stack\s+shop-dev$", text, re.M)
    assert shop.outputs["TableName"] == "shop-dev-table"
    resources = shop.client("cloudformation").list_stack_resources(StackName="shop-dev")
    kinds = {r["ResourceType"] for r in resources["StackResourceSummaries"]}
    assert {"AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Authorizer",
            "AWS::Lambda::LayerVersion", "AWS::Scheduler::Schedule"} <= kinds  # fmt: skip
    stored = shop.client("s3").list_objects_v2(Bucket="tenku-deploy-artifacts")["Contents"]
    assert {o["Key"].rsplit("/", 1)[1] for o in stored} >= {"shop.zip", "common.zip"}


def test_users_and_an_order_through_the_whole_chain(shop: UpProcess) -> None:
    token = shop.token("sls-user")
    api = shop.api_url
    assert call(f"{api}/users")[0] == 401
    status, _, user = call(
        f"{api}/users", "POST", {"name": "Taro", "email": "t@example.com"}, token
    )
    assert status == 201
    assert call(f"{api}/users/{user['userId']}", token=token)[2]["name"] == "Taro"
    since = shop.mark()
    owner = f"u-{uuid.uuid4().hex[:8]}"
    order = {"userId": owner, "items": [{"productId": "p", "quantity": 3, "price": 100}]}
    status, _, answer = call(f"{api}/orders", "POST", order, token)
    assert status == 202

    def confirmed() -> bool:
        item = (
            shop.client("dynamodb")
            .get_item(
                TableName="shop-dev-table",
                Key={"PK": {"S": f"USER#{owner}"}, "SK": {"S": f"ORDER#{answer['orderId']}"}},
            )
            .get("Item")
        )
        return bool(item) and item["status"]["S"] == "CONFIRMED"

    eventually(confirmed, timeout=60)
    shop.wait_for(r"^\[OrderEventsLambdaFunction\] .*confirmed", since=since)


def test_the_schedule_is_in_tokyo_time(shop: UpProcess) -> None:
    scheduler = shop.client("scheduler")
    [summary] = scheduler.list_schedules()["Schedules"]
    schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=summary["GroupName"])
    assert schedule["ScheduleExpression"] == "cron(0 9 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Tokyo"
