"""Settings are data: each one documented, read from the environment and the instance folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from flask import Flask

from alliance_kg import build, config, serving
from alliance_kg.gunicorn_worker import OneRequestWorker
from alliance_kg.project import Project

from .endpoint_support import make_app, write_build, write_project

DOCS = Path(__file__).resolve().parents[1] / "docs" / "endpoint.md"


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting: config.Setting) -> None:
    text = DOCS.read_text("utf-8")
    assert f"`{setting.name}`" in text
    assert setting.help


def test_environment_and_instance_config_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAX_RESULT_ROWS = 7\n")
    monkeypatch.setenv("ALLIANCE_KG_QUERY_TIMEOUT", "4.5")
    monkeypatch.setenv("ALLIANCE_KG_SERVICE_ALLOWLIST", "http://a.example/sparql, http://b/")
    app = make_app(tmp_path, QUERY_TIMEOUT=None)
    assert app.config["MAX_RESULT_ROWS"] == 7
    assert app.config["QUERY_TIMEOUT"] is None  # explicit overrides come last
    app = make_app(tmp_path)
    assert app.config["SERVICE_ALLOWLIST"] == ("http://a.example/sparql", "http://b/")


def test_serve_defaults_to_loopback_under_one_request_workers() -> None:
    parser = argparse.ArgumentParser()
    serving.add_serve_arguments(parser)
    args = parser.parse_args(
        ["--port", "8123", "--set", "max_result_rows=5", "--update-token", "t"]
    )
    overrides = serving._overrides(args)
    assert overrides == {"PORT": 8123, "MAX_RESULT_ROWS": 5, "UPDATE_TOKEN": "t"}
    options = serving.gunicorn_options({**config.defaults(), **overrides})
    assert options["bind"] == "127.0.0.1:8123"
    assert options["worker_class"] is OneRequestWorker
    assert options["threads"] == 1
    assert options["preload_app"] is True
    assert options["timeout"] > config.defaults()["QUERY_TIMEOUT"]
    with pytest.raises(SystemExit):
        serving._overrides(serve_args("--set", "NO_SUCH=1"))


def serve_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serving.add_serve_arguments(parser)
    return parser.parse_args(list(argv))


def test_serve_builds_first_when_there_is_no_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Path] = []

    def build_project(project: Project) -> Path:
        built.append(project.root)
        return write_build(project.build_dir / "fresh")

    served: list[dict] = []
    monkeypatch.setattr(build, "build_project", build_project)
    monkeypatch.setattr(serving.ProductionServer, "run", lambda self: served.append(self.options))
    assert serving.run_serve(serve_args("--port", "8124"), Project(tmp_path)) == 0
    assert built == [tmp_path]
    assert served[0]["bind"] == "127.0.0.1:8124"
    assert served[0]["worker_class"] is OneRequestWorker


def test_dev_runs_flask_with_the_auto_reloader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path)
    calls: list[dict] = []

    def run(app: Flask, host: str, port: int, **options: object) -> None:
        calls.append({"host": host, "port": port, **options})

    monkeypatch.setattr(Flask, "run", run)
    monkeypatch.setattr(serving.ProductionServer, "run", lambda self: pytest.fail("not gunicorn"))
    assert serving.run_serve(serve_args("--dev"), Project(tmp_path)) == 0
    assert calls == [{"host": "127.0.0.1", "port": 8000, "use_reloader": True, "threaded": True}]
