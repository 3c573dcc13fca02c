"""`alliance-kg diff OLD NEW`: what changed between two versions of the knowledge graph, for
a reviewer.

Each side is a build folder (holding `dataset.nq`), a project folder (its files are parsed and
assembled, not reasoned), or a git revision of the project. Sources, classes, properties,
individuals and facts are listed as added, removed or changed: each source with its coverage,
each term with its definition, each fact under the sentence that states it, quoted. Between two
builds the inferred graph is compared too, and the manifests. Snapshots are taken in
`diff_snapshot`, compared in `diff_compare` and written out in `diff_render`.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from rdflib import Dataset

from ..project import Project
from ..store.build_files import DATASET_FILE, MANIFEST_FILE
from .assemble import assemble
from .diff_compare import Section, compare
from .diff_render import render_markdown, render_text
from .diff_snapshot import Snapshot, show, snapshot
from .loading import load_sources

__all__ = [  # what other modules and the tests use from here
    "DiffError",
    "Section",
    "compare",
    "load_side",
    "render_markdown",
    "render_text",
    "show",
    "snapshot",
]

PROJECT_PARTS = ("ontology", "triples")


class DiffError(ValueError):
    """A side of the comparison cannot be read."""


def _assembled(root: Path) -> Dataset:
    sources = load_sources(Project(root))
    if sources.problems:
        raise DiffError("; ".join(str(p) for p in sources.problems))
    return assemble(sources).dataset


def _git_files(project: Project, revision: str, target: Path) -> None:
    def git(*args: str) -> bytes:
        result = subprocess.run(
            ["git", "-C", str(project.root), *args], capture_output=True, check=False
        )
        if result.returncode:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DiffError(f"{revision}: {message[-1] if message else 'git failed'}")
        return result.stdout

    prefix = git("rev-parse", "--show-prefix").decode().strip()
    archive = git("archive", "--format=tar", f"{revision}:{prefix}", *PROJECT_PARTS)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def load_side(project: Project, side: str) -> Snapshot:
    """A build folder, a project folder, or a git revision of `project`, as a snapshot."""
    path = Path(side)
    if (path / DATASET_FILE).is_file():
        dataset = Dataset(default_union=True)
        dataset.parse(path / DATASET_FILE, format="nquads")
        manifest = path / MANIFEST_FILE
        found = json.loads(manifest.read_text("utf-8")) if manifest.is_file() else None
        return snapshot(dataset, reasoned=True, manifest=found)
    if (path / "ontology").is_dir():
        return snapshot(_assembled(path))
    with tempfile.TemporaryDirectory() as folder:
        _git_files(project, side, Path(folder))
        return snapshot(_assembled(Path(folder)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `alliance-kg diff`."""
    for side in ("old", "new"):
        parser.add_argument(
            side, help="a build folder (with dataset.nq), a project folder, or a git revision"
        )
    parser.add_argument("--markdown", action="store_true", help="write Markdown, not text")


def run(args: argparse.Namespace, project: Project) -> int:
    """Print the differences; exit 0 whether or not there are any, 2 if a side is unreadable."""
    try:
        sections = compare(load_side(project, args.old), load_side(project, args.new))
    except DiffError as error:
        print(f"diff: {error}", file=sys.stderr)
        return 2
    render = render_markdown if args.markdown else render_text
    sys.stdout.write(render(sections, args.old, args.new))
    return 0
