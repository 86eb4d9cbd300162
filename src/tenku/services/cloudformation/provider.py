"""The CloudFormation API: one method per operation of botocore's `cloudformation` model.

The operations live in mixins (stack changes, the read side, change sets); this class
assembles them and owns the background work: on start, stack operations and change
sets that a restart interrupted are marked failed, honestly (their resources may be
half done), since nothing can resume them.
Must not: import another service; reach one except through `ApiCaller`.
"""

from __future__ import annotations

from tenku.core.clock import Clock
from tenku.services.cloudformation.changesets import ChangeSetsMixin
from tenku.services.cloudformation.describe import DescribeMixin
from tenku.services.cloudformation.models import INTERRUPTED, INTERRUPTED_REASON
from tenku.services.cloudformation.stacks import StacksMixin
from tenku.storage import Storage


class CloudFormationProvider(StacksMixin, DescribeMixin, ChangeSetsMixin):
    def __init__(self, storage: Storage, clock: Clock) -> None:
        super().__init__(storage, clock)

    async def start(self) -> None:
        self.recover()

    async def stop(self) -> None:
        await self.stop_tasks()

    def recover(self) -> None:
        """Mark what a restart interrupted as failed."""
        for scope, stack in self.store.busy_stacks():
            status = INTERRUPTED.get(stack.status)
            if status is None:
                continue  # REVIEW_IN_PROGRESS waits for a change set, nothing ran
            reason = "" if status == "UPDATE_COMPLETE" else INTERRUPTED_REASON
            if status == "UPDATE_COMPLETE":
                reason = "Tenku restarted during cleanup; replaced or removed resources may remain"
            self.runner.set_status(scope, stack, status, reason)
        for change_set in self.store.unfinished_change_sets():
            if change_set.execution_status == "EXECUTE_IN_PROGRESS":
                change_set.execution_status = "EXECUTE_FAILED"
            else:
                change_set.status, change_set.reason = "FAILED", INTERRUPTED_REASON
            self.store.save_change_set(change_set)
