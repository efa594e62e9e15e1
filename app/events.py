"""Domain hooks: how one domain reacts to another's change without the
changing domain importing it (e.g. registries provision a project's default
registries when projects creates one). The app wires them from the domain list.
The domain that runs an event names it (e.g. app/projects/events.py) and
declares it in `Domain.events`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

Handler = Callable[..., Awaitable[Any]]


class Hooks:
    def __init__(self, handlers: Mapping[str, Sequence[Handler]] | None = None) -> None:
        self.handlers = {event: list(found) for event, found in (handlers or {}).items()}

    async def run(self, event: str, *args: Any) -> None:
        for handler in self.handlers.get(event, ()):
            await handler(*args)
