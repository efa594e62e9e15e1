"""Relay global IDs: what a client sends back, and what it names here."""

from __future__ import annotations

import re

from strawberry.relay import GlobalID, GlobalIDValueError

from app.errors import NotFound

# Primary keys are 32-bit integers (IntField); a larger number names nothing and
# must not reach the database, where PostgreSQL would refuse it as out of range.
MAX_ROW_ID = 2**31 - 1


def node_id_int(node_id: str) -> int | None:
    """The database id inside a Relay node id, or None when it is not one."""
    if not node_id.isascii() or not node_id.isdigit() or len(node_id) > 10:
        return None
    value = int(node_id)
    return value if 0 < value <= MAX_ROW_ID else None


def node_id_of(value: str, type_name: str) -> int | None:
    """The database id behind a global ID of `type_name`, or None."""
    try:
        global_id = GlobalID.from_id(value)
    except GlobalIDValueError:
        return None
    if global_id.type_name != type_name:
        return None
    return node_id_int(global_id.node_id)


def decode_id(value: str, type_name: str) -> int:
    """Like `node_id_of`, for mutations: an ID of another type, or one that is
    not an ID at all, is simply not found: it names nothing here."""
    node_id = node_id_of(value, type_name)
    if node_id is None:
        # In words: "trusted publisher", not "trustedpublisher".
        what = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type_name).lower()
        raise NotFound(f"No {what} with this ID exists, or you are not a member of its project.")
    return node_id


def encode_id(type_name: str, node_id: int) -> str:
    return str(GlobalID(type_name=type_name, node_id=str(node_id)))
