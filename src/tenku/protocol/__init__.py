"""AWS wire protocols (json, query, rest-json, rest-xml), driven by botocore's model files.

Owns: routing a request to a service, parsing it to `(operation, params)`, validating
params against the input shape, and serializing results and errors in the protocol the
request used. Must not: import botocore (startup cost), any service, storage or the
gateway; hand-write a service's shapes (the legacy SQS query names are the one table).

Conventions for params and results everywhere: keys are the model's member names,
blobs are `bytes`, timestamps are `float` epoch seconds (results may also use
`datetime`), and absent members are simply missing (results may carry `None`).
"""
