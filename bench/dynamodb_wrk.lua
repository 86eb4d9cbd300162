-- wrk script for the DynamoDB benchmark: PutItem, GetItem, Query (100 items) or
-- TransactWriteItems (2 updates), AWS JSON 1.0 with the headers an SDK sends and a dummy
-- SigV4 Authorization (none of the servers under test verifies it).
--
-- usage: wrk -t1 -cN -dDs --latency -s dynamodb_wrk.lua http://127.0.0.1:PORT/ -- OP TABLE
--   OP is put, get, query or transact. sqs_wrk.run_wrk appends the done() that prints one line "WRK_JSON {...}".
-- Data layout (made by dynamodb_bench.py): items pk="g<0..999>", sk=0 for GetItem;
-- partition pk="q" with sk 0..99 for Query; pk="t<0..999>", sk=0 with a number n for
-- TransactWriteItems. PutItem writes new items pk="u<counter>-<seed>", sk=0.

local op = "put"
local tbl = ""
local counter = 0
local seed = 0
local padding = string.rep("x", 64)
local query_body = ""

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 "
  .. "Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, "
  .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
  .. "Signature=0000000000000000000000000000000000000000000000000000000000000000"

local targets = {
  put = "PutItem", get = "GetItem", query = "Query", transact = "TransactWriteItems",
}

function init(args)
  op = args[1] or "put"
  tbl = args[2] or ""
  wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. targets[op]
  math.randomseed(os.time())
  seed = math.random(1, 1000000000)
  query_body = '{"TableName":"' .. tbl .. '","KeyConditionExpression":"pk = :p",'
    .. '"ExpressionAttributeValues":{":p":{"S":"q"}}}'
end

local function put_body()
  return '{"TableName":"' .. tbl .. '","Item":{"pk":{"S":"u' .. counter .. '-' .. seed
    .. '"},"sk":{"N":"0"},"name":{"S":"item ' .. counter .. ' ' .. padding .. '"},'
    .. '"n":{"N":"' .. counter .. '"},"tags":{"SS":["a","b","c"]}}}'
end

local function get_body()
  return '{"TableName":"' .. tbl .. '","Key":{"pk":{"S":"g' .. math.random(0, 999)
    .. '"},"sk":{"N":"0"}}}'
end

local function update(i)
  return '{"Update":{"TableName":"' .. tbl .. '","Key":{"pk":{"S":"t' .. i
    .. '"},"sk":{"N":"0"}},"UpdateExpression":"SET n = n + :one",'
    .. '"ExpressionAttributeValues":{":one":{"N":"1"}}}}'
end

local function transact_body()
  local i = math.random(0, 499)
  return '{"TransactItems":[' .. update(i) .. ',' .. update(i + 500) .. ']}'
end

function request()
  counter = counter + 1
  local body
  if op == "put" then body = put_body()
  elseif op == "get" then body = get_body()
  elseif op == "query" then body = query_body
  else body = transact_body() end
  return wrk.format(nil, nil, nil, body)
end
