"""The folders are the layers: the pipeline and the authoring tools never load the web stack."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import alliance_kg
from alliance_kg import authoring, pipeline

WEB = ("flask", "werkzeug", "alliance_kg.sparql", "alliance_kg.pages", "alliance_kg.front")


def modules_of(package: object) -> list[str]:
    return [found.name for found in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]


def test_the_pipeline_and_authoring_import_no_web_module() -> None:
    names = [*modules_of(pipeline), *modules_of(authoring), "alliance_kg.curie"]
    names += ["alliance_kg.store.embedded", "alliance_kg.store.version_cache"]
    assert len(names) > 15
    for name in names:  # one fresh interpreter each, so no module hides another's imports
        probe = (
            f"import sys, importlib; importlib.import_module({name!r}); "
            f"print(sorted(m for m in sys.modules if m.startswith({WEB!r})))"
        )
        loaded = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert loaded == "[]", (name, loaded)


def test_every_module_sits_in_a_layer_package() -> None:
    top = {found.name for found in pkgutil.iter_modules(alliance_kg.__path__)}
    layers = {"pipeline", "authoring", "store", "sparql", "front", "pages"}
    wiring = {"app", "cli", "config", "serving", "project", "vocab", "curie", "query_files"}
    wiring |= {"query_output", "live_reload", "package_data"}
    assert top == layers | wiring
