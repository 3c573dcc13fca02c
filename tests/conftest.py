"""Shared fixtures: isolated copies of the project, built once per session where they can be."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliance_kg.build import build_project
from alliance_kg.project import Project

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
PROJECT_PARTS = ("ontology", "triples", "queries")


def copy_project(target: Path, parts: tuple[str, ...] = PROJECT_PARTS) -> Project:
    """A copy of the repository's project files, so a test can change or build it freely."""
    for part in parts:
        shutil.copytree(REPO / part, target / part)
    return Project(target)


def overlay(project: Project, folder: Path) -> None:
    """Copy the files of a fixture folder over a project, replacing what they name."""
    for path in folder.rglob("*"):
        if path.is_file():
            destination = project.root / path.relative_to(folder)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)


def write_build(target: Path, trig: str, version: str) -> Path:
    """A build folder (sorted `dataset.nq` and `manifest.json`) holding the given TriG."""
    target.mkdir(parents=True, exist_ok=True)
    quads = list(ox.parse(trig.encode(), format=ox.RdfFormat.TRIG))
    lines = sorted((ox.serialize([q], format=ox.RdfFormat.N_QUADS) or b"").decode() for q in quads)
    (target / "dataset.nq").write_text("".join(lines), "utf-8")
    graphs = Counter(quad.graph_name.value for quad in quads)
    manifest = {"version": version, "triples": len(quads), "graphs": dict(graphs)}
    (target / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return target


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the real project, built once for the whole session. Do not modify it."""
    project = copy_project(tmp_path_factory.mktemp("built"))
    build_project(project)
    return project


@pytest.fixture
def essay_project(tmp_path: Path) -> Project:
    """A fresh, unbuilt copy of the real project, free to change."""
    return copy_project(tmp_path)


@pytest.fixture
def mini_project(tmp_path: Path) -> Project:
    """The real ontology and checks with a two-sentence test source instead of the essay."""
    project = copy_project(tmp_path, ("ontology", "queries"))
    overlay(project, DATA / "valid")
    return project
