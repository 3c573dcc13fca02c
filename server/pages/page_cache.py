"""Whole pages that depend on the dataset alone, rendered once per dataset version.

The essay, the timeline, the ontology and the home page change only with a new build or an
accepted update, both of which change the store's version.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from ..store.backend import get_store
from ..store.version_cache import per_version

CACHE = "alliance_kg.pages.rendered"


def cached(key: str, render: Callable[[], str]) -> str:
    """The page `key` of the current dataset version, rendered by `render` on first use."""
    pages: dict[str, str] = per_version(current_app.extensions, CACHE, get_store(), dict)
    found = pages.get(key)
    if found is None:
        found = pages[key] = render()
    return found
