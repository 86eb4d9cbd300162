"""The Lambda execution engine: `FunctionSpec` + payload in, `InvocationResult` out.

Owns execution environments (local child processes), the 2018-06-01 Runtime API they
speak, the warm pool, concurrency limits, timeouts, memory/CPU limits and log capture.
Must not know the Lambda control-plane API, IAM, event sources, services or HTTP routing
of the gateway.
"""

from __future__ import annotations

from tenku.runtime.engine import LambdaEngine

__all__ = ["LambdaEngine"]
