"""Stacks and change sets as CloudFormation keeps them, and the statuses they move through.

`Stack` and `ChangeSet` are plain records (stored as JSON by `store.py`); the status
sets say which operations a status allows. `stack_arn`/`change_set_arn` mint ids.
Must not: do I/O or run stack operations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tenku.core.ids import new_uuid
from tenku.core.scope import Scope

STACK_TYPE = "AWS::CloudFormation::Stack"
SKIP_UNKNOWN_TAG = "tenku:skip-unknown-types"

# Statuses a stack can be updated from (UpdateStack, an UPDATE change set).
UPDATABLE = frozenset(
    (
        "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_FAILED",
        "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE",
    )
)  # fmt: skip
# Statuses in which DeleteStack is refused ("cannot be deleted while in status X").
UNDELETABLE = frozenset(
    (
        "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "ROLLBACK_IN_PROGRESS", "IMPORT_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS",
    )
)  # fmt: skip
# What an operation interrupted by a restart is left as: the resources may be half done.
INTERRUPTED = {
    "CREATE_IN_PROGRESS": "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS": "ROLLBACK_FAILED",
    "DELETE_IN_PROGRESS": "DELETE_FAILED",
    "UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
    # The update itself succeeded; only deleting replaced or removed resources was cut short.
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_COMPLETE",
}
INTERRUPTED_REASON = (
    "Tenku restarted while this stack operation ran; resources it was creating, updating or "
    "deleting may be left as they were (see the stack events)"
)


def stack_arn(scope: Scope, name: str) -> str:
    return scope.arn("cloudformation", f"stack/{name}/{new_uuid()}")


def change_set_arn(scope: Scope, name: str) -> str:
    return scope.arn("cloudformation", f"changeSet/{name}/{new_uuid()}")


def is_arn(text: str) -> bool:
    return text.startswith("arn:")


@dataclass
class Stack:
    stack_id: str
    name: str
    status: str
    created: float
    template_body: str = ""  # the template as the caller sent it
    processed: dict[str, Any] = field(default_factory=dict)  # after transforms
    parameters: dict[str, str] = field(default_factory=dict)  # raw values
    tags: list[dict[str, str]] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # export names it imports
    reason: str = ""
    updated: float | None = None
    deleted: float | None = None
    description: str | None = None
    disable_rollback: bool = False
    on_failure: str = "ROLLBACK"
    timeout: int | None = None
    notification_arns: list[str] = field(default_factory=list)
    role_arn: str | None = None
    change_set_id: str | None = None
    termination_protection: bool = False

    @property
    def live(self) -> bool:
        return self.status != "DELETE_COMPLETE"

    @property
    def skip_unknown(self) -> bool:
        return any(
            t.get("Key") == SKIP_UNKNOWN_TAG and str(t.get("Value")).lower() == "true"
            for t in self.tags
        )

    def exports(self) -> dict[str, str]:
        return {o["ExportName"]: o["OutputValue"] for o in self.outputs if o.get("ExportName")}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stack:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class ChangeSet:
    change_set_id: str
    name: str
    stack_id: str
    stack_name: str
    kind: str  # CREATE or UPDATE
    created: float
    status: str = "CREATE_PENDING"
    execution_status: str = "UNAVAILABLE"
    reason: str = ""
    description: str | None = None
    template_body: str = ""
    processed: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # typed, for evaluation
    capabilities: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] | None = None  # None: keep the stack's tags
    changes: list[dict[str, Any]] = field(default_factory=list)
    notification_arns: list[str] = field(default_factory=list)
    role_arn: str | None = None
    on_stack_failure: str | None = None
    # Executed: gone from listings and name lookups as in CloudFormation, still
    # readable by its ARN (the stack's ChangeSetId names it).
    retired: bool = False
    # What CreateChangeSet was asked, kept to prepare the change set in the background.
    request: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeSet:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class ResourceState:
    """What DescribeStackResources shows of one resource."""

    logical_id: str
    type: str
    physical_id: str
    status: str
    reason: str
    updated: float
