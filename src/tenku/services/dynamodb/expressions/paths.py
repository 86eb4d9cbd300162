"""Document-path relations: the overlap and conflict rules DynamoDB applies between the
paths of one update or projection expression, and their messages."""

from __future__ import annotations

from .ast import Path, PathElement


def find_path_clash(paths: list[Path]) -> tuple[str, Path, Path] | None:
    """The first pair of overlapping paths, else the first conflicting pair, else None.

    Two paths overlap when one is a prefix of (or equal to) the other; they conflict when
    they agree up to an element that is a map key in one and a list index in the other."""
    overlap: tuple[str, Path, Path] | None = None
    conflict: tuple[str, Path, Path] | None = None
    for i, later in enumerate(paths):
        for earlier in paths[:i]:
            kind = _clash(earlier.elements, later.elements)
            if kind == "overlap" and overlap is None:
                overlap = ("overlap", earlier, later)
            elif kind == "conflict" and conflict is None:
                conflict = ("conflict", earlier, later)
    return overlap or conflict


def _clash(a: tuple[PathElement, ...], b: tuple[PathElement, ...]) -> str | None:
    for x, y in zip(a, b, strict=False):
        if isinstance(x, int) != isinstance(y, int):
            return "conflict"
        if x != y:
            return None
    return "overlap"


def clash_message(clash: tuple[str, Path, Path]) -> str:
    kind, one, two = clash
    verb = "overlap" if kind == "overlap" else "conflict"
    return (
        f"Two document paths {verb} with each other; must remove or rewrite one of these "
        f"paths; path one: {one}, path two: {two}"
    )
