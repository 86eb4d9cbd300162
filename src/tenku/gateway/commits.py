"""Group commit for the gateway: one storage commit per event-loop turn, not per request.

Storage calls `_schedule` when a batch of writes opens; we commit it on the next loop
turn, after every request that was ready in this turn has added its writes. A request
that wrote waits on `durable()` before its answer is sent, so nothing is acknowledged
before it is committed.
"""

from __future__ import annotations

import asyncio

from tenku.storage import Storage


class GroupCommit:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._loop: asyncio.AbstractEventLoop | None = None
        self._committed: asyncio.Future[None] | None = None

    def attach(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.storage.set_commit_scheduler(self._schedule)

    def detach(self) -> None:
        self.storage.set_commit_scheduler(None)  # also commits whatever is pending
        if self._committed is not None and not self._committed.done():
            self._committed.set_result(None)
        self._committed = None

    def _schedule(self) -> None:
        assert self._loop is not None
        self._committed = self._loop.create_future()
        self._loop.call_soon(self._commit)

    def _commit(self) -> None:
        committed, self._committed = self._committed, None
        try:
            self.storage.flush()
        except Exception as error:  # every waiter hears of it; none is acknowledged
            if committed is not None:
                committed.set_exception(error)
                committed.exception()  # retrieved here so asyncio does not warn if no one waits
            return
        if committed is not None:
            committed.set_result(None)

    async def durable(self) -> None:
        """Wait until every write made so far is committed."""
        committed = self._committed
        if committed is not None and self.storage.pending:
            await asyncio.shield(committed)
