"""A cache derived from the data holds one value, for the store's current version only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alliance_kg.store.version_cache import per_version


@dataclass
class FakeStore:
    version: str


def test_a_value_is_made_once_per_version_and_the_old_one_dropped() -> None:
    cache: dict[str, Any] = {}
    store = FakeStore("v1")
    made: list[str] = []

    def build() -> str:
        made.append(store.version)
        return f"value of {store.version}"

    assert per_version(cache, "key", store, build) == "value of v1"
    assert per_version(cache, "key", store, build) == "value of v1"
    store.version = "v2"
    assert per_version(cache, "key", store, build) == "value of v2"
    assert made == ["v1", "v2"]
    assert cache == {"key": ("v2", "value of v2")}


def test_a_value_made_while_the_version_moves_is_kept_for_the_older_version() -> None:
    cache: dict[str, Any] = {}
    store = FakeStore("v1")

    def build_during_an_update() -> str:
        store.version = "v2"
        return "read from v1"

    per_version(cache, "key", store, build_during_an_update)
    assert per_version(cache, "key", store, lambda: "read from v2") == "read from v2"
