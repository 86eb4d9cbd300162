"""Bad DynamoDB requests: each answers DynamoDB's exact error code and message, and
leaves every stored item as it was."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

TABLE = "bad-input-table"
TABLE2 = "bad-input-strings"  # string sort key, kept empty
MISSING = "no-such-table"
SEED = {
    "pk": {"S": "a"},
    "sk": {"N": "1"},
    "n": {"N": "5"},
    "g": {"S": "x"},
    "l": {"L": [{"N": "1"}]},
    "m": {"M": {"a": {"N": "1"}}},
    "ss": {"SS": ["p"]},
}
KEY = {"pk": {"S": "a"}, "sk": {"N": "1"}}
VALIDATION = "ValidationException"
INVALID = "One or more parameter values were invalid: "


@pytest.fixture(scope="module")
def ddb(tenku: TenkuProcess) -> Any:
    # No client-side validation: the server has to refuse what botocore would catch.
    client = tenku.client("dynamodb", parameter_validation=False)
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
    client.create_table(
        TableName=TABLE2,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
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


def _u(
    expr: str,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """UpdateItem on the seeded item."""
    kwargs: dict[str, Any] = {"TableName": TABLE, "Key": KEY, "UpdateExpression": expr, **extra}
    if values is not None:
        kwargs["ExpressionAttributeValues"] = values
    if names is not None:
        kwargs["ExpressionAttributeNames"] = names
    return kwargs


def _q(expr: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Query of the main table."""
    return {
        "TableName": TABLE,
        "KeyConditionExpression": expr,
        "ExpressionAttributeValues": values,
        **extra,
    }


def _put(**attrs: Any) -> dict[str, Any]:
    """PutItem of a new item (key pk=new, sk=9) with the given attributes."""
    return {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"N": "9"}, **attrs}}


