"""Core: scopes, ARNs, ids, the clock, errors and the in-process event bus. No I/O here."""
