"""The domains' background work while `nodion serve` serves: start-up and
shut-down hooks, and periodic tasks that run once across every worker and host.

Each worker wakes on a task's interval; the one whose conditional UPDATE of the
task's turn (`periodic_turns`) comes first runs it, so a sweep or a prune runs
once per interval however many processes serve (the turn mechanism of the image
retention, migration 0014, made general)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.models import Model

from app.domain import TURN_SHARE, Domain, PeriodicTask, Running
from app.outage import is_database_unavailable
from app.safe_logging import error_summary

log = logging.getLogger("nodion.periodic")


class PeriodicTurn(Model):
    """When a periodic task last ran, across every worker and host."""

    name = fields.CharField(max_length=64, primary_key=True)
    taken_at = fields.DatetimeField(null=True)

    class Meta:
        table = "periodic_turns"


__models__ = [PeriodicTurn]  # what Tortoise discovers in this module


async def take_turn(name: str, every: float, now: datetime | None = None) -> bool:
    """Stamps the task's turn as taken now if it has come, in one conditional
    UPDATE: of the processes that wake together exactly one gets True."""
    now = now or datetime.now(UTC)
    if not await PeriodicTurn.exists(name=name):
        with suppress(IntegrityError):  # another process inserted it first
            await PeriodicTurn.create(name=name, taken_at=None)
    due = now - timedelta(seconds=every * TURN_SHARE)
    turn = PeriodicTurn.filter(Q(name=name) & (Q(taken_at=None) | Q(taken_at__lte=due)))
    return await turn.update(taken_at=now) == 1


def periodic_tasks(of: Sequence[Domain]) -> list[PeriodicTask]:
    """Every domain's periodic tasks, refusing a name two tasks share (they would
    take each other's turns)."""
    tasks: dict[str, PeriodicTask] = {}
    for domain in of:
        for task in domain.periodic:
            if task.name in tasks:
                raise ValueError(f"periodic task {task.name!r} is declared twice")
            tasks[task.name] = task
    return list(tasks.values())


async def run_once(task: PeriodicTask, running: Running, every: float) -> bool:
    """Runs the task if its turn has come; a failure is logged, and the next
    interval tries again. True when it ran (and did not fail)."""
    try:
        if not await take_turn(task.name, every):
            return False
        await task.run(running)
        return True
    except Exception as error:
        level = logging.INFO if is_database_unavailable(error) else logging.ERROR
        log.log(level, "Periodic task %s failed: %s", task.name, error_summary(error))
        return False


async def _periodically(task: PeriodicTask, running: Running, every: float) -> None:
    if task.at_start:
        await run_once(task, running, every)
    while True:
        await asyncio.sleep(every)
        await run_once(task, running, every)


@asynccontextmanager
async def background_work(of: Sequence[Domain], running: Running | None) -> AsyncIterator[None]:
    """While inside: the domains' start-up hooks have run and their periodic
    tasks run; on the way out the tasks are cancelled and the shut-down hooks run.
    `running` None (the caller manages the database): nothing at all."""
    if running is None:
        yield
        return
    for domain in of:
        for start in domain.on_start:
            await start(running)
    started = []
    for task in periodic_tasks(of):
        every = task.every(running.settings)
        if every:
            started.append(asyncio.create_task(_periodically(task, running, every)))
    try:
        yield
    finally:
        for each in started:
            each.cancel()
        for each in started:
            with suppress(asyncio.CancelledError):
                await each
        for domain in reversed(of):
            for stop in domain.on_stop:
                await stop(running)
