"""Bad DynamoDB requests: each answers DynamoDB's exact error code and message, and
leaves every stored item as it was."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

TABLE = "bad-input-table"
MISSING = "no-such-table"
SEED = {"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "5"}, "g": {"S": "x"}}
KEY = {"pk": {"S": "a"}, "sk": {"N": "1"}}
VALIDATION = "ValidationException"
INVALID = "One or more parameter values were invalid: "


@pytest.fixture(scope="module")
def ddb(tenku: TenkuProcess) -> Any:
    client = tenku.client("dynamodb")
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=TABLE, Item=SEED)
    return client


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("get_item", {"TableName": MISSING, "Key": KEY}, "ResourceNotFoundException",
     "Requested resource not found"),
    ("put_item", {"TableName": MISSING, "Item": SEED}, "ResourceNotFoundException",
     "Requested resource not found"),
    ("describe_table", {"TableName": MISSING}, "ResourceNotFoundException",
     f"Requested resource not found: Table: {MISSING} not found"),
    ("put_item", {"TableName": TABLE, "Item": {"pk": {"N": "1"}, "sk": {"N": "1"}}}, VALIDATION,
     f"{INVALID}Type mismatch for key pk expected: S actual: N"),
    ("put_item", {"TableName": TABLE, "Item": {"pk": {"S": "a"}}}, VALIDATION,
     f"{INVALID}Missing the key sk in the item"),
    ("put_item", {"TableName": TABLE, "Item": {**KEY, "g": {"N": "1"}}}, VALIDATION,
     f"{INVALID}Type mismatch for Index Key g Expected: S Actual: N IndexName: byG"),
    ("put_item", {"TableName": TABLE, "Item": {**KEY, "big": {"S": "x" * 410_000}}}, VALIDATION,
     "Item size has exceeded the maximum allowed size"),
    ("put_item", {"TableName": TABLE, "Item": {"pk": {"S": ""}, "sk": {"N": "1"}}}, VALIDATION,
     "One or more parameter values are not valid. The AttributeValue for a key attribute "
     "cannot contain an empty string value. Key: pk"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ReturnValues": "ALL_NEW"}, VALIDATION,
     "ReturnValues can only be ALL_OLD or NONE"),
    ("put_item", {"TableName": TABLE, "Item": {**SEED, "n": {"N": "9"}},
                  "ConditionExpression": "attribute_not_exists(pk)"},
     "ConditionalCheckFailedException", "The conditional request failed"),
    ("get_item", {"TableName": TABLE, "Key": {"pk": {"S": "a"}}}, VALIDATION,
     "The provided key element does not match the schema"),
    ("get_item", {"TableName": TABLE, "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}}, VALIDATION,
     "The provided key element does not match the schema"),
    ("update_item", {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET pk = :v",
                     "ExpressionAttributeValues": {":v": {"S": "b"}}}, VALIDATION,
     f"{INVALID}Cannot update attribute pk. This attribute is part of the key"),
    ("update_item", {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET n = n + :v",
                     "ConditionExpression": "n > :v",
                     "ExpressionAttributeValues": {":v": {"N": "10"}}},
     "ConditionalCheckFailedException", "The conditional request failed"),
    ("update_item", {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET n = :v",
                     "ExpressionAttributeValues": {":v": {"N": "1"}, ":w": {"N": "2"}}},
     VALIDATION, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    ("update_item", {"TableName": TABLE, "Key": KEY,
                     "UpdateExpression": "SET nothere = nothere + :v",
                     "ExpressionAttributeValues": {":v": {"N": "1"}}}, VALIDATION,
     "The provided expression refers to an attribute that does not exist in the item"),
    ("delete_item", {"TableName": TABLE, "Key": KEY, "ConditionExpression": "n = :v",
                     "ExpressionAttributeValues": {":v": {"N": "6"}}},
     "ConditionalCheckFailedException", "The conditional request failed"),
    ("query", {"TableName": TABLE, "KeyConditionExpression": "sk = :v",
               "ExpressionAttributeValues": {":v": {"N": "1"}}}, VALIDATION,
     "Query condition missed key schema element: pk"),
    ("query", {"TableName": TABLE}, VALIDATION,
     "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
     "request."),
    ("query", {"TableName": TABLE, "IndexName": "nope", "KeyConditionExpression": "pk = :v",
               "ExpressionAttributeValues": {":v": {"S": "a"}}}, VALIDATION,
     "The table does not have the specified index: nope"),
    ("query", {"TableName": TABLE, "KeyConditionExpression": "pk = :v",
               "ExpressionAttributeValues": {":v": {"N": "1"}}}, VALIDATION,
     f"{INVALID}Condition parameter type does not match schema type"),
    ("scan", {"TableName": TABLE, "Segment": 2, "TotalSegments": 2}, VALIDATION,
     "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
     "Segment: 2 is not less than TotalSegments: 2"),
    ("scan", {"TableName": TABLE, "ExclusiveStartKey": {"pk": {"S": "a"}}}, VALIDATION,
     "The provided starting key is invalid: The provided key element does not match the schema"),
    ("batch_write_item", {"RequestItems": {TABLE: [{"PutRequest": {"Item": SEED}},
                                                   {"DeleteRequest": {"Key": KEY}}]}},
     VALIDATION, "Provided list of item keys contains duplicates"),
    ("batch_write_item", {"RequestItems": {TABLE: [
        {"PutRequest": {"Item": {**SEED, "n": {"N": "7"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "z"}}}}]}},
     VALIDATION, f"{INVALID}Missing the key sk in the item"),
    ("transact_write_items", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": {**SEED, "n": {"N": "7"}}}},
        {"Delete": {"TableName": TABLE, "Key": KEY}}]},
     VALIDATION, "Transaction request cannot include multiple operations on one item"),
    ("transact_write_items", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"N": "2"}}}},
        {"ConditionCheck": {"TableName": TABLE, "Key": KEY,
                            "ConditionExpression": "attribute_not_exists(pk)"}}]},
     "TransactionCanceledException",
     "Transaction cancelled, please refer cancellation reasons for specific reasons "
     "[None, ConditionalCheckFailed]"),
    ("create_table", {"TableName": TABLE,
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                      "BillingMode": "PAY_PER_REQUEST"},
     "ResourceInUseException", f"Table already exists: {TABLE}"),
    ("create_table", {"TableName": "t-extra",
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "x", "AttributeType": "S"}],
                      "BillingMode": "PAY_PER_REQUEST"}, VALIDATION,
     f"{INVALID}Number of attributes in KeySchema does not exactly match number of attributes "
     "defined in AttributeDefinitions"),
    ("create_table", {"TableName": "t-range",
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}],
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                      "BillingMode": "PAY_PER_REQUEST"}, VALIDATION,
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ("create_table", {"TableName": "t-prov",
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]},
     VALIDATION, "No provisioned throughput specified for the table"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "kwargs", "code", "message"),
    CASES,
    ids=[f"{i}-{case[0]}" for i, case in enumerate(CASES)],
)
def test_bad_input_is_refused_and_changes_nothing(
    ddb: Any, operation: str, kwargs: dict[str, Any], code: str, message: str
) -> None:
    before = ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    with pytest.raises(ClientError) as caught:
        getattr(ddb, operation)(**kwargs)
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (code, message)
    assert ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"] == before == [SEED]
    by_index = ddb.query(
        TableName=TABLE,
        IndexName="byG",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
    )
    assert by_index["Items"] == [SEED]
    assert "t-extra" not in ddb.list_tables()["TableNames"]
