"""The memory this process may use: the machine's, or less under a container's limit.

Read by `serve`'s placement and by the build's default job count; no web module, so the
pipeline may import it.
"""

from __future__ import annotations

from pathlib import Path

UNLIMITED = 1 << 62  # cgroup v1's "no limit" is the largest page multiple of a 64-bit int


def available_bytes(root: Path = Path("/")) -> int:
    """What can be used without swapping out other processes' memory: MemAvailable, or less
    where a memory limit of this process's control groups (a container's) leaves less room."""
    for line in (root / "proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return min([int(line.split()[1]) * 1024, *limited_room(root)])
    raise RuntimeError("/proc/meminfo has no MemAvailable")


def limited_room(root: Path) -> list[int]:
    """Limit less usage for each limited control group this process is in, up to the
    hierarchy's root (cgroup v2, and v1's memory controller). Usage leaves out the inactive
    page cache, which the kernel reclaims, as `MemAvailable` does."""
    try:
        groups = (root / "proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    rooms = []
    for line in groups:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0":
            mount = root / "sys/fs/cgroup"
            files = ("memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):
            mount = root / "sys/fs/cgroup/memory"
            files = ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
        else:
            continue
        folder = mount / path.strip("/")
        if not folder.is_dir():  # a namespaced container sees its own group as the root
            folder = mount
        while folder.is_relative_to(mount):
            room = _room(folder, *files)
            if room is not None:
                rooms.append(room)
            folder = folder.parent
    return rooms


def _room(folder: Path, limit_file: str, usage_file: str, reclaimable: str) -> int | None:
    """The room under one group's limit, or None where it sets none."""
    limit, usage = _number(folder / limit_file), _number(folder / usage_file)
    if limit is None or usage is None or limit >= UNLIMITED:
        return None
    try:
        stat = dict(line.split() for line in (folder / "memory.stat").read_text().splitlines())
    except (OSError, ValueError):
        stat = {}
    cache = int(stat.get(reclaimable, 0))
    return max(0, limit - max(0, usage - cache))


def _number(path: Path) -> int | None:
    """The integer a control group file holds, or None (missing, or v2's "max": no limit)."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
