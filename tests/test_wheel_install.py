"""The package as a user installs it: a wheel in a fresh virtualenv, serving a project folder.

The slow tests build the wheel from a copy of the checkout, install it (not editable) into a
new virtualenv and serve a copy of the project from a folder outside the repository, so
nothing can come from the source tree. The virtualenv borrows the dependencies already
installed for the tests, through a `.pth` line naming a folder of links to them that leaves
out the editable `alliance_kg`: no download, and the wheel is the only `alliance_kg` it sees.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from alliance_kg import package_data
from alliance_kg.package_data import ASSETS, VIEW_NAMES, MissingPackageData

from .conftest import REPO, copy_project
from .endpoint_support import free_port, make_app

HTML = {"Accept": "text/html"}
TSV = "text/tab-separated-values"
# Top-level folders of the checkout that a wheel is not built from.
NOT_BUILT_FROM = {".git", ".venv", "build", "dist", "node_modules", "tests", "benchmarks"}


def test_every_view_query_file_is_listed() -> None:
    """A view added to `queries/views/` is named in `VIEW_NAMES`, so the start checks it."""
    assert sorted(VIEW_NAMES) == sorted(path.stem for path in REPO.glob("queries/views/*.rq"))


def test_a_missing_package_file_stops_the_start_and_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "alliance_kg"
    shutil.copytree(REPO / "queries", package / "queries")
    (package / "queries" / "views" / "labels.rq").unlink()
    monkeypatch.setattr(package_data, "PACKAGE", package)
    with pytest.raises(MissingPackageData) as failure:
        make_app(tmp_path)
    message = str(failure.value)
    assert "queries/views/labels.rq" in message
    assert "queries/views/home-counts.rq" not in message
    assert "node_modules/cytoscape/dist/cytoscape.min.js" in message
    assert "npm ci" in message


def _ignored(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == REPO
    return {
        name
        for name in names
        if name == "__pycache__"
        or (top and (name in NOT_BUILT_FROM or name.endswith(".egg-info") or name[0] == "."))
    }


def _run(command: list[str | Path], cwd: Path, timeout: float = 300) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        check=False,
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _environment() -> dict[str, str]:
    """This process's environment without anything that would point Python at the checkout."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    }


def build_wheel(work: Path) -> Path:
    """`pip wheel` on a copy of the checkout: setuptools writes its `build/` there, not here."""
    source = work / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=_ignored)
    (source / "node_modules").symlink_to(REPO / "node_modules")
    wheels = work / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", wheels, source], cwd=work)
    (wheel,) = wheels.glob("alliance_kg-*.whl")
    return wheel


def installed_dependencies(work: Path) -> Path:
    """A folder of links to the test run's installed packages, less `alliance_kg` itself."""
    folder = work / "dependencies"
    folder.mkdir()
    sites = {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}
    for site in sites:
        for entry in site.iterdir():
            if entry.name.startswith(("alliance_kg", "__editable__")):
                continue
            if not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry)
    return folder


def make_virtualenv(work: Path, wheel: Path) -> Path:
    """A new virtualenv holding the wheel, not editable, and seeing the dependencies."""
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index"]
    _run([*pip, wheel], cwd=work)
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work)
    dependencies = installed_dependencies(work)
    (Path(site.strip()) / "alliance_kg_test_dependencies.pth").write_text(f"{dependencies}\n")
    return venv


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wheel")


@pytest.fixture(scope="module")
def wheel(work: Path) -> Path:
    return build_wheel(work)


@pytest.fixture(scope="module")
def venv(work: Path, wheel: Path) -> Path:
    return make_virtualenv(work, wheel)


@pytest.fixture(scope="module")
def installed(work: Path, venv: Path) -> Path:
    """The folder of the `alliance_kg` that the virtualenv imports, from outside the checkout."""
    code = "import alliance_kg; print(alliance_kg.__file__)"
    return Path(_run([venv / "bin" / "python", "-c", code], cwd=work).strip()).parent


@pytest.fixture(scope="module")
def served(work: Path, venv: Path) -> Iterator[str]:
    """`alliance-kg serve` from the installed wheel on a built copy of the project."""
    command = venv / "bin" / "alliance-kg"
    project = copy_project(work / "project").root
    _run([command, "--project", project, "build"], cwd=work)
    port = free_port()
    log = work / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [command, "--project", project, "serve", "--port", str(port), "--workers", "2"],
            cwd=work,
            env=_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server, log)
        yield url
    finally:
        _stop(server)


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path, limit: float = 120) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if server.poll() is not None:
            pytest.fail(f"the server stopped: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/", timeout=5) as response:
                response.read()
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the server answered nothing in {limit} s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own session: the front and its workers
            server.wait(10)


def fetch(url: str, headers: dict[str, str] | None = None) -> str:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200, url
        return response.read().decode("utf-8")


@pytest.mark.slow
def test_wheel_holds_the_view_and_example_queries_and_the_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for view in VIEW_NAMES:
        assert f"alliance_kg/queries/views/{view}.rq" in names
    for example in REPO.glob("queries/examples/*.rq"):
        assert f"alliance_kg/queries/examples/{example.name}" in names
    for smell in REPO.glob("queries/report/*.rq"):  # what `alliance-kg report` runs
        assert f"alliance_kg/queries/report/{smell.name}" in names
    for path in ASSETS.values():
        assert f"alliance_kg/node_modules/{path}" in names
    assert not [name for name in names if name.endswith(".map")]  # only the files served


@pytest.mark.slow
def test_installed_package_serves_every_page_from_a_project_folder(
    venv: Path, installed: Path, served: str
) -> None:
    assert installed.is_relative_to(venv)
    assert not installed.resolve().is_relative_to(REPO)

    home = fetch(f"{served}/", HTML)
    assert "What the graph holds" in home
    assert "Danger of drifting again" in home

    actor = fetch(f"{served}/id/actor/bush-administration", HTML)
    assert "Bush administration" in actor
    assert 'href="/essay/us-japan-alliance-adrift-again#p2-s2"' in actor
    graph_code = re.search(r'data-cytoscape="(/assets/cytoscape\.min\.[0-9a-f]+\.js)"', actor)
    assert graph_code is not None
    assert len(fetch(f"{served}{graph_code.group(1)}")) > 10_000

    essay = fetch(f"{served}/essay", HTML)
    assert essay.count('class="sentence" id="p') == 20

    query_page = fetch(f"{served}/sparql", HTML)
    assert re.search(r'data-script="/assets/yasgui\.min\.[0-9a-f]+\.js"', query_page)
    assert query_page.count('class="example"') == len(list(REPO.glob("queries/examples/*.rq")))
    for name in ASSETS:
        assert len(fetch(f"{served}/assets/{name}")) > 10_000, name


@pytest.mark.slow
def test_installed_package_answers_an_example_query(installed: Path, served: str) -> None:
    example = (installed / "queries" / "examples" / "phases-in-order.rq").read_text("utf-8")
    answer = fetch(f"{served}/sparql?query={quote(example, safe='')}", {"Accept": TSV})
    expected = (REPO / "queries" / "expected" / "phases-in-order.tsv").read_text("utf-8")
    assert answer.splitlines() == expected.splitlines()


@pytest.mark.slow
def test_installed_package_describes_its_dataset_and_service(served: str) -> None:
    turtle = {"Accept": "text/turtle"}
    assert "http://rdfs.org/ns/void#" in fetch(f"{served}/.well-known/void", turtle)
    assert "sparql-service-description#" in fetch(f"{served}/sparql", turtle)
