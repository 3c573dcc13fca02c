"""Settings are data: each one documented; serving reads the instance folder and environment,
tests only their own config."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from alliance_kg import cli, config, live_reload, serving
from alliance_kg.app import create_app
from alliance_kg.config import SettingsError
from alliance_kg.pipeline import build
from alliance_kg.project import Project
from alliance_kg.store import backend as store

from .endpoint_support import make_app, write_build, write_project


def serving_app(tmp_path: Path, **overrides: object) -> Flask:
    """The app as `alliance-kg serve` makes it: instance file and environment, then overrides."""
    given = {
        "BUILD_DIR": str(write_build(tmp_path / "build")),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        **overrides,
    }
    return create_app(overrides=given)


def test_serving_reads_the_instance_config_then_the_environment_then_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAX_RESULT_ROWS = 7\nMAX_QUERY_GROUPS = 9\n")
    monkeypatch.setenv("ALLIANCE_KG_MAX_QUERY_GROUPS", "11")
    monkeypatch.setenv("ALLIANCE_KG_QUERY_TIMEOUT", "4.5")
    app = serving_app(tmp_path, QUERY_TIMEOUT=6.0)
    assert app.config["MAX_RESULT_ROWS"] == 7
    assert app.config["MAX_QUERY_GROUPS"] == 11  # the environment wins over the instance file
    assert app.config["QUERY_TIMEOUT"] == 6.0  # explicit overrides come last


def test_a_test_config_ignores_the_instance_config_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAX_RESULT_ROWS = 7\n")
    monkeypatch.setenv("ALLIANCE_KG_QUERY_TIMEOUT", "30s")  # not even a number
    monkeypatch.setenv("ALLIANCE_KG_UPDATE_TOKEN", "stray")
    app = make_app(tmp_path)
    assert app.config["QUERY_TIMEOUT"] == 2.0
    assert app.config["MAX_RESULT_ROWS"] == config.defaults()["MAX_RESULT_ROWS"]
    assert app.config["UPDATE_TOKEN"] is None
    assert app.test_client().get("/sparql?query=ASK%7B%7D").status_code == 200
    with pytest.raises(SettingsError, match="30s"):
        serving_app(tmp_path)  # serving does read it


def test_no_alliance_kg_variable_reaches_a_test() -> None:
    """The autouse fixture in conftest.py removed any left in the developer's shell."""
    assert not [name for name in os.environ if name.startswith(config.ENV_PREFIX)]


def test_test_config_and_overrides_do_not_mix(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        create_app({"TESTING": True}, overrides={"PORT": 1})


def test_serve_reads_its_options_and_refuses_unknown_settings() -> None:
    parser = argparse.ArgumentParser()
    serving.add_serve_arguments(parser)
    args = parser.parse_args(
        ["--port", "8123", "--set", "max_result_rows=5", "--update-token", "t"]
    )
    overrides = serving._overrides(args)
    assert overrides == {"PORT": 8123, "MAX_RESULT_ROWS": 5, "UPDATE_TOKEN": "t"}
    with pytest.raises(SettingsError, match="did you mean MAX_RESULT_ROWS"):
        serving._overrides(serve_args("--set", "MAX_RESULTS=1"))


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
    monkeypatch.setattr(serving, "serve_wsgi", lambda app, config, *_, **__: served.append(config))
    assert serving.run_serve(serve_args("--port", "8124"), Project(tmp_path)) == 0
    assert built == [tmp_path]
    assert (served[0]["HOST"], served[0]["PORT"]) == ("127.0.0.1", 8124)
    assert served[0]["BUILD_DIR"] == str(tmp_path / "build" / "fresh")


def test_dev_runs_flask_with_the_auto_reloader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path)
    calls: list[dict] = []

    def run(app: Flask, host: str, port: int, **options: object) -> None:
        calls.append({"host": host, "port": port, **options})

    monkeypatch.setattr(Flask, "run", run)
    monkeypatch.setattr(serving, "serve_wsgi", lambda *_, **__: pytest.fail("not the front"))
    assert serving.run_serve(serve_args("--dev"), Project(tmp_path)) == 0
    assert calls == [{"host": "127.0.0.1", "port": 8000, "use_reloader": True, "threaded": True}]


@pytest.mark.parametrize("place", ["--set", "environment", "instance file"])
def test_serve_serves_an_explicit_build_dir_not_the_projects(
    place: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue: `serve --set BUILD_DIR=DIR` silently served the project's own build instead."""
    project = Project(write_project(tmp_path / "project"))
    other = str(write_build(tmp_path / "other", version="other-version"))
    argv: list[str] = []
    if place == "--set":
        argv = ["--set", f"BUILD_DIR={other}"]
    elif place == "environment":
        monkeypatch.setenv("ALLIANCE_KG_BUILD_DIR", other)
    else:
        (project.root / "instance").mkdir()
        (project.root / "instance" / "config.py").write_text(f"BUILD_DIR = {other!r}\n")
    served: list[Flask] = []
    monkeypatch.setattr(build, "build_project", lambda _: pytest.fail("built the project"))
    monkeypatch.setattr(serving, "serve_wsgi", lambda app, *_, **__: served.append(app))
    caplog.set_level("INFO", logger="alliance_kg.serving")
    assert serving.run_serve(serve_args(*argv), project) == 0
    assert served[0].extensions[store.EXTENSION].version == "other-version"
    assert f"serving BUILD_DIR {other}, not the project's build" in caplog.messages


def test_dev_does_not_live_reload_the_project_over_an_explicit_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(write_project(tmp_path / "project"))
    other = str(write_build(tmp_path / "other", version="other-version"))
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    monkeypatch.setattr(Flask, "run", lambda *_, **__: None)
    monkeypatch.setattr(live_reload, "init_app", lambda *_: pytest.fail("live reload"))
    assert serving.run_serve(serve_args("--dev", "--set", f"BUILD_DIR={other}"), project) == 0


@pytest.mark.parametrize("command", [cli.main, serving.main], ids=["alliance-kg", "serving"])
def test_serve_prints_a_bad_setting_on_one_line_and_exits_1(
    command: Callable[[list[str]], int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_project(tmp_path)
    monkeypatch.setenv("ALLIANCE_KG_QUERY_TIMEOUT", "30s")
    subcommand = ["serve"] if command is cli.main else []
    assert command(["--project", str(tmp_path), *subcommand]) == 1
    assert capsys.readouterr().err == (
        "settings: QUERY_TIMEOUT '30s' from the environment (ALLIANCE_KG_QUERY_TIMEOUT): "
        "expected a number of seconds above 0\n"
    )
