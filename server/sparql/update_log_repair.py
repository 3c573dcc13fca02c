"""`alliance-kg updates check | repair | reset`: the update log examined and mended offline.

They read the log exactly as a start does (`update_records.parse`, `update_log.replay`), and change
it only under the same file lock as a writing server, keeping the original as a .bak copy.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .query_guard import Policy
from .update_log import UpdateLogError, describe, replay
from .update_records import Record, parse

if TYPE_CHECKING:
    from ..store.backend import Backend


@dataclass
class Inspection:
    """What `updates check` found: how many records, a torn tail, each record's problem."""

    records: int
    tail: Record | None
    problems: list[str]


def inspect(
    path: Path, store: Backend | None, fence: Policy, limit: float | None = None
) -> Inspection:
    """Read the log as a start would, changing nothing; replay it onto `store` if given."""
    records = parse(path.read_bytes())
    tail = records.pop() if records and records[-1].torn else None
    problems = []
    for record in records:
        why = record.problem
        if why is None and store is not None:
            why = replay(store, record, fence, limit)
        if why is not None:
            problems.append(describe(path, record, f"cannot be replayed: {why}"))
    return Inspection(len(records) + (tail is not None), tail, problems)


def _aside(path: Path) -> Path:
    """A free `<name>.<UTC time>.bak` beside `path`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = path.with_name(f"{path.name}.{stamp}.bak"), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    return candidate


def repair(path: Path, drop: set[int]) -> Path | None:
    """Cut a torn tail and drop the named records, keeping the original as a .bak copy;
    None when there was nothing to change. Running servers see a new file and reload."""
    with path.open("r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        data = handle.read()
        records = parse(data)
        missing = sorted(drop - {record.number for record in records})
        if missing:
            raise UpdateLogError(f"{path}: there is no record {missing[0]} ({len(records)} held)")
        tail = records[-1] if records and records[-1].torn else None
        kept = [r for r in records if r.number not in drop and r is not tail]
        if len(kept) == len(records):
            return None
        backup = _aside(path)
        shutil.copy2(path, backup)
        temporary = path.with_name(f".{path.name}.repair")
        with temporary.open("wb") as out:
            out.write(b"".join(data[r.offset : r.end] for r in kept))
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)
    return backup


def reset(path: Path) -> Path | None:
    """Start clean: move the log aside (None if there is none). Running servers reload the
    build on their next request, since the file they read is gone."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # no writer is mid-record while it moves
        backup = _aside(path)
        path.rename(backup)
    return backup
