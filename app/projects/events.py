"""Events projects run hooks for (app/events.py), declared in `DOMAIN.events`."""

PROJECT_CREATED = "project.created"
"""Handlers get `(project, settings)`, inside the transaction that creates it."""

PROJECT_DELETING = "project.deleting"
"""Handlers get `(project, force)` inside the deletion's transaction, before the
project row goes; a handler raises `Conflict` to refuse (applications exist and
`force` is false), and removes the rows of its domain that the database would
not remove with the project (applications hold their registries, RESTRICT)."""
