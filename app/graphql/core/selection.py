"""Looking ahead at what a query selects, so a list resolver can load what its items
will need in one go: their fields then resolve without an await per item (an
async resolver per list item was a large share of a list's time)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField


def selects(
    selections: Iterable[SelectedField | FragmentSpread | InlineFragment], path: Sequence[str]
) -> bool:
    """Whether `selections` ask for the field at `path` (GraphQL field names),
    looking through fragments and inline fragments."""
    if not path:
        return True
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == path[0] and selects(selection.selections, path[1:]):
                return True
        elif selects(selection.selections, path):  # a fragment: the same level
            return True
    return False
