-- wrk script for the SQS benchmark: SendMessage or SendMessageBatch (10 entries),
-- AWS JSON 1.0 protocol, headers like an SDK's. Each request's body carries a counter.
--
-- usage: wrk -t1 -cN -dDs --latency -s sqs_wrk.lua http://127.0.0.1:PORT/ -- OP QUEUE_URL
--   OP is "send" or "batch". sqs_wrk.run_wrk appends the done() that prints one line "WRK_JSON {...}".

local op = "send"
local queue_url = ""
local counter = 0
local padding = string.rep("x", 64)

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 "
  .. "Credential=AKIDEXAMPLE/20260101/us-east-1/sqs/aws4_request, "
  .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
  .. "Signature=0000000000000000000000000000000000000000000000000000000000000000"

function init(args)
  op = args[1] or "send"
  queue_url = args[2] or ""
  if op == "batch" then
    wrk.headers["X-Amz-Target"] = "AmazonSQS.SendMessageBatch"
  else
    wrk.headers["X-Amz-Target"] = "AmazonSQS.SendMessage"
  end
end

local function send_body()
  return '{"QueueUrl":"' .. queue_url .. '","MessageBody":"m' .. counter .. ' ' .. padding .. '"}'
end

local function batch_body()
  local entries = {}
  for i = 0, 9 do
    entries[#entries + 1] = '{"Id":"e' .. i .. '","MessageBody":"m' .. counter .. '-' .. i
      .. ' ' .. padding .. '"}'
  end
  return '{"QueueUrl":"' .. queue_url .. '","Entries":[' .. table.concat(entries, ",") .. ']}'
end

function request()
  counter = counter + 1
  local body
  if op == "batch" then body = batch_body() else body = send_body() end
  return wrk.format(nil, nil, nil, body)
end
