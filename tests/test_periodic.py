"""Periodic tasks run once across workers and hosts (app/periodic.py): every
process wakes on the interval, and the one that takes the task's turn in the
database runs it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app import domains
from app.domain import Domain, PeriodicTask, Running
from app.events import Hooks
from app.periodic import PeriodicTurn, background_work, periodic_tasks, run_once, take_turn
from app.settings import Settings

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


async def test_of_workers_waking_together_exactly_one_takes_the_turn(database):
    taken = await asyncio.gather(*(take_turn("sweep", every=60, now=NOW) for _ in range(8)))

    assert taken.count(True) == 1
    assert (await PeriodicTurn.get(name="sweep")).taken_at == NOW


async def test_the_next_turn_comes_after_the_interval_less_a_margin(database):
    assert await take_turn("sweep", every=100, now=NOW)

    assert not await take_turn("sweep", every=100, now=NOW + timedelta(seconds=89))
    assert await take_turn("sweep", every=100, now=NOW + timedelta(seconds=90))
    assert await take_turn("other", every=100, now=NOW)  # each task has its own turn


async def test_a_task_runs_only_when_its_turn_is_taken(database, keys):
    runs: list[Running] = []

    async def count(running: Running) -> None:
        runs.append(running)

    task = PeriodicTask("counted", every=lambda settings: 60, run=count)
    running = Running(Settings(), keys, Hooks())

    assert await run_once(task, running, 60)
    assert not await run_once(task, running, 60)  # another process's turn, or too early
    assert runs == [running]


async def test_a_failing_task_is_logged_and_tried_at_its_next_turn(database, keys, caplog):
    async def fail(running: Running) -> None:
        raise RuntimeError("the registry is away")

    task = PeriodicTask("failing", every=lambda settings: 60, run=fail)

    assert not await run_once(task, Running(Settings(), keys, Hooks()), 60)
    assert "Periodic task failing failed" in caplog.text


async def test_serving_runs_start_hooks_tasks_due_at_start_and_stop_hooks(database, keys):
    happened: list[str] = []
    ran = asyncio.Event()

    async def note(what: str) -> None:
        happened.append(what)

    async def task(running: Running) -> None:
        await note("task")
        ran.set()

    toy = Domain(
        name="toy",
        periodic=[PeriodicTask("toy-task", every=lambda s: 3600, run=task, at_start=True)],
        on_start=[lambda running: note("start")],
        on_stop=[lambda running: note("stop")],
    )

    async with background_work([toy], Running(Settings(), keys, Hooks())):
        await ran.wait()
    assert happened == ["start", "task", "stop"]


async def test_a_task_whose_interval_the_settings_leave_unset_never_starts(database, keys):
    async def never(running: Running) -> None:
        raise AssertionError("started")

    toy = Domain(name="toy", periodic=[PeriodicTask("off", every=lambda s: None, run=never)])

    async with background_work([toy], Running(Settings(), keys, Hooks())):
        pass
    assert not await PeriodicTurn.exists(name="off")


def test_two_tasks_of_one_name_are_refused():
    task = PeriodicTask("twice", every=lambda s: 1, run=lambda running: asyncio.sleep(0))

    with pytest.raises(ValueError, match="'twice' is declared twice"):
        periodic_tasks([Domain(name="a", periodic=[task]), Domain(name="b", periodic=[task])])


def test_the_apps_background_work_is_declared_by_its_domains():
    assert [task.name for task in periodic_tasks(domains.DOMAINS)] == [
        "image-retention",
        "lease-sweeping",
        "audit-pruning",
    ]
