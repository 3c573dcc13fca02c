"""`serve` places the store by the dataset's size and starts only the workers that fit."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from alliance_kg.config import SettingsError, defaults
from alliance_kg.store.memory import available_bytes
from alliance_kg.store.placement import (
    IN_MEMORY_BYTES_PER_QUAD,
    PROCESS_BYTES,
    STORE_FOLDER,
    USABLE_SHARE,
    place,
)

from .endpoint_support import ServedProcess, write_project

GiB = 1024**3


def build_of(tmp_path: Path, quads: int) -> Path:
    folder = tmp_path / "build"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"version": "v1", "triples": quads}))
    return folder


def settings(**changed: object) -> dict[str, object]:
    return {**defaults(), "WORKERS": 5, **changed}


def test_a_small_dataset_is_held_in_memory_by_every_worker(tmp_path: Path) -> None:
    placement = place(build_of(tmp_path, 10_000), settings(), 16 * GiB)
    assert placement.store_dir is None
    assert placement.workers == 5
    assert placement.reason.startswith("store in memory: 10,000 quads")


def test_a_large_dataset_goes_on_disk_in_its_build_folder(tmp_path: Path) -> None:
    build = build_of(tmp_path, 1_000_000)
    placement = place(build, settings(), 16 * GiB)
    assert placement.store_dir == build.parent / STORE_FOLDER
    assert placement.workers == 5
    assert "more than IN_MEMORY_MAX_QUADS (250,000)" in placement.reason
    assert "shared by every worker" in placement.reason


def test_the_threshold_is_a_setting(tmp_path: Path) -> None:
    build = build_of(tmp_path, 1_000_000)
    assert place(build, settings(IN_MEMORY_MAX_QUADS=2_000_000), 16 * GiB).store_dir is None
    assert place(build_of(tmp_path / "s", 10), settings(IN_MEMORY_MAX_QUADS=0), GiB).store_dir


def test_updates_keep_a_large_dataset_in_memory(tmp_path: Path) -> None:
    placement = place(build_of(tmp_path, 1_000_000), settings(UPDATE_TOKEN="t"), 16 * GiB)
    assert placement.store_dir is None
    assert "UPDATE_TOKEN" in placement.reason


def test_a_named_store_dir_is_used_whatever_the_size(tmp_path: Path) -> None:
    placement = place(build_of(tmp_path, 10), settings(STORE_DIR=str(tmp_path / "s")), GiB)
    assert placement.store_dir == tmp_path / "s"


def test_no_more_workers_start_than_fit(tmp_path: Path) -> None:
    quads = 200_000
    copy = quads * IN_MEMORY_BYTES_PER_QUAD  # the front's, then one in each worker
    available = int((PROCESS_BYTES + copy + 2.5 * (copy + PROCESS_BYTES)) / USABLE_SHARE)
    placement = place(build_of(tmp_path, quads), settings(), available)
    assert placement.workers == 2
    assert "2 workers of the 5 WORKERS asks for: 2 fit in" in placement.reason


def test_a_dataset_that_leaves_room_for_no_worker_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="leave room for no query worker"):
        place(build_of(tmp_path, 100_000), settings(), PROCESS_BYTES)


def test_a_folder_the_store_cannot_be_written_to_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    named = settings(STORE_DIR=str(tmp_path / "a-file" / "stores"))
    with pytest.raises(SettingsError, match="set STORE_DIR to a folder this user may write"):
        place(build_of(tmp_path, 1_000_000), named, 16 * GiB)


def ask_labels(url: str) -> bytes:
    query = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l"
    target = f"{url}/sparql?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(target, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def machine(root: Path, cgroup: str, limits: dict[str, str]) -> Path:
    """A fake `/` with 16 GiB available, this process's control groups and their files."""
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/meminfo").write_text(f"MemTotal: 1 kB\nMemAvailable: {16 * GiB // 1024} kB\n")
    (root / "proc/self/cgroup").write_text(cgroup)
    for name, text in limits.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_containers_memory_limit_leaves_less_room_than_the_machine(tmp_path: Path) -> None:
    group = "sys/fs/cgroup/app/worker"
    v2 = machine(
        tmp_path / "v2",
        "0::/app/worker\n",
        {
            f"{group}/memory.max": "max\n",
            f"{group}/memory.current": "1000\n",
            "sys/fs/cgroup/app/memory.max": f"{4 * GiB}\n",  # the limit is the parent's
            "sys/fs/cgroup/app/memory.current": f"{GiB}\n",
        },
    )
    assert available_bytes(v2) == 3 * GiB
    v1 = machine(
        tmp_path / "v1",
        "4:memory:/docker/abc\n3:cpu:/\n",  # namespaced: the group is the mount's root
        {
            "sys/fs/cgroup/memory/memory.limit_in_bytes": f"{2 * GiB}\n",
            "sys/fs/cgroup/memory/memory.usage_in_bytes": f"{GiB}\n",
            "sys/fs/cgroup/memory/memory.stat": f"cache 9\ntotal_inactive_file {GiB // 2}\n",
        },
    )
    assert available_bytes(v1) == 3 * GiB // 2  # the inactive page cache counts as room
    unlimited = machine(
        tmp_path / "free",
        "4:memory:/\n0::/\n",
        {
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "sys/fs/cgroup/memory/memory.usage_in_bytes": "1\n",
            "sys/fs/cgroup/memory.max": "max\n",
        },
    )
    assert available_bytes(unlimited) == 16 * GiB
    bare = machine(tmp_path / "bare", "", {})
    (bare / "proc/self/cgroup").unlink()  # no control groups to read: the machine's figure
    assert available_bytes(bare) == 16 * GiB


def test_serve_logs_its_choice_and_reopens_the_disk_store_at_once(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project")
    argv = ("--set", "IN_MEMORY_MAX_QUADS=0", "--workers", "2")
    first = ServedProcess(project, *argv)
    try:
        first.wait_ready()
        answer = ask_labels(first.url)
    finally:
        log = first.stop()
    assert "store on disk in" in log and "more than IN_MEMORY_MAX_QUADS (0)" in log
    assert "loading" in log
    assert b"Bush administration" in answer
    stores = project / "build" / STORE_FOLDER
    assert [folder.name for folder in stores.iterdir()] == ["test-version-1"]
    again = ServedProcess(project, *argv)
    try:
        again.wait_ready()
        assert ask_labels(again.url) == answer
    finally:
        log = again.stop()
    assert "loading" not in log
    assert log.rstrip().endswith("; 2 workers")
