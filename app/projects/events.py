"""Events projects run hooks for (app/events.py), declared in `DOMAIN.events`."""

PROJECT_CREATED = "project.created"
"""Handlers get `(project, settings)`, inside the transaction that creates it."""
