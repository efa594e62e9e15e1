"""Events registries run hooks for (app/events.py), declared in `DOMAIN.events`."""

REGISTRY_REMOVING = "registry.removing"
"""Handlers get `(registry)` inside the removal's transaction, before the row goes
and after a successor became the region's default Nodion registry; a handler
raises `Conflict` to refuse (e.g. applications still pull from it)."""
