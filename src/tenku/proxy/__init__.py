"""API Gateway's data plane as pure logic, shared by HTTP APIs (`services/apigatewayv2`)
and REST APIs (`services/apigateway`).

What lives here: the request as plain values (`request`), route and resource matching
(`routes`), the Lambda proxy events of payload formats 1.0 and 2.0 (`events_v1`,
`events_v2`), which bodies travel base64-encoded (`binary`), turning a function's result
into an HTTP answer plus the fixed error answers (`responses`), HTTP API CORS (`cors`),
JWT and Lambda authorizers (`jwt_auth`, `lambda_auth`, `policy`, `identity`), stage
access logs (`access_log`), and calling integrations (`integration`: Lambda through the
`ApiCaller` handed in, HTTP backends over the network from a worker thread).

What must not: import services, the gateway, the runtime, storage or protocol; do I/O
other than through callables handed in (the JWKS fetcher, the API caller) and
`integration.forward_http`; keep per-service state
(the only caches are objects the caller creates and owns).
"""