def _create(
    name: str, keys: list[tuple[str, str]], defs: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": n, "KeyType": k} for n, k in keys],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in defs],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }


V1 = {":v": {"N": "1"}}
VS = {":v": {"S": "s"}}
P = {":p": {"S": "a"}}
OVERLAP = (
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
    "or rewrite one of these paths; path one: "
)
CONFLICT = (
    "Invalid UpdateExpression: Two document paths conflict with each other; must "
    "remove or rewrite one of these paths; path one: "
)
OPERAND = "An operand in the update expression has an incorrect data type"
RNF = "ResourceNotFoundException"
NOT_FOUND = "Requested resource not found"
SCHEMA = "The provided key element does not match the schema"
ONE_ITEM = "Transaction request cannot include multiple operations on one item"
CANCELLED = "TransactionCanceledException"
CCF = "ConditionalCheckFailedException"

MORE_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # --- malformed expressions: syntax
    ("update_item", _u("SET n"), VALIDATION,
     'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "n"'),
    ("update_item", _u("SET n = :v,", V1), VALIDATION,
     'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","'),
    ("update_item", _u("PUT n = :v", V1), VALIDATION,
     'Invalid UpdateExpression: Syntax error; token: "PUT", near: "PUT n"'),
    ("update_item", _u("", V1), VALIDATION,
     "Invalid UpdateExpression: The expression can not be empty;"),
    ("update_item", _u("SET n = :v SET g = :v", V1), VALIDATION,
     'Invalid UpdateExpression: The "SET" section can only be used once in an update '
     "expression;"),
    ("delete_item", {"TableName": TABLE, "Key": KEY, "ConditionExpression": "n = = :v",
                     "ExpressionAttributeValues": V1}, VALIDATION,
     'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": "n BETWEEN :v",
                  "ExpressionAttributeValues": V1}, VALIDATION,
     'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":v"'),
    ("get_item", {"TableName": TABLE, "Key": KEY, "ProjectionExpression": "n,,g"}, VALIDATION,
     'Invalid ProjectionExpression: Syntax error; token: ",", near: ",,g"'),
    ("query", _q("pk = :p AND", P), VALIDATION,
     'Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"'),
    ("scan", {"TableName": TABLE, "FilterExpression": "(n = :v", "ExpressionAttributeValues": V1},
     VALIDATION, 'Invalid FilterExpression: Syntax error; token: "<EOF>", near: ":v"'),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": ""}, VALIDATION,
     "Invalid ConditionExpression: The expression can not be empty;"),
    # --- reserved words
    ("update_item", _u("SET status = :v", V1), VALIDATION,
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"),
    ("delete_item", {"TableName": TABLE, "Key": KEY, "ConditionExpression": "name = :v",
                     "ExpressionAttributeValues": VS}, VALIDATION,
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
    ("get_item", {"TableName": TABLE, "Key": KEY, "ProjectionExpression": "pk, data"},
     VALIDATION,
     "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: data"),
    ("scan", {"TableName": TABLE, "FilterExpression": "Comment = :v",
              "ExpressionAttributeValues": VS}, VALIDATION,
     "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Comment"),
    ("query", _q("pk = :p AND date > :v", {**P, **V1}), VALIDATION,
     "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
     "date"),
    # --- expression attribute names and values
    ("update_item", _u("SET #n = :v", V1), VALIDATION,
     "Invalid UpdateExpression: An expression attribute name used in the document path is not "
     "defined; attribute name: #n"),
    ("update_item", _u("SET n = :w", V1), VALIDATION,
     "Invalid UpdateExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :w"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": "#a = :v",
                  "ExpressionAttributeNames": {"#b": "n"}, "ExpressionAttributeValues": V1},
     VALIDATION, "Invalid ConditionExpression: An expression attribute name used in the "
     "document path is not defined; attribute name: #a"),
    ("update_item", _u("SET n = :v", V1, {"#u": "n"}), VALIDATION,
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}"),
    ("get_item", {"TableName": TABLE, "Key": KEY, "ExpressionAttributeNames": {"#n": "n"}},
     VALIDATION, "ExpressionAttributeNames can only be specified when using expressions"),
    ("delete_item", {"TableName": TABLE, "Key": KEY, "ExpressionAttributeValues": V1},
     VALIDATION,
     "ExpressionAttributeValues can only be specified when using expressions: "
     "ConditionExpression is null"),
    ("update_item", _u("SET n = :v", {}), VALIDATION,
     "ExpressionAttributeValues must not be empty"),
    ("update_item", _u("SET n = :v", V1, {}), VALIDATION,
     "ExpressionAttributeNames must not be empty"),
    ("update_item", _u("SET n = :v", {":v": {}}), VALIDATION,
     "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must "
     "contain exactly one of the supported datatypes for key :v"),
    ("update_item", _u("SET n = :v", V1, {"n": "n"}), VALIDATION,
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "n"'),
    # --- functions
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": "foo(n)"},
     VALIDATION, "Invalid ConditionExpression: Invalid function name; function: foo"),
    ("update_item", _u("SET n = attribute_exists(g)"), VALIDATION,
     "Invalid UpdateExpression: The function is not allowed in an update expression; "
     "function: attribute_exists"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": "size(n)"},
     VALIDATION, "Invalid ConditionExpression: The function is not allowed to be used this way "
     "in an expression; function: size"),
    ("put_item", {"TableName": TABLE, "Item": SEED,
                  "ConditionExpression": "list_append(l, l) = l"}, VALIDATION,
     "Invalid ConditionExpression: The function is not allowed in a condition expression; "
     "function: list_append"),
    ("put_item", {"TableName": TABLE, "Item": SEED,
                  "ConditionExpression": "attribute_type(n, :t)",
                  "ExpressionAttributeValues": {":t": {"S": "XX"}}}, VALIDATION,
     "Invalid ConditionExpression: Invalid attribute type name found; type: XX, valid types: "
     "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": "begins_with(g, :v)",
                  "ExpressionAttributeValues": V1}, VALIDATION,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: begins_with, operand type: N"),
    ("update_item", _u("SET n = if_not_exists(n)"), VALIDATION,
     "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
     "operator or function: if_not_exists, number of operands: 1"),
    ("put_item", {"TableName": TABLE, "Item": SEED,
                  "ConditionExpression": "attribute_exists(n, g)"}, VALIDATION,
     "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
     "operator or function: attribute_exists, number of operands: 2"),
    # --- key conditions
    ("query", _q("pk = :p OR pk = :q", {**P, ":q": {"S": "b"}}), VALIDATION,
     "Invalid operator used in KeyConditionExpression: OR"),
    ("query", _q("begins_with(pk, :p)", P), VALIDATION, "Query key condition not supported"),
    ("query", _q("pk = :p AND sk > :v AND sk < :v", {**P, **V1}), VALIDATION,
     "KeyConditionExpressions must only contain one condition per key"),
    ("query", _q("pk <> :p", P), VALIDATION,
     "Invalid operator used in KeyConditionExpression: <>"),
    ("query", _q("pk = :p AND attribute_exists(sk)", P), VALIDATION,
     "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("query", _q("pk = :p AND begins_with(sk, :v)", {**P, **V1}), VALIDATION,
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
     "operator or function: begins_with, operand type: N"),
    ("query", _q("pk = :p AND sk > :v", {**P, **VS}), VALIDATION,
     f"{INVALID}Condition parameter type does not match schema type"),
    ("query", _q("pk = :p AND n = :v", {**P, **V1}), VALIDATION,
     "Query condition missed key schema element: sk"),
    ("query", _q("pk = :p", P, KeyConditions={"pk": {"ComparisonOperator": "EQ",
                                                       "AttributeValueList": [{"S": "a"}]}}),
     VALIDATION, "Can not use both expression and non-expression parameters in the same "
     "request: Non-expression parameters: {KeyConditions} Expression parameters: "
     "{KeyConditionExpression}"),
    ("query", _q("pk = :p", {**P, **V1}, FilterExpression="n > :v OR sk = :v"), VALIDATION,
     "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"),
    ("query", _q("g = :p", P, IndexName="byG", ConsistentRead=True), VALIDATION,
     "Consistent reads are not supported on global secondary indexes"),
    # --- type mismatches
    ("update_item", _u("ADD g :v", V1), VALIDATION, OPERAND),
    ("update_item", _u("ADD n :v", VS), VALIDATION,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
     "ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"),
    ("update_item", _u("SET n = g + :v", V1), VALIDATION, OPERAND),
    ("update_item", _u("SET n = n + :v", VS), VALIDATION,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
     "function: +, operand type: S"),
    ("update_item", _u("SET n = n - :v", {":v": {"SS": ["a"]}}), VALIDATION,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
     "function: -, operand type: SS"),
    ("update_item", _u("SET l = list_append(g, l)"), VALIDATION, OPERAND),
    ("update_item", _u("SET l = list_append(l, :v)", V1), VALIDATION,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
     "function: list_append, operand type: N"),
    ("update_item", _u("DELETE ss :v", VS), VALIDATION,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
     "DELETE, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"),  # sic: ADD
    ("update_item", _u("DELETE n :v", {":v": {"NS": ["1"]}}), VALIDATION, OPERAND),
    ("update_item", _u("ADD ss :v", {":v": {"NS": ["1"]}}), VALIDATION, OPERAND),
    ("update_item", _u("SET m.a.b = :v", V1), VALIDATION,
     "The document path provided in the update expression is invalid for update"),
    ("update_item", _u("SET g.x = :v", V1), VALIDATION,
     "The document path provided in the update expression is invalid for update"),
    ("update_item", _u("REMOVE pk"), VALIDATION,
     f"{INVALID}Cannot update attribute pk. This attribute is part of the key"),
    ("update_item", _u("ADD sk :v", V1), VALIDATION,
     f"{INVALID}Cannot update attribute sk. This attribute is part of the key"),
    ("update_item", _u("SET g = :v", V1), VALIDATION,
     f"{INVALID}Type mismatch for Index Key g Expected: S Actual: N IndexName: byG"),
    ("update_item", _u("SET g = :v", {":v": {"S": ""}}), VALIDATION,
     "One or more parameter values are not valid. A value specified for a secondary index key "
     "is not supported. The AttributeValue for a key attribute cannot contain an empty string "
     "value. IndexName: byG, IndexKey: g"),
    ("update_item", _u("SET n = :v", VS, ConditionExpression="n > :v"), CCF,
     "The conditional request failed"),
    # --- oversize items and keys
    ("update_item", _u("SET big = :v", {":v": {"S": "x" * 410_000}}), VALIDATION,
     "Item size to update has exceeded the maximum allowed size"),
    ("put_item", _put(**{f"a{i}": {"S": "x" * 20_000} for i in range(21)}), VALIDATION,
     "Item size has exceeded the maximum allowed size"),
    ("put_item", {"TableName": TABLE, "Item": {"pk": {"S": "k" * 2049}, "sk": {"N": "1"}}},
     VALIDATION, f"{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    ("get_item", {"TableName": TABLE, "Key": {"pk": {"S": "k" * 2049}, "sk": {"N": "1"}}},
     VALIDATION, f"{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    ("put_item", {"TableName": TABLE2, "Item": {"pk": {"S": "a"}, "sk": {"S": "k" * 1025}}},
     VALIDATION, f"{INVALID}Aggregated size of all range keys has exceeded the size limit of "
     "1024 bytes"),
    ("put_item", {"TableName": TABLE2, "Item": {"pk": {"B": b"k" * 2049}, "sk": {"S": "a"}}},
     VALIDATION, f"{INVALID}Type mismatch for key pk expected: S actual: B"),
    # --- bad keys
    ("get_item", {"TableName": TABLE, "Key": {**KEY, "n": {"N": "5"}}}, VALIDATION, SCHEMA),
    ("delete_item", {"TableName": TABLE, "Key": {"pk": {"S": "a"}}}, VALIDATION, SCHEMA),
    ("update_item", {"TableName": TABLE, "Key": {"pk": {"N": "1"}, "sk": {"N": "1"}},
                     "UpdateExpression": "SET n = :v", "ExpressionAttributeValues": V1},
     VALIDATION, SCHEMA),
    ("get_item", {"TableName": TABLE, "Key": {}}, VALIDATION, SCHEMA),
    ("put_item", _put(n={"N": "1", "S": "1"}), VALIDATION,
     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
     "supported datatypes"),
    ("put_item", _put(n={}), VALIDATION,
     "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
    ("put_item", {"TableName": TABLE, "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}}, VALIDATION,
     f"{INVALID}Type mismatch for key sk expected: N actual: S"),
    # --- missing tables
    ("update_item", {"TableName": MISSING, "Key": KEY, "UpdateExpression": "SET n = :v",
                     "ExpressionAttributeValues": V1}, RNF, NOT_FOUND),
    ("delete_item", {"TableName": MISSING, "Key": KEY}, RNF, NOT_FOUND),
    ("query", {"TableName": MISSING, "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": P}, RNF, NOT_FOUND),
    ("scan", {"TableName": MISSING}, RNF, NOT_FOUND),
    ("delete_table", {"TableName": MISSING}, RNF,
     f"Requested resource not found: Table: {MISSING} not found"),
    ("batch_write_item", {"RequestItems": {MISSING: [{"PutRequest": {"Item": SEED}}]}}, RNF,
     NOT_FOUND),
    ("batch_get_item", {"RequestItems": {MISSING: {"Keys": [KEY]}}}, RNF, NOT_FOUND),
    ("transact_write_items", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"N": "2"}}}},
        {"Put": {"TableName": MISSING, "Item": SEED}}]}, RNF, NOT_FOUND),
    ("transact_get_items", {"TransactItems": [{"Get": {"TableName": MISSING, "Key": KEY}}]},
     RNF, NOT_FOUND),
    # --- conflicting or overlapping update paths
    ("update_item", _u("SET n = :v REMOVE n", V1), VALIDATION, f"{OVERLAP}[n], path two: [n]"),
    ("update_item", _u("SET m = :v, m.a = :v", V1), VALIDATION,
     f"{OVERLAP}[m], path two: [m, a]"),
    ("update_item", _u("SET l[0] = :v, l.a = :v", V1), VALIDATION,
     f"{CONFLICT}[l, [0]], path two: [l, a]"),
    ("update_item", _u("ADD ss :v DELETE ss :v", {":v": {"SS": ["p"]}}), VALIDATION,
     f"{OVERLAP}[ss], path two: [ss]"),
    ("get_item", {"TableName": TABLE, "Key": KEY, "ProjectionExpression": "n, m.a, m"},
     VALIDATION, "Invalid ProjectionExpression: Two document paths overlap with each other; "
     "must remove or rewrite one of these paths; path one: [m, a], path two: [m]"),
    # --- empty sets, duplicate set elements, NULL
    ("put_item", _put(s={"SS": []}), VALIDATION, f"{INVALID}An string set  may not be empty"),
    ("put_item", _put(s={"NS": []}), VALIDATION, f"{INVALID}An number set  may not be empty"),
    ("put_item", _put(s={"BS": []}), VALIDATION, f"{INVALID}Binary sets should not be empty"),
    ("put_item", _put(s={"SS": ["a", "b", "a"]}), VALIDATION,
     f"{INVALID}Input collection [a, b, a] contains duplicates."),
    ("update_item", _u("ADD ss :v", {":v": {"SS": []}}), VALIDATION,
     f"ExpressionAttributeValues contains invalid value: {INVALID}An string set  may not be "
     "empty for key :v"),
    ("put_item", _put(x={"NULL": False}), VALIDATION,
     f"{INVALID}Null attribute value types must have the value of true"),
    # --- invalid numbers
    ("put_item", _put(x={"N": "1E+126"}), VALIDATION,
     "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("put_item", _put(x={"N": "1E-131"}), VALIDATION,
     "Number underflow. Attempting to store a number with magnitude smaller than supported "
     "range"),
    ("put_item", _put(x={"N": "1" * 39}), VALIDATION,
     "Attempting to store more than 38 significant digits in a Number"),
    ("put_item", _put(x={"N": "abc"}), VALIDATION,
     "The parameter cannot be converted to a numeric value: abc"),
    ("put_item", _put(x={"NS": ["1", "x"]}), VALIDATION,
     "The parameter cannot be converted to a numeric value: x"),
    ("update_item", _u("SET n = :v + :v", {":v": {"N": "9E+125"}}), VALIDATION,
     "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("update_item", _u("ADD n :v", {":v": {"N": "0." + "1" * 39}}), VALIDATION,
     "ExpressionAttributeValues contains invalid value: Attempting to store more than 38 "
     "significant digits in a Number for key :v"),
    # --- BatchWriteItem / BatchGetItem limits
    ("batch_write_item", {"RequestItems": {TABLE: [
        {"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "sk": {"N": "1"}}}} for i in range(26)]}},
     VALIDATION, "re:1 validation error detected: Value '\\{" + TABLE + "=\\[.+\\]\\}' at "
     "'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
     "\\[Member must have length less than or equal to 25, Member must have length greater "
     "than or equal to 1\\]"),
    ("batch_write_item", {"RequestItems": {TABLE: []}}, VALIDATION,
     f"1 validation error detected: Value '{{{TABLE}=[]}}' at 'requestItems' failed to satisfy "
     "constraint: Map value must satisfy constraint: [Member must have length less than or "
     "equal to 25, Member must have length greater than or equal to 1]"),
    ("batch_write_item", {"RequestItems": {
        TABLE: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "sk": {"N": "1"}}}}
                for i in range(13)],
        TABLE2: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "sk": {"S": "1"}}}}
                 for i in range(13)]}},
     VALIDATION, "Too many items requested for the BatchWriteItem call"),
    ("batch_write_item", {"RequestItems": {TABLE: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": "1"}, "n": {"N": "2"}}}}]}},
     VALIDATION, "Provided list of item keys contains duplicates"),
    ("batch_write_item", {"RequestItems": {TABLE: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"N": "1"},
                                 "big": {"S": "x" * 410_000}}}}]}},
     VALIDATION, "Item size has exceeded the maximum allowed size"),
    ("batch_write_item", {"RequestItems": {TABLE: [
        {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]}}, VALIDATION, SCHEMA),
    ("batch_get_item", {"RequestItems": {TABLE: {"Keys": [
        {"pk": {"S": f"b{i}"}, "sk": {"N": "1"}} for i in range(101)]}}}, VALIDATION,
     "re:1 validation error detected: Value '\\[.+\\]' at 'requestItems\\." + TABLE
     + "(\\.member)?\\.keys' failed to satisfy constraint: Member must have length less "
     "than or equal to 100"),
    ("batch_get_item", {"RequestItems": {
        TABLE: {"Keys": [{"pk": {"S": f"b{i}"}, "sk": {"N": "1"}} for i in range(51)]},
        TABLE2: {"Keys": [{"pk": {"S": f"b{i}"}, "sk": {"S": "1"}} for i in range(51)]}}},
     VALIDATION, "Too many items requested for the BatchGetItem call"),
    ("batch_get_item", {"RequestItems": {TABLE: {"Keys": [KEY, KEY]}}}, VALIDATION,
     "Provided list of item keys contains duplicates"),
    # --- TransactWriteItems
    ("transact_write_items", {"TransactItems": [
        {"Update": {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET n = :v",
                    "ExpressionAttributeValues": V1}},
        {"ConditionCheck": {"TableName": TABLE, "Key": KEY,
                            "ConditionExpression": "attribute_exists(pk)"}}]},
     VALIDATION, ONE_ITEM),
    ("transact_write_items", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"t{i}"}, "sk": {"N": "1"}}}}
        for i in range(101)]}, VALIDATION,
     "re:1 validation error detected: Value '\\[.+\\]' at 'transactItems' failed to satisfy "
     "constraint: Member must have length less than or equal to 100"),
    ("transact_write_items", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"N": "2"}}}},
        {"Update": {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET n = :v",
                    "ConditionExpression": "n > :v", "ExpressionAttributeValues":
                    {":v": {"N": "10"}}}}]},
     CANCELLED, "Transaction cancelled, please refer cancellation reasons for specific reasons "
     "[None, ConditionalCheckFailed]"),
    ("transact_write_items", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"N": "2"}}},
         "Delete": {"TableName": TABLE, "Key": KEY}}]}, VALIDATION,
     "TransactItems can only contain one of Check, Put, Update or Delete"),
    ("transact_write_items", {"TransactItems": [
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"N": "2"}}}},
        {"Update": {"TableName": TABLE, "Key": KEY, "UpdateExpression": "SET g = :v",
                    "ExpressionAttributeValues": V1}}]}, CANCELLED,
     "Transaction cancelled, please refer cancellation reasons for specific reasons "
     "[None, ValidationError]"),
    # --- ReturnValues not allowed for the operation
    ("delete_item", {"TableName": TABLE, "Key": KEY, "ReturnValues": "ALL_NEW"}, VALIDATION,
     "ReturnValues can only be ALL_OLD or NONE"),
    ("delete_item", {"TableName": TABLE, "Key": KEY, "ReturnValues": "UPDATED_OLD"},
     VALIDATION, "ReturnValues can only be ALL_OLD or NONE"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ReturnValues": "UPDATED_NEW"}, VALIDATION,
     "ReturnValues can only be ALL_OLD or NONE"),
    # --- Select / ProjectionExpression combinations
    ("scan", {"TableName": TABLE, "Select": "SPECIFIC_ATTRIBUTES"}, VALIDATION,
     "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
     "SPECIFIC_ATTRIBUTES"),
    ("scan", {"TableName": TABLE, "Select": "COUNT", "ProjectionExpression": "n"}, VALIDATION,
     "Cannot specify the ProjectionExpression when choosing to get only the Count"),
    ("scan", {"TableName": TABLE, "Select": "ALL_PROJECTED_ATTRIBUTES",
              "ProjectionExpression": "n"}, VALIDATION,
     "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES"),
    ("scan", {"TableName": TABLE, "Select": "ALL_PROJECTED_ATTRIBUTES"}, VALIDATION,
     "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
    ("scan", {"TableName": TABLE, "Select": "ALL_ATTRIBUTES", "ProjectionExpression": "n"},
     VALIDATION, "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
    ("query", _q("pk = :p", P, Select="ALL_PROJECTED_ATTRIBUTES"), VALIDATION,
     "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
    ("get_item", {"TableName": TABLE, "Key": KEY, "ProjectionExpression": "n",
                  "AttributesToGet": ["n"]}, VALIDATION,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {AttributesToGet} Expression parameters: "
     "{ProjectionExpression}"),
    ("scan", {"TableName": TABLE, "FilterExpression": "n = :v", "ExpressionAttributeValues": V1,
              "ScanFilter": {"n": {"ComparisonOperator": "NULL"}}}, VALIDATION,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}"),
    # --- Limit, Segment / TotalSegments
    ("query", _q("pk = :p", P, Limit=0), VALIDATION,
     "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member "
     "must have value greater than or equal to 1"),
    ("scan", {"TableName": TABLE, "Limit": -1}, VALIDATION,
     "1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: Member "
     "must have value greater than or equal to 1"),
    ("scan", {"TableName": TABLE, "Segment": 0}, VALIDATION,
     "The TotalSegments parameter is required but was not present in the request when Segment "
     "parameter is present"),
    ("scan", {"TableName": TABLE, "TotalSegments": 2}, VALIDATION,
     "The Segment parameter is required but was not present in the request when parameter "
     "TotalSegments is present"),
    ("scan", {"TableName": TABLE, "Segment": 0, "TotalSegments": 1_000_001}, VALIDATION,
     "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy "
     "constraint: Member must have value less than or equal to 1000000"),
    ("scan", {"TableName": TABLE, "Segment": -1, "TotalSegments": 2}, VALIDATION,
     "1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: "
     "Member must have value greater than or equal to 0"),
    # --- CreateTable validation
    ("create_table", _create("t-undef", [("pk", "HASH"), ("sk", "RANGE")], [("pk", "S")]),
     VALIDATION, "Invalid KeySchema: Some index key attribute have no definition"),
    ("create_table", _create("t-hash2", [("pk", "HASH"), ("sk", "HASH")],
                             [("pk", "S"), ("sk", "S")]), VALIDATION,
     "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"),
    ("create_table", _create("t-3keys", [("pk", "HASH"), ("sk", "RANGE"), ("x", "RANGE")],
                             [("pk", "S"), ("sk", "S"), ("x", "S")]), VALIDATION,
     "re:1 validation error detected: Value '\\[.+\\]' at 'keySchema' failed to satisfy "
     "constraint: Member must have length less than or equal to 2"),
    ("create_table", _create("bad name!", [("pk", "HASH")], [("pk", "S")]), VALIDATION,
     "1 validation error detected: Value 'bad name!' at 'tableName' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    ("create_table", _create("t-lsi", [("pk", "HASH")], [("pk", "S"), ("x", "S")],
                             LocalSecondaryIndexes=[{
                                 "IndexName": "lsi", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                               {"AttributeName": "x", "KeyType": "RANGE"}]}]),
     VALIDATION, f"{INVALID}Table KeySchema does not have a range key, which is required when "
     "specifying a LocalSecondaryIndex"),
    ("create_table", _create("t-proj", [("pk", "HASH")], [("pk", "S"), ("x", "S")],
                             GlobalSecondaryIndexes=[{
                                 "IndexName": "gsix", "KeySchema": [
                                     {"AttributeName": "x", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY",
                                                "NonKeyAttributes": ["y"]}}]),
     VALIDATION, f"{INVALID}ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"),
    ("create_table", _create("t-ppr", [("pk", "HASH")], [("pk", "S")], ProvisionedThroughput={
        "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}), VALIDATION,
     f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
     "BillingMode is PAY_PER_REQUEST"),
    ("create_table", _create("t-gsi", [("pk", "HASH")], [("pk", "S")],
                             GlobalSecondaryIndexes=[{
                                 "IndexName": "gsiz", "KeySchema": [
                                     {"AttributeName": "z", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}]),
     VALIDATION, f"{INVALID}Some index key attributes are not defined in AttributeDefinitions. "
     "Keys: [z], AttributeDefinitions: [pk]"),
    ("create_table", _create("t-2gsi", [("pk", "HASH")], [("pk", "S"), ("x", "S")],
                             GlobalSecondaryIndexes=[{
                                 "IndexName": "gsix", "KeySchema": [
                                     {"AttributeName": "x", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}] * 2),
     VALIDATION, f"{INVALID}Duplicate index name: gsix"),
    # --- table names (the model allows ARNs, so these are the service's own checks)
    ("put_item", {"TableName": "bad table!", "Item": SEED}, VALIDATION,
     "1 validation error detected: Value 'bad table!' at 'tableName' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    ("get_item", {"TableName": "t" * 256, "Key": KEY}, VALIDATION,
     f"1 validation error detected: Value '{'t' * 256}' at 'tableName' failed to satisfy "
     "constraint: Member must have length less than or equal to 255"),
    # --- more expression rules
    ("put_item", {"TableName": TABLE, "Item": SEED,
                  "ConditionExpression": "((attribute_not_exists(pk)))"}, VALIDATION,
     "Invalid ConditionExpression: The expression has redundant parentheses;"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": "contains(#a, #a)",
                  "ExpressionAttributeNames": {"#a": "g"}}, VALIDATION,
     "Invalid ConditionExpression: The first operand must be distinct from the remaining "
     "operands for this operator or function; operator: contains, first operand: [g]"),
    ("update_item", _u("SET n = :v", V1, ConditionExpression="g = :w"), VALIDATION,
     "Invalid ConditionExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :w"),
    ("update_item", _u("SET n = :v", V1, AttributeUpdates={
        "n": {"Value": {"N": "2"}, "Action": "PUT"}}), VALIDATION,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ConditionExpression": "attribute_exists(pk)",
                  "Expected": {"pk": {"Exists": False}}}, VALIDATION,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"),
    ("put_item", {"TableName": TABLE, "Item": SEED, "ExpressionAttributeNames": {"#a": "g"}},
     VALIDATION, "ExpressionAttributeNames can only be specified when using expressions"),
]  # fmt: skip

CASES += MORE_CASES


@pytest.mark.parametrize(
    ("operation", "kwargs", "code", "message"),
    CASES,
    ids=[f"{i}-{case[0]}" for i, case in enumerate(CASES)],
)
def test_bad_input_is_refused_and_changes_nothing(
    ddb: Any, operation: str, kwargs: dict[str, Any], code: str, message: str
) -> None:
    before = ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    tables = ddb.list_tables()["TableNames"]
    with pytest.raises(ClientError) as caught:
        getattr(ddb, operation)(**kwargs)
    error = caught.value.response["Error"]
    status = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    if message.startswith("re:"):  # the echoed request is Java's toString: matched loosely
        assert re.fullmatch(message[3:], error["Message"], re.DOTALL), error["Message"]
        message = error["Message"]
    assert (status, error["Code"], error["Message"]) == (400, code, message)
    assert ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"] == before == [SEED]
    assert ddb.scan(TableName=TABLE2, ConsistentRead=True)["Items"] == []
    assert ddb.list_tables()["TableNames"] == tables
    by_index = ddb.query(
        TableName=TABLE,
        IndexName="byG",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
    )
    assert by_index["Items"] == [SEED]
