"""A private Virtuoso 7.2 on free loopback ports: empty for the publish tests, or bulk-loaded.

The system package's service is never used: each instance gets its own database folder and
`virtuoso.ini` in a temporary folder, and is stopped (and waited for) on exit. A fresh database
has the account `dba` with password `dba`.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SYSTEM_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
SYSTEM_DB = "/var/lib/virtuoso-opensource-7/db/"
USER = PASSWORD = "dba"
START_LIMIT = 120.0
# Virtuoso truncates results at ResultSetMaxRows without saying so, and cuts long queries short.
# Its cost estimate must not refuse queries: at 10M triples it estimated 39,650,416 s for
# author-recommendations, which it answers in 12 ms at 1M. 0 turns the estimate check off.
SPARQL_LIMITS = {
    "ResultSetMaxRows": 1_000_000,
    "MaxQueryCostEstimationTime": 0,
    "MaxQueryExecutionTime": 600,
}


@dataclass(frozen=True)
class Virtuoso:
    """The addresses of a running instance."""

    http_port: int
    sql_port: int
    folder: Path

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    @property
    def backend(self) -> str:
        return f"sparql+http://127.0.0.1:{self.http_port}/sparql"

    def isql(self, statement: str) -> str:
        """Run one SQL statement as `dba` through `isql-vt`; raise if it fails."""
        return isql(self.sql_port, statement)


def isql(port: int, statement: str) -> str:
    command = ["isql-vt", str(port), USER, PASSWORD, f"exec={statement}"]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=600).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def private_ini(folder: Path, sql_port: int, http_port: int, buffers: int | None) -> str:
    """The system `virtuoso.ini`, pointed at `folder` and the given ports."""
    ini = SYSTEM_INI.read_text().replace(SYSTEM_DB, f"{folder}/")
    ini = re.sub(r"(?m)^ServerPort\s*=\s*1111", f"ServerPort = {sql_port}", ini)
    ini = re.sub(r"(?m)^ServerPort\s*=\s*8890", f"ServerPort = {http_port}", ini)
    ini = re.sub(r"(?m)^DirsAllowed\s*=\s*\.,", f"DirsAllowed = ., {folder}/data,", ini)
    if buffers:
        ini = re.sub(r"(?m)^NumberOfBuffers\s*=.*", f"NumberOfBuffers = {buffers}", ini)
        dirty = buffers * 3 // 4
        ini = re.sub(r"(?m)^MaxDirtyBuffers\s*=.*", f"MaxDirtyBuffers = {dirty}", ini)
    for name, value in SPARQL_LIMITS.items():
        ini = re.sub(rf"(?m)^{name}\s*=.*", f"{name} = {value}", ini)
    return ini


def wait_until_ready(instance: Virtuoso, process: subprocess.Popen) -> None:
    """Wait until both the SQL port and the HTTP SPARQL endpoint answer."""
    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = instance.folder / "virtuoso.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            instance.isql("status();")
            with urllib.request.urlopen(instance.query_url + "?query=ASK%7B%7D", timeout=5):
                return
        time.sleep(0.2)
    raise RuntimeError(f"Virtuoso did not answer within {START_LIMIT:g} s")


def bulk_load(instance: Virtuoso, dataset: Path) -> None:
    """Load an N-Quads file with Virtuoso's bulk loader, then checkpoint."""
    shutil.copy(dataset, instance.folder / "data" / dataset.name)
    instance.isql(f"ld_dir('{instance.folder}/data', '{dataset.name}', 'urn:default');")
    instance.isql("rdf_loader_run();")
    instance.isql("checkpoint;")


@contextlib.contextmanager
def running_virtuoso(dataset: Path | None = None, buffers: int | None = None) -> Iterator[Virtuoso]:
    """A running private instance, empty or bulk-loaded with `dataset` (N-Quads).

    `buffers` sets NumberOfBuffers (8 kB pages); the system default of 10,000 suits small data.
    """
    if shutil.which("virtuoso-t") is None:
        raise RuntimeError(
            "virtuoso-t is not installed: `make test-system-packages` installs it "
            "(apt-get install virtuoso-opensource)"
        )
    with tempfile.TemporaryDirectory(prefix="virtuoso-") as scratch:
        folder = Path(scratch)
        (folder / "data").mkdir()
        instance = Virtuoso(http_port=free_port(), sql_port=free_port(), folder=folder)
        ini = private_ini(folder, instance.sql_port, instance.http_port, buffers)
        (folder / "virtuoso.ini").write_text(ini)
        process = subprocess.Popen(
            ["virtuoso-t", "-f", "-c", str(folder / "virtuoso.ini")],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_until_ready(instance, process)
            if dataset is not None:
                bulk_load(instance, dataset)
            yield instance
        finally:
            process.terminate()
            process.wait(60)
