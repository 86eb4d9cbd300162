"""PartiQL for DynamoDB: the lexer and parser of the statement forms DynamoDB accepts,
their planning into Query/Scan reads and single-item conditional writes, and the
ExecuteStatement, BatchExecuteStatement and ExecuteTransaction operations (the
`PartiQLOperations` mixin of the provider)."""

from .transact import PartiQLOperations

__all__ = ["PartiQLOperations"]
