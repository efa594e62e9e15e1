"""Events registries run hooks for (app/events.py), declared in `DOMAIN.events`."""

REGISTRY_REMOVING = "registry.removing"
"""Handlers get `(registry)` inside the removal's transaction, before the row goes
and after a successor became the region's default Nodion registry; a handler
raises `Conflict` to refuse (e.g. applications still pull from it)."""

IMAGE_TAGS_MOVED = "image.tags_moved"
"""Handlers get `(moved)`, a list of `images.index.TagMoved`: tags of the managed
registries that now point at another digest (a push), after the notification
was stored (e.g. applications that deploy on push create a deployment)."""

IMAGE_DELETING = "image.deleting"
"""Handlers get `(project_id, region, repository, digest)` before a tag's manifest
is deleted from a managed registry; a handler raises `Conflict` to refuse (an
application or a recent deployment uses that digest). Not run with `force`."""
