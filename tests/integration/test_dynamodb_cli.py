"""The AWS CLI drives DynamoDB against a real Tenku: create a table, write, read,
query, and an error whose exit status and stderr carry DynamoDB's error code."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.integration.conftest import TenkuProcess


def run(tenku: TenkuProcess, *args: str) -> Any:
    result = tenku.aws("dynamodb", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_cli_round_trip(tenku: TenkuProcess, name: str) -> None:
    created = run(
        tenku, "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "AttributeName=sk,AttributeType=N",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
        "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip
    assert created["TableDescription"]["TableStatus"] == "ACTIVE"
    item = {"pk": {"S": "cli"}, "sk": {"N": "1"}, "data": {"B": "aGVsbG8="}}
    run(tenku, "put-item", "--table-name", name, "--item", json.dumps(item))
    got = run(tenku, "get-item", "--table-name", name, "--key",
              json.dumps({"pk": {"S": "cli"}, "sk": {"N": "1"}}))  # fmt: skip
    # AWS CLI v1 sends a blob parameter's text as the raw bytes; answers are base64.
    assert got["Item"]["data"] == {"B": base64.b64encode(b"aGVsbG8=").decode()}
    assert got["Item"]["sk"] == {"N": "1"}
    queried = run(
        tenku, "query", "--table-name", name,
        "--key-condition-expression", "pk = :p",
        "--expression-attribute-values", json.dumps({":p": {"S": "cli"}}),
    )  # fmt: skip
    assert queried["Count"] == 1
    failed = tenku.aws(
        "dynamodb", "put-item", "--table-name", name, "--item", json.dumps(item),
        "--condition-expression", "attribute_not_exists(pk)",
    )  # fmt: skip
    assert failed.returncode != 0
    assert "ConditionalCheckFailedException" in failed.stderr
    run(tenku, "delete-table", "--table-name", name)
