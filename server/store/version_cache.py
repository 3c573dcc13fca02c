"""One value per dataset version: made on first use, made again when the store's version moves.

Every cache derived from the data (label index, view rows, rendered pages, checked queries)
keeps its value this way, in a mapping the caller owns (the app's `extensions`), so a new build
or an accepted update is never answered from the previous data.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Versioned(Protocol):
    """A store: its version changes with every new build and every accepted update."""

    @property
    def version(self) -> str: ...


def per_version(
    cache: MutableMapping[str, Any], key: str, store: Versioned, build: Callable[[], T]
) -> T:
    """The value `build` made for the store's current version, kept in `cache[key]`; a value
    made for another version is dropped and made anew."""
    version = store.version  # read first: data changing during `build` is not labelled newer
    held = cache.get(key)
    if held is not None and held[0] == version:
        return held[1]
    value = build()
    cache[key] = (version, value)
    return value
