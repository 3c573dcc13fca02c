"""Where `serve` holds the dataset, and how many query workers fit in the memory there is.

Each query worker is a process of its own (a runaway query is stopped by ending its process).
An in-memory store is copied into every worker, since Oxigraph writes to the quads a query
reads and the forked pages stop being shared; an on-disk store (RocksDB, opened read-only by
each worker) is shared by all of them through the page cache and opens at once. So a dataset
up to `IN_MEMORY_MAX_QUADS` is held in memory (fastest, loads in about a second), a larger one
on disk, loaded once per build version; and no more workers start than the memory holds.
The formula is in docs/scale.md.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import SettingsError
from .build_files import MANIFEST_FILE

log = logging.getLogger(__name__)

MiB = 1024 * 1024
IN_MEMORY_BYTES_PER_QUAD = 800  # a forked worker's resident size at 1M quads: 785 MB
PROCESS_BYTES = 160 * MiB  # the front, or a worker with the app and an on-disk store open
ON_DISK_BYTES_PER_QUAD = 400  # RocksDB files with the union's copy: 389 MB at 1M; page cache
USABLE_SHARE = 0.8  # of the memory available at start: leave room for queries and the system
STORE_FOLDER = ".stores"  # beside the build folders (a build keeps dot-folders), or STORE_DIR


@dataclass(frozen=True)
class Placement:
    """The store's place, the worker count, and why, for the log."""

    store_dir: Path | None  # None: in memory
    workers: int
    reason: str


def dataset_quads(build: Path) -> int:
    return int(json.loads((build / MANIFEST_FILE).read_text("utf-8"))["triples"])


def workers_fitting(budget: int, shared: int, per_worker: int) -> int:
    """How many workers of `per_worker` bytes fit in `budget`, after the front and `shared`."""
    return max(0, (budget - PROCESS_BYTES - shared) // per_worker)


def place(build: Path, config: Mapping[str, Any], available: int) -> Placement:
    """Choose the store and the worker count for serving `build` with these settings; log why."""
    quads = dataset_quads(build)
    wanted = int(config["WORKERS"])
    budget = int(available * USABLE_SHARE)
    gib = f"{available / 1024**3:.1f} GiB available"
    copy = quads * IN_MEMORY_BYTES_PER_QUAD
    in_memory = copy + PROCESS_BYTES
    on_disk = quads * ON_DISK_BYTES_PER_QUAD
    memory_fit = workers_fitting(budget, copy, in_memory)  # the front loads a copy first
    disk_fit = workers_fitting(budget, on_disk, PROCESS_BYTES)
    named_dir, limit = config.get("STORE_DIR"), int(config["IN_MEMORY_MAX_QUADS"])
    if named_dir:
        chosen_dir, fit = Path(named_dir), disk_fit
        why = (
            f"on disk in STORE_DIR {named_dir}: {quads:,} quads, one copy of about "
            f"{on_disk // MiB:,} MiB shared by every worker"
        )
    elif quads <= limit or config.get("UPDATE_TOKEN"):
        chosen_dir, fit = None, memory_fit
        why = f"in memory: {quads:,} quads, about {in_memory // MiB:,} MiB in each worker"
        if quads > limit:
            why += f", past IN_MEMORY_MAX_QUADS ({limit:,}), since UPDATE_TOKEN needs it there"
    else:
        chosen_dir, fit = build.parent / STORE_FOLDER, disk_fit
        why = (
            f"on disk in {chosen_dir}: {quads:,} quads, more than IN_MEMORY_MAX_QUADS "
            f"({limit:,}); one copy of about {on_disk // MiB:,} "
            f"MiB shared by every worker, where memory would take {in_memory // MiB:,} MiB each"
        )
    if chosen_dir is not None and not _writable(chosen_dir):
        raise SettingsError(
            f"cannot write the on-disk store of {quads:,} quads to {chosen_dir}: set STORE_DIR "
            "to a folder this user may write"
        )
    if fit < 1:
        advice = "free memory" if chosen_dir is not None else "free memory, or unset UPDATE_TOKEN"
        raise SettingsError(
            f"the dataset does not fit: {why}, and {gib} leave room for no query worker ({advice})"
        )
    workers = min(wanted, fit)
    count = f"{workers} worker{'' if workers == 1 else 's'}" + (
        "" if workers == wanted else f" of the {wanted} WORKERS asks for: {fit} fit in {gib}"
    )
    placement = Placement(chosen_dir, workers, f"store {why}; {count}")
    log.info("%s", placement.reason)
    return placement


def _writable(folder: Path) -> bool:
    """Whether the store can be made in `folder`: it, or the nearest path above it that
    exists, is a folder this user may write."""
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    return existing.is_dir() and os.access(existing, os.W_OK)
