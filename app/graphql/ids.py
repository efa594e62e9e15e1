"""Relay global IDs in mutation inputs."""

from __future__ import annotations

from strawberry.relay import GlobalID, GlobalIDValueError

from app.errors import NotFound


def decode_id(value: str, type_name: str) -> int:
    """The database id behind a global ID of `type_name`. An ID of another type,
    or one that is not an ID at all, is simply not found: it names nothing here."""
    try:
        global_id = GlobalID.from_id(value)
        if global_id.type_name != type_name:
            raise ValueError
        return int(global_id.node_id)
    except (GlobalIDValueError, ValueError):
        raise NotFound(
            f"No {type_name.lower()} with this ID exists, or you are not a member of its project."
        ) from None


def node_id_int(node_id: str) -> int | None:
    """The database id inside a Relay node id, or None when it is not one."""
    return int(node_id) if node_id.isdigit() else None


def encode_id(type_name: str, node_id: int) -> str:
    return str(GlobalID(type_name=type_name, node_id=str(node_id)))
