"""Cancellation that survives redis-py.

redis-py can turn a cancellation that lands during a blocking read into its own TimeoutError. A
background loop that retries on Redis errors would then swallow its own cancellation and never
stop; each such loop calls `raise_if_cancelled()` in its error handler, and `stop_tasks` bounds
the wait for any that still do.
"""

from __future__ import annotations

import asyncio
import logging


def raise_if_cancelled() -> None:
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop_tasks(tasks: set[asyncio.Task] | list[asyncio.Task], timeout_s: float = 5.0) -> None:
    """Cancels background tasks and waits for them, but never longer than `timeout_s`: a stop must
    not hang on a task that swallowed its cancellation."""
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout_s)
    if pending:
        logging.getLogger("kiln.server").warning(
            "background tasks did not stop in time: %s", ", ".join(t.get_coro().__qualname__ for t in pending)
        )
