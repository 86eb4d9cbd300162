"""The gateway: the one ASGI app on one port, its HTTP server, and the in-process client."""
