"""Amazon API Gateway V2 control plane: HTTP APIs (and stored, unserved WebSocket APIs)."""
